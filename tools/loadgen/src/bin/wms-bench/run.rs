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
    /// 100 units of one SKU, each buyer one attempt, the buyers arriving
    /// at --flash-rate a second
    Flash,
    /// 100 units of one SKU, each buyer one attempt, every buyer released
    /// at once (connected first, then all sending together)
    #[value(name = "flash_at_once")]
    FlashAtOnce,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Hot => "hot",
            Workload::Catalogue => "catalogue",
            Workload::Flash => "flash",
            Workload::FlashAtOnce => "flash_at_once",
        }
    }

    /// (SKUs, units of each)
    fn data(self) -> (i64, i64) {
        match self {
            Workload::Hot => (1, 1_000_000_000),
            Workload::Catalogue => (10_000, 1_000_000),
            Workload::Flash | Workload::FlashAtOnce => (1, 100),
        }
    }

    fn clients(self, args: &Args) -> Vec<u32> {
        match self {
            Workload::Hot => args.hot_clients.clone(),
            Workload::Catalogue => args.catalogue_clients.clone(),
            Workload::Flash | Workload::FlashAtOnce => args.flash_buyers.clone(),
        }
    }
}

/// One run of one cell, and what its check found.
#[derive(Serialize, Clone, Debug)]
pub struct Run {
    pub workload: String,
    pub variant: String,
    pub synchronous_commit: String,
    /// Route and protocol: direct or pooler, simple, extended or prepared.
    pub mode: String,
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
    /// Flash sale: buyers who arrived after the last unit was sold, and
    /// their latency.
    pub late_buyers: Option<u64>,
    pub late_p50_ms: Option<f64>,
    pub late_p99_ms: Option<f64>,
    /// Flash sale: from the first buyer's arrival to the last sale.
    pub drain_ms: Option<f64>,
    /// Share of the machine's CPU time that was busy while pgbench ran
    /// (server, pgbench and pgbouncer share the cores).
    pub cpu_busy: Option<f64>,
    /// "pass", "oversold: ...", or "fail: ..."
    pub check: String,
}

/// How a run reaches the server, and which of pgbench's protocols it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode {
    pooled: bool,
    protocol: &'static str,
}

impl Mode {
    pub fn parse(text: &str, args: &Args) -> Result<Mode, String> {
        let (route, protocol) = text
            .split_once('/')
            .ok_or_else(|| format!("mode {text}: expected route/protocol"))?;
        let pooled = match route {
            "direct" => false,
            "pooler" => true,
            _ => return Err(format!("mode {text}: route is direct or pooler")),
        };
        let protocol = ["simple", "extended", "prepared"]
            .into_iter()
            .find(|p| *p == protocol)
            .ok_or_else(|| format!("mode {text}: protocol is simple, extended or prepared"))?;
        if pooled && (args.pooler_host.is_none() || args.pooler_port.is_none()) {
            return Err(format!("mode {text} needs --pooler-host and --pooler-port"));
        }
        Ok(Mode { pooled, protocol })
    }

    pub fn name(self) -> String {
        format!(
            "{}/{}",
            if self.pooled { "pooler" } else { "direct" },
            self.protocol
        )
    }
}

/// Every run, in the order they ran: rounds of (synchronous_commit, mode,
/// workload, clients) cells, each cell running every variant in turn.
pub fn all(args: &Args) -> Result<Vec<Run>, Box<dyn std::error::Error>> {
    let modes = args
        .modes
        .iter()
        .map(|m| Mode::parse(m, args))
        .collect::<Result<Vec<Mode>, String>>()?;
    let mut runs = Vec::new();
    let cells: usize = args
        .workloads
        .iter()
        .map(|w| w.clients(args).len() * args.variants.len())
        .sum::<usize>()
        * args.sync.len()
        * modes.len();
    let total = cells * args.repeats as usize;
    for round in 1..=args.repeats {
        for sync in &args.sync {
            for &mode in &modes {
                for &workload in &args.workloads {
                    for clients in workload.clients(args) {
                        for variant in &args.variants {
                            let run = one(args, workload, variant, sync, mode, clients, round)?;
                            println!(
                                "[{}/{}] round {round} {} {} {variant} sync={sync} clients={clients}: {} orders/s, CPU {}, check {}",
                                runs.len() + 1,
                                total,
                                run.mode,
                                run.workload,
                                run.orders_per_s.map_or("-".to_string(), |x| format!("{x:.0}")),
                                run.cpu_busy.map_or("-".to_string(), |x| format!("{:.0}%", x * 100.0)),
                                run.check
                            );
                            runs.push(run);
                        }
                    }
                }
            }
        }
    }
    Ok(runs)
}

