//! The scenarios. Each creates its own products and warehouses, so they
//! never see each other's stock; `wms_verify()` covers the whole database.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config};
use wms_loadgen::{
    flash_sale, run_buyers, together, verify_sale, wait_at_gate, Answer, BuyerResult, Gate, Sale,
    SaleOutcome,
};

use crate::{Db, Scenario};

pub const ALL: &[(&str, Scenario)] = &[
    ("flash_sale_20_buyers_5_units", |db| {
        flash_sale_scenario(db, "fs20", 20, 5)
    }),
    ("flash_sale_200_buyers_100_units", |db| {
        flash_sale_scenario(db, "fs200", 200, 100)
    }),
    ("flash_sale_1000_buyers_100_units", |db| {
        flash_sale_scenario(db, "fs1000", 1000, 100)
    }),
    (
        "flash_sale_shared_by_4_processes",
        flash_sale_four_processes,
    ),
    ("multi_line_orders_in_opposite_orders", opposite_orders),
    ("receipts_concurrent_with_orders", receipts_with_orders),
    ("same_idempotency_key_from_many_backends", idempotency_race),
    (
        "same_idempotency_key_different_requests",
        idempotency_conflict_race,
    ),
    (
        "repeatable_read_conflicts_are_40001",
        repeatable_read_conflicts,
    ),
    ("key_taken_outside_wms_calls", key_taken_outside_wms),
    (
        "reserve_vs_place_order_on_the_last_units",
        reserve_vs_place_order,
    ),
    ("fulfil_cancel_expire_race", fulfil_cancel_expire_race),
    ("transfers_in_opposite_directions", opposite_transfers),
    (
        "listen_sees_exactly_the_committed_changes",
        listen_sees_committed_changes,
    ),
    (
        "same_idempotency_key_reservations",
        reserve_idempotency_race,
    ),
    ("lock_timeout_is_55p03", lock_timeout),
    (
        "dump_and_restore_while_orders_run",
        dump_and_restore_while_orders_run,
    ),
    ("application_role_and_hostile_search_path", application_role),
    ("expiry_worker_sweeps_by_itself", expiry_worker_sweeps),
    (
        "expiry_worker_restarts_and_resists_lookalikes",
        crate::hardening::lookalike_functions,
    ),
    (
        "expiry_worker_skips_a_busy_item",
        crate::hardening::worker_skips_busy_items,
    ),
    (
        "sql_advisory_locks_block_no_key",
        crate::hardening::sql_advisory_locks_block_nothing,
    ),
    (
        "lock_timeout_defaults_to_5s",
        crate::hardening::default_lock_timeout,
    ),
    (
        "deadlock_between_two_transactions",
        crate::hardening::deadlock_between_transactions,
    ),
    ("wms_notify_off_sends_nothing", crate::hardening::notify_off),
    ("errors_carry_no_backtrace", crate::hardening::no_backtraces),
];

fn assert_sale(db: &mut Db, sale: &Sale, stock: i64, outcome: &SaleOutcome) {
    let checks = verify_sale(&mut db.admin, sale, stock, outcome).expect("verify the sale");
    for error in outcome.errors().iter().take(3) {
        println!("    error answer: {error:?}");
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passed())
        .map(|c| format!("{}: expected {}, actual {}", c.name, c.expected, c.actual))
        .collect();
    assert!(
        failed.is_empty(),
        "sale checks failed:\n{}",
        failed.join("\n")
    );
    db.assert_verified();
}

/// Buyers of the flash sales allow a minute for their turn: a thousand
/// backends on one item can queue longer than the default 5 s bound on a
/// 2-core machine running the debug build, and these sales count answers,
/// not "busy, retry".
const PATIENT: &str = "-c wms.lock_timeout=60s";

fn flash_sale_scenario(db: &mut Db, name: &str, buyers: usize, stock: i64) {
    let (p, w) = db.item(name, stock);
    let sale = Sale {
        product_id: p,
        warehouse_id: w,
        quantity: 1,
        buyers,
        customer_prefix: format!("{name}-"),
    };
    let key = db.gate_key();
    let mut config = db.config.clone();
    config.options(PATIENT);
    let outcome = flash_sale(&config, key, &sale).expect("run the sale");
    println!(
        "    {buyers} backends queued at the gate; {} Fulfilled, {} Unavailable in {:.0} ms",
        outcome.fulfilled().len(),
        outcome.unavailable(),
        outcome.wall.as_secs_f64() * 1000.0
    );
    assert_sale(db, &sale, stock, &outcome);
}

pub const CHILD_ENV: &str = "WMS_BUYER_PROCESS";

/// A child process's part of a shared sale: `dsn;gate;product;warehouse;first;count`.
/// Prints one line per buyer: `F order_id latency_us`, `U latency_us` or `E sqlstate latency_us message`.
pub fn buyer_process(spec: &str) {
    let parts: Vec<&str> = spec.split(';').collect();
    let num = |i: usize| -> i64 { parts[i].parse().expect("numeric field") };
    let config = Config::from_str(parts[0]).expect("dsn");
    let (first, count) = (num(4) as usize, num(5) as usize);
    let sale = Sale {
        product_id: num(2),
        warehouse_id: num(3),
        quantity: 1,
        buyers: count,
        customer_prefix: "proc-".into(),
    };
    for r in run_buyers(&config, num(1), &sale, first..first + count) {
        let us = r.latency.as_micros();
        match r.answer {
            Answer::Fulfilled { order_id } => println!("F {order_id} {us}"),
            Answer::Unavailable => println!("U {us}"),
            Answer::Error { sqlstate, message } => {
                println!(
                    "E {} {us} {}",
                    if sqlstate.is_empty() { "-" } else { &sqlstate },
                    message.replace('\n', " ")
                )
            }
        }
    }
}

fn parse_child_line(line: &str) -> BuyerResult {
    let mut f = line.splitn(4, ' ');
    let kind = f.next().unwrap_or_default();
    let mut field = || f.next().unwrap_or_default().to_string();
    let (answer, us) = match kind {
        "F" => {
            let order_id = field().parse().expect("order id");
            (Answer::Fulfilled { order_id }, field())
        }
        "U" => (Answer::Unavailable, field()),
        _ => {
            let sqlstate = field();
            let us = field();
            (
                Answer::Error {
                    sqlstate,
                    message: field(),
                },
                us,
            )
        }
    };
    BuyerResult {
        answer,
        latency: Duration::from_micros(us.parse().unwrap_or(0)),
    }
}

