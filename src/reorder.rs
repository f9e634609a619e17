//! Reorder policy per item and the hints computed from it: what to buy,
//! from on hand, availability and the last 30 days of sales.

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

use crate::audit;
use crate::catalogue::ensure_known;
use crate::errors::{required, writable, WmsError, WmsResult};
use crate::plans::{self, col, opt_col, Statement};
use crate::stock::{self, Missing};

const REORDER_HINTS_SQL: &str = include_str!("../sql/queries/reorder_hints.sql");

static SET_POLICY: Statement = Statement {
    sql: include_str!("../sql/queries/set_policy.sql"),
    params: &[INT8OID, INT8OID, INT8OID, INT8OID],
};

fn set_policy(
    product_id: i64,
    warehouse_id: i64,
    reorder_point: i64,
    safety_stock: i64,
) -> WmsResult<()> {
    for (value, argument) in [
        (reorder_point, "reorder_point"),
        (safety_stock, "safety_stock"),
    ] {
        if value < 0 {
            return Err(WmsError::InvalidParameter {
                message: format!("{argument} must not be negative, got {value}"),
            });
        }
    }
    crate::access::require(crate::access::Capability::Admin, &[warehouse_id])?;
    let item = (product_id, warehouse_id);
    Spi::connect_mut(|client| {
        // The row lock every stock change takes, so the policy changes in
        // the same queue; an item never stocked gets its row.
        plans::prepare(client, &[&SET_POLICY, &audit::RECORD]);
        stock::lock_items(client, [item], Missing::Create)?;
        let old = plans::run(
            client,
            &SET_POLICY,
            &[
                product_id.into(),
                warehouse_id.into(),
                reorder_point.into(),
                safety_stock.into(),
            ],
        )
        .next()
        .map(|row| (col::<i64>(&row, 1), col::<i64>(&row, 2)));
        let policy = |(reorder_point, safety_stock): (i64, i64)| {
            serde_json::json!({
                "warehouse_id": warehouse_id,
                "reorder_point": reorder_point,
                "safety_stock": safety_stock,
            })
        };
        audit::record(
            client,
            &audit::who()?,
            audit::Event {
                action: "set",
                object_type: "policy",
                object_id: Some(product_id),
                old: old.map(policy),
                new: Some(policy((reorder_point, safety_stock))),
            },
        );
        Ok(())
    })
}

/// Set an item's reorder point and safety stock (both >= 0).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_set_reorder_policy(
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    reorder_point: Option<i64>,
    safety_stock: Option<i64>,
) {
    let _owner = crate::access::enter();
    writable("wms_set_reorder_policy");
    set_policy(
        required(product_id, "product_id"),
        required(warehouse_id, "warehouse_id"),
        required(reorder_point, "reorder_point"),
        required(safety_stock, "safety_stock"),
    )
    .unwrap_or_else(|e| e.raise())
}

/// Per inventory row of a product, a warehouse, or all: stock, the 30-day
/// average of daily sales, days of cover and a suggested reorder quantity
/// (formula in sql/queries/reorder_hints.sql and docs/reference.md).
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_reorder_hints(
    product_id: default!(Option<i64>, "NULL"),
    warehouse_id: default!(Option<i64>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(product_id, i64),
        name!(warehouse_id, i64),
        name!(on_hand, i64),
        name!(available, i64),
        name!(reorder_point, i64),
        name!(safety_stock, i64),
        name!(avg_daily_sales, AnyNumeric),
        name!(days_of_cover, Option<AnyNumeric>),
        name!(suggested_quantity, i64),
    ),
> {
    let _owner = crate::access::enter();
    let scope = crate::access::report_scope(Some(crate::access::Capability::Report), warehouse_id);
    ensure_known(product_id, warehouse_id).unwrap_or_else(|e| e.raise());
    let mut hints = plans::rows(
        REORDER_HINTS_SQL,
        &[product_id.into(), warehouse_id.into()],
        "reorder hints",
        |row| {
            (
                col(row, 1),
                col(row, 2),
                col(row, 3),
                col(row, 4),
                col(row, 5),
                col(row, 6),
                col(row, 7),
                opt_col(row, 8),
                col(row, 9),
            )
        },
    );
    hints.retain(|hint| scope.covers(hint.1));
    TableIterator::new(hints)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{count, item, receive, reserve, verify};
    use pgrx::prelude::*;

    /// `on_hand:available:reorder_point:safety_stock:avg:cover:suggested` of an item.
    fn hint(p: i64, w: i64) -> String {
        Spi::get_one_with_args::<String>(
            "SELECT format('%s:%s:%s:%s:%s:%s:%s', on_hand, available, reorder_point, safety_stock, \
                           avg_daily_sales, coalesce(days_of_cover::text, '-'), suggested_quantity) \
               FROM wms_reorder_hints($1, $2)",
            &[p.into(), w.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn set_policy(p: i64, w: i64, reorder_point: i64, safety_stock: i64) {
        Spi::run(&format!(
            "SELECT wms_set_reorder_policy({p}, {w}, {reorder_point}, {safety_stock})"
        ))
        .unwrap();
    }

    #[pg_test]
    fn test_reorder_hints_follow_policy_stock_and_sales() {
        let (p, w) = item("hint", 100);
        // No policy and no sales: nothing to suggest, no cover figure.
        assert_eq!(hint(p, w), "100:100:0:0:0.0000:-:0");
        // 30 units sold today, 6 held by a reservation: 1 unit a day on
        // average, 64 available, 64 days of cover; above the reorder point.
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w}, 30)")).unwrap();
        reserve(&format!("'c', {}", crate::testing::items(&[(p, w, 6)])));
        set_policy(p, w, 50, 10);
        assert_eq!(hint(p, w), "70:64:50:10:1.0000:64.0:0");
        // At the reorder point: up to safety stock + 30 days of sales (40)
        // or the reorder point (50), whichever is larger.
        set_policy(p, w, 64, 10);
        assert_eq!(hint(p, w), "70:64:64:10:1.0000:64.0:0");
        set_policy(p, w, 70, 10);
        assert_eq!(hint(p, w), "70:64:70:10:1.0000:64.0:6");
        set_policy(p, w, 70, 60);
        assert_eq!(hint(p, w), "70:64:70:60:1.0000:64.0:26");
        // The average is the last 30-day rolling average of the sales.
        assert_eq!(
            Spi::get_one_with_args::<bool>(
                "SELECT (SELECT avg_daily_sales FROM wms_reorder_hints($1, $2)) = \
                        (SELECT round(rolling_avg, 4) FROM wms_sales_rolling_average($1, 30, $2) \
                          WHERE day = current_date)",
                &[p.into(), w.into()]
            ),
            Ok(Some(true))
        );
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_reorder_policy_of_a_never_stocked_item_creates_its_row() {
        let (p, w) = item("hint-new", 0);
        set_policy(p, w, 5, 2);
        // Nothing there: reach the reorder point.
        assert_eq!(hint(p, w), "0:0:5:2:0.0000:-:5");
        receive(p, w, 3);
        assert_eq!(hint(p, w), "3:3:5:2:0.0000:-:2");
        // Per product, per warehouse and for all items.
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('hint-2', 'x')")
            .unwrap()
            .unwrap();
        receive(p, w2, 1);
        assert_eq!(count(&format!("SELECT * FROM wms_reorder_hints({p})")), 2);
        assert_eq!(
            count(&format!("SELECT * FROM wms_reorder_hints(NULL, {w2})")),
            1
        );
        assert_eq!(
            count("SELECT * FROM wms_reorder_hints()"),
            count("SELECT * FROM wms.inventory")
        );
    }
}
