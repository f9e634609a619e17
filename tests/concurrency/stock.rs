//! Concurrent stock movements: multi-line orders and transfers written in
//! opposite orders, receipts racing orders on an item with no inventory row.

use std::sync::Arc;

use postgres::Client;
use wms_loadgen::{together, wait_at_gate};

use crate::support::items_json;
use crate::Db;

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
pub fn opposite_orders(db: &mut Db) {
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
pub fn receipts_with_orders(db: &mut Db) {
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

/// Transfers between two warehouses in both directions from 100 backends at
/// once: no deadlock, nothing lost, two ledger rows per transfer.
pub fn opposite_transfers(db: &mut Db) {
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