/// One sale, its buyers spread over 4 client processes, released by one gate.
fn flash_sale_four_processes(db: &mut Db) {
    const PROCESSES: usize = 4;
    const PER_PROCESS: usize = 250;
    let stock = 100;
    let (p, w) = db.item("procs", stock);
    let key = db.gate_key();
    let gate = Gate::close(&db.config, key).expect("close the gate");
    let exe = std::env::current_exe().expect("own executable");
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .env(
                    CHILD_ENV,
                    format!(
                        "{} options='{PATIENT}';{key};{p};{w};{};{PER_PROCESS}",
                        db.dsn,
                        i * PER_PROCESS
                    ),
                )
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn a buyer process")
        })
        .collect();
    let opened = gate
        .open_when_waiting(PROCESSES * PER_PROCESS, Duration::from_secs(300))
        .expect("open the gate");
    let mut results = Vec::new();
    for mut child in children {
        let out = BufReader::new(child.stdout.take().expect("child stdout"));
        let lines: Vec<BuyerResult> = out
            .lines()
            .map(|l| parse_child_line(&l.expect("read child")))
            .collect();
        assert!(
            child.wait().expect("wait for child").success(),
            "a buyer process failed"
        );
        assert_eq!(lines.len(), PER_PROCESS, "every buyer of a process answers");
        results.extend(lines);
    }
    let outcome = SaleOutcome {
        results,
        wall: opened.elapsed(),
    };
    println!(
        "    {} processes x {PER_PROCESS} backends; {} Fulfilled, {} Unavailable",
        PROCESSES,
        outcome.fulfilled().len(),
        outcome.unavailable()
    );
    let sale = Sale {
        product_id: p,
        warehouse_id: w,
        quantity: 1,
        buyers: PROCESSES * PER_PROCESS,
        customer_prefix: String::new(),
    };
    assert_sale(db, &sale, stock, &outcome);
}

