//! Reservations: racing placed orders for the last units; fulfil, cancel
//! and expiry at once; the expiry worker sweeping on its own.

use std::sync::Arc;
use std::time::Duration;

use wms_loadgen::{together, wait_at_gate, Gate};

use crate::support::{count_statuses, items_json};
use crate::Db;

/// Reservations and placed orders race for the last units of one item.
pub fn reserve_vs_place_order(db: &mut Db) {
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
    let by_status = count_statuses(results);
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
pub fn fulfil_cancel_expire_race(db: &mut Db) {
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

/// With wms in shared_preload_libraries (this cluster has it), the expiry
/// worker cancels an expired reservation by itself.
pub fn expiry_worker_sweeps(db: &mut Db) {
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
