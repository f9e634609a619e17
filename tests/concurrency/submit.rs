//! wms_submit_order: orders committed in batches by the order worker.
//! Many backends at once, each answered as wms_place_order would answer
//! it; one caller's bad order never fails its neighbours; idempotency keys
//! across batches and retries; the worker stopped under load; every wait
//! bounded.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};
use wms_loadgen::{together, wait_at_gate, Api};

use crate::flash_sale::flash_sale_with;
use crate::support::items_json;
use crate::Db;

/// 1000 buyers for 100 units through the worker: exactly 100 Fulfilled,
/// stock 0, ledger -100, and the winners' orders committed together (fewer
/// transactions than orders).
pub fn submit_flash_sale(db: &mut Db) {
    flash_sale_with(db, "sub1000", 1000, 100, Api::Submit);
    let transactions: i64 = db
        .admin
        .query_one(
            "SELECT count(DISTINCT xmin::text) FROM wms.customer_orders WHERE customer_name LIKE 'sub1000-%'",
            &[],
        )
        .expect("count the transactions")
        .get(0);
    println!("    100 orders committed in {transactions} transactions");
    assert!(
        transactions < 100,
        "the worker commits several orders per transaction"
    );
}

/// What one submitted order was told: its status, or its SQLSTATE.
fn submitted(client: &mut Client, sql: &str) -> String {
    match client.query_one(sql, &[]) {
        Ok(row) => row.get::<_, String>(0),
        Err(e) => e.code().map_or(e.to_string(), |c| c.code().to_string()),
    }
}

/// 120 backends at once, in six kinds: good orders, and orders that are
/// wrong each in its own way. Each bad one gets its own error; every good
/// one is Fulfilled; nothing of a bad one is written.
pub fn submit_bad_orders_are_answered_alone(db: &mut Db) {
    let (p, w) = db.item("subiso", 40);
    let taken_key = format!("subiso-{}", db.gate_key());
    let row = db
        .admin
        .query_one(
            "SELECT status FROM wms_submit_order('subiso-first', $1, $2, 1, $3)",
            &[&p, &w, &taken_key],
        )
        .expect("a first order under the key");
    assert_eq!(row.get::<_, String>(0), "Fulfilled");
    db.receive(p, w, 1);
    let key = db.gate_key();
    let k = taken_key.clone();
    let (results, _) = together(&db.config, key, 120, move |n, client| {
        let sql = match n % 6 {
            0 => format!("SELECT status FROM wms_submit_order('subiso-{n}', {p}, {}, 1)", w + 1_000_000),
            1 => format!(
                "SELECT status FROM wms_submit_order('subiso-{n}', '{}'::jsonb, on_shortage => 'error')",
                items_json(&[(p, w, 1000)])
            ),
            2 => format!(
                "SELECT status FROM wms_submit_order('subiso-{n}', '{}'::jsonb)",
                items_json(&[(p, w, 0)])
            ),
            3 => format!("SELECT status FROM wms_submit_order('subiso-{n}', {p}, {w}, 2, '{k}')"),
            _ => format!("SELECT status FROM wms_submit_order('subiso-{n}', {p}, {w}, 1)"),
        };
        wait_at_gate(client, key)?;
        Ok(submitted(client, &sql))
    })
    .expect("run the backends");
    let mut by_kind: HashMap<(usize, String), usize> = HashMap::new();
    for (n, r) in results.into_iter().enumerate() {
        *by_kind
            .entry((n % 6, r.expect("every backend answers")))
            .or_default() += 1;
    }
    let expect = |kind: usize, answer: &str| by_kind.get(&(kind, answer.to_string())).copied();
    println!("    answers: {by_kind:?}");
    assert_eq!(expect(0, "23503"), Some(20), "unknown warehouse");
    assert_eq!(expect(1, "23514"), Some(20), "short with on_shortage error");
    assert_eq!(expect(2, "22023"), Some(20), "quantity 0");
    assert_eq!(
        expect(3, "23505"),
        Some(20),
        "a key used for another request"
    );
    assert_eq!(
        expect(4, "Fulfilled").unwrap_or(0) + expect(5, "Fulfilled").unwrap_or(0),
        40,
        "every good order is Fulfilled: {by_kind:?}"
    );
    assert_eq!(db.on_hand(p, w), 0);
    let written: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE customer_name LIKE 'subiso-%' AND customer_name <> 'subiso-first'",
            &[],
        )
        .expect("count orders")
        .get(0);
    assert_eq!(written, 40, "only the good orders are written");
    db.assert_verified();
}

