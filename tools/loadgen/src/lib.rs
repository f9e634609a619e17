//! Drive many buyers, each on its own backend connection, against the wms
//! extension, released together; then check what the database says.
//!
//! The release is a gate on the server: the driver holds an advisory lock
//! exclusively, every buyer connects and queues for it in shared mode, and
//! when the expected number of buyers is queued the driver lets go. The
//! gate works the same for threads of one process and for several
//! processes.

use std::error::Error;
use std::ops::Range;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use postgres::types::Type;
use postgres::{Client, Config, NoTls};

/// How a buyer's call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Fulfilled { order_id: i64 },
    Unavailable,
    Error { sqlstate: String, message: String },
}

#[derive(Debug, Clone)]
pub struct BuyerResult {
    pub answer: Answer,
    /// From the gate opening (as the buyer saw it) to the answer.
    pub latency: Duration,
}

/// One flash sale: `buyers` buyers each ordering `quantity` of one item.
#[derive(Debug, Clone)]
pub struct Sale {
    pub product_id: i64,
    pub warehouse_id: i64,
    pub quantity: i64,
    pub buyers: usize,
    /// Customer names are `{customer_prefix}{n}`.
    pub customer_prefix: String,
    /// The function each buyer calls.
    pub api: Api,
}

/// How a buyer orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    /// `wms_place_order`, in the buyer's transaction.
    #[default]
    Place,
    /// `wms_submit_order`, committed by the order worker.
    Submit,
}

impl Api {
    pub fn function(self) -> &'static str {
        match self {
            Api::Place => "wms_place_order",
            Api::Submit => "wms_submit_order",
        }
    }
}

/// The server-side start gate (see the crate doc).
pub struct Gate {
    client: Client,
    key: i64,
}

impl Gate {
    /// Close a gate under advisory lock `key` (unique per sale).
    pub fn close(config: &Config, key: i64) -> Result<Gate, postgres::Error> {
        let mut client = config.connect(NoTls)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&key])?;
        Ok(Gate { client, key })
    }

    /// Buyers currently queued at the gate.
    pub fn waiting(&mut self) -> Result<i64, postgres::Error> {
        let row = self.client.query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
               AND classid::bigint = ($1::bigint >> 32) AND objid::bigint = ($1::bigint & 4294967295) AND objsubid = 1",
            &[&self.key],
        )?;
        Ok(row.get(0))
    }

    /// Wait until `n` buyers are queued, then open the gate.
    pub fn open_when_waiting(mut self, n: usize, timeout: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let waiting = self.waiting().map_err(|e| e.to_string())?;
            if waiting as usize >= n {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "only {waiting} of {n} buyers reached the gate in {timeout:?}"
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
        let opened = Instant::now();
        self.client
            .execute("SELECT pg_advisory_unlock($1)", &[&self.key])
            .map_err(|e| e.to_string())?;
        Ok(opened)
    }
}

/// Queue at the gate `gate_key` until the driver opens it.
pub fn wait_at_gate(client: &mut Client, gate_key: i64) -> Result<(), postgres::Error> {
    client
        .execute("SELECT pg_advisory_lock_shared($1)", &[&gate_key])
        .map(drop)
}

/// Run `work(n, client)` for every n in `ids`, each on its own thread and
/// its own connection; the results come back in `ids` order.
pub fn on_connections<T, F>(
    config: &Config,
    ids: Range<usize>,
    work: F,
) -> Vec<Result<T, postgres::Error>>
where
    T: Send + 'static,
    F: Fn(usize, &mut Client) -> Result<T, postgres::Error> + Send + Sync + 'static,
{
    let config = Arc::new(config.clone());
    let work = Arc::new(work);
    let handles: Vec<_> = ids
        .map(|n| {
            let (config, work) = (config.clone(), work.clone());
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || work(n, &mut config.connect(NoTls)?))
                .expect("spawn a connection thread")
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("connection thread panicked"))
        .collect()
}

