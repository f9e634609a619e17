//! Available to sell: on hand minus live allocations. Reads the
//! `wms.available_to_sell` view, so the function and the view agree by
//! construction. Takes no locks.

use pgrx::prelude::*;

use crate::catalogue::ensure_known;
use crate::errors::required;
use crate::plans::{self, col};

const AVAILABLE_TO_SELL_SQL: &str = include_str!("../sql/queries/available_to_sell.sql");

#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_available_to_sell(
    product_id: Option<i64>,
    warehouse_id: default!(Option<i64>, "NULL"),
) -> i64 {
    let _owner = crate::access::enter();
    let product_id = required(product_id, "product_id");
    let scope = crate::access::report_scope(None, warehouse_id);
    ensure_known(Some(product_id), warehouse_id).unwrap_or_else(|e| e.raise());
    plans::rows(
        AVAILABLE_TO_SELL_SQL,
        &[
            product_id.into(),
            warehouse_id.into(),
            scope.filter().into(),
        ],
        "availability",
        |row| col::<i64>(row, 1),
    )
    .pop()
    .expect("SUM returns one row")
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{available, item, receive};
    use pgrx::prelude::*;

    fn view(p: i64, w: Option<i64>) -> i64 {
        Spi::get_one_with_args::<i64>(
            "SELECT COALESCE(SUM(available), 0)::bigint FROM wms.available_to_sell \
              WHERE product_id = $1 AND ($2::bigint IS NULL OR warehouse_id = $2)",
            &[p.into(), w.into()],
        )
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn test_function_and_view_agree() {
        let (p, w1) = item("ats", 7);
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('ats-2', 'second')")
            .unwrap()
            .unwrap();
        receive(p, w2, 4);
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w2}, 3)")).unwrap();
        assert_eq!(
            (
                available(p, Some(w1)),
                available(p, Some(w2)),
                available(p, None)
            ),
            (7, 1, 8)
        );
        for w in [Some(w1), Some(w2), None] {
            assert_eq!(available(p, w), view(p, w));
        }
        // The one-argument call sums over all warehouses.
        assert_eq!(
            Spi::get_one_with_args::<i64>("SELECT wms_available_to_sell($1)", &[p.into()]),
            Ok(Some(8))
        );
        // View columns: on hand, allocated, available.
        assert_eq!(
            Spi::get_three_with_args::<i64, i64, i64>(
                "SELECT on_hand, allocated, available FROM wms.available_to_sell WHERE product_id = $1 AND warehouse_id = $2",
                &[p.into(), w2.into()]
            ),
            Ok((Some(1), Some(0), Some(1)))
        );
    }

    /// On every row of the view, per warehouse and summed per product, the
    /// function answers what the view says: with live, expired, fulfilled
    /// and cancelled reservations and a sale over several items.
    #[pg_test]
    fn test_function_and_view_agree_on_every_row() {
        let (p1, w1) = item("every-1", 10);
        let (p2, w2) = item("every-2", 6);
        receive(p1, w2, 4);
        receive(p2, w1, 9);
        let reserve = |p: i64, w: i64, q: i64| {
            let items = crate::testing::items(&[(p, w, q)]);
            crate::testing::reserve(&format!("'c', {items}")).0.unwrap()
        };
        reserve(p1, w1, 3);
        let expired = reserve(p1, w2, 2);
        Spi::run(&format!(
            "UPDATE wms.customer_orders SET expires_at = now() - interval '1 second' WHERE order_id = {expired}"
        ))
        .unwrap();
        let fulfilled = reserve(p2, w1, 4);
        Spi::run(&format!("SELECT * FROM wms_fulfill_order({fulfilled})")).unwrap();
        let cancelled = reserve(p2, w2, 5);
        Spi::run(&format!(
            "SELECT * FROM wms_cancel_order({cancelled}, 'no')"
        ))
        .unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_place_order('c', {})",
            crate::testing::items(&[(p1, w1, 1), (p2, w2, 1)])
        ))
        .unwrap();
        let disagreements = crate::testing::count(
            "SELECT product_id, warehouse_id FROM wms.available_to_sell v \
              WHERE wms_available_to_sell(v.product_id, v.warehouse_id) <> v.available \
             UNION ALL \
             SELECT product_id, NULL FROM wms.available_to_sell v GROUP BY product_id \
             HAVING wms_available_to_sell(v.product_id) <> SUM(v.available)",
        );
        assert_eq!(disagreements, 0);
        // And the figures are the expected ones: held 3, expired hold freed.
        assert_eq!(
            [(p1, w1), (p1, w2), (p2, w1), (p2, w2)].map(|(p, w)| available(p, Some(w))),
            [6, 4, 5, 5]
        );
        assert_eq!((available(p1, None), available(p2, None)), (10, 10));
    }

    /// Allocations of Pending orders count against availability, the same
    /// for the function, the view and an order.
    #[pg_test]
    fn test_allocations_count_everywhere() {
        let (p, w) = item("alloc", 10);
        // A Pending order holding 3, written directly (with its reservation)
        // since nothing in the API creates one yet.
        Spi::run(&format!(
            "WITH o AS (INSERT INTO wms.customer_orders (customer_name, order_status) VALUES ('held', 'Pending') RETURNING order_id) \
             INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding) SELECT order_id, {p}, {w}, 3, true FROM o; \
             UPDATE wms.inventory SET quantity_reserved = 3 WHERE product_id = {p} AND warehouse_id = {w}"
        ))
        .unwrap();
        assert!(crate::testing::verify().is_empty());
        assert_eq!((available(p, Some(w)), view(p, Some(w))), (7, 7));
        let (_, status, detail) = crate::testing::place(&format!("'c', {p}, {w}, 8"));
        assert_eq!(
            (status.as_str(), &detail["short"][0]["available"]),
            ("Unavailable", &serde_json::json!(7))
        );
        let (_, status, _) = crate::testing::place(&format!("'c', {p}, {w}, 7"));
        assert_eq!(status, "Fulfilled");
        assert_eq!((available(p, Some(w)), view(p, Some(w))), (0, 0));
    }
}