/// The same keyed order from 200 backends at once, then from 50 more in
/// later batches, then through wms_place_order: one order, every caller
/// told its id, one first answer and replays after it.
pub fn submit_idempotency_across_batches(db: &mut Db) {
    let (p, w) = db.item("subidem", 10);
    let idem = format!("subidem-{}", db.gate_key());
    let ask = move |client: &mut Client, k: &str, quantity: i64, api: &str| {
        client
            .query_one(
                &format!(
                    "SELECT order_id, status, (detail->>'replayed')::bool FROM {api}('subidem', $1, $2, $3, $4)"
                ),
                &[&p, &w, &quantity, &k],
            )
            .map(|r| (r.get::<_, Option<i64>>(0), r.get::<_, String>(1), r.get::<_, bool>(2)))
    };
    let key = db.gate_key();
    let k = idem.clone();
    let (first, _) = together(&db.config, key, 200, move |_, client| {
        wait_at_gate(client, key)?;
        ask(client, &k, 2, "wms_submit_order")
    })
    .expect("run the backends");
    let first: Vec<_> = first.into_iter().map(|r| r.expect("answered")).collect();
    let ids: BTreeSet<Option<i64>> = first.iter().map(|a| a.0).collect();
    assert_eq!(ids.len(), 1, "one order for every caller: {ids:?}");
    assert!(first.iter().all(|a| a.1 == "Fulfilled"));
    assert_eq!(
        first.iter().filter(|a| !a.2).count(),
        1,
        "one first answer, replays after it"
    );
    let id = first[0].0;
    let key = db.gate_key();
    let k = idem.clone();
    let (later, _) = together(&db.config, key, 50, move |n, client| {
        wait_at_gate(client, key)?;
        let api = if n % 2 == 0 {
            "wms_submit_order"
        } else {
            "wms_place_order"
        };
        ask(client, &k, 2, api)
    })
    .expect("run the backends");
    for r in later {
        let (order_id, status, replayed) = r.expect("answered");
        assert_eq!(
            (order_id, status.as_str(), replayed),
            (id, "Fulfilled", true)
        );
    }
    let other = ask(&mut db.admin, &idem, 3, "wms_submit_order").expect_err("another request");
    assert_eq!(other.code().map(|c| c.code()), Some("23505"));
    assert_eq!(db.on_hand(p, w), 8);
    db.assert_verified();
}

/// What a client was told (key, order id), its slowest call, and how many
/// answers it got in doubt.
type ClientTold = (Vec<(String, i64)>, Duration, usize);

/// Clients submit keyed orders for 4 s while the worker is terminated
/// every 300 ms: every call is answered within its bound, an answer in
/// doubt (40003) is settled by calling again with the key, every order a
/// client was told of is there, and there is no other.
pub fn submit_worker_terminated_under_load(db: &mut Db) {
    const CLIENTS: usize = 40;
    let (p, w) = db.item("subterm", 100_000);
    let stop = Arc::new(AtomicBool::new(false));
    let run = db.gate_key();
    let mut config = db.config.clone();
    config.options("-c wms.submit_timeout=10s");
    let handles: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (config, stop) = (config.clone(), stop.clone());
            thread::spawn(move || -> Result<ClientTold, String> {
                let mut client = config.connect(NoTls).map_err(|e| e.to_string())?;
                let mut told = Vec::new();
                let (mut slowest, mut doubts) = (Duration::ZERO, 0);
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("subterm-{run}-{c}-{n}");
                    n += 1;
                    loop {
                        let started = Instant::now();
                        let answer = client.query_one(
                            "SELECT order_id FROM wms_submit_order('subterm', $1, $2, 1, $3)",
                            &[&p, &w, &key],
                        );
                        slowest = slowest.max(started.elapsed());
                        match answer {
                            Ok(row) => {
                                told.push((key, row.get::<_, i64>(0)));
                                break;
                            }
                            Err(e) if e.code().is_some_and(|c| c.code() == "40003") => doubts += 1,
                            Err(e) => return Err(format!("{key}: {e}")),
                        }
                    }
                }
                Ok((told, slowest, doubts))
            })
        })
        .collect();
    let started = Instant::now();
    let mut terminated = 0;
    while started.elapsed() < Duration::from_secs(4) {
        thread::sleep(Duration::from_millis(300));
        terminated += db
            .admin
            .query_one(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'wms order worker'",
                &[],
            )
            .expect("terminate the worker")
            .get::<_, i64>(0);
    }
    stop.store(true, Ordering::Relaxed);
    let mut told = Vec::new();
    let (mut slowest, mut doubts) = (Duration::ZERO, 0);
    for h in handles {
        let (t, s, d) = h.join().expect("client thread").expect("client");
        told.extend(t);
        slowest = slowest.max(s);
        doubts += d;
    }
    println!(
        "    {} orders told, worker terminated {terminated} times, {doubts} answers in doubt, slowest call {slowest:?}",
        told.len()
    );
    assert!(terminated >= 3, "the worker was terminated under load");
    assert!(slowest < Duration::from_secs(11), "every wait is bounded");
    let stored: HashMap<String, i64> = db
        .admin
        .query(
            "SELECT idempotency_key, order_id FROM wms.customer_orders WHERE idempotency_key LIKE $1",
            &[&format!("subterm-{run}-%")],
        )
        .expect("read the orders")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(stored.len(), told.len(), "no order that nobody was told of");
    for (key, order_id) in &told {
        assert_eq!(stored.get(key), Some(order_id), "order {key} is there");
    }
    assert_eq!(db.on_hand(p, w), 100_000 - told.len() as i64);
    db.assert_verified();
}