/// Run `work` on `n` connections released together: every `work` must call
/// [`wait_at_gate`] once, when it is ready to start. Returns the results
/// and the instant the gate opened.
pub fn together<T, F>(
    config: &Config,
    gate_key: i64,
    n: usize,
    work: F,
) -> Result<(Vec<Result<T, postgres::Error>>, Instant), String>
where
    T: Send + 'static,
    F: Fn(usize, &mut Client) -> Result<T, postgres::Error> + Send + Sync + 'static,
{
    let gate = Gate::close(config, gate_key).map_err(|e| format!("close the gate: {e}"))?;
    let workers = {
        let config = config.clone();
        thread::spawn(move || on_connections(&config, 0..n, work))
    };
    let opened = gate.open_when_waiting(n, Duration::from_secs(300));
    let results = workers.join().map_err(|_| "workers panicked".to_string())?;
    Ok((results, opened?))
}

/// An error as a buyer reports it.
pub fn error_answer(e: &postgres::Error) -> Answer {
    Answer::Error {
        sqlstate: e.code().map(|c| c.code().to_string()).unwrap_or_default(),
        message: e.to_string(),
    }
}

/// What a buyer's `SELECT order_id, status FROM wms_place_order(...)` was told.
fn order_answer(result: Result<postgres::Row, postgres::Error>) -> Answer {
    match result {
        Ok(row) => match row.get::<_, String>(1).as_str() {
            "Fulfilled" => Answer::Fulfilled {
                order_id: row.get(0),
            },
            "Unavailable" => Answer::Unavailable,
            other => Answer::Error {
                sqlstate: String::new(),
                message: format!("unexpected status {other}"),
            },
        },
        Err(e) => error_answer(&e),
    }
}

/// One buyer: prepare, wait at the gate, place one order and time it.
pub fn buy(
    client: &mut Client,
    gate_key: i64,
    sale: &Sale,
    n: usize,
) -> Result<BuyerResult, postgres::Error> {
    let customer = format!("{}{n}", sale.customer_prefix);
    let stmt = client.prepare(&format!(
        "SELECT order_id, status FROM {}($1::text, $2::bigint, $3::bigint, $4::bigint)",
        sale.api.function()
    ))?;
    wait_at_gate(client, gate_key)?;
    let started = Instant::now();
    let answer = order_answer(client.query_one(
        &stmt,
        &[
            &customer,
            &sale.product_id,
            &sale.warehouse_id,
            &sale.quantity,
        ],
    ));
    Ok(BuyerResult {
        answer,
        latency: started.elapsed(),
    })
}

/// Buyers `ids` of a sale, each on its own connection, queued at the gate
/// `gate_key`; some other party opens it.
pub fn run_buyers(
    config: &Config,
    gate_key: i64,
    sale: &Sale,
    ids: Range<usize>,
) -> Vec<BuyerResult> {
    let sale = Arc::new(sale.clone());
    on_connections(config, ids, move |n, client| {
        buy(client, gate_key, &sale, n)
    })
    .into_iter()
    .map(buyer_result)
    .collect()
}

/// A whole sale from one process: every buyer queued at the gate, then released.
pub fn flash_sale(config: &Config, gate_key: i64, sale: &Sale) -> Result<SaleOutcome, String> {
    let shared = Arc::new(sale.clone());
    let (results, opened) = together(config, gate_key, sale.buyers, move |n, client| {
        buy(client, gate_key, &shared, n)
    })?;
    let wall = opened.elapsed();
    Ok(SaleOutcome {
        results: results.into_iter().map(buyer_result).collect(),
        wall,
    })
}

