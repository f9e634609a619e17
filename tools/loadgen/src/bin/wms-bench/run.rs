//! One pgbench run: reset the data, drive a variant, read pgbench's answer
//! and per-transaction log, check the database.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use hdrhistogram::Histogram;
use postgres::{Client, Config, NoTls};
use serde::Serialize;

use crate::Args;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// One SKU with stock that never runs out, steady for --duration
    Hot,
    /// 10,000 SKUs, zipfian popularity, steady for --duration
    Catalogue,
    /// 100 units of one SKU, each buyer one attempt
    Flash,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Hot => "hot",
            Workload::Catalogue => "catalogue",
            Workload::Flash => "flash",
        }
    }

    /// (SKUs, units of each)
    fn data(self) -> (i64, i64) {
        match self {
            Workload::Hot => (1, 1_000_000_000),
            Workload::Catalogue => (10_000, 1_000_000),
            Workload::Flash => (1, 100),
        }
    }

    fn clients(self, args: &Args) -> Vec<u32> {
        match self {
            Workload::Hot => args.hot_clients.clone(),
            Workload::Catalogue => args.catalogue_clients.clone(),
            Workload::Flash => args.flash_buyers.clone(),
        }
    }
}

/// One run of one cell, and what its check found.
#[derive(Serialize, Clone, Debug)]
pub struct Run {
    pub workload: String,
    pub variant: String,
    pub synchronous_commit: String,
    pub clients: u32,
    pub round: u32,
    pub transactions: u64,
    pub failed_transactions: u64,
    pub tps: f64,
    pub fulfilled: i64,
    /// Successful orders per second: None when the check failed.
    pub orders_per_s: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub winners_p50_ms: Option<f64>,
    pub winners_p99_ms: Option<f64>,
    pub losers_p50_ms: Option<f64>,
    pub losers_p99_ms: Option<f64>,
    /// Flash sale: first sale to last sale.
    pub drain_ms: Option<f64>,
    /// "pass", "oversold: ...", or "fail: ..."
    pub check: String,
}

/// Every run, in the order they ran: rounds of (synchronous_commit,
/// workload, clients) cells, each cell running every variant in turn.
pub fn all(args: &Args) -> Result<Vec<Run>, Box<dyn std::error::Error>> {
    let mut runs = Vec::new();
    let cells: usize = args
        .workloads
        .iter()
        .map(|w| w.clients(args).len() * args.variants.len())
        .sum::<usize>()
        * args.sync.len();
    let total = cells * args.repeats as usize;
    for round in 1..=args.repeats {
        for sync in &args.sync {
            for &workload in &args.workloads {
                for clients in workload.clients(args) {
                    for variant in &args.variants {
                        let run = one(args, workload, variant, sync, clients, round)?;
                        println!(
                            "[{}/{}] round {round} {} {variant} sync={sync} clients={clients}: {} orders/s, check {}",
                            runs.len() + 1,
                            total,
                            run.workload,
                            run.orders_per_s.map_or("-".to_string(), |x| format!("{x:.0}")),
                            run.check
                        );
                        runs.push(run);
                    }
                }
            }
        }
    }
    Ok(runs)
}

fn connect(args: &Args) -> Result<Client, postgres::Error> {
    Config::new()
        .host(&args.host)
        .port(args.port)
        .user(&args.user)
        .dbname(&args.dbname)
        .connect(NoTls)
}

/// A PostgreSQL client program of --pg-bin, connected to the benchmark
/// database through libpq's environment.
fn pg_tool(args: &Args, program: &str) -> Command {
    let mut cmd = Command::new(args.pg_bin.join(program));
    cmd.env("PGHOST", &args.host)
        .env("PGPORT", args.port.to_string())
        .env("PGUSER", &args.user)
        .env("PGDATABASE", &args.dbname);
    cmd
}

/// A fresh extension in the benchmark database with the workload's data.
fn reset(args: &Args, workload: Workload) -> Result<(), Box<dyn std::error::Error>> {
    let mut client = connect(args)?;
    client.batch_execute("DROP EXTENSION IF EXISTS wms CASCADE; CREATE EXTENSION wms")?;
    let (skus, stock) = workload.data();
    let status = pg_tool(args, "psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .args([
            "-v",
            &format!("skus={skus}"),
            "-v",
            &format!("stock={stock}"),
        ])
        .arg("-f")
        .arg(args.scripts.join("load.sql"))
        .status()?;
    if !status.success() {
        return Err(format!("loading {} failed", args.scripts.join("load.sql").display()).into());
    }
    client.batch_execute("CHECKPOINT")?;
    Ok(())
}

/// What pgbench printed: (transactions, failed, tps).
fn parse_summary(out: &str) -> Result<(u64, u64, f64), String> {
    let find = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
            .ok_or_else(|| format!("pgbench printed no \"{prefix}\":\n{out}"))
    };
    let transactions = find("number of transactions actually processed:")?
        .split('/')
        .next()
        .unwrap_or("")
        .parse()
        .map_err(|e| format!("transactions: {e}"))?;
    let failed = find("number of failed transactions:")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let tps = find("tps =")?.parse().map_err(|e| format!("tps: {e}"))?;
    Ok((transactions, failed, tps))
}

/// (client_id, latency in microseconds) of every successful transaction
/// in pgbench's per-transaction logs (`--log`) under `dir`.
fn transaction_latencies(dir: &Path) -> Result<Vec<(u32, u64)>, std::io::Error> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            let mut f = line.split_whitespace();
            let (Some(client), Some(_txn), Some(time)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if let (Ok(client), Ok(us)) = (client.parse(), time.parse()) {
                out.push((client, us));
            }
        }
    }
    Ok(out)
}

