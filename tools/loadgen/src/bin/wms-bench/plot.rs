//! The pictures: successful orders per second against clients, per variant
//! (hot SKU and catalogue, synchronous_commit on and off), and latency
//! percentiles.

use std::path::Path;

use plotters::prelude::*;

use crate::{modes, Cell, VARIANTS};

fn color(variant: &str) -> RGBColor {
    match variant {
        "ext" => RGBColor(0, 114, 178),
        "ext_tx" => RGBColor(86, 180, 233),
        "ext_submit" => RGBColor(204, 121, 167),
        "client_for_update" => RGBColor(213, 94, 0),
        "naive_unsafe" => RGBColor(150, 150, 150),
        _ => RGBColor(0, 158, 115),
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// One panel: `value` of each variant's cells of `workload` in `mode` at
/// `synchronous_commit = sync`, against clients (log scale).
#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    cells: &[Cell],
    workload: &str,
    sync: &str,
    mode: &str,
    title: &str,
    y_desc: &str,
    value: impl Fn(&Cell) -> Option<f64>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let points = |variant: &str| -> Vec<(u32, f64)> {
        let mut p: Vec<(u32, f64)> = cells
            .iter()
            .filter(|c| {
                c.workload == workload
                    && c.synchronous_commit == sync
                    && c.mode == mode
                    && c.variant == variant
            })
            .filter_map(|c| value(c).map(|v| (c.clients, v)))
            .collect();
        p.sort_by_key(|(c, _)| *c);
        p
    };
    let all: Vec<(u32, f64)> = VARIANTS.iter().flat_map(|v| points(v)).collect();
    if all.is_empty() {
        return Ok(());
    }
    let x_max = all.iter().map(|p| p.0).max().unwrap_or(1).max(2) * 2;
    let y_max = all.iter().map(|p| p.1).fold(0.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((1u32..x_max).log_scale(), 0f64..y_max.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc("clients")
        .y_desc(y_desc)
        .draw()?;
    for variant in VARIANTS {
        let p = points(variant);
        if p.is_empty() {
            continue;
        }
        let c = color(variant);
        chart
            .draw_series(LineSeries::new(p.clone(), c.stroke_width(2)))?
            .label(variant)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(p.iter().map(|&pt| Circle::new(pt, 4, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// throughput.svg: hot SKU and catalogue in each mode, synchronous_commit on.
pub fn throughput(path: &Path, cells: &[Cell]) -> Result<()> {
    let modes = modes(cells);
    let columns = modes.len().max(1);
    let root = SVGBackend::new(path, (700 * columns as u32, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, columns));
    let orders = |c: &Cell| c.orders_per_s;
    let wanted = ["hot", "catalogue"]
        .into_iter()
        .flat_map(|w| modes.iter().map(move |m| (w, m.as_str())));
    for (area, (workload, mode)) in panels.iter().zip(wanted) {
        let title = format!(
            "{}, {mode}, synchronous_commit on: orders/s",
            if workload == "hot" {
                "hot SKU"
            } else {
                "catalogue"
            }
        );
        panel(
            area, cells, workload, "on", mode, &title, "orders/s", orders,
        )?;
    }
    root.present()?;
    Ok(())
}

/// latency.svg: p50 and p99 of the hot SKU against clients, synchronous_commit
/// on, in the first mode.
pub fn latency(path: &Path, cells: &[Cell]) -> Result<()> {
    let mode = modes(cells).into_iter().next().unwrap_or_default();
    let root = SVGBackend::new(path, (1400, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    panel(
        &panels[0],
        cells,
        "hot",
        "on",
        &mode,
        &format!("hot SKU, {mode}, synchronous_commit on: p50 latency (ms)"),
        "ms",
        |c| c.p50_ms,
    )?;
    panel(
        &panels[1],
        cells,
        "hot",
        "on",
        &mode,
        &format!("hot SKU, {mode}, synchronous_commit on: p99 latency (ms)"),
        "ms",
        |c| c.p99_ms,
    )?;
    root.present()?;
    Ok(())
}