pub fn items_json(lines: &[(i64, i64, i64)]) -> String {
    let items: Vec<String> = lines
        .iter()
        .map(|(p, w, q)| format!(r#"{{"product_id":{p},"warehouse_id":{w},"quantity":{q}}}"#))
        .collect();
    format!("[{}]", items.join(","))
}

/// Place an items order; Ok(Some(order_id)) when Fulfilled, Ok(None) when Unavailable.
fn place_items(
    client: &mut Client,
    customer: &str,
    items: &str,
) -> Result<Option<i64>, postgres::Error> {
    let row = client.query_one(
        "SELECT order_id, status FROM wms_place_order($1::text, $2::text::jsonb)",
        &[&customer, &items],
    )?;
    Ok(match row.get::<_, String>(1).as_str() {
        "Fulfilled" => Some(row.get(0)),
        _ => None,
    })
}

/// Multi-line orders over the same items, written in opposite orders and
/// with a duplicated line, from 100 backends at once: no deadlock, and
/// the stock adds up.
fn opposite_orders(db: &mut Db) {
    let (a, b) = (db.product("opp-a"), db.product("opp-b"));
    let (w1, w2) = (db.warehouse("opp-1"), db.warehouse("opp-2"));
    db.receive(a, w1, 500);
    db.receive(b, w1, 300);
    db.receive(a, w2, 400);
    // Per order: a@w1 2 (in two lines), b@w1 2, a@w2 1. b@w1 runs out after 150 orders.
    let forward = items_json(&[(a, w1, 1), (b, w1, 2), (a, w2, 1), (a, w1, 1)]);
    let backward = items_json(&[(a, w2, 1), (a, w1, 1), (b, w1, 2), (a, w1, 1)]);
    let (backends, rounds) = (100, 5);
    let key = db.gate_key();
    let orders = Arc::new((forward, backward));
    let (results, _) = together(&db.config, key, backends, move |n, client| {
        wait_at_gate(client, key)?;
        let mut answers = Vec::new();
        for r in 0..rounds {
            let items = if (n + r) % 2 == 0 {
                &orders.0
            } else {
                &orders.1
            };
            answers.push(place_items(client, &format!("opp-{n}"), items));
        }
        Ok(answers)
    })
    .expect("run the backends");
    let mut fulfilled = 0;
    for answer in results
        .into_iter()
        .flat_map(|r| r.expect("backend connected"))
    {
        match answer {
            Ok(Some(_)) => fulfilled += 1,
            Ok(None) => {}
            Err(e) => panic!("an order failed: {:?} {e}", e.code()),
        }
    }
    println!(
        "    {} orders from {backends} backends; {fulfilled} Fulfilled, no errors",
        backends * rounds
    );
    assert_eq!(fulfilled, 150, "b@w1 allows exactly 150 orders");
    assert_eq!(db.on_hand(a, w1), 500 - 2 * 150);
    assert_eq!(db.on_hand(b, w1), 0);
    assert_eq!(db.on_hand(a, w2), 400 - 150);
    let ledger_rows: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM wms.stock_movements WHERE order_id IS NOT NULL AND warehouse_id IN ($1, $2)",
            &[&w1, &w2],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        ledger_rows,
        3 * 150,
        "one ledger row per item of each Fulfilled order"
    );
    db.assert_verified();
}

/// Receipts and orders on one item at once, starting with no inventory row
/// at all (the first receivers race to create it): no receipt and no sale
/// is lost.
fn receipts_with_orders(db: &mut Db) {
    let (p, w) = (db.product("rcv"), db.warehouse("rcv"));
    let (receivers, buyers, rounds) = (40usize, 60usize, 10usize);
    let key = db.gate_key();
    let (results, _) = together(&db.config, key, receivers + buyers, move |n, client| {
        wait_at_gate(client, key)?;
        let mut sold = 0i64;
        for _ in 0..rounds {
            if n < receivers {
                client.execute(
                    "SELECT wms_receive($1, $2, 5, 'Purchase Order', 'concurrent receipt')",
                    &[&p, &w],
                )?;
            } else {
                let row = client.query_one(
                    "SELECT status FROM wms_place_order('rcv', $1, $2, 3)",
                    &[&p, &w],
                )?;
                sold += i64::from(row.get::<_, String>(0) == "Fulfilled") * 3;
            }
        }
        Ok(sold)
    })
    .expect("run the backends");
    let sold: i64 = results
        .into_iter()
        .map(|r| r.expect("no backend fails"))
        .sum();
    let received = (receivers * rounds * 5) as i64;
    println!("    received {received}, sold {sold}");
    assert_eq!(
        db.on_hand(p, w),
        received - sold,
        "on hand = received - sold"
    );
    let (receipts, sales): (i64, i64) = {
        let row = db
            .admin
            .query_one(
                "SELECT count(*) FILTER (WHERE quantity_change > 0), COALESCE(-SUM(quantity_change) FILTER (WHERE quantity_change < 0), 0)::bigint \
                   FROM wms.stock_movements WHERE product_id = $1 AND warehouse_id = $2",
                &[&p, &w],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(
        receipts,
        (receivers * rounds) as i64,
        "one ledger row per receipt"
    );
    assert_eq!(
        sales, sold,
        "ledger outbound = what buyers were told they got"
    );
    db.assert_verified();
}

fn keyed_order(
    client: &mut Client,
    key: &str,
    p: i64,
    w: i64,
    quantity: i64,
) -> Result<(Option<i64>, String, bool), postgres::Error> {
    let row = client.query_one(
        "SELECT order_id, status, (detail->>'replayed')::bool FROM wms_place_order('idem', $1, $2, $3, $4)",
        &[&p, &w, &quantity, &key],
    )?;
    Ok((
        row.get(0),
        row.get(1),
        row.get::<_, Option<bool>>(2).unwrap_or(false),
    ))
}

/// 300 backends send the same request with the same key at once: one order.
fn idempotency_race(db: &mut Db) {
    let (p, w) = db.item("idem", 50);
    let idem_key = format!("idem-race-{}", db.gate_key());
    let key = db.gate_key();
    let k = idem_key.clone();
    let (results, _) = together(&db.config, key, 300, move |_, client| {
        wait_at_gate(client, key)?;
        keyed_order(client, &k, p, w, 3)
    })
    .expect("run the backends");
    let answers: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("no backend fails"))
        .collect();
    let ids: BTreeSet<Option<i64>> = answers.iter().map(|a| a.0).collect();
    assert_eq!(ids.len(), 1, "every caller gets the same order: {ids:?}");
    assert!(answers.iter().all(|a| a.1 == "Fulfilled"));
    assert_eq!(
        answers.iter().filter(|a| !a.2).count(),
        1,
        "exactly one first answer, the rest replays"
    );
    let orders: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE idempotency_key = $1",
            &[&idem_key],
        )
        .unwrap()
        .get(0);
    assert_eq!(orders, 1);
    assert_eq!(db.on_hand(p, w), 47, "stock taken once");
    db.assert_verified();
}

/// The same key with two different requests at once: one order; callers
/// with the winning request get it back, the others get 23505.
fn idempotency_conflict_race(db: &mut Db) {
    let (p, w) = db.item("idem2", 50);
    let idem_key = format!("idem-conflict-{}", db.gate_key());
    let key = db.gate_key();
    let k = idem_key.clone();
    let (results, _) = together(&db.config, key, 200, move |n, client| {
        wait_at_gate(client, key)?;
        let quantity = 1 + (n % 2) as i64;
        Ok((quantity, keyed_order(client, &k, p, w, quantity)))
    })
    .expect("run the backends");
    let stored: i64 = db
        .admin
        .query_one(
            "SELECT i.quantity FROM wms.customer_orders o JOIN wms.order_items i USING (order_id) WHERE o.idempotency_key = $1",
            &[&idem_key],
        )
        .unwrap()
        .get(0);
    let mut by_outcome: HashMap<&str, usize> = HashMap::new();
    let mut ids = BTreeSet::new();
    for r in results {
        let (quantity, answer) = r.expect("backend connected");
        match answer {
            Ok((id, status, _)) => {
                assert_eq!(quantity, stored, "only the stored request is answered");
                assert_eq!(status, "Fulfilled");
                ids.insert(id);
                *by_outcome.entry("fulfilled").or_default() += 1;
            }
            Err(e) => {
                assert_eq!(e.code(), Some(&SqlState::UNIQUE_VIOLATION), "{e}");
                assert_ne!(quantity, stored, "only a different request is refused");
                *by_outcome.entry("23505").or_default() += 1;
            }
        }
    }
    assert_eq!(ids.len(), 1, "one order for the key");
    assert_eq!(by_outcome.get("fulfilled"), Some(&100));
    assert_eq!(by_outcome.get("23505"), Some(&100));
    assert_eq!(db.on_hand(p, w), 50 - stored);
    db.assert_verified();
}

/// Under REPEATABLE READ a caller whose snapshot predates a concurrent
/// commit on the same key or the same row gets 40001 (retry), never a
/// wrong answer: not 23505 for its own request, not a stale stock figure.
fn repeatable_read_conflicts(db: &mut Db) {
    let (p, w) = (db.product("rr"), db.warehouse("rr"));
    let q = db.product("rr-other");
    db.receive(p, w, 10);
    db.receive(q, w, 10);
    let mut other = db
        .config
        .connect(postgres::NoTls)
        .expect("second connection");
    // (what the other session commits, what the stale caller then sends)
    let cases = [
        // same key, same row: the row lock sees the newer version
        (
            "SELECT * FROM wms_place_order('rr', $1, $2, 1, 'rr-key')",
            p,
            Some("rr-key"),
        ),
        // no key, same row
        ("SELECT * FROM wms_place_order('rr', $1, $2, 1)", p, None),
        // same key, another row: the key's insert meets an order it cannot see
        (
            "SELECT * FROM wms_place_order('rr', $1, $2, 1, 'rr-key-2')",
            q,
            Some("rr-key-2"),
        ),
    ];
    for (other_sql, stale_item, key) in cases {
        let mut tx = db
            .admin
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .start()
            .unwrap();
        tx.query_one("SELECT wms_available_to_sell($1, $2)", &[&p, &w])
            .unwrap(); // takes the snapshot
        other.query_one(other_sql, &[&p, &w]).unwrap();
        let err = tx
            .query_one(
                "SELECT * FROM wms_place_order('rr', $1, $2, 1, $3)",
                &[&stale_item, &w, &key],
            )
            .expect_err("a stale snapshot cannot place the order");
        assert_eq!(
            err.code(),
            Some(&SqlState::T_R_SERIALIZATION_FAILURE),
            "{other_sql}: {err}"
        );
        tx.rollback().unwrap();
    }
    // A retry in a new transaction replays the committed order.
    let replayed: bool = db
        .admin
        .query_one(
            "SELECT (detail->>'replayed')::bool FROM wms_place_order('rr', $1, $2, 1, 'rr-key')",
            &[&p, &w],
        )
        .unwrap()
        .get(0);
    assert!(replayed);
    assert_eq!(db.on_hand(p, w), 7);
    assert_eq!(db.on_hand(q, w), 10);
    db.assert_verified();
}

/// A key taken by a transaction that is not a wms call (and so does not
/// hold the key's lock) while a wms call is between its key check and its
/// insert: the call waits for that transaction, then compares requests.
fn key_taken_outside_wms(db: &mut Db) {
    let (p, w) = db.item("direct", 5);
    let key = format!("direct-{}", db.gate_key());
    let mut outsider = db
        .config
        .connect(postgres::NoTls)
        .expect("outsider connection");
    let mut tx = outsider.transaction().unwrap();
    tx.execute(
        "INSERT INTO wms.customer_orders (customer_name, order_status, idempotency_key, request) \
         VALUES ('direct', 'Fulfilled', $1, '{\"operation\": \"other\"}')",
        &[&key],
    )
    .unwrap();
    let caller = {
        let (config, key) = (db.config.clone(), key.clone());
        std::thread::spawn(move || {
            let mut client = config.connect(postgres::NoTls).unwrap();
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .unwrap()
                .get(0);
            let result = client.query_one(
                "SELECT * FROM wms_place_order('c', $1, $2, 1, $3)",
                &[&p, &w, &key],
            );
            (pid, result.map(|_| ()))
        })
    };
    // Wait until the caller is blocked on the outsider's transaction.
    let mut waited = 0;
    while db
        .admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'transactionid' \
               AND query LIKE '%wms_place_order%'",
            &[],
        )
        .unwrap()
        .get::<_, i64>(0)
        == 0
    {
        waited += 1;
        assert!(waited < 500, "the caller never waited for the outsider");
        std::thread::sleep(Duration::from_millis(20));
    }
    tx.commit().unwrap();
    let (_, result) = caller.join().unwrap();
    let err = result.expect_err("the outsider's request differs");
    assert_eq!(err.code(), Some(&SqlState::UNIQUE_VIOLATION), "{err}");
    assert_eq!(db.on_hand(p, w), 5, "nothing taken");
    outsider
        .execute(
            "DELETE FROM wms.customer_orders WHERE idempotency_key = $1",
            &[&key],
        )
        .unwrap();
    db.assert_verified();
}