/// Every wait of a submitted order is bounded, and one held item holds up
/// only its own orders: the worker takes its locks without waiting, so an
/// order for an item another transaction holds waits for later batches
/// while the others go through; it is withdrawn (55P03, nothing written)
/// at its caller's wms.submit_timeout or wms.lock_timeout. Only a writer
/// outside wms can hold the worker itself up: an order it has then is
/// answered 40003 a second past the caller's wait, and is committed once
/// that writer goes, as a retry with its key tells.
pub fn submit_waits_are_bounded(db: &mut Db) {
    let (x, w) = db.item("subwait-x", 5);
    let (y, wy) = db.item("subwait-y", 5);
    let run = db.gate_key();
    let key = |name: &str| format!("subwait-{run}-{name}");
    let submit = |item: (i64, i64), key: String, settings: &str| {
        let mut config = db.config.clone();
        config.options(settings);
        thread::spawn(move || {
            let mut c = config.connect(NoTls).expect("connect");
            let started = Instant::now();
            let answer = c.query_one(
                "SELECT status, (detail->>'replayed')::bool FROM wms_submit_order('subwait', $1, $2, 1, $3)",
                &[&item.0, &item.1, &key],
            );
            let answer = match answer {
                Ok(row) => Ok((row.get::<_, String>(0), row.get::<_, bool>(1))),
                Err(e) => Err(e.code().map(|c| c.code().to_string())),
            };
            (answer, started.elapsed())
        })
    };
    // x held by a transaction's wms_place_order: its orders wait, y's do not.
    let mut blocker = db.config.connect(NoTls).expect("connect");
    let mut tx = blocker.transaction().expect("begin");
    tx.query_one(
        "SELECT status FROM wms_place_order('subwait-blocker', $1, $2, 1)",
        &[&x, &w],
    )
    .expect("hold the item's queue");
    let held = submit((x, w), key("x1"), "-c wms.submit_timeout=500ms");
    let short = submit(
        (x, w),
        key("x2"),
        "-c wms.submit_timeout=5s -c wms.lock_timeout=200ms",
    );
    thread::sleep(Duration::from_millis(100));
    let free = submit((y, wy), key("y1"), "-c wms.submit_timeout=5s");
    let (held, short, free) = (
        held.join().unwrap(),
        short.join().unwrap(),
        free.join().unwrap(),
    );
    println!("    held item: {held:?}, {short:?}; free item meanwhile: {free:?}");
    assert_eq!(
        held.0,
        Err(Some("55P03".into())),
        "withdrawn at wms.submit_timeout"
    );
    assert!(held.1 < Duration::from_millis(1500));
    assert_eq!(
        short.0,
        Err(Some("55P03".into())),
        "given up at wms.lock_timeout"
    );
    assert!(short.1 < Duration::from_millis(1500));
    assert_eq!(free.0, Ok(("Fulfilled".into(), false)));
    assert!(
        free.1 < Duration::from_millis(400),
        "not held up by the busy item"
    );
    tx.commit().expect("release x");
    // Nothing of the withdrawn ones was written: they are placed now.
    for k in ["x1", "x2"] {
        let (answer, _) = submit((x, w), key(k), "").join().unwrap();
        assert_eq!(answer, Ok(("Fulfilled".into(), false)), "{k}");
    }
    // A writer outside wms holds the ledger: the worker itself waits.
    let mut outside = db.config.connect(NoTls).expect("connect");
    let mut tx = outside.transaction().expect("begin");
    tx.batch_execute("LOCK TABLE wms.stock_movements IN SHARE MODE")
        .expect("lock the ledger");
    let (stuck, waited) = submit((y, wy), key("y2"), "-c wms.submit_timeout=300ms")
        .join()
        .unwrap();
    println!("    worker held up: {stuck:?} after {waited:?}");
    assert_eq!(stuck, Err(Some("40003".into())), "the outcome is unknown");
    assert!(waited < Duration::from_millis(2500));
    tx.commit().expect("release the ledger");
    let (again, _) = submit((y, wy), key("y2"), "").join().unwrap();
    assert_eq!(
        again,
        Ok(("Fulfilled".into(), true)),
        "committed once the writer went"
    );
    assert_eq!((db.on_hand(x, w), db.on_hand(y, wy)), (2, 3));
    db.assert_verified();
}

