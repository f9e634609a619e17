//! The benchmark (docs/benchmark.md): pgbench drives each variant of placing an
//! order (bench/*.sql) against the same data, on the hot-SKU, catalogue and
//! flash-sale workloads, with synchronous_commit on and off, in each mode
//! (direct connections or through pgbouncer in transaction mode, pgbench's
//! simple, extended or prepared protocol), variants interleaved and every
//! cell repeated. After each run the database is checked; a run that fails
//! the check gets no throughput figure. Writes runs.csv, summary.csv,
//! results.json, results.md, throughput.svg and latency.svg.

#[path = "wms-bench/plot.rs"]
mod plot;
#[path = "wms-bench/report.rs"]
mod report;
#[path = "wms-bench/run.rs"]
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use serde::Serialize;

use run::{Run, Workload};

#[derive(Parser)]
#[command(about = "Benchmark wms_place_order against hand-written protocols with pgbench")]
pub struct Args {
    /// Server socket directory (or host)
    #[arg(long)]
    pub host: String,
    #[arg(long)]
    pub port: u16,
    #[arg(long)]
    pub user: String,
    /// Database the runs use; the extension is dropped and created in it for every run
    #[arg(long, default_value = "wms_bench")]
    pub dbname: String,
    /// Directory of pgbench and psql
    #[arg(long)]
    pub pg_bin: PathBuf,
    /// Directory of the variants' pgbench scripts and load.sql
    #[arg(long, default_value = "bench")]
    pub scripts: PathBuf,
    /// Where the results go
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    /// Seconds per steady run, plus one per 50 clients
    #[arg(long, default_value_t = 8)]
    pub duration: u32,
    /// Seconds at the start of a steady run that are not measured (nor
    /// before every client has finished its first transaction): the new
    /// connections' first calls
    #[arg(long, default_value_t = 3)]
    pub warmup: u32,
    /// Flash sale (workload flash): buyers arriving per second
    #[arg(long, default_value_t = 200)]
    pub flash_rate: u32,
    /// Times every cell runs (variants interleaved within each round)
    #[arg(long, default_value_t = 3)]
    pub repeats: u32,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hot,catalogue,flash,flash_at_once"
    )]
    pub workloads: Vec<Workload>,
    #[arg(long, value_delimiter = ',', default_value = "on,off")]
    pub sync: Vec<String>,
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ext,ext_submit,ext_tx,client_for_update,naive_unsafe,bare_sql"
    )]
    pub variants: Vec<String>,
    /// Route and protocol of each run: direct or pooler (pgbouncer, in
    /// transaction mode), and pgbench's -M: simple, extended or prepared
    /// (pgbouncer 1.18 keeps no prepared statement across transactions, so
    /// through it drivers use the extended protocol's unnamed statements)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "direct/simple,direct/prepared,pooler/extended"
    )]
    pub modes: Vec<String>,
    /// pgbouncer's socket directory (or host), for the pooler modes
    #[arg(long)]
    pub pooler_host: Option<String>,
    #[arg(long)]
    pub pooler_port: Option<u16>,
    #[arg(long, value_delimiter = ',', default_value = "1,8,16,32,100,200,500")]
    pub hot_clients: Vec<u32>,
    #[arg(long, value_delimiter = ',', default_value = "50,200")]
    pub catalogue_clients: Vec<u32>,
    #[arg(long, value_delimiter = ',', default_value = "200,1000")]
    pub flash_buyers: Vec<u32>,
    /// Machine facts to record with the results (JSON object)
    #[arg(long, default_value = "{}")]
    pub machine: String,
}

/// The variants, in the order the tables and pictures show them.
pub const VARIANTS: [&str; 6] = [
    "ext",
    "ext_submit",
    "ext_tx",
    "client_for_update",
    "naive_unsafe",
    "bare_sql",
];

/// The median of the runs of one cell.
#[derive(Serialize, Clone)]
pub struct Cell {
    pub workload: String,
    pub variant: String,
    pub synchronous_commit: String,
    pub mode: String,
    pub clients: u32,
    pub runs: usize,
    pub passed: usize,
    pub orders_per_s: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub winners_p50_ms: Option<f64>,
    pub winners_p99_ms: Option<f64>,
    pub losers_p50_ms: Option<f64>,
    pub losers_p99_ms: Option<f64>,
    pub late_buyers: Option<f64>,
    pub late_p50_ms: Option<f64>,
    pub late_p99_ms: Option<f64>,
    pub drain_ms: Option<f64>,
    /// Share of the machine's CPU time busy during the runs (all cores).
    pub cpu_busy: Option<f64>,
    pub check: String,
}