fn percentile(values: impl Iterator<Item = u64>, q: f64) -> Option<f64> {
    let mut h = Histogram::<u64>::new(3).expect("3 significant digits");
    for v in values {
        h.record(v.max(1)).expect("auto-resizing histogram");
    }
    (h.len() > 0).then(|| h.value_at_quantile(q) as f64 / 1000.0)
}

fn one(
    args: &Args,
    workload: Workload,
    variant: &str,
    sync: &str,
    clients: u32,
    round: u32,
) -> Result<Run, Box<dyn std::error::Error>> {
    reset(args, workload)?;
    let (skus, stock) = workload.data();
    let logs = tempfile::tempdir()?;
    let threads = clients.min(std::thread::available_parallelism().map_or(2, |n| n.get() as u32));
    let mut cmd = pg_tool(args, "pgbench");
    cmd.env("PGOPTIONS", format!("-c synchronous_commit={sync}"))
        .arg("-n")
        .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
        .args(["-D", &format!("skus={skus}")])
        .arg("-f")
        .arg(args.scripts.join(format!("{variant}.sql")))
        .arg("--log")
        .arg(format!("--log-prefix={}/tx", logs.path().display()));
    match workload {
        Workload::Flash => cmd.args(["-t", "1"]),
        _ => cmd.args(["-T", &args.duration.to_string()]),
    };
    let output = cmd.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (transactions, failed, tps) =
        parse_summary(&stdout).map_err(|e| format!("{variant}: {e}\n{stderr}"))?;
    let latencies = transaction_latencies(logs.path())?;

    // The check: the ledger, the stock and the orders must agree.
    let mut client = connect(args)?;
    let row = client.query_one(
        "SELECT (SELECT count(*) FROM wms.customer_orders WHERE order_status = 'Fulfilled'), \
                (SELECT sum(quantity_on_hand)::bigint FROM wms.inventory), \
                (SELECT sum(quantity_change)::bigint FROM wms.stock_movements), \
                (SELECT count(*) FROM wms.inventory WHERE quantity_on_hand < 0), \
                (SELECT count(*) FROM wms_verify()), \
                (SELECT extract(epoch FROM max(movement_time) - min(movement_time)) * 1000 \
                   FROM wms.stock_movements WHERE reason = 'Sale')::float8",
        &[],
    )?;
    let (fulfilled, on_hand, ledger, negative, violations): (i64, i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    let drain_ms: Option<f64> = row.get(5);
    let sold = skus * stock - on_hand;
    let mut problems = Vec::new();
    if fulfilled != sold {
        problems.push(format!(
            "{fulfilled} Fulfilled orders for {sold} units taken"
        ));
    }
    if ledger != on_hand {
        problems.push(format!("ledger sum {ledger} but on hand {on_hand}"));
    }
    if negative > 0 {
        problems.push(format!("{negative} negative rows"));
    }
    if violations > 0 {
        problems.push(format!("wms_verify() {violations} rows"));
    }
    if workload == Workload::Flash && fulfilled != stock.min(clients as i64) {
        problems.push(format!(
            "{fulfilled} Fulfilled of {} possible",
            stock.min(clients as i64)
        ));
    }
    if failed > 0 {
        problems.push(format!("{failed} failed transactions"));
    }
    let check = if problems.is_empty() {
        "pass".to_string()
    } else if fulfilled > sold || (workload == Workload::Flash && fulfilled > stock) {
        format!("oversold: {}", problems.join("; "))
    } else {
        format!("fail: {}", problems.join("; "))
    };
    let passed = problems.is_empty();

    // Winners and losers of a flash sale, by the client id in the
    // customer's name.
    let winners: HashSet<u32> = if workload == Workload::Flash {
        client
            .query(
                "SELECT substr(customer_name, 7)::int FROM wms.customer_orders \
                  WHERE order_status = 'Fulfilled' AND customer_name LIKE 'bench-%'",
                &[],
            )?
            .iter()
            .map(|r| r.get::<_, i32>(0) as u32)
            .collect()
    } else {
        HashSet::new()
    };
    let by_client: HashMap<u32, Vec<u64>> =
        latencies.iter().fold(HashMap::new(), |mut m, (c, us)| {
            m.entry(*c).or_default().push(*us);
            m
        });
    let winners = &winners;
    let of = |want_winner: bool| {
        by_client
            .iter()
            .filter(move |(c, _)| winners.contains(c) == want_winner)
            .flat_map(|(_, v)| v.iter().copied())
    };
    let all = || latencies.iter().map(|(_, us)| *us);
    let flash = workload == Workload::Flash;
    Ok(Run {
        workload: workload.name().to_string(),
        variant: variant.to_string(),
        synchronous_commit: sync.to_string(),
        clients,
        round,
        transactions,
        failed_transactions: failed,
        tps,
        fulfilled,
        // A flash sale's rate is that of its drain (first sale to last);
        // a steady run's, pgbench's rate times the share that sold.
        orders_per_s: match (passed, flash, drain_ms) {
            (true, true, Some(ms)) if ms > 0.0 => Some(fulfilled as f64 * 1000.0 / ms),
            (true, false, _) if transactions > 0 => {
                Some(tps * fulfilled as f64 / transactions as f64)
            }
            _ => None,
        },
        p50_ms: percentile(all(), 0.50),
        p95_ms: percentile(all(), 0.95),
        p99_ms: percentile(all(), 0.99),
        winners_p50_ms: flash.then(|| percentile(of(true), 0.50)).flatten(),
        winners_p99_ms: flash.then(|| percentile(of(true), 0.99)).flatten(),
        losers_p50_ms: flash.then(|| percentile(of(false), 0.50)).flatten(),
        losers_p99_ms: flash.then(|| percentile(of(false), 0.99)).flatten(),
        drain_ms: if flash { drain_ms } else { None },
        check,
    })
}