/// A whole sale through a connection pooler in transaction mode (such as
/// pgbouncer): the buyers connect to the pooler and are released together
/// by a gate in this process, since a server-side gate (a session's
/// advisory lock) cannot work when transactions share server connections;
/// each order is one unnamed statement (no statement prepared on one
/// server connection and run on another). Buyers wait for a server
/// connection in the pooler, not in PostgreSQL.
pub fn flash_sale_pooled(config: &Config, sale: &Sale) -> Result<SaleOutcome, String> {
    let n = sale.buyers;
    let gate = Arc::new(Barrier::new(n + 1));
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (config, gate, sale) = (config.clone(), gate.clone(), sale.clone());
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let client = config.connect(NoTls);
                    gate.wait();
                    let started = Instant::now();
                    let answer = match client {
                        Ok(mut client) => place_unnamed(&mut client, &sale, i),
                        Err(e) => error_answer(&e),
                    };
                    BuyerResult {
                        answer,
                        latency: started.elapsed(),
                    }
                })
                .expect("spawn a buyer thread")
        })
        .collect();
    gate.wait();
    let opened = Instant::now();
    let results = handles
        .into_iter()
        .map(|h| h.join().map_err(|_| "a buyer thread panicked".to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SaleOutcome {
        results,
        wall: opened.elapsed(),
    })
}

/// Buyer `n`'s order as one unnamed statement.
fn place_unnamed(client: &mut Client, sale: &Sale, n: usize) -> Answer {
    let customer = format!("{}{n}", sale.customer_prefix);
    order_answer(client.query_typed_one(
        &format!(
            "SELECT order_id, status FROM {}($1, $2, $3, $4)",
            sale.api.function()
        ),
        &[
            (&customer, Type::TEXT),
            (&sale.product_id, Type::INT8),
            (&sale.warehouse_id, Type::INT8),
            (&sale.quantity, Type::INT8),
        ],
    ))
}

/// A buyer that could not even connect is an error answer.
pub fn buyer_result(result: Result<BuyerResult, postgres::Error>) -> BuyerResult {
    result.unwrap_or_else(|e| BuyerResult {
        answer: error_answer(&e),
        latency: Duration::ZERO,
    })
}

/// What the buyers got back.
pub struct SaleOutcome {
    pub results: Vec<BuyerResult>,
    /// Gate opening to the last answer.
    pub wall: Duration,
}

impl SaleOutcome {
    pub fn fulfilled(&self) -> Vec<i64> {
        self.results
            .iter()
            .filter_map(|r| match r.answer {
                Answer::Fulfilled { order_id } => Some(order_id),
                _ => None,
            })
            .collect()
    }

    pub fn unavailable(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.answer == Answer::Unavailable)
            .count()
    }

    pub fn errors(&self) -> Vec<&Answer> {
        self.results
            .iter()
            .map(|r| &r.answer)
            .filter(|a| matches!(a, Answer::Error { .. }))
            .collect()
    }

    /// Latency percentiles of the answers `which` selects.
    pub fn latency(&self, which: impl Fn(&Answer) -> bool) -> Option<Latency> {
        let mut h = Histogram::<u64>::new(3).expect("histogram");
        for r in self.results.iter().filter(|r| which(&r.answer)) {
            h.record(r.latency.as_micros() as u64)
                .expect("record latency");
        }
        (!h.is_empty()).then(|| Latency {
            count: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
        })
    }

    /// Successful orders per second over the sale's wall time.
    pub fn orders_per_second(&self) -> f64 {
        self.fulfilled().len() as f64 / self.wall.as_secs_f64()
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub count: u64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |us: u64| us as f64 / 1000.0;
        write!(
            f,
            "n={} p50={:.1}ms p90={:.1}ms p99={:.1}ms max={:.1}ms",
            self.count,
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.max)
        )
    }
}

/// One line of the verification report.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub expected: String,
    pub actual: String,
}

impl Check {
    pub fn new(name: &str, expected: impl ToString, actual: impl ToString) -> Check {
        Check {
            name: name.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        }
    }

    pub fn passed(&self) -> bool {
        self.expected == self.actual
    }
}