impl Cell {
    /// CPU-bound: the cores were busy nearly all the time.
    pub fn cpu_bound(&self) -> bool {
        self.cpu_busy.is_some_and(|b| b >= 0.9)
    }
}

/// The modes of the cells, in the order they ran.
pub fn modes(cells: &[Cell]) -> Vec<String> {
    let mut modes: Vec<String> = Vec::new();
    for c in cells {
        if !modes.contains(&c.mode) {
            modes.push(c.mode.clone());
        }
    }
    modes
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Medians per (workload, variant, synchronous_commit, mode, clients), over the
/// runs that passed their check; a cell none of whose runs passed has no
/// figures, and its check says what went wrong.
fn summarise(runs: &[Run]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for r in runs {
        if cells.iter().any(|c| {
            c.workload == r.workload
                && c.variant == r.variant
                && c.synchronous_commit == r.synchronous_commit
                && c.mode == r.mode
                && c.clients == r.clients
        }) {
            continue;
        }
        let same: Vec<&Run> = runs
            .iter()
            .filter(|o| {
                o.workload == r.workload
                    && o.variant == r.variant
                    && o.synchronous_commit == r.synchronous_commit
                    && o.mode == r.mode
                    && o.clients == r.clients
            })
            .collect();
        let ok: Vec<&&Run> = same.iter().filter(|o| o.check == "pass").collect();
        let m = |f: fn(&Run) -> Option<f64>| median(ok.iter().filter_map(|o| f(o)).collect());
        let failed: Vec<&str> = same
            .iter()
            .filter(|o| o.check != "pass")
            .map(|o| o.check.as_str())
            .collect();
        cells.push(Cell {
            workload: r.workload.clone(),
            variant: r.variant.clone(),
            synchronous_commit: r.synchronous_commit.clone(),
            mode: r.mode.clone(),
            clients: r.clients,
            runs: same.len(),
            passed: ok.len(),
            orders_per_s: m(|o| o.orders_per_s),
            p50_ms: m(|o| o.p50_ms),
            p99_ms: m(|o| o.p99_ms),
            winners_p50_ms: m(|o| o.winners_p50_ms),
            winners_p99_ms: m(|o| o.winners_p99_ms),
            losers_p50_ms: m(|o| o.losers_p50_ms),
            losers_p99_ms: m(|o| o.losers_p99_ms),
            late_buyers: m(|o| o.late_buyers.map(|n| n as f64)),
            late_p50_ms: m(|o| o.late_p50_ms),
            late_p99_ms: m(|o| o.late_p99_ms),
            drain_ms: m(|o| o.drain_ms),
            cpu_busy: m(|o| o.cpu_busy),
            check: if failed.is_empty() {
                "pass".to_string()
            } else {
                failed[0].to_string()
            },
        });
    }
    cells
}

/// A performance goal, as measured.
#[derive(Serialize)]
pub struct Target {
    pub name: String,
    pub measured: Option<f64>,
    pub goal: String,
    pub met: bool,
}

fn figure(cells: &[Cell], workload: &str, variant: &str, mode: &str, clients: u32) -> Option<f64> {
    cells
        .iter()
        .find(|c| {
            c.workload == workload
                && c.variant == variant
                && c.synchronous_commit == "on"
                && c.mode == mode
                && c.clients == clients
        })
        .and_then(|c| c.orders_per_s)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?)
}

