//! What sharding by warehouse needs (docs/scale-out.md): every writing
//! function locks only rows of the warehouses its arguments name.

use postgres::error::SqlState;

use crate::support::items_json;
use crate::Db;

/// Another transaction holds every row of two other warehouses (their
/// items' queues and inventory rows, through wms calls it has not
/// committed; their orders' rows, FOR UPDATE). With wms.lock_timeout at
/// 500 ms, every writing function called on this warehouse's items (and,
/// for a transfer, on a fourth warehouse) goes through at once: a call
/// that locked or waited for another warehouse's row would fail with
/// 55P03. The same call on a held warehouse does fail so, which shows the
/// held rows bite.
pub fn writes_stay_in_their_warehouses(db: &mut Db) {
    let p = db.product("scope");
    let q = db.product("scope-q");
    let [mine, other, third, dest] =
        ["scope-w1", "scope-w2", "scope-w3", "scope-w4"].map(|w| db.warehouse(w));
    for (product, warehouse, stock) in [
        (p, mine, 50),
        (p, other, 50),
        (p, third, 50),
        (p, dest, 5),
        (q, mine, 20),
        (q, other, 20),
    ] {
        db.receive(product, warehouse, stock);
    }
    let reserve = |db: &mut Db, warehouse: i64| -> i64 {
        db.admin
            .query_one(
                "SELECT order_id FROM wms_reserve('scope', $1::text::jsonb)",
                &[&items_json(&[(p, warehouse, 1), (q, warehouse, 1)])],
            )
            .expect("reserve")
            .get(0)
    };
    let (to_fulfil, to_cancel) = (reserve(db, mine), reserve(db, mine));
    let held_order = reserve(db, other);

    let mut holder = db.config.connect(postgres::NoTls).expect("holder");
    holder.batch_execute("BEGIN").unwrap();
    for (product, warehouse) in [(p, other), (q, other), (p, third)] {
        holder
            .query_one(
                "SELECT status FROM wms_place_order('holder', $1::bigint, $2::bigint)",
                &[&product, &warehouse],
            )
            .unwrap();
    }
    holder
        .query(
            "SELECT 1 FROM wms.inventory WHERE warehouse_id IN ($1, $2) FOR UPDATE",
            &[&other, &third],
        )
        .unwrap();
    holder
        .query(
            "SELECT 1 FROM wms.customer_orders o WHERE EXISTS (SELECT FROM wms.order_items i \
              WHERE i.order_id = o.order_id AND i.warehouse_id IN ($1, $2)) FOR UPDATE",
            &[&other, &third],
        )
        .unwrap();

    let mut caller = db.config.connect(postgres::NoTls).expect("caller");
    caller
        .batch_execute("SET wms.lock_timeout = '500ms'")
        .unwrap();
    let calls: Vec<(String, Vec<Box<dyn postgres::types::ToSql + Sync>>)> = vec![
        (
            "SELECT wms_receive($1, $2, 5)".into(),
            vec![Box::new(p), Box::new(mine)],
        ),
        (
            "SELECT status FROM wms_place_order('scope', $1::bigint, $2::bigint, 2)".into(),
            vec![Box::new(p), Box::new(mine)],
        ),
        (
            "SELECT status FROM wms_place_order('scope', $1::bigint, $2::bigint, 1, 'scope-key')"
                .into(),
            vec![Box::new(p), Box::new(mine)],
        ),
        (
            "SELECT status FROM wms_place_order('scope', $1::text::jsonb)".into(),
            vec![Box::new(items_json(&[(p, mine, 1), (q, mine, 1)]))],
        ),
        (
            "SELECT status FROM wms_reserve('scope', $1::text::jsonb)".into(),
            vec![Box::new(items_json(&[(p, mine, 2)]))],
        ),
        (
            "SELECT status FROM wms_fulfill_order($1)".into(),
            vec![Box::new(to_fulfil)],
        ),
        (
            "SELECT status FROM wms_cancel_order($1, 'scope')".into(),
            vec![Box::new(to_cancel)],
        ),
        (
            "SELECT wms_adjust($1, $2, 40, 'count')".into(),
            vec![Box::new(p), Box::new(mine)],
        ),
        (
            "SELECT from_on_hand FROM wms_transfer($1, $2, $3, 3)".into(),
            vec![Box::new(p), Box::new(mine), Box::new(dest)],
        ),
        (
            "SELECT wms_set_reorder_policy($1, $2, 5, 1)::text".into(),
            vec![Box::new(p), Box::new(mine)],
        ),
    ];
    for (sql, args) in &calls {
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            args.iter().map(|a| a.as_ref()).collect();
        let result = caller.query_one(sql.as_str(), &params);
        assert!(
            result.is_ok(),
            "{sql} on warehouse {mine} failed while warehouses {other} and {third} were held: {:?}",
            result.err()
        );
    }
    // The controls: the same calls on a held warehouse's item or order
    // wait, and give up.
    for (sql, args) in [
        (
            "SELECT status FROM wms_place_order('scope', $1::bigint, $2::bigint)",
            vec![
                Box::new(p) as Box<dyn postgres::types::ToSql + Sync>,
                Box::new(other),
            ],
        ),
        (
            "SELECT status FROM wms_fulfill_order($1)",
            vec![Box::new(held_order)],
        ),
    ] {
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            args.iter().map(|a| a.as_ref()).collect();
        let err = caller
            .query_one(sql, &params)
            .expect_err("a held warehouse's row makes the call wait");
        assert_eq!(
            err.code(),
            Some(&SqlState::LOCK_NOT_AVAILABLE),
            "{sql}: {err}"
        );
    }
    holder.batch_execute("ROLLBACK").unwrap();
    db.assert_verified();
}
