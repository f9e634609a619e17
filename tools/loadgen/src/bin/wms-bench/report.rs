//! results.md: the medians as tables a person reads, with the machine
//! facts, the targets and the pictures.

use std::fmt::Write;

use crate::{modes, Args, Cell, Target, VARIANTS};

fn cell<'a>(
    cells: &'a [Cell],
    workload: &str,
    variant: &str,
    sync: &str,
    mode: &str,
    clients: u32,
) -> Option<&'a Cell> {
    cells.iter().find(|c| {
        c.workload == workload
            && c.variant == variant
            && c.synchronous_commit == sync
            && c.mode == mode
            && c.clients == clients
    })
}

/// A median, or why there is none.
fn figure(c: Option<&Cell>, value: impl Fn(&Cell) -> Option<f64>) -> String {
    match c {
        None => String::new(),
        Some(c) => match value(c) {
            Some(v) => format!("{v:.0}"),
            None if c.check.starts_with("oversold") => "oversold".to_string(),
            None => "failed".to_string(),
        },
    }
}

pub fn markdown(
    cells: &[Cell],
    targets: &[Target],
    machine: &serde_json::Value,
    instructions: Option<&serde_json::Value>,
    args: &Args,
) -> Result<String, std::fmt::Error> {
    let Args {
        repeats,
        duration,
        warmup,
        flash_rate,
        ..
    } = args;
    let mut md = String::new();
    writeln!(md, "# Benchmark results\n")?;
    writeln!(
        md,
        "Written by `bash scripts/bench.sh` (docs/benchmark.md describes the variants and the checks). \
         Each figure is the median of {repeats} runs, variants interleaved; a run whose check failed has no figure. \
         A steady run lasts {duration} s plus one per 50 clients, and is measured after its first {warmup} s \
         and once every client has finished its first transaction (the new connections' first calls); \
         in the flash sale `flash` buyers arrive at {flash_rate} a second, in `flash_at_once` all at once. \
         A mode is the route (direct connections, or through pgbouncer in transaction mode) and pgbench's protocol \
         (`-M simple`, `extended` or `prepared`). A figure marked * is CPU-bound: the machine's cores were busy \
         at least 90% of the run (the server, pgbench and pgbouncer share them). Machine: `{machine}`.\n"
    )?;
    writeln!(md, "![successful orders per second](throughput.svg)\n")?;
    writeln!(md, "## Targets (synchronous_commit on)\n")?;
    writeln!(md, "| target | measured | goal | |\n|---|---|---|---|")?;
    for t in targets {
        writeln!(
            md,
            "| {} | {} | {} | {} |",
            t.name,
            t.measured.map_or("-".to_string(), |m| format!("{m:.2}")),
            t.goal,
            if t.met { "met" } else { "not met" }
        )?;
    }
    if let Some(per) = instructions.and_then(|i| i["instructions_per_order"].as_object()) {
        writeln!(
            md,
            "\n## Instructions per order\n\nInstructions one hot-SKU order costs a single-user backend, \
             counted by callgrind (scripts/instructions.sh): the same for the same build, whatever the machine does.\n"
        )?;
        writeln!(md, "| variant | instructions per order |\n|---|---|")?;
        for (variant, n) in per {
            writeln!(md, "| {variant} | {n} |")?;
        }
    }
    let mut workloads: Vec<(&str, &str)> = vec![
        ("hot", "Hot SKU"),
        ("catalogue", "Catalogue (10,000 SKUs, zipfian)"),
    ];
    workloads.retain(|(w, _)| cells.iter().any(|c| c.workload == *w));
    for (workload, title) in workloads {
        let mut clients: Vec<u32> = cells
            .iter()
            .filter(|c| c.workload == workload)
            .map(|c| c.clients)
            .collect();
        clients.sort_unstable();
        clients.dedup();
        for (sync, mode) in ["on", "off"]
            .into_iter()
            .flat_map(|s| modes(cells).into_iter().map(move |m| (s, m)))
        {
            if !cells
                .iter()
                .any(|c| c.workload == workload && c.synchronous_commit == sync && c.mode == mode)
            {
                continue;
            }
            writeln!(md, "\n## {title}, {mode}, synchronous_commit {sync}\n")?;
            writeln!(
                md,
                "Successful orders per second; p50 / p99 latency in ms.\n"
            )?;
            writeln!(md, "| clients | {} |", VARIANTS.join(" | "))?;
            writeln!(md, "|---{}|", "|---".repeat(VARIANTS.len()))?;
            for &n in &clients {
                let row: Vec<String> = VARIANTS
                    .iter()
                    .map(|v| {
                        let c = cell(cells, workload, v, sync, &mode, n);
                        let orders = figure(c, |c| c.orders_per_s);
                        match c.filter(|c| c.orders_per_s.is_some()) {
                            Some(c) => format!(
                                "{orders}{} ({} / {})",
                                if c.cpu_bound() { "*" } else { "" },
                                figure(Some(c), |c| c.p50_ms),
                                figure(Some(c), |c| c.p99_ms)
                            ),
                            None => orders,
                        }
                    })
                    .collect();
                writeln!(md, "| {n} | {} |", row.join(" | "))?;
            }
        }
    }
    for (workload, title) in [
        ("flash_at_once", "every buyer released at once"),
        ("flash", "the buyers arriving over time"),
    ] {
        if !cells.iter().any(|c| c.workload == workload) {
            continue;
        }
        writeln!(
            md,
            "\n## Flash sale ({workload}), 100 units, one attempt per buyer, {title}\n"
        )?;
        writeln!(
            md,
            "Drain: from the first buyer's arrival to the last sale. Latency (from arrival) of the buyers who got a unit \
             (winners), of those who did not (losers), and of the losers who arrived after the last unit was sold \
             (after sell-out: how many, p50 / p99), p50 / p99 in ms.\n"
        )?;
        writeln!(md, "| buyers | synchronous_commit | mode | variant | drain ms | winners | losers | after sell-out |\n|---|---|---|---|---|---|---|---|")?;
        let mut buyers: Vec<u32> = cells
            .iter()
            .filter(|c| c.workload == workload)
            .map(|c| c.clients)
            .collect();
        buyers.sort_unstable();
        buyers.dedup();
        for n in buyers {
            for (sync, mode) in ["on", "off"]
                .into_iter()
                .flat_map(|s| modes(cells).into_iter().map(move |m| (s, m)))
            {
                for v in VARIANTS {
                    let Some(c) = cell(cells, workload, v, sync, &mode, n) else {
                        continue;
                    };
                    if c.orders_per_s.is_none() {
                        writeln!(md, "| {n} | {sync} | {mode} | {v} | {} | | | |", c.check)?;
                        continue;
                    }
                    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0}"));
                    writeln!(
                        md,
                        "| {n} | {sync} | {mode} | {v} | {} | {} / {} | {} / {} | {}: {} / {} |",
                        f(c.drain_ms),
                        f(c.winners_p50_ms),
                        f(c.winners_p99_ms),
                        f(c.losers_p50_ms),
                        f(c.losers_p99_ms),
                        f(c.late_buyers),
                        f(c.late_p50_ms),
                        f(c.late_p99_ms)
                    )?;
                }
            }
        }
    }
    writeln!(md, "\n![latency](latency.svg)\n")?;
    writeln!(md, "Every run: [runs.csv](runs.csv); medians: [summary.csv](summary.csv); all of it: [results.json](results.json).")?;
    Ok(md)
}
