//! wms behind a connection pooler in transaction mode (pgbouncer), checked
//! exactly as without one:
//! - flash sales of 1000 buyers for 100 units and of 100 for 100, every
//!   buyer on its own connection to the pooler, and of 1000 for 100
//!   through wms_submit_order (the server preloads wms);
//! - 300 clients sending the same order with one idempotency key: one
//!   order, every client told its id;
//! - `SET LOCAL wms.lock_timeout` bounds a wait in that transaction only;
//!   `ALTER ROLE ... SET wms.lock_timeout` holds for every transaction of
//!   the role; a session-level `SET` stays on the server connection and
//!   reaches the next client that gets it (what docs/operations.md warns);
//! - a reservation expires, its stock is taken back by an order and the
//!   sweep cancels it, all through the pooler.
//!
//! Every statement sent through the pooler is one unnamed statement, as a
//! pooler in transaction mode needs (pgbouncer before 1.21 keeps no
//! prepared statements). Setup and verification go to the server directly.

use std::process::ExitCode;
use std::str::FromStr;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use clap::Parser;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, NoTls};
use wms_loadgen::{flash_sale_pooled, verify_sale, Api, Sale};

#[derive(Parser)]
#[command(about = "Check wms through a pooler in transaction mode")]
struct Args {
    /// The pooler (transaction mode, several server connections)
    #[arg(long)]
    pooler: String,
    /// The same pooler with one server connection per database and user
    #[arg(long)]
    pooler_of_one: String,
    /// The server itself, for setup and verification
    #[arg(long)]
    direct: String,
}

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    wms_loadgen::exit_code("wms-pooler-checks", run(&Args::parse()))
}

fn run(args: &Args) -> Fallible<bool> {
    let pooler = Config::from_str(&args.pooler)?;
    let one = Config::from_str(&args.pooler_of_one)?;
    let mut direct = Config::from_str(&args.direct)?.connect(NoTls)?;
    let mut failures = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| {
        println!("  {}  {name}: {detail}", if ok { "PASS" } else { "FAIL" });
        if !ok {
            failures.push(name.to_string());
        }
    };
    println!("through the pooler:");

    for (buyers, stock, api) in [
        (1000, 100, Api::Place),
        (100, 100, Api::Place),
        (1000, 100, Api::Submit),
    ] {
        let name = format!("{buyers}-{}", api.function());
        let (product_id, warehouse_id) = item(&mut direct, &format!("pool-sale-{name}"), stock)?;
        let sale = Sale {
            product_id,
            warehouse_id,
            quantity: 1,
            buyers,
            customer_prefix: format!("pool-{name}-"),
            api,
        };
        let outcome = flash_sale_pooled(&pooler, &sale)?;
        let checks = verify_sale(&mut direct, &sale, stock, &outcome)?;
        let failed: Vec<String> = checks
            .iter()
            .filter(|c| !c.passed())
            .map(|c| format!("{} (expected {}, actual {})", c.name, c.expected, c.actual))
            .collect();
        check(
            &format!(
                "flash sale, {buyers} buyers for {stock} units, {}",
                api.function()
            ),
            failed.is_empty(),
            if failed.is_empty() {
                format!(
                    "{} Fulfilled, {} Unavailable, {} checks passed, {:.0} ms",
                    outcome.fulfilled().len(),
                    outcome.unavailable(),
                    checks.len(),
                    outcome.wall.as_secs_f64() * 1000.0
                )
            } else {
                let first = outcome
                    .errors()
                    .first()
                    .map(|e| format!("; first error: {e:?}"));
                format!("{}{}", failed.join("; "), first.unwrap_or_default())
            },
        );
    }

    let (ok, detail) = idempotency_race(&pooler, &mut direct)?;
    check("one idempotency key from 300 clients", ok, detail);
    let (ok, detail) = lock_timeout_per_transaction(&pooler, &one, &mut direct)?;
    check("wms.lock_timeout per transaction and per role", ok, detail);
    let (ok, detail) = reservation_expires(&pooler, &mut direct)?;
    check("a reservation expires", ok, detail);
    let verify: i64 = direct
        .query_one("SELECT count(*) FROM wms_verify()", &[])?
        .get(0);
    check(
        "wms_verify() after it all",
        verify == 0,
        format!("{verify} rows"),
    );
    Ok(failures.is_empty())
}