fn targets(cells: &[Cell]) -> Vec<Target> {
    let f = |w, v, m, c| figure(cells, w, v, m, c);
    let (simple, prepared, pooled) = ("direct/simple", "direct/prepared", "pooler/extended");
    let vs = |w, m, c, other| ratio(f(w, "ext", m, c), f(w, other, m, c));
    let peak = cells
        .iter()
        .filter(|c| {
            c.workload == "hot"
                && c.variant == "ext"
                && c.synchronous_commit == "on"
                && c.mode == simple
        })
        .filter_map(|c| c.orders_per_s)
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let at_least = |name: &str, measured: Option<f64>, goal: f64| Target {
        name: name.to_string(),
        measured,
        goal: format!(">= {goal}"),
        met: measured.is_some_and(|m| m >= goal),
    };
    let flash = cells.iter().find(|c| {
        c.workload == "flash"
            && c.variant == "ext"
            && c.synchronous_commit == "on"
            && c.mode == simple
            && c.clients == 1000
    });
    // Buyers after the sell-out never stand in line: even the slowest of
    // them is answered sooner than the median winner, who did.
    let late = flash.and_then(|c| ratio(c.late_p99_ms, c.winners_p50_ms));
    // The group-commit API against the hand-written statement prepared,
    // the way a team would run it, directly.
    let submit = |w, m, c| ratio(f(w, "ext_submit", m, c), f(w, "bare_sql", prepared, c));
    // Its flash sale, 1000 buyers released at once, in each mode: drain
    // and winners' p50 below every other variant's.
    let flash_first = |mode: &str| -> Option<f64> {
        let of = |variant: &str| {
            cells.iter().find(|c| {
                c.workload == "flash_at_once"
                    && c.variant == variant
                    && c.synchronous_commit == "on"
                    && c.mode == mode
                    && c.clients == 1000
            })
        };
        let mine = of("ext_submit")?;
        let others: Vec<&Cell> = VARIANTS
            .iter()
            .filter(|v| !matches!(**v, "ext_submit" | "naive_unsafe"))
            .filter_map(|v| of(v))
            .collect();
        if others.is_empty() {
            return None;
        }
        // The worst of the two ratios against the best other variant.
        let best = |value: fn(&Cell) -> Option<f64>| {
            others
                .iter()
                .filter_map(|c| value(c))
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))))
        };
        let drain = ratio(mine.drain_ms, best(|c| c.drain_ms))?;
        let p50 = ratio(mine.winners_p50_ms, best(|c| c.winners_p50_ms))?;
        Some(drain.max(p50))
    };
    let below = |name: &str, measured: Option<f64>| Target {
        name: name.to_string(),
        measured,
        goal: "< 1".into(),
        met: measured.is_some_and(|m| m < 1.0),
    };
    vec![
        at_least(
            "direct/prepared, hot SKU, 100 clients: ext_submit / bare_sql (direct/prepared)",
            submit("hot", prepared, 100),
            3.0,
        ),
        at_least(
            "pooler/extended, hot SKU, 100 clients: ext_submit / bare_sql (direct/prepared)",
            submit("hot", pooled, 100),
            3.0,
        ),
        at_least(
            "direct/prepared, catalogue, 50 clients: ext_submit / bare_sql (direct/prepared)",
            submit("catalogue", prepared, 50),
            2.0,
        ),
        at_least(
            "pooler/extended, catalogue, 50 clients: ext_submit / bare_sql (direct/prepared)",
            submit("catalogue", pooled, 50),
            2.0,
        ),
        below(
            "direct/simple, flash sale, 1000 buyers released at once: ext_submit's drain and winners' p50 / the best other variant's",
            flash_first(simple),
        ),
        below(
            "pooler/extended, flash sale, 1000 buyers released at once: ext_submit's drain and winners' p50 / the best other variant's",
            flash_first(pooled),
        ),
        at_least(
            "direct/simple, hot SKU, 100 clients: ext / client_for_update",
            vs("hot", simple, 100, "client_for_update"),
            3.0,
        ),
        at_least(
            "direct/simple, hot SKU, 100 clients: ext / bare_sql",
            vs("hot", simple, 100, "bare_sql"),
            2.0,
        ),
        at_least(
            "direct/prepared, catalogue, 50 clients: ext / bare_sql",
            vs("catalogue", prepared, 50, "bare_sql"),
            1.0,
        ),
        at_least(
            "direct/prepared, hot SKU, 8 clients: ext / bare_sql",
            vs("hot", prepared, 8, "bare_sql"),
            1.0,
        ),
        at_least(
            "direct/prepared, hot SKU, 16 clients: ext / bare_sql",
            vs("hot", prepared, 16, "bare_sql"),
            1.0,
        ),
        at_least(
            "pooler/extended, hot SKU, 100 clients: ext / bare_sql",
            vs("hot", pooled, 100, "bare_sql"),
            1.2,
        ),
        at_least(
            "pooler/extended, hot SKU, 500 clients: ext / bare_sql",
            vs("hot", pooled, 500, "bare_sql"),
            1.2,
        ),
        at_least(
            "direct/simple, hot SKU: ext at 500 clients / ext's peak",
            ratio(f("hot", "ext", simple, 500), peak),
            0.5,
        ),
        Target {
            name: "direct/simple, flash sale, 1000 buyers arriving: ext's buyers after the sell-out, p99 / winners' p50"
                .into(),
            measured: late,
            goal: "< 1".into(),
            met: late.is_some_and(|r| r < 1.0)
                && flash.and_then(|c| c.late_buyers).is_some_and(|n| n > 0.0),
        },
    ]
}