/// What the database must say after a sale of `stock` units that started
/// from `stock` on hand and whose buyers answered `outcome`.
pub fn verify_sale(
    client: &mut Client,
    sale: &Sale,
    stock: i64,
    outcome: &SaleOutcome,
) -> Result<Vec<Check>, postgres::Error> {
    let (p, w) = (sale.product_id, sale.warehouse_id);
    let winners = (stock / sale.quantity).min(sale.buyers as i64);
    let sold = winners * sale.quantity;
    let one = |client: &mut Client, sql: &str| -> Result<i64, postgres::Error> {
        Ok(client.query_one(sql, &[&p, &w])?.get(0))
    };
    let on_hand = one(
        client,
        "SELECT quantity_on_hand FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
    )?;
    let fulfilled_orders = one(
        client,
        "SELECT count(*) FROM wms.customer_orders o JOIN wms.order_items i USING (order_id) \
          WHERE i.product_id = $1 AND i.warehouse_id = $2 AND o.order_status = 'Fulfilled'",
    )?;
    let sale_rows = one(
        client,
        "SELECT count(*) FROM wms.stock_movements WHERE product_id = $1 AND warehouse_id = $2 AND order_id IS NOT NULL",
    )?;
    let sale_rows_of_quantity = client
        .query_one(
            "SELECT count(*) FROM wms.stock_movements \
              WHERE product_id = $1 AND warehouse_id = $2 AND order_id IS NOT NULL AND quantity_change = -$3::bigint",
            &[&p, &w, &sale.quantity],
        )?
        .get::<_, i64>(0);
    let ledger_sum = one(
        client,
        "SELECT COALESCE(SUM(quantity_change), 0)::bigint FROM wms.stock_movements WHERE product_id = $1 AND warehouse_id = $2",
    )?;
    let negative_rows: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM wms.inventory WHERE quantity_on_hand < 0 OR quantity_reserved < 0) \
                  + (SELECT count(*) FROM wms.stock_movements WHERE balance_after < 0)",
            &[],
        )?
        .get(0);
    let ledger_orders_match_answers = {
        let mut answered = outcome.fulfilled();
        answered.sort_unstable();
        let rows = client.query(
            "SELECT order_id FROM wms.stock_movements WHERE product_id = $1 AND warehouse_id = $2 \
              AND order_id IS NOT NULL ORDER BY order_id",
            &[&p, &w],
        )?;
        let ledger: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        ledger == answered
    };
    let verify_rows: i64 = client
        .query_one("SELECT count(*) FROM wms_verify()", &[])?
        .get(0);
    Ok(vec![
        Check::new("Fulfilled answers", winners, outcome.fulfilled().len()),
        Check::new(
            "Unavailable answers",
            sale.buyers as i64 - winners,
            outcome.unavailable(),
        ),
        Check::new("error answers", 0, outcome.errors().len()),
        Check::new("final on hand", stock - sold, on_hand),
        Check::new(
            "Fulfilled orders in the database",
            winners,
            fulfilled_orders,
        ),
        Check::new("sale ledger rows", winners, sale_rows),
        Check::new(
            &format!("sale ledger rows of -{}", sale.quantity),
            winners,
            sale_rows_of_quantity,
        ),
        Check::new("ledger sum = on hand", stock - sold, ledger_sum),
        Check::new(
            "ledger rows are exactly the Fulfilled answers",
            true,
            ledger_orders_match_answers,
        ),
        Check::new("negative quantities anywhere", 0, negative_rows),
        Check::new("wms_verify() rows", 0, verify_rows),
    ])
}

/// The exit code of a tool whose run checks something: 0 when every check
/// passed, 1 when one failed, 2 (with the error on stderr) when it could
/// not run.
pub fn exit_code(tool: &str, result: Result<bool, Box<dyn Error>>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{tool}: {e}");
            ExitCode::from(2)
        }
    }
}
