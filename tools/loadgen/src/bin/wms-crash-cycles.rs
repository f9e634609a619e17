//! Crash cycles: many clients, each on its own connection, place orders,
//! reserve, fulfil, cancel, receive and transfer stock while the server is
//! crashed, by `kill -9` of a backend inside wms_place_order (cycles 1, 5,
//! 9, ...), of the order worker that commits wms_submit_order's batches
//! (cycles 3, 7, 11, ...) or by `pg_ctl stop -m immediate` (even cycles),
//! and restarted. A fifth of the orders go through wms_submit_order.
//!
//! Every call is recorded before it is sent and marked acknowledged when
//! its answer arrives; a call whose connection broke first is in doubt.
//! After every restart this proves, against what the clients were told:
//! - every acknowledged order and reservation is there under its key and
//!   order id, with its lines, its current status (that of its last
//!   acknowledged change) and, once Fulfilled, its ledger rows; an
//!   Unavailable answer left no order;
//! - every acknowledged receipt has its one ledger row and every
//!   acknowledged transfer its two; a refused transfer left none;
//! - every call in doubt took effect fully or not at all;
//! - the orders and ledger rows in the database are exactly those verified
//!   after this and every earlier restart: nothing lost, nothing unexplained;
//! - `wms_verify()` is empty and no on hand is negative.
//!
//! With --failover a primary and its synchronous standby take the load
//! instead, and every cycle kills -9 the primary's postmaster, promotes the
//! standby and checks the same on it; then the calls in doubt are retried
//! on the new primary: orders and reservations with their idempotency
//! keys (a retry replays what is there, or completes what is not),
//! receipts and transfers by their reference unless it is there already.
//! The retried calls are checked as acknowledged ones. The old primary
//! is copied anew from the new one (pg_basebackup) as its synchronous
//! standby for the next cycle.
//!
//! With --dsn and --fail-over-with the server is someone else's (a Patroni
//! cluster, say): the clients connect through the connection string
//! (several hosts, target_session_attrs=read-write: the primary), every
//! cycle runs the command, which must fail the primary over and return once
//! a new one takes writes, and the calls are then verified and retried on
//! it as above.

// The parts of this binary, next to it (not in src/bin/, where every file
// would be a binary of its own).
#[path = "wms-crash-cycles/calls.rs"]
mod calls;
#[path = "wms-crash-cycles/clients.rs"]
mod clients;
#[path = "wms-crash-cycles/cluster.rs"]
mod cluster;
#[path = "wms-crash-cycles/report.rs"]
mod report;
#[path = "wms-crash-cycles/verify.rs"]
mod verify;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::str::FromStr;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use postgres::{Client, Config};

use calls::{create_fixture, Fixture, Request, INITIAL_STOCK, PRODUCTS, WAREHOUSES};
use clients::{retry_in_doubt, ClientRun, Load, Retried, Rng};
use cluster::{Cluster, External, Server};
use report::{Crashed, CycleReport, Summary};
use verify::{verify_cycle, verify_retries, Known, Verification};

#[derive(Parser)]
#[command(
    about = "Crash the server under concurrent load (kill -9 inside wms_place_order, \
             immediate stops), restart it and verify every answer the clients got"
)]
struct Args {
    /// Directory for the throwaway cluster and its socket; must not exist or be empty
    #[arg(long, required_unless_present = "dsn")]
    dir: Option<PathBuf>,
    /// Directory of initdb and pg_ctl
    #[arg(long, required_unless_present = "dsn")]
    pg_bin: Option<PathBuf>,
    /// OS user the server runs as, also the database superuser
    #[arg(long, required_unless_present = "dsn")]
    os_user: Option<String>,
    /// Crash cycles; odd ones kill -9 a backend, even ones stop the server immediately
    #[arg(long, default_value_t = 20)]
    cycles: u32,
    /// Concurrent clients, each on its own connection
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Port number of the Unix socket (no TCP listener is opened)
    #[arg(long, default_value_t = 54333)]
    port: u16,
    /// Seed of the clients' choices (default: from the clock)
    #[arg(long)]
    seed: Option<u64>,
    /// Fail over instead: kill -9 the primary's postmaster, promote its
    /// synchronous standby (port + 1), retry the calls in doubt there
    #[arg(long)]
    failover: bool,
    /// With --failover, the control: the standby asynchronous and its WAL
    /// receiver paused during the load, so that the failover loses
    /// acknowledged calls, which the checks must report (the run fails)
    #[arg(long, requires = "failover")]
    control_async: bool,
    /// A server run by others instead: its connection string (superuser)
    #[arg(long, requires = "fail_over_with", conflicts_with_all = ["dir", "failover"])]
    dsn: Option<String>,
    /// With --dsn: the shell command that fails its primary over
    #[arg(long, requires = "dsn")]
    fail_over_with: Option<String>,
}

type Fallible<T> = Result<T, Box<dyn Error>>;

/// The database the cycles run in.
const DATABASE: &str = "wms_crash";
/// The load runs this long (ms, inclusive range) before the crash.
const LOAD_MS: (i64, i64) = (200, 800);