fn main() -> ExitCode {
    wms_loadgen::exit_code("wms-bench", bench(&Args::parse()))
}

fn bench(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(&args.out)?;
    let runs = run::all(args)?;
    let cells = summarise(&runs);

    let mut w = csv::Writer::from_path(args.out.join("runs.csv"))?;
    for r in &runs {
        w.serialize(r)?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(args.out.join("summary.csv"))?;
    for c in &cells {
        w.serialize(c)?;
    }
    w.flush()?;
    let targets = targets(&cells);
    let machine: serde_json::Value = serde_json::from_str(&args.machine)?;
    // Instructions per order (scripts/instructions.sh), when measured.
    let instructions: Option<serde_json::Value> =
        std::fs::read_to_string(args.out.join("instructions.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
    std::fs::write(
        args.out.join("results.json"),
        serde_json::to_string_pretty(&serde_json::json!({
            "machine": machine,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "flash_buyers_per_s": args.flash_rate,
            "repeats": args.repeats,
            "cells": cells,
            "targets": targets,
            "instructions": instructions,
            "runs": runs,
        }))?,
    )?;
    std::fs::write(
        args.out.join("results.md"),
        report::markdown(&cells, &targets, &machine, instructions.as_ref(), args)?,
    )?;
    plot::throughput(&args.out.join("throughput.svg"), &cells)?;
    plot::latency(&args.out.join("latency.svg"), &cells)?;

    println!(
        "\nmedian successful orders/s (p50 / p99 latency ms; * CPU-bound), synchronous_commit on | off:"
    );
    for c in cells.iter().filter(|c| c.synchronous_commit == "on") {
        let other = cells.iter().find(|o| {
            o.synchronous_commit != "on"
                && o.workload == c.workload
                && o.variant == c.variant
                && o.mode == c.mode
                && o.clients == c.clients
        });
        let show = |c: &Cell| match c.orders_per_s {
            Some(x) => format!(
                "{x:>8.0}{} ({:.1} / {:.1})",
                if c.cpu_bound() { "*" } else { " " },
                c.p50_ms.unwrap_or(f64::NAN),
                c.p99_ms.unwrap_or(f64::NAN)
            ),
            None => format!("{:>8} ({})", "-", c.check),
        };
        println!(
            "  {:<16} {:<9} {:<18} {:>4} clients: {} | {}",
            c.mode,
            c.workload,
            c.variant,
            c.clients,
            show(c),
            other.map(show).unwrap_or_default()
        );
    }
    for c in cells
        .iter()
        .filter(|c| c.workload.starts_with("flash") && c.passed > 0)
    {
        println!(
            "  {:<13} {:<16} {:<18} {:>4} buyers, sync {:<3}: drained in {:.0} ms; winners p50 {:.1} ms p99 {:.1} ms; losers p50 {:.1} ms p99 {:.1} ms; {:.0} after the sell-out p50 {:.1} ms p99 {:.1} ms",
            c.workload,
            c.mode,
            c.variant,
            c.clients,
            c.synchronous_commit,
            c.drain_ms.unwrap_or(f64::NAN),
            c.winners_p50_ms.unwrap_or(f64::NAN),
            c.winners_p99_ms.unwrap_or(f64::NAN),
            c.losers_p50_ms.unwrap_or(f64::NAN),
            c.losers_p99_ms.unwrap_or(f64::NAN),
            c.late_buyers.unwrap_or(f64::NAN),
            c.late_p50_ms.unwrap_or(f64::NAN),
            c.late_p99_ms.unwrap_or(f64::NAN),
        );
    }
    println!("\ntargets (synchronous_commit on):");
    for t in &targets {
        println!(
            "  {}: {} (goal {}): {}",
            t.name,
            t.measured.map_or("-".to_string(), |m| format!("{m:.2}")),
            t.goal,
            if t.met { "met" } else { "NOT met" }
        );
    }
    // naive_unsafe must be seen to oversell; every other variant must pass.
    let naive_caught = !runs.iter().any(|r| r.variant == "naive_unsafe")
        || runs
            .iter()
            .any(|r| r.variant == "naive_unsafe" && r.check.starts_with("oversold"));
    let others_pass = runs
        .iter()
        .filter(|r| r.variant != "naive_unsafe")
        .all(|r| r.check == "pass");
    println!(
        "\nchecks: every safe variant's run passed: {others_pass}; naive_unsafe seen to oversell: {naive_caught}"
    );
    println!("results in {}", args.out.display());
    Ok(others_pass && naive_caught)
}