/// A new item with `stock` units on hand.
fn item(direct: &mut Client, name: &str, stock: i64) -> Fallible<(i64, i64)> {
    let product_id: i64 = direct
        .query_one("SELECT wms_add_product($1, $1)", &[&name])?
        .get(0);
    let warehouse_id: i64 = direct
        .query_one("SELECT wms_add_warehouse($1, $1)", &[&name])?
        .get(0);
    direct.execute(
        "SELECT wms_receive($1, $2, $3)",
        &[&product_id, &warehouse_id, &stock],
    )?;
    Ok((product_id, warehouse_id))
}

/// 300 clients, released together, send the same order under one key.
fn idempotency_race(pooler: &Config, direct: &mut Client) -> Fallible<(bool, String)> {
    let (product_id, warehouse_id) = item(direct, "pool-key", 10)?;
    let n = 300;
    let gate = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (pooler, gate) = (pooler.clone(), gate.clone());
            thread::spawn(move || -> Result<(i64, String, bool), String> {
                let mut client = pooler.connect(NoTls).map_err(|e| e.to_string())?;
                gate.wait();
                let row = client
                    .query_typed_one(
                        "SELECT order_id, status, (detail->>'replayed')::boolean \
                       FROM wms_place_order('pool-key-buyer', $1, $2, 2, 'pool-key-1')",
                        &[(&product_id, Type::INT8), (&warehouse_id, Type::INT8)],
                    )
                    .map_err(|e| e.to_string())?;
                Ok((row.get(0), row.get(1), row.get(2)))
            })
        })
        .collect();
    let answers: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|_| Err("a client panicked".into())))
        .collect();
    let errors: Vec<&String> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    let ok: Vec<&(i64, String, bool)> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    let ids: std::collections::BTreeSet<i64> = ok.iter().map(|a| a.0).collect();
    let replays = ok.iter().filter(|a| a.2).count();
    let orders: i64 = direct
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE idempotency_key = 'pool-key-1'",
            &[],
        )?
        .get(0);
    let on_hand: i64 = direct
        .query_one(
            "SELECT quantity_on_hand FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
            &[&product_id, &warehouse_id],
        )?
        .get(0);
    let passed = errors.is_empty()
        && ids.len() == 1
        && ok.iter().all(|a| a.1 == "Fulfilled")
        && replays == n - 1
        && orders == 1
        && on_hand == 8;
    Ok((
        passed,
        format!(
            "{} answers, order ids {ids:?}, {replays} replays, {orders} order in the database, on hand {on_hand}{}",
            ok.len(),
            errors
                .first()
                .map(|e| format!(", first error: {e}"))
                .unwrap_or_default()
        ),
    ))
}

/// A client holds an item's turn in an open transaction (through the
/// pooler, so it keeps its server connection); others wait for it.
fn lock_timeout_per_transaction(
    pooler: &Config,
    one: &Config,
    direct: &mut Client,
) -> Fallible<(bool, String)> {
    let (product_id, warehouse_id) = item(direct, "pool-timeout", 10)?;
    let order = "SELECT status FROM wms_place_order('pool-timeout', $1, $2, 1)";
    let params: [(&(dyn ToSql + Sync), Type); 2] =
        [(&product_id, Type::INT8), (&warehouse_id, Type::INT8)];
    let mut holder = pooler.connect(NoTls)?;
    holder.batch_execute("BEGIN")?;
    holder.query_typed_one(order, &params)?;

    // SET LOCAL: this transaction waits 300 ms, then 55P03. Through the
    // pooler of one server connection, so that the check after it runs on
    // the very server connection the transaction had.
    let mut waiter = one.connect(NoTls)?;
    waiter.batch_execute("BEGIN; SET LOCAL wms.lock_timeout = '300ms'")?;
    let started = Instant::now();
    let local = waiter.query_typed_one(order, &params);
    let waited = started.elapsed();
    waiter.batch_execute("ROLLBACK")?;
    let local_ok = matches!(&local, Err(e) if e.code().is_some_and(|c| c.code() == "55P03"))
        && waited >= Duration::from_millis(250)
        && waited < Duration::from_secs(3);
    // ... and nothing of it stays: that server connection's next
    // transactions see the default again.
    let after: String = waiter
        .query_typed_one("SELECT current_setting('wms.lock_timeout')", &[])?
        .get(0);

    // ALTER ROLE ... SET: every transaction of the role, whichever server
    // connection the pooler gives it.
    direct.batch_execute(
        "DROP ROLE IF EXISTS wms_pool_app; CREATE ROLE wms_pool_app LOGIN; \
         ALTER ROLE wms_pool_app SET wms.lock_timeout = '200ms'; \
         SELECT wms_grant('wms_pool_app', 'sell')",
    )?;
    let mut app_config = pooler.clone();
    app_config.user("wms_pool_app");
    let mut app = app_config.connect(NoTls)?;
    let started = Instant::now();
    let role = app.query_typed_one(order, &params);
    let role_waited = started.elapsed();
    let role_ok = matches!(&role, Err(e) if e.code().is_some_and(|c| c.code() == "55P03"))
        && role_waited < Duration::from_secs(3);
    holder.batch_execute("COMMIT")?;
    drop(app);

    // A session-level SET stays with the server connection: with one
    // server connection, the next client gets it.
    let mut first = one.connect(NoTls)?;
    first.batch_execute("SET wms.lock_timeout = '1234ms'")?;
    drop(first);
    let mut next = one.connect(NoTls)?;
    let leaked: String = next
        .query_typed_one("SELECT current_setting('wms.lock_timeout')", &[])?
        .get(0);
    next.batch_execute("RESET wms.lock_timeout")?;
    direct.batch_execute(
        "SELECT wms_revoke('wms_pool_app', 'sell'); DROP OWNED BY wms_pool_app; DROP ROLE wms_pool_app",
    )?;

    let passed = local_ok && after == "5s" && role_ok && leaked == "1234ms";
    Ok((
        passed,
        format!(
            "SET LOCAL '300ms': {} after {} ms, then '{after}' again; ALTER ROLE '200ms': {} after {} ms; \
             a session-level SET seen by the next client of the connection: '{leaked}'",
            outcome(&local),
            waited.as_millis(),
            outcome(&role),
            role_waited.as_millis()
        ),
    ))
}