/// Reservations and placed orders race for the last units of one item.
fn reserve_vs_place_order(db: &mut Db) {
    let (p, w) = db.item("rvp", 100);
    let key = db.gate_key();
    let items = items_json(&[(p, w, 1)]);
    let (results, _) = together(&db.config, key, 200, move |n, client| {
        wait_at_gate(client, key)?;
        let row = if n % 2 == 0 {
            client.query_one(
                "SELECT status FROM wms_reserve('rvp', $1::text::jsonb)",
                &[&items],
            )?
        } else {
            client.query_one(
                "SELECT status FROM wms_place_order('rvp', $1::bigint, $2::bigint)",
                &[&p, &w],
            )?
        };
        Ok(row.get::<_, String>(0))
    })
    .expect("run the backends");
    let mut by_status: HashMap<String, i64> = HashMap::new();
    for r in results {
        *by_status.entry(r.expect("no backend fails")).or_default() += 1;
    }
    let pending = by_status.get("Pending").copied().unwrap_or(0);
    let fulfilled = by_status.get("Fulfilled").copied().unwrap_or(0);
    println!(
        "    {pending} reserved, {fulfilled} placed, {} Unavailable",
        by_status.get("Unavailable").copied().unwrap_or(0)
    );
    assert_eq!(
        pending + fulfilled,
        100,
        "exactly the stock is handed out: {by_status:?}"
    );
    assert_eq!(db.on_hand(p, w), 100 - fulfilled);
    let (reserved, available): (i64, i64) = {
        let row = db
            .admin
            .query_one(
                "SELECT quantity_reserved, wms_available_to_sell($1, $2) FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
                &[&p, &w],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((reserved, available), (pending, 0));
    db.assert_verified();
}

/// For each of 60 reservations, a fulfil, a cancel and an expiry sweep at
/// once, with the reservations expiring while they run and 20 buyers taking
/// back expired holds: each order leaves Pending exactly once, the losers
/// get 55000 or do nothing, a Fulfilled reservation has all its ledger rows.
fn fulfil_cancel_expire_race(db: &mut Db) {
    const ORDERS: usize = 60;
    const PLACERS: usize = 20;
    let (p, w) = db.item("fce", ORDERS as i64);
    let items = items_json(&[(p, w, 1)]);
    let mut orders = Vec::new();
    for _ in 0..ORDERS {
        let id: i64 = db
            .admin
            .query_one(
                "SELECT order_id FROM wms_reserve('fce', $1::text::jsonb)",
                &[&items],
            )
            .unwrap()
            .get(0);
        orders.push(id);
    }
    let key = db.gate_key();
    let gate = Gate::close(&db.config, key).expect("close the gate");
    let ids = Arc::new(orders.clone());
    let workers = {
        let config = db.config.clone();
        std::thread::spawn(move || {
            wms_loadgen::on_connections(&config, 0..3 * ORDERS + PLACERS, move |n, client| {
                if n >= 3 * ORDERS {
                    // A buyer who can only get stock that expired reservations give back.
                    wait_at_gate(client, key)?;
                    let mut placed = 0;
                    for _ in 0..5 {
                        let row = client.query_one(
                            "SELECT status FROM wms_place_order('fce-buyer', $1::bigint, $2::bigint)",
                            &[&p, &w],
                        )?;
                        placed += i64::from(row.get::<_, String>(0) == "Fulfilled");
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    return Ok(Ok(format!("placed {placed}")));
                }
                let order_id = ids[n / 3];
                wait_at_gate(client, key)?;
                let answer = match n % 3 {
                    0 => client
                        .query_one("SELECT status FROM wms_fulfill_order($1)", &[&order_id])
                        .map(|r| r.get::<_, String>(0)),
                    1 => client
                        .query_one(
                            "SELECT status FROM wms_cancel_order($1, 'race')",
                            &[&order_id],
                        )
                        .map(|r| r.get::<_, String>(0)),
                    _ => client
                        .query_one("SELECT wms_expire_reservations()", &[])
                        .map(|r| format!("swept {}", r.get::<_, i32>(0))),
                };
                Ok(answer.map_err(|e| {
                    e.code()
                        .map(|c| c.code().to_string())
                        .unwrap_or_else(|| e.to_string())
                }))
            })
        })
    };
    let mut gate = gate;
    while (gate.waiting().unwrap() as usize) < 3 * ORDERS + PLACERS {
        std::thread::sleep(Duration::from_millis(20));
    }
    // With everyone queued, expiry spread over the next second, so the sweeps,
    // fulfils and cancels meet each reservation at a different point.
    db.admin
        .execute(
            "UPDATE wms.customer_orders SET expires_at = clock_timestamp() + (order_id % 40) * interval '25 milliseconds' \
              WHERE order_id = ANY($1)",
            &[&orders],
        )
        .unwrap();
    gate.open_when_waiting(3 * ORDERS + PLACERS, Duration::from_secs(60))
        .expect("open the gate");
    let results = workers.join().expect("workers");
    let (mut swept, mut placed) = (0, 0);
    for (n, r) in results.into_iter().enumerate() {
        match r.expect("backend connected") {
            Ok(s) if s.starts_with("swept ") => swept += s[6..].parse::<i64>().unwrap(),
            Ok(s) if s.starts_with("placed ") => placed += s[7..].parse::<i64>().unwrap(),
            Ok(_) => {}
            Err(code) => assert_eq!(
                code,
                "55000",
                "call {} on order {} failed",
                n % 3,
                orders[n / 3]
            ),
        }
    }
    // Whatever the sweeps left behind is expired by now.
    std::thread::sleep(Duration::from_millis(1100));
    swept += db
        .admin
        .query_one("SELECT wms_expire_reservations()", &[])
        .unwrap()
        .get::<_, i32>(0) as i64;
    let row = db
        .admin
        .query_one(
            "SELECT count(*) FILTER (WHERE order_status = 'Fulfilled'), count(*) FILTER (WHERE order_status = 'Cancelled'), \
                    count(*) FILTER (WHERE order_status = 'Pending') FROM wms.customer_orders WHERE order_id = ANY($1)",
            &[&orders],
        )
        .unwrap();
    let (fulfilled, cancelled, pending): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let leaving: i64 = db
        .admin
        .query_one("SELECT count(*) FROM wms.order_status_history WHERE order_id = ANY($1) AND from_status = 'Pending'", &[&orders])
        .unwrap()
        .get(0);
    let expired_reason: i64 = db
        .admin
        .query_one("SELECT count(*) FROM wms.order_status_history WHERE order_id = ANY($1) AND reason = 'expired'", &[&orders])
        .unwrap()
        .get(0);
    println!(
        "    {fulfilled} fulfilled, {cancelled} cancelled ({swept} by the sweep); {placed} sold from expired holds"
    );
    assert_eq!(pending, 0);
    assert_eq!(fulfilled + cancelled, ORDERS as i64);
    assert_eq!(
        leaving, ORDERS as i64,
        "each order left Pending exactly once"
    );
    assert_eq!(
        expired_reason, swept,
        "every sweep count is an 'expired' cancellation"
    );
    assert_eq!(db.on_hand(p, w), ORDERS as i64 - fulfilled - placed);
    assert!(
        fulfilled + placed <= ORDERS as i64,
        "never more sold than there was"
    );
    db.assert_verified();
}

/// Transfers between two warehouses in both directions from 100 backends at
/// once: no deadlock, nothing lost, two ledger rows per transfer.
fn opposite_transfers(db: &mut Db) {
    let p = db.product("xfer");
    let (a, b) = (db.warehouse("xfer-a"), db.warehouse("xfer-b"));
    db.receive(p, a, 500);
    db.receive(p, b, 500);
    let key = db.gate_key();
    let (results, _) = together(&db.config, key, 100, move |n, client| {
        wait_at_gate(client, key)?;
        let (from, to) = if n % 2 == 0 { (a, b) } else { (b, a) };
        for _ in 0..10 {
            client.query_one(
                "SELECT * FROM wms_transfer($1, $2, $3, 1)",
                &[&p, &from, &to],
            )?;
        }
        Ok(())
    })
    .expect("run the backends");
    for r in results {
        if let Err(e) = r {
            panic!("a transfer failed: {:?} {e}", e.code());
        }
    }
    assert_eq!((db.on_hand(p, a), db.on_hand(p, b)), (500, 500));
    let rows: i64 = db
        .admin
        .query_one("SELECT count(*) FROM wms.stock_movements WHERE product_id = $1 AND reason = 'Transfer'", &[&p])
        .unwrap()
        .get(0);
    assert_eq!(rows, 2 * 100 * 10);
    db.assert_verified();
}

/// A LISTEN client receives exactly the committed changes: every ledger row
/// written by a committed transaction, none from rolled-back ones.
fn listen_sees_committed_changes(db: &mut Db) {
    use postgres::fallible_iterator::FallibleIterator;
    let (p, w) = db.item("listen", 100);
    let mut listener = db.config.connect(postgres::NoTls).expect("listener");
    listener.batch_execute("LISTEN wms_stock").unwrap();
    let key = db.gate_key();
    let (results, _) = together(&db.config, key, 40, move |n, client| {
        wait_at_gate(client, key)?;
        let mut committed = 0;
        for i in 0..5 {
            let mut tx = client.transaction()?;
            let row = tx.query_one(
                "SELECT status FROM wms_place_order('listen', $1::bigint, $2::bigint)",
                &[&p, &w],
            )?;
            if (n + i) % 3 == 0 {
                tx.rollback()?;
            } else {
                tx.commit()?;
                committed += i64::from(row.get::<_, String>(0) == "Fulfilled");
            }
        }
        Ok(committed)
    })
    .expect("run the backends");
    let committed: i64 = results
        .into_iter()
        .map(|r| r.expect("no backend fails"))
        .sum();
    let mut tx = db.admin.transaction().unwrap();
    tx.execute("SELECT wms_receive($1, $2, 7)", &[&p, &w])
        .unwrap();
    tx.rollback().unwrap();
    db.receive(p, w, 3);
    // A reservation changes availability, not on hand: announced without a ledger row.
    db.admin
        .execute(
            "SELECT * FROM wms_reserve('listen', $1::text::jsonb)",
            &[&items_json(&[(p, w, 2)])],
        )
        .unwrap();

    let mut seen = Vec::new();
    let mut reservations = Vec::new();
    let mut notifications = listener.notifications();
    let mut iter = notifications.timeout_iter(Duration::from_secs(2));
    while let Some(n) = iter.next().expect("read notifications") {
        let payload: serde_json::Value = serde_json::from_str(n.payload()).expect("JSON payload");
        if payload["product_id"] == p {
            assert_eq!(n.channel(), "wms_stock");
            assert_eq!(payload["warehouse_id"], w);
            match payload["movement_id"].as_i64() {
                Some(movement_id) => {
                    assert_eq!(
                        payload["available"], payload["on_hand"],
                        "nothing reserved yet"
                    );
                    seen.push(movement_id);
                }
                None => {
                    reservations.push((payload["on_hand"].as_i64(), payload["available"].as_i64()))
                }
            }
        }
    }
    let ledger: Vec<i64> = db
        .admin
        .query(
            "SELECT movement_id FROM wms.stock_movements WHERE product_id = $1 AND order_id IS NOT NULL \
              OR (product_id = $1 AND quantity_change = 3) ORDER BY movement_id",
            &[&p],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    println!(
        "    {committed} committed sales of 200 attempts; {} notifications",
        seen.len()
    );
    seen.sort_unstable();
    assert_eq!(ledger.len() as i64, committed + 1);
    assert_eq!(
        seen, ledger,
        "one notification per committed change, none for rolled-back ones"
    );
    let on_hand = db.on_hand(p, w);
    assert_eq!(reservations, vec![(Some(on_hand), Some(on_hand - 2))]);
    db.assert_verified();
}

/// With wms in shared_preload_libraries (this cluster has it), the expiry
/// worker cancels an expired reservation by itself.
fn expiry_worker_sweeps(db: &mut Db) {
    let (p, w) = db.item("worker", 10);
    // The cluster starts the worker with a 1 h interval; shorten it.
    db.admin
        .batch_execute("ALTER SYSTEM SET wms.expiry_interval = '200ms'")
        .unwrap();
    db.admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    let order_id: i64 = db
        .admin
        .query_one(
            "SELECT order_id FROM wms_reserve('worker', $1::text::jsonb, ttl => '300 milliseconds')",
            &[&items_json(&[(p, w, 3)])],
        )
        .unwrap()
        .get(0);
    let mut waited = Duration::ZERO;
    let status = loop {
        let status: String = db
            .admin
            .query_one(
                "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
                &[&order_id],
            )
            .unwrap()
            .get(0);
        if status != "Pending" || waited > Duration::from_secs(60) {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
        waited += Duration::from_millis(100);
    };
    db.admin
        .batch_execute("ALTER SYSTEM RESET wms.expiry_interval")
        .unwrap();
    db.admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    let workers: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'wms expiry worker' AND datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0);
    println!("    reservation cancelled by the worker after {waited:?}");
    assert_eq!(workers, 1, "one expiry worker in this database");
    assert_eq!(
        status, "Cancelled",
        "the worker did not sweep within a minute"
    );
    let reason: String = db
        .admin
        .query_one(
            "SELECT reason FROM wms.order_status_history WHERE order_id = $1 AND to_status = 'Cancelled'",
            &[&order_id],
        )
        .unwrap()
        .get(0);
    assert_eq!(reason, "expired");
    let reserved = db.reserved(p, w);
    assert_eq!(reserved, 0);
    db.assert_verified();
}

/// 200 backends reserve with the same key and request at once: one
/// reservation, one hold, the same answer for all.
fn reserve_idempotency_race(db: &mut Db) {
    let (p, w) = db.item("ridem", 10);
    let idem_key = format!("ridem-{}", db.gate_key());
    let key = db.gate_key();
    let (k, items) = (idem_key.clone(), items_json(&[(p, w, 4)]));
    let (results, _) = together(&db.config, key, 200, move |_, client| {
        wait_at_gate(client, key)?;
        let row = client.query_one(
            "SELECT order_id, status, expires_at::text FROM wms_reserve('ridem', $1::text::jsonb, idempotency_key => $2)",
            &[&items, &k],
        )?;
        Ok((row.get::<_, i64>(0), row.get::<_, String>(1), row.get::<_, String>(2)))
    })
    .expect("run the backends");
    let answers: BTreeSet<(i64, String, String)> = results
        .into_iter()
        .map(|r| r.expect("no backend fails"))
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "every caller gets the same reservation: {answers:?}"
    );
    let orders: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE idempotency_key = $1",
            &[&idem_key],
        )
        .unwrap()
        .get(0);
    let reserved = db.reserved(p, w);
    assert_eq!((orders, reserved), (1, 4), "one reservation, held once");
    db.assert_verified();
}

/// Run `sql`, which must give up waiting with 55P03 ("busy, retry");
/// how long it waited.
pub fn lock_timeout_after(
    client: &mut impl postgres::GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Duration {
    let started = std::time::Instant::now();
    let err = client
        .query_one(sql, params)
        .expect_err("the call waits for a lock another transaction holds");
    let waited = started.elapsed();
    assert_eq!(err.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{err}");
    waited
}

/// A buyer behind a held row lock gives up after wms.lock_timeout with
/// 55P03 ("busy, retry", not "sold out"), writes nothing, and the caller's
/// own lock_timeout is left as it was.
fn lock_timeout(db: &mut Db) {
    let (p, w) = db.item("busy", 5);
    let mut holder = db.config.connect(postgres::NoTls).expect("holder");
    let mut tx = holder.transaction().unwrap();
    tx.query_one(
        "SELECT * FROM wms_place_order('holder', $1::bigint, $2::bigint)",
        &[&p, &w],
    )
    .unwrap();

    let mut buyer = db.config.connect(postgres::NoTls).expect("buyer");
    buyer.batch_execute("SET wms.lock_timeout = 200").unwrap();
    let waited = lock_timeout_after(
        &mut buyer,
        "SELECT * FROM wms_place_order('buyer', $1::bigint, $2::bigint)",
        &[&p, &w],
    );
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "waited {waited:?}"
    );
    // The same for an idempotency key held by an unfinished call.
    let mut keyed = holder_key_call(db, w);
    lock_timeout_after(
        &mut buyer,
        "SELECT * FROM wms_place_order('buyer', $1::bigint, $2::bigint, 1, 'busy-key')",
        &[&p, &w],
    );
    keyed.batch_execute("ROLLBACK").unwrap();
    tx.commit().unwrap();
    let orders: i64 = buyer
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE customer_name = 'buyer'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orders, 0, "a timed-out call writes nothing");
    // With the row free the same call goes through, and the session's own
    // lock_timeout is what it was before the call.
    let mut btx = buyer.transaction().unwrap();
    btx.batch_execute("SET LOCAL lock_timeout = '7s'").unwrap();
    let status: String = btx
        .query_one(
            "SELECT status FROM wms_place_order('buyer', $1::bigint, $2::bigint)",
            &[&p, &w],
        )
        .unwrap()
        .get(0);
    let setting: String = btx.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    btx.commit().unwrap();
    assert_eq!((status.as_str(), setting.as_str()), ("Fulfilled", "7s"));
    assert_eq!(db.on_hand(p, w), 3);
    db.assert_verified();
}

/// A session inside a transaction holding the idempotency key 'busy-key'.
fn holder_key_call(db: &mut Db, w: i64) -> postgres::Client {
    let mut client = db.config.connect(postgres::NoTls).expect("key holder");
    client.batch_execute("BEGIN").unwrap();
    let q = db.product("busy-key");
    client
        .query_one("SELECT wms_receive($1, $2, 1)", &[&q, &w])
        .unwrap();
    client
        .query_one(
            "SELECT * FROM wms_place_order('holder', $1::bigint, $2::bigint, 1, 'busy-key')",
            &[&q, &w],
        )
        .unwrap();
    client
}

/// pg_dump (custom and plain) of the database while orders are being
/// placed, restored into fresh databases: every row of the quiet tables
/// kept, `wms_verify()` empty, sequences past their maximum, new orders work.
fn dump_and_restore_while_orders_run(db: &mut Db) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (p, w) = db.item("dump", 1_000_000);
    let stop = Arc::new(AtomicBool::new(false));
    let buyer = {
        let (config, stop) = (db.config.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut client = config.connect(postgres::NoTls).expect("buyer");
            let mut placed = 0;
            while !stop.load(Ordering::Relaxed) {
                client
                    .query_one(
                        "SELECT * FROM wms_place_order('dump', $1::bigint, $2::bigint)",
                        &[&p, &w],
                    )
                    .expect("order during the dump");
                placed += 1;
            }
            placed
        })
    };
    let bindir: String = db
        .admin
        .query_one("SELECT setting FROM pg_config WHERE name = 'BINDIR'", &[])
        .unwrap()
        .get(0);
    let (host, port, user, source) = {
        let row = db
            .admin
            .query_one(
                "SELECT 'localhost', current_setting('port'), current_user::text, current_database()::text",
                &[],
            )
            .unwrap();
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(3),
        )
    };
    let quiet_counts = |client: &mut Client| -> Vec<i64> {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM wms.products), (SELECT count(*) FROM wms.warehouses), \
                        (SELECT count(*) FROM wms.order_transitions), \
                        (SELECT count(*) FROM wms.inventory WHERE product_id <> $1), \
                        (SELECT count(*) FROM wms.customer_orders WHERE customer_name <> 'dump'), \
                        (SELECT count(*) FROM wms.stock_movements WHERE product_id <> $1), \
                        (SELECT count(*) FROM wms.order_status_history h JOIN wms.customer_orders o USING (order_id) \
                          WHERE o.customer_name <> 'dump')",
                &[&p],
            )
            .expect("count rows");
        (0..7).map(|i| row.get(i)).collect()
    };
    let source_counts = quiet_counts(&mut db.admin);
    db.admin
        .batch_execute(
            "CREATE ROLE dump_app; \
             GRANT EXECUTE ON FUNCTION wms_available_to_sell(bigint, bigint) TO dump_app",
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("wms-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in ["custom", "plain"] {
        let file = dir.join(format!("wms.{format}"));
        let target = format!("wms_restored_{format}");
        let conn = ["-h", &host, "-p", &port, "-U", &user];
        let status = Command::new(format!("{bindir}/pg_dump"))
            .args(conn)
            .args(["-d", &source, "-F", &format[..1], "-f"])
            .arg(&file)
            .status()
            .expect("run pg_dump");
        assert!(status.success(), "pg_dump {format} failed");
        db.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {target}"))
            .unwrap();
        db.admin
            .batch_execute(&format!("CREATE DATABASE {target}"))
            .unwrap();
        let status = if format == "custom" {
            Command::new(format!("{bindir}/pg_restore"))
                .args(conn)
                .args(["--exit-on-error", "-d", &target])
                .arg(&file)
                .status()
        } else {
            Command::new(format!("{bindir}/psql"))
                .args(conn)
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &target, "-f"])
                .arg(&file)
                .stdout(Stdio::null())
                .status()
        }
        .expect("run the restore");
        assert!(status.success(), "restore of the {format} dump failed");

        let mut config = db.config.clone();
        config.dbname(&target);
        let mut restored = config
            .connect(postgres::NoTls)
            .expect("connect to the restored database");
        assert_eq!(
            quiet_counts(&mut restored),
            source_counts,
            "{format}: rows lost or added"
        );
        let violations: i64 = restored
            .query_one("SELECT count(*) FROM wms_verify()", &[])
            .unwrap()
            .get(0);
        assert_eq!(violations, 0, "{format}: wms_verify() after restore");
        let grants: (bool, bool) = {
            let row = restored
                .query_one(
                    "SELECT has_function_privilege('dump_app', 'wms_available_to_sell(bigint, bigint)', 'EXECUTE'), \
                            has_function_privilege('dump_app', 'wms_receive(bigint, bigint, bigint, text, text)', 'EXECUTE')",
                    &[],
                )
                .unwrap();
            (row.get(0), row.get(1))
        };
        assert_eq!(
            grants,
            (true, false),
            "{format}: the grant and PUBLIC's revoke survive"
        );
        let before: (i64, i64, i64) = {
            let row = restored
                .query_one(
                    "SELECT (SELECT max(order_id) FROM wms.customer_orders), (SELECT max(movement_id) FROM wms.stock_movements), \
                            (SELECT max(history_id) FROM wms.order_status_history)",
                    &[],
                )
                .unwrap();
            (row.get(0), row.get(1), row.get(2))
        };
        let row = restored
            .query_one(
                "SELECT order_id, status, (detail->'lines'->0->>'movement_id')::bigint FROM wms_place_order('after restore', $1::bigint, $2::bigint)",
                &[&p, &w],
            )
            .expect("a new order in the restored database");
        let (order_id, status, movement_id): (i64, String, i64) =
            (row.get(0), row.get(1), row.get(2));
        assert_eq!(status, "Fulfilled");
        assert!(
            order_id > before.0 && movement_id > before.1,
            "{format}: sequences continue past their maximum"
        );
        let history: i64 = restored
            .query_one("SELECT max(history_id) FROM wms.order_status_history", &[])
            .unwrap()
            .get(0);
        assert!(history > before.2);
        let violations: i64 = restored
            .query_one("SELECT count(*) FROM wms_verify()", &[])
            .unwrap()
            .get(0);
        assert_eq!(violations, 0);
        drop(restored);
        db.admin
            .batch_execute(&format!("DROP DATABASE {target}"))
            .unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let placed = buyer.join().expect("buyer thread");
    db.admin
        .batch_execute("DROP OWNED BY dump_app; DROP ROLE dump_app")
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    println!("    custom and plain dumps restored; {placed} orders placed during the dumps");
    assert!(placed > 0, "orders were running during the dumps");
    db.assert_verified();
}

