//! Notifications: what a LISTEN client receives while orders commit and
//! roll back.

use std::time::Duration;

use wms_loadgen::{together, wait_at_gate};

use crate::support::items_json;
use crate::Db;

/// A LISTEN client receives exactly the committed changes: every ledger row
/// written by a committed transaction, none from rolled-back ones.
pub fn listen_sees_committed_changes(db: &mut Db) {
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
    // A reservation changes availability, not on hand: announced without a
    // ledger row; so does its release, here once it has expired (its hold
    // no longer counted: available is on hand again).
    let reservation: i64 = db
        .admin
        .query_one(
            "SELECT order_id FROM wms_reserve('listen', $1::text::jsonb)",
            &[&items_json(&[(p, w, 2)])],
        )
        .unwrap()
        .get(0);
    db.admin
        .execute(
            "UPDATE wms.customer_orders SET expires_at = now() - interval '1 second' WHERE order_id = $1",
            &[&reservation],
        )
        .unwrap();
    db.admin
        .execute(
            "SELECT * FROM wms_cancel_order($1, 'expired, cancelled by hand')",
            &[&reservation],
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
    assert_eq!(
        reservations,
        vec![
            (Some(on_hand), Some(on_hand - 2)),
            (Some(on_hand), Some(on_hand))
        ]
    );
    db.assert_verified();
}

/// Low-stock alerts: `wms_low_stock` is notified once each time a committed
/// change takes an item's available stock from above its reorder point to
/// at or below it; never for a rolled-back change, nor for an item without
/// a reorder point, nor with `wms.notify` off; many buyers at once cross it
/// once.
pub fn low_stock_alerts(db: &mut Db) {
    use postgres::fallible_iterator::FallibleIterator;
    let (p, w) = db.item("low", 20);
    let (q, v) = db.item("low-none", 20);
    let mut listener = db.config.connect(postgres::NoTls).expect("listener");
    listener.batch_execute("LISTEN wms_low_stock").unwrap();
    db.admin
        .execute("SELECT wms_set_reorder_policy($1, $2, 10, 5)", &[&p, &w])
        .unwrap();
    let order = |client: &mut postgres::Client, p: i64, w: i64, n: i64| {
        client
            .query_one(
                "SELECT status FROM wms_place_order('low', $1::bigint, $2::bigint, $3::bigint)",
                &[&p, &w, &n],
            )
            .unwrap()
            .get::<_, String>(0)
    };
    assert_eq!(order(&mut db.admin, p, w, 5), "Fulfilled"); // 15: above
                                                            // A crossing rolled back is not announced.
    let mut tx = db.admin.transaction().unwrap();
    tx.query_one(
        "SELECT status FROM wms_place_order('low', $1::bigint, $2::bigint, 6)",
        &[&p, &w],
    )
    .unwrap();
    tx.rollback().unwrap();
    // With wms.notify off, nothing is announced: 15 -> 12, above anyway,
    // then 12 -> 9 silenced.
    let mut quiet = db.config.connect(postgres::NoTls).unwrap();
    quiet.batch_execute("SET wms.notify = off").unwrap();
    assert_eq!(order(&mut quiet, p, w, 3), "Fulfilled");
    assert_eq!(order(&mut quiet, p, w, 3), "Fulfilled"); // 9: crossed, silenced
    db.receive(p, w, 11); // 20: above again
                          // 40 buyers of 1 unit at once: the one that takes it to 10 announces.
    let key = db.gate_key();
    let (results, _) = together(&db.config, key, 40, move |_, client| {
        wait_at_gate(client, key)?;
        let row = client.query_one(
            "SELECT status FROM wms_place_order('low', $1::bigint, $2::bigint)",
            &[&p, &w],
        )?;
        Ok(row.get::<_, String>(0))
    })
    .expect("run the buyers");
    assert_eq!(
        results
            .iter()
            .filter(|r| r.as_deref().ok() == Some("Fulfilled"))
            .count(),
        20
    );
    db.receive(p, w, 12); // 12: above
                          // A reservation crosses too (available falls, on hand stays).
    db.admin
        .execute(
            "SELECT * FROM wms_reserve('low', $1::text::jsonb)",
            &[&items_json(&[(p, w, 4)])],
        )
        .unwrap();
    // An item without a reorder point never alerts.
    assert_eq!(order(&mut db.admin, q, v, 19), "Fulfilled");

    let mut seen = Vec::new();
    let mut notifications = listener.notifications();
    let mut iter = notifications.timeout_iter(Duration::from_secs(2));
    while let Some(n) = iter.next().expect("read notifications") {
        let payload: serde_json::Value = serde_json::from_str(n.payload()).expect("JSON payload");
        if payload["product_id"] == p || payload["product_id"] == q {
            assert_eq!(n.channel(), "wms_low_stock");
            seen.push(payload);
        }
    }
    let expected = |available: i64| serde_json::json!({"product_id": p, "warehouse_id": w, "available": available, "reorder_point": 10});
    assert_eq!(seen, vec![expected(10), expected(8)]);
    println!(
        "    {} alerts: one per crossing, none rolled back, silenced or without a reorder point",
        seen.len()
    );
    db.assert_verified();
}