fn outcome<T>(result: &Result<T, postgres::Error>) -> String {
    match result {
        Ok(_) => "no wait".into(),
        Err(e) => e
            .code()
            .map_or_else(|| e.to_string(), |c| c.code().to_string()),
    }
}

/// A reservation of 3 seconds through the pooler: once it has expired its
/// stock is taken back by an order, and the sweep cancels it.
fn reservation_expires(pooler: &Config, direct: &mut Client) -> Fallible<(bool, String)> {
    let (product_id, warehouse_id) = item(direct, "pool-expiry", 3)?;
    let mut client = pooler.connect(NoTls)?;
    let items = format!(
        r#"[{{"product_id": {product_id}, "warehouse_id": {warehouse_id}, "quantity": 3}}]"#
    );
    let reserved = client.query_typed_one(
        "SELECT order_id, status FROM wms_reserve('pool-expiry', $1::text::jsonb, '3 seconds')",
        &[(&items, Type::TEXT)],
    )?;
    let order_id: i64 = reserved.get(0);
    let held = client.query_typed_one(
        "SELECT wms_place_order('pool-expiry-2', $1, $2, 1)::text",
        &[(&product_id, Type::INT8), (&warehouse_id, Type::INT8)],
    )?;
    let unavailable_while_held = held.get::<_, String>(0).contains("Unavailable");
    thread::sleep(Duration::from_millis(4000));
    let taken = client
        .query_typed_one(
            "SELECT status FROM wms_place_order('pool-expiry-3', $1, $2, 2)",
            &[(&product_id, Type::INT8), (&warehouse_id, Type::INT8)],
        )?
        .get::<_, String>(0);
    let swept: i32 = client
        .query_typed_one("SELECT wms_expire_reservations()", &[])?
        .get(0);
    let status: String = direct
        .query_one(
            "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
            &[&order_id],
        )?
        .get(0);
    let (on_hand, reserved_now): (i64, i64) = {
        let row = direct.query_one(
            "SELECT quantity_on_hand, quantity_reserved FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
            &[&product_id, &warehouse_id],
        )?;
        (row.get(0), row.get(1))
    };
    let passed = unavailable_while_held
        && taken == "Fulfilled"
        && swept >= 1
        && status == "Cancelled"
        && on_hand == 1
        && reserved_now == 0;
    Ok((
        passed,
        format!(
            "held: an order was {}; after expiry an order was {taken}; the sweep cancelled {swept} \
             (order {order_id} {status}); on hand {on_hand}, reserved {reserved_now}",
            if unavailable_while_held { "Unavailable" } else { "not refused" }
        ),
    ))
}