fn main() -> ExitCode {
    wms_loadgen::exit_code("wms-crash-cycles", run(&Args::parse()))
}

/// All cycles; true when every check passed.
fn run(args: &Args) -> Fallible<bool> {
    let seed = args.seed.unwrap_or_else(seed_from_clock);
    let mut rng = Rng(seed);
    if let (Some(dsn), Some(command)) = (&args.dsn, &args.fail_over_with) {
        return run_external(
            &External(Config::from_str(dsn)?),
            command,
            args,
            seed,
            &mut rng,
        );
    }
    let dir = args.dir.clone().ok_or("--dir is needed")?;
    // Dropped on every way out of this function: the servers are stopped.
    let (primary_dir, standby_dir) = if args.failover {
        (dir.join("a"), dir.join("b"))
    } else {
        (dir, PathBuf::new())
    };
    let cluster = Cluster::create(args, &primary_dir, args.port)?;
    cluster.start()?;
    let fixture = Arc::new(create_fixture(&cluster)?);
    let mut known = Known::everything_in(&mut cluster.connect(DATABASE)?)?;
    let mut nodes = vec![cluster];
    if args.failover {
        nodes.push(start_standby(&nodes[0], args, &standby_dir, args.port + 1)?);
        if args.control_async {
            println!("control: asynchronous standby, its WAL receiver paused during the load");
        }
    }
    println!(
        "{}: {} cycles, {} clients, {} products x {} warehouses with {} units each, seed {seed}",
        if args.failover {
            "failovers"
        } else {
            "crash cycles"
        },
        args.cycles,
        args.clients,
        PRODUCTS,
        WAREHOUSES,
        INITIAL_STOCK
    );
    let mut summary = Summary::default();
    for cycle in 1..=args.cycles {
        let report = if args.failover {
            run_failover(&mut nodes, &fixture, cycle, args, &mut rng, &mut known)
        } else {
            run_cycle(&nodes[0], &fixture, cycle, args, &mut rng, &mut known)
        }
        .map_err(|e| format!("cycle {cycle}: {e}"))?;
        report.print(cycle, args.cycles);
        summary.add(&report);
    }
    summary.print(args.cycles);
    Ok(summary.passed())
}

/// Every cycle against a server run by others: load, the fail-over
/// command, verification and retries on the new primary.
fn run_external(
    server: &External,
    command: &str,
    args: &Args,
    seed: u64,
    rng: &mut Rng,
) -> Fallible<bool> {
    let fixture = Arc::new(create_fixture(server)?);
    let mut known = Known::everything_in(&mut server.connect(DATABASE)?)?;
    println!(
        "failovers by `{command}`: {} cycles, {} clients, {} products x {} warehouses with {} units each, seed {seed}",
        args.cycles, args.clients, PRODUCTS, WAREHOUSES, INITIAL_STOCK
    );
    let mut summary = Summary::default();
    for cycle in 1..=args.cycles {
        let started = Instant::now();
        let report = (|| -> Fallible<CycleReport> {
            let load = start_load(server, &fixture, cycle, args, rng);
            let before = primary_identity(server)?;
            let said = cluster::command_output(Command::new("sh").arg("-c").arg(command))?;
            let mut db = server.connect(DATABASE)?;
            let after = primary_identity(server)?;
            let runs = load.finish()?;
            let (mut verification, retried) =
                verify_and_retry(server, &mut db, cycle, &runs, &mut known)?;
            if after == before {
                verification.violations.push(format!(
                    "`{command}` left the same primary ({after}): no failover happened"
                ));
            }
            Ok(CycleReport {
                crashed: Crashed::External {
                    said,
                    resent: retried.resent,
                    found_done: retried.found_done,
                },
                verification,
                seconds: started.elapsed().as_secs_f64(),
            })
        })()
        .map_err(|e| format!("cycle {cycle}: {e}"))?;
        report.print(cycle, args.cycles);
        summary.add(&report);
    }
    summary.print(args.cycles);
    Ok(summary.passed())
}

/// Start the clients and let them run for a while (LOAD_MS).
fn start_load(
    server: &dyn Server,
    fixture: &Arc<Fixture>,
    cycle: u32,
    args: &Args,
    rng: &mut Rng,
) -> Load {
    let load = Load::start(server, fixture, cycle, args.clients, rng);
    thread::sleep(Duration::from_millis(
        rng.between(LOAD_MS.0, LOAD_MS.1) as u64
    ));
    load
}

/// After a failover: every check on the new primary, then the calls in
/// doubt retried there and checked; the reservations left Pending are
/// cancelled for the next cycle.
fn verify_and_retry(
    server: &dyn Server,
    db: &mut Client,
    cycle: u32,
    runs: &[ClientRun],
    known: &mut Known,
) -> Fallible<(Verification, Retried)> {
    let mut verification = verify_cycle(db, cycle, runs, known)?;
    let retried = retry_in_doubt(server, runs)?;
    verification
        .violations
        .extend(verify_retries(db, cycle, &retried.calls, known)?);
    cancel_pending(db)?;
    Ok((verification, retried))
}