/// The README's GRANT lines give an application role the API and nothing
/// else; a hostile search_path (its own schema with look-alike functions,
/// operators and tables, and temp tables) changes nothing a call does.
fn application_role(db: &mut Db) {
    let (p, w) = db.item("app", 10);
    let readme = include_str!("../../README.md");
    let grants = readme
        .split("```sql\nCREATE ROLE shop_app LOGIN;")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README's GRANT block");
    db.admin
        .batch_execute(&format!("CREATE ROLE shop_app LOGIN;{grants}"))
        .unwrap();
    // A schema of look-alikes the application puts first in its path.
    db.admin
        .batch_execute(
            "CREATE SCHEMA evil AUTHORIZATION shop_app; \
             CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$; \
             CREATE FUNCTION evil.hashtext(text) RETURNS int LANGUAGE sql AS $$ SELECT 0 $$; \
             CREATE FUNCTION evil.minus(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT $1 + $2 $$; \
             CREATE OPERATOR evil.- (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.minus); \
             CREATE TABLE evil.inventory (product_id bigint, warehouse_id bigint, quantity_on_hand bigint, quantity_reserved bigint); \
             CREATE TABLE evil.stock_movements (LIKE wms.stock_movements); \
             ALTER TABLE evil.inventory OWNER TO shop_app; ALTER TABLE evil.stock_movements OWNER TO shop_app",
        )
        .unwrap();
    let mut config = db.config.clone();
    config.user("shop_app");
    let mut app = config
        .connect(postgres::NoTls)
        .expect("connect as shop_app");
    app.batch_execute(
        "CREATE TEMP TABLE customer_orders (order_id bigint); CREATE TEMP TABLE order_items (x int); \
         SET search_path = evil, pg_temp, public",
    )
    .unwrap();
    // The granted API works, and records who called.
    let row = app
        .query_one(
            "SELECT order_id, status FROM wms_place_order('app', $1::bigint, $2::bigint, 3)",
            &[&p, &w],
        )
        .expect("place an order as shop_app");
    let (order_id, status): (i64, String) = (row.get(0), row.get(1));
    assert_eq!(status, "Fulfilled");
    let available: i64 = app
        .query_one("SELECT wms_available_to_sell($1, $2)", &[&p, &w])
        .unwrap()
        .get(0);
    assert_eq!(
        available, 7,
        "the real inventory, not evil.inventory, and minus really subtracts"
    );
    let reserved: String = app
        .query_one(
            "SELECT status FROM wms_reserve('app', $1::text::jsonb, idempotency_key => 'app-key')",
            &[&items_json(&[(p, w, 2)])],
        )
        .unwrap()
        .get(0);
    assert_eq!(reserved, "Pending");
    let (actor, changed_by, recent): (String, String, bool) = {
        let row = db
            .admin
            .query_one(
                "SELECT m.actor, h.changed_by, m.movement_time > now() - interval '1 hour' \
                   FROM wms.stock_movements m JOIN wms.order_status_history h USING (order_id) WHERE m.order_id = $1",
                &[&order_id],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(
        (actor.as_str(), changed_by.as_str(), recent),
        ("shop_app", "shop_app", true)
    );
    let evil_rows: i64 = db
        .admin
        .query_one("SELECT (SELECT count(*) FROM evil.inventory) + (SELECT count(*) FROM evil.stock_movements)", &[])
        .unwrap()
        .get(0);
    assert_eq!(evil_rows, 0, "nothing written to the look-alikes");
    // Nothing else is reachable.
    for sql in [
        "SELECT * FROM wms.inventory",
        "INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, balance_after) VALUES (1, 1, 5, 'x', 5)",
        "UPDATE wms.inventory SET quantity_on_hand = 1000",
        "DELETE FROM wms.customer_orders",
        "TRUNCATE wms.stock_movements",
        "SELECT wms_receive(1, 1, 100)",
        "SELECT wms_adjust(1, 1, 100, 'x')",
        "SELECT * FROM wms_verify()",
    ] {
        let err = app.batch_execute(sql).expect_err(sql);
        assert_eq!(err.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
    }
    drop(app);
    db.admin
        .batch_execute("DROP SCHEMA evil CASCADE; DROP OWNED BY shop_app; DROP ROLE shop_app")
        .unwrap();
    assert_eq!(db.on_hand(p, w), 7);
    db.assert_verified();
}