/// Submitted orders are served while wms_place_order callers keep an
/// item's line full: PostgreSQL hands a lock from waiter to waiter, so the
/// batch worker's requests without waiting never find it free; its busy
/// orders go to the waiting worker, which stands in that line. 30 clients
/// place orders and 10 submit them on one item for 3 s: every submitted
/// order is Fulfilled, none given up.
pub fn submit_beside_place_order_on_one_item(db: &mut Db) {
    let (p, w) = db.item("submix", 1_000_000);
    let stop = Arc::new(AtomicBool::new(false));
    let spawn =
        |function: &'static str, n: usize| -> Vec<thread::JoinHandle<HashMap<String, usize>>> {
            (0..n)
                .map(|_| {
                    let (config, stop) = (db.config.clone(), stop.clone());
                    thread::spawn(move || {
                        let mut client = config.connect(NoTls).expect("connect");
                        let sql = format!("SELECT status FROM {function}('submix', $1, $2, 1)");
                        let mut told: HashMap<String, usize> = HashMap::new();
                        while !stop.load(Ordering::Relaxed) {
                            let answer = match client.query_one(&sql, &[&p, &w]) {
                                Ok(row) => row.get::<_, String>(0),
                                Err(e) => e.code().map_or(e.to_string(), |c| c.code().to_string()),
                            };
                            *told.entry(answer).or_default() += 1;
                        }
                        told
                    })
                })
                .collect()
        };
    let placing = spawn("wms_place_order", 30);
    let submitting = spawn("wms_submit_order", 10);
    thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    let total = |handles: Vec<thread::JoinHandle<HashMap<String, usize>>>| {
        let mut all: HashMap<String, usize> = HashMap::new();
        for h in handles {
            for (answer, n) in h.join().expect("client") {
                *all.entry(answer).or_default() += n;
            }
        }
        all
    };
    let (placed, submitted) = (total(placing), total(submitting));
    println!("    wms_place_order: {placed:?}; wms_submit_order: {submitted:?}");
    assert_eq!(placed.keys().collect::<Vec<_>>(), vec!["Fulfilled"]);
    assert_eq!(submitted.keys().collect::<Vec<_>>(), vec!["Fulfilled"]);
    assert!(submitted["Fulfilled"] >= 10, "submitted orders are served");
    let sold = (placed["Fulfilled"] + submitted["Fulfilled"]) as i64;
    assert_eq!(db.on_hand(p, w), 1_000_000 - sold);
    db.assert_verified();
}

/// A submitted order is announced as its caller's `wms.notify` says, not
/// as the worker's: one order with it off, one with it on, in one batch
/// or two; the listener hears exactly the second.
pub fn submit_notifies_as_its_caller_says(db: &mut Db) {
    use postgres::fallible_iterator::FallibleIterator;
    let (p, w) = db.item("subnotify", 10);
    let mut listener = db.config.connect(NoTls).expect("connect");
    listener.batch_execute("LISTEN wms_stock").expect("listen");
    let order = |notify: &str| {
        let mut config = db.config.clone();
        config.options(&format!("-c wms.notify={notify}"));
        let mut c = config.connect(NoTls).expect("connect");
        c.query_one(
            "SELECT (detail->'lines'->0->>'movement_id')::bigint FROM wms_submit_order('subnotify', $1, $2, 1)",
            &[&p, &w],
        )
        .expect("placed")
        .get::<_, i64>(0)
    };
    let quiet = order("off");
    let heard = order("on");
    let mut movements = Vec::new();
    let mut notifications = listener.notifications();
    let mut iter = notifications.timeout_iter(Duration::from_secs(2));
    while let Some(n) = iter.next().expect("read notifications") {
        let payload: serde_json::Value = serde_json::from_str(n.payload()).expect("json");
        if payload["product_id"] == serde_json::json!(p) {
            movements.push(payload["movement_id"].as_i64().expect("movement id"));
        }
    }
    assert_eq!(
        movements,
        vec![heard],
        "not {quiet}, which was placed with wms.notify off"
    );
    db.assert_verified();
}