/// Which server takes writes: its address, port and start time.
fn primary_identity(server: &External) -> Fallible<String> {
    Ok(server
        .connect(DATABASE)?
        .query_one(
            "SELECT concat_ws(' ', inet_server_addr(), inet_server_port(), pg_postmaster_start_time())",
            &[],
        )?
        .get(0))
}

/// A synchronous streaming standby of `primary`, started.
fn start_standby(primary: &Cluster, args: &Args, dir: &Path, port: u16) -> Fallible<Cluster> {
    let standby = Cluster::standby_of(primary, args, dir, port)?;
    standby.start()?;
    if args.control_async {
        primary.wait_for_streaming(&mut primary.connect(DATABASE)?)?;
    } else {
        primary.make_standby_synchronous(&mut primary.connect(DATABASE)?)?;
    }
    Ok(standby)
}

/// Load the primary, kill -9 its postmaster, promote the standby, verify
/// there, retry the calls in doubt and verify them; then the old primary
/// becomes the new one's synchronous standby. `nodes[0]` is the primary.
fn run_failover(
    nodes: &mut Vec<Cluster>,
    fixture: &Arc<Fixture>,
    cycle: u32,
    args: &Args,
    rng: &mut Rng,
    known: &mut Known,
) -> Fallible<CycleReport> {
    let started = Instant::now();
    let paused = if args.control_async {
        Some(nodes[1].pause_wal_receiver()?)
    } else {
        None
    };
    let load = start_load(&nodes[0], fixture, cycle, args, rng);
    // Only a synchronous standby makes the failover lossless: it must be
    // one at the moment of the kill.
    let synchronous = nodes[0].has_synchronous_standby(&mut nodes[0].connect(DATABASE)?)?;
    let pid = nodes[0].kill_postmaster()?;
    if let Some(receiver) = paused {
        cluster::resume(receiver)?;
    }
    let old = nodes.remove(0);
    let primary = &nodes[0];
    primary.promote()?;
    let mut db = primary.connect(DATABASE)?;
    primary.alone(&mut db)?;
    let runs = load.finish()?;
    let (mut verification, retried) = verify_and_retry(primary, &mut db, cycle, &runs, known)?;
    if !synchronous && !args.control_async {
        verification
            .violations
            .push("the standby was not synchronous when the primary was killed".into());
    }
    let dir = old.dir().to_path_buf();
    let port = old.port();
    drop(old);
    let standby = start_standby(&nodes[0], args, &dir, port)?;
    nodes.push(standby);
    Ok(CycleReport {
        crashed: Crashed::FailedOver {
            pid,
            resent: retried.resent,
            found_done: retried.found_done,
        },
        verification,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn seed_from_clock() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Load, crash (odd cycles kill -9 a backend, even ones stop the server
/// immediately), restart, verify; then cancel the reservations the crash
/// left Pending so that their stock is free for the next cycle.
fn run_cycle(
    cluster: &Cluster,
    fixture: &Arc<Fixture>,
    cycle: u32,
    args: &Args,
    rng: &mut Rng,
    known: &mut Known,
) -> Fallible<CycleReport> {
    let started = Instant::now();
    let load = start_load(cluster, fixture, cycle, args, rng);
    // Cycles 3, 7, 11, ... kill the order worker instead of a backend.
    let worker = (cycle % 4 == 3)
        .then(|| cluster.kill_order_worker())
        .transpose()?;
    let killed = if worker.is_some() {
        None
    } else if cycle % 2 == 1 {
        Some(cluster.kill_inside_place_order()?)
    } else {
        cluster.stop("immediate")?;
        cluster.start()?;
        None
    };
    let mut db = cluster.connect(DATABASE)?;
    let runs = load.finish()?;
    let verification = verify_cycle(&mut db, cycle, &runs, known)?;
    cancel_pending(&mut db)?;
    Ok(CycleReport {
        crashed: match (worker, killed) {
            (Some(pid), _) => Crashed::KilledWorker { pid },
            (None, Some((pid, polls))) => Crashed::Killed {
                pid,
                polls,
                lost_call: lost_place_order_call(&runs, pid),
            },
            (None, None) => Crashed::Stopped,
        },
        verification,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Whether the client on backend `pid` was left with a wms_place_order call
/// in doubt: the kill landed while that call was under way.
fn lost_place_order_call(runs: &[ClientRun], pid: i32) -> bool {
    runs.iter()
        .filter(|run| run.backend_pid == pid)
        .filter_map(|run| run.calls.last())
        .any(|call| {
            call.answer.is_none()
                && matches!(call.request, Request::PlaceOne(_) | Request::PlaceItems(_))
        })
}

/// Cancel the reservations left Pending (held stock) by the crash.
fn cancel_pending(db: &mut Client) -> Result<(), postgres::Error> {
    for row in db.query(
        "SELECT order_id FROM wms.customer_orders WHERE order_status = 'Pending'",
        &[],
    )? {
        let order_id: i64 = row.get(0);
        db.execute(
            "SELECT * FROM wms_cancel_order($1, 'left Pending by a crash')",
            &[&order_id],
        )?;
    }
    Ok(())
}