/// (busy, total) CPU time of the whole machine so far, in clock ticks
/// (/proc/stat's first line; idle and iowait are not busy).
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total - idle, total))
}

/// Drop pgbouncer's server connections to the benchmark database once they
/// are idle, so that a run starts with fresh backends (as a direct run
/// does) and with the settings just made (RECONNECT, on its console).
fn pooler_reconnect(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (Some(host), Some(port)) = (&args.pooler_host, args.pooler_port) else {
        return Ok(());
    };
    let mut console = Config::new()
        .host(host)
        .port(port)
        .user(&args.user)
        .dbname("pgbouncer")
        .connect(NoTls)?;
    console.simple_query(&format!("RECONNECT {}", args.dbname))?;
    Ok(())
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
    client.batch_execute("DROP EXTENSION IF EXISTS wms CASCADE; CREATE EXTENSION wms CASCADE")?;
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

/// One transaction of pgbench's per-transaction log (`--log`).
struct Transaction {
    client: u32,
    /// From its start (its scheduled start under --rate) to its end.
    latency_us: u64,
    /// When it ended, in microseconds since the epoch.
    end_us: u64,
}

impl Transaction {
    fn start_us(&self) -> u64 {
        self.end_us - self.latency_us
    }
}

/// Every successful transaction in the logs under `dir`.
fn logged_transactions(dir: &Path) -> Result<Vec<Transaction>, std::io::Error> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            // client_id transaction_no time script_no time_epoch time_us [schedule_lag]
            let f: Vec<u64> = line
                .split_whitespace()
                .take(6)
                .map_while(|x| x.parse().ok())
                .collect();
            if let [client, _, latency_us, _, s, us] = f[..] {
                out.push(Transaction {
                    client: client as u32,
                    latency_us,
                    end_us: s * 1_000_000 + us,
                });
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
    (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1000.0)
}

fn one(
    args: &Args,
    workload: Workload,
    variant: &str,
    sync: &str,
    mode: Mode,
    clients: u32,
    round: u32,
) -> Result<Run, Box<dyn std::error::Error>> {
    reset(args, workload)?;
    // The setting of every connection of the run, direct or pooled
    // (pgbouncer passes no startup options on).
    connect(args)?.batch_execute(&format!(
        "ALTER DATABASE {} SET synchronous_commit = {sync}",
        args.dbname
    ))?;
    if mode.pooled {
        pooler_reconnect(args)?;
    }
    let flash = matches!(workload, Workload::Flash | Workload::FlashAtOnce);
    let (skus, stock) = workload.data();
    let logs = tempfile::tempdir()?;
    let threads = clients.min(std::thread::available_parallelism().map_or(2, |n| n.get() as u32));
    let mut cmd = pg_tool(args, "pgbench");
    if mode.pooled {
        cmd.env("PGHOST", args.pooler_host.as_deref().unwrap_or_default())
            .env("PGPORT", args.pooler_port.unwrap_or_default().to_string());
    }
    cmd.arg("-n")
        .args(["-M", mode.protocol])
        .args(["-c", &clients.to_string(), "-j", &threads.to_string()])
        .args(["-D", &format!("skus={skus}")])
        .arg("-f")
        .arg(args.scripts.join(format!("{variant}.sql")))
        .arg("--log")
        .arg(format!("--log-prefix={}/tx", logs.path().display()));
    match workload {
        // One attempt per buyer, arriving at --flash-rate a second, at
        // the same moments in every run (pgbench's arrivals are random:
        // one seed for all, so that variants meet the same schedule).
        Workload::Flash => cmd.args([
            "-t",
            "1",
            "-R",
            &args.flash_rate.to_string(),
            "--random-seed",
            "1",
        ]),
        // One attempt per buyer: pgbench connects every client first,
        // then each sends its order at once.
        Workload::FlashAtOnce => cmd.args(["-t", "1"]),
        // More connections take longer to warm up: a second more per 50.
        _ => cmd.args(["-T", &(args.duration + clients / 50).to_string()]),
    };
    let before = cpu_times();
    let output = cmd.output()?;
    let cpu_busy = match (before, cpu_times()) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => Some((b1 - b0) as f64 / (t1 - t0) as f64),
        _ => None,
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (transactions, failed, tps) =
        parse_summary(&stdout).map_err(|e| format!("{variant}: {e}\n{stderr}"))?;
    let logged = logged_transactions(logs.path())?;

    // The check: the ledger, the stock and the orders must agree.
    let mut client = connect(args)?;
    let row = client.query_one(
        "SELECT (SELECT count(*) FROM wms.customer_orders WHERE order_status = 'Fulfilled'), \
                (SELECT sum(quantity_on_hand)::bigint FROM wms.inventory), \
                (SELECT sum(quantity_change)::bigint FROM wms.stock_movements), \
                (SELECT count(*) FROM wms.inventory WHERE quantity_on_hand < 0), \
                (SELECT count(*) FROM wms_verify())",
        &[],
    )?;
    let (fulfilled, on_hand, ledger, negative, violations): (i64, i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
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
    if flash && fulfilled != stock.min(clients as i64) {
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
    } else if fulfilled > sold || (flash && fulfilled > stock) {
        format!("oversold: {}", problems.join("; "))
    } else {
        format!("fail: {}", problems.join("; "))
    };
    let passed = problems.is_empty();

    // Winners and losers of a flash sale, by the client id in the
    // customer's name.
    let winners: HashSet<u32> = if flash {
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
    let first_start = logged.iter().map(Transaction::start_us).min().unwrap_or(0);
    let last_end = logged.iter().map(|t| t.end_us).max().unwrap_or(0);
    // A flash sale: sold out when the last winner had its answer.
    let sold_out = logged
        .iter()
        .filter(|t| winners.contains(&t.client))
        .map(|t| t.end_us)
        .max();
    // A steady run is measured once the new connections have made their
    // first calls (loaded the library, planned their statements, filled
    // their caches): after --warmup seconds, and after every client's first
    // transaction if each had one; the transactions that end in that window.
    let mut first_done: HashMap<u32, u64> = HashMap::new();
    for t in &logged {
        let e = first_done.entry(t.client).or_insert(t.end_us);
        *e = (*e).min(t.end_us);
    }
    let all_warm = (first_done.len() == clients as usize)
        .then(|| first_done.values().copied().max())
        .flatten()
        .unwrap_or(0);
    let window_start = (first_start + args.warmup as u64 * 1_000_000)
        .max(all_warm)
        .min(last_end.saturating_sub(1_000_000));
    let measured: Vec<&Transaction> = logged
        .iter()
        .filter(|t| flash || t.end_us >= window_start)
        .collect();
    let latencies = |keep: &dyn Fn(&Transaction) -> bool| -> Vec<u64> {
        measured
            .iter()
            .filter(|t| keep(t))
            .map(|t| t.latency_us)
            .collect()
    };
    let all = latencies(&|_| true);
    let winners_lat = latencies(&|t| winners.contains(&t.client));
    let losers_lat = latencies(&|t| !winners.contains(&t.client));
    let late_lat =
        latencies(&|t| !winners.contains(&t.client) && sold_out.is_some_and(|s| t.start_us() > s));
    // None unless a flash sale: only a flash sale has winners.
    let drain_ms = sold_out.map(|s| (s - first_start) as f64 / 1000.0);
    let q = |v: &[u64], p: f64| flash.then(|| percentile(v.iter().copied(), p)).flatten();
    Ok(Run {
        workload: workload.name().to_string(),
        variant: variant.to_string(),
        synchronous_commit: sync.to_string(),
        mode: mode.name(),
        clients,
        round,
        transactions,
        failed_transactions: failed,
        tps,
        fulfilled,
        // A flash sale's rate is that of its drain; a steady run's, the
        // transactions that ended in the measured window over its length,
        // times the share of transactions that sold.
        orders_per_s: match (passed, flash, drain_ms) {
            (true, true, Some(ms)) if ms > 0.0 => Some(fulfilled as f64 * 1000.0 / ms),
            (true, false, _) if transactions > 0 && last_end > window_start => Some(
                measured.len() as f64 * 1e6 / (last_end - window_start) as f64 * fulfilled as f64
                    / transactions as f64,
            ),
            _ => None,
        },
        p50_ms: percentile(all.iter().copied(), 0.50),
        p95_ms: percentile(all.iter().copied(), 0.95),
        p99_ms: percentile(all.iter().copied(), 0.99),
        winners_p50_ms: q(&winners_lat, 0.50),
        winners_p99_ms: q(&winners_lat, 0.99),
        losers_p50_ms: q(&losers_lat, 0.50),
        losers_p99_ms: q(&losers_lat, 0.99),
        late_buyers: flash.then_some(late_lat.len() as u64),
        late_p50_ms: q(&late_lat, 0.50),
        late_p99_ms: q(&late_lat, 0.99),
        drain_ms,
        cpu_busy,
        check,
    })
}
