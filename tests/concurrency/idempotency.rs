//! Idempotency keys under concurrency: the same key from many backends, with
//! the same or different requests, for orders and reservations; stale
//! REPEATABLE READ snapshots; a key taken outside a wms call.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::Client;
use wms_loadgen::{together, wait_at_gate};

use crate::support::items_json;
use crate::Db;

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
pub fn idempotency_race(db: &mut Db) {
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
pub fn idempotency_conflict_race(db: &mut Db) {
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
pub fn repeatable_read_conflicts(db: &mut Db) {
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
pub fn key_taken_outside_wms(db: &mut Db) {
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

/// 200 backends reserve with the same key and request at once: one
/// reservation, one hold, the same answer for all.
pub fn reserve_idempotency_race(db: &mut Db) {
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
