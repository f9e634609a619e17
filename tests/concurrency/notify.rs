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
