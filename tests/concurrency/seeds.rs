//! The seeds' own scenarios: reservations on 50 backends at once, and the
//! whole order workflow on 200.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

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

/// What a reservation holder does once all 100 units are reserved, and the
/// status its order ends in.
const PATHS: [(&str, &[&str], &str); 7] = [
    (
        "deliver",
        &["Confirmed", "Processing", "Shipped", "Delivered"],
        "Delivered",
    ),
    ("cancel", &["Cancelled"], "Cancelled"),
    (
        "confirm, then cancel",
        &["Confirmed", "Cancelled"],
        "Cancelled",
    ),
    (
        "ship, then return (restocked)",
        &["Confirmed", "Processing", "Shipped", "return"],
        "Returned",
    ),
    (
        "deliver, then return (damaged)",
        &["Confirmed", "Processing", "Shipped", "Delivered", "damaged"],
        "Returned",
    ),
    ("let it expire", &["expire"], "Cancelled"),
    (
        "confirm and pick",
        &["Confirmed", "Processing"],
        "Processing",
    ),
];

/// 200 clients reserve 1 of 100 units: 100 Pending, 100 Unavailable. Then,
/// released together, each holder takes its order down one of [`PATHS`]
/// (confirm, pick, ship, deliver, cancel, return restocked or damaged, or
/// let it expire) while the 100 turned away buy 1 unit each of whatever
/// is released, restocked or expired. Never more taken than there was:
/// every unit sold is one of the 100 or one restocked; every taken line has
/// exactly one outbound ledger row, every restocked return its inbound row;
/// each order ends in its path's status; wms_verify() is empty.
pub fn two_hundred_clients_whole_workflow(db: &mut Db) {
    let (p, w) = db.item("seed-flow", 100);
    let key = db.gate_key();
    let items = items_json(&[(p, w, 1)]);
    let path = |i: usize| (i * 7919) % PATHS.len();
    let (reserved, _) = together(&db.config, key, 200, move |i, client| {
        // The ones that will let it expire reserve for five seconds, more
        // than the 200 reservations take: a reservation made after one
        // expired would take its unit back.
        let ttl = if PATHS[path(i)].1 == ["expire"] { "5 seconds" } else { "1 hour" };
        wait_at_gate(client, key)?;
        let row = client.query_one(
            "SELECT order_id, status FROM wms_reserve('seed-flow', $1::text::jsonb, $2::text::interval)",
            &[&items, &ttl],
        )?;
        Ok((row.get::<_, Option<i64>>(0), row.get::<_, String>(1)))
    })
    .expect("run the reservations");
    let orders: Vec<Option<i64>> = reserved
        .into_iter()
        .map(|r| r.expect("no reservation fails").0)
        .collect();
    assert_eq!(
        (
            orders.iter().filter(|o| o.is_some()).count(),
            orders.iter().filter(|o| o.is_none()).count()
        ),
        (100, 100),
        "200 clients for 100 units: 100 reservations"
    );
    std::thread::sleep(Duration::from_millis(5100));

    let orders = Arc::new(orders);
    let key = db.gate_key();
    let work_orders = orders.clone();
    let (done, _) = together(&db.config, key, 200, move |i, client| {
        wait_at_gate(client, key)?;
        let Some(order_id) = work_orders[i] else {
            // Turned away before: buy 1 unit of what comes free.
            let row = client.query_one(
                "SELECT status FROM wms_place_order('seed-flow-late', $1::bigint, $2::bigint)",
                &[&p, &w],
            )?;
            return Ok(row.get::<_, String>(0));
        };
        let mut status = String::new();
        for step in PATHS[path(i)].1 {
            let row = match *step {
                "expire" => {
                    client.query_one("SELECT wms_expire_reservations()", &[])?;
                    continue;
                }
                "return" => client.query_one(
                    "SELECT status FROM wms_return_order($1::bigint)",
                    &[&order_id],
                )?,
                "damaged" => client.query_one(
                    "SELECT status FROM wms_return_order($1::bigint, restock => false, reason => 'damaged')",
                    &[&order_id],
                )?,
                "Cancelled" => client.query_one(
                    "SELECT status FROM wms_cancel_order($1::bigint, 'changed their mind')",
                    &[&order_id],
                )?,
                to => client.query_one(
                    "SELECT status FROM wms_set_order_status($1::bigint, $2::text)",
                    &[&order_id, &to],
                )?,
            };
            status = row.get(0);
        }
        Ok(status)
    })
    .expect("run the workflow");
    let mut late: HashMap<String, i64> = HashMap::new();
    for (i, answer) in done.into_iter().enumerate() {
        let answer = answer.unwrap_or_else(|e| panic!("client {i} ({}): {e}", PATHS[path(i)].0));
        match orders[i] {
            None => *late.entry(answer).or_default() += 1,
            Some(_) if PATHS[path(i)].1 == ["expire"] => {}
            Some(_) => assert_eq!(answer, PATHS[path(i)].2, "client {i}: {}", PATHS[path(i)].0),
        }
    }
    // What is still expired is swept now.
    while db
        .admin
        .query_one("SELECT wms_expire_reservations()", &[])
        .unwrap()
        .get::<_, i32>(0)
        > 0
    {}
    for (i, order) in orders.iter().enumerate() {
        let Some(order_id) = order else { continue };
        let status: String = db
            .admin
            .query_one(
                "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
                &[order_id],
            )
            .unwrap()
            .get(0);
        assert_eq!(
            status,
            PATHS[path(i)].2,
            "order {order_id}: {}",
            PATHS[path(i)].0
        );
    }
    let row = db
        .admin
        .query_one(
            "SELECT i.quantity_on_hand, i.quantity_reserved, \
                    (SELECT -COALESCE(sum(quantity_change), 0)::bigint FROM wms.stock_movements \
                      WHERE product_id = $1 AND warehouse_id = $2 AND reason = 'Sale'), \
                    (SELECT COALESCE(sum(quantity_change), 0)::bigint FROM wms.stock_movements \
                      WHERE product_id = $1 AND warehouse_id = $2 AND reason = 'Return'), \
                    (SELECT count(*) FROM wms.order_items oi JOIN wms.customer_orders o USING (order_id) \
                      WHERE oi.product_id = $1 AND oi.warehouse_id = $2 AND oi.holding) \
               FROM wms.inventory i WHERE i.product_id = $1 AND i.warehouse_id = $2",
            &[&p, &w],
        )
        .unwrap();
    let (on_hand, held, sold, restocked, holding): (i64, i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    let taken_by_path: i64 = (0..200)
        .filter(|&i| orders[i].is_some())
        .filter(|&i| PATHS[path(i)].1.contains(&"Shipped"))
        .count() as i64;
    let picked: i64 = (0..200)
        .filter(|&i| orders[i].is_some() && PATHS[path(i)].2 == "Processing")
        .count() as i64;
    let bought = late.get("Fulfilled").copied().unwrap_or(0);
    assert_eq!(
        sold,
        taken_by_path + bought,
        "every sale is a shipped order or a late buyer's"
    );
    assert!(
        sold <= 100 + restocked,
        "sold {sold} of 100 and {restocked} restocked"
    );
    assert_eq!(on_hand, 100 - sold + restocked);
    assert_eq!(
        (held, holding),
        (picked, picked),
        "what the picked orders still hold"
    );
    assert!(on_hand - held >= 0);
    println!(
        "    100 of 200 reserved; then {taken_by_path} shipped, {restocked} restocked, {bought} of 100 late buyers served, {picked} still picked; on hand {on_hand}"
    );
    db.assert_verified();
}
