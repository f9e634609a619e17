//! The reservation seed's own scenario, on 50 backends at once.

use wms_loadgen::{together, wait_at_gate};

use crate::support::{count_statuses, items_json};
use crate::Db;

/// 50 backends, released together, each reserve 1 of 5 units: exactly 5
/// reservations (Pending), 45 Unavailable; reserved 5, available 0, on
/// hand still 5, and no ledger row beyond the receipt.
pub fn fifty_reserve_five(db: &mut Db) {
    let (p, w) = db.item("seed-r5", 5);
    let key = db.gate_key();
    let items = items_json(&[(p, w, 1)]);
    let (results, _) = together(&db.config, key, 50, move |_, client| {
        wait_at_gate(client, key)?;
        let row = client.query_one(
            "SELECT status FROM wms_reserve('seed', $1::text::jsonb)",
            &[&items],
        )?;
        Ok(row.get::<_, String>(0))
    })
    .expect("run the backends");
    let by_status = count_statuses(results);
    assert_eq!(
        (
            by_status.get("Pending"),
            by_status.get("Unavailable"),
            by_status.len()
        ),
        (Some(&5), Some(&45), 2),
        "{by_status:?}"
    );
    let row = db
        .admin
        .query_one(
            "SELECT quantity_on_hand, quantity_reserved, wms_available_to_sell($1, $2), \
                    (SELECT count(*) FROM wms.stock_movements WHERE product_id = $1 AND warehouse_id = $2) \
               FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
            &[&p, &w],
        )
        .unwrap();
    let (on_hand, reserved, available, ledger): (i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    assert_eq!((on_hand, reserved, available, ledger), (5, 5, 0, 1));
    db.assert_verified();
}
