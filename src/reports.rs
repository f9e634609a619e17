//! Reports a store manager asks for: stock by warehouse, the ledger by date
//! range and reason, and orders by date range and status. Each is one
//! statement on the caller's snapshot; the lists page by key, not OFFSET.

use pgrx::datum::TimestampWithTimeZone;
use pgrx::prelude::*;
use pgrx::AnyNumeric;

use crate::errors::{bounded, required, Text, WmsError};
use crate::jsonb::JsonbDatum;
use crate::plans::{col, jsonb_col, opt_col, rows};

const STOCK_BY_WAREHOUSE_SQL: &str = include_str!("../sql/queries/stock_by_warehouse.sql");
const MOVEMENTS_SQL: &str = include_str!("../sql/queries/movements.sql");
const MOVEMENT_SUMMARY_SQL: &str = include_str!("../sql/queries/movement_summary.sql");
const STATUS_EFFECT_SQL: &str = include_str!("../sql/queries/status_effect.sql");
const ORDER_CURSOR_SQL: &str = include_str!("../sql/queries/order_cursor.sql");
const ORDER_STORY_SQL: &str = include_str!("../sql/queries/order_story.sql");

/// The orders of wms_orders in each of its sorts.
const ORDER_SORTS: [(&str, &str); 3] = [
    ("oldest", include_str!("../sql/queries/orders_oldest.sql")),
    ("newest", include_str!("../sql/queries/orders_newest.sql")),
    (
        "highest_value",
        include_str!("../sql/queries/orders_highest_value.sql"),
    ),
];

/// The scope of a report (capability report), with its warehouse argument.
fn report_scope(warehouse_id: Option<i64>) -> crate::access::Scope {
    crate::access::report_scope(Some(crate::access::Capability::Report), warehouse_id)
}

/// A page holds 1 to 10,000 rows.
const MAX_PAGE: i32 = 10_000;

fn invalid(message: String) -> ! {
    WmsError::InvalidParameter { message }.raise()
}

/// The [from, to) range of a report, both required, from not after to.
pub fn range(
    from: Option<TimestampWithTimeZone>,
    to: Option<TimestampWithTimeZone>,
) -> (TimestampWithTimeZone, TimestampWithTimeZone) {
    let (from, to) = (required(from, "from_time"), required(to, "to_time"));
    if from > to {
        invalid(format!("from_time {from} is after to_time {to}"));
    }
    (from, to)
}

pub fn page_size(size: Option<i32>) -> i64 {
    let size = required(size, "page_size");
    if !(1..=MAX_PAGE).contains(&size) {
        invalid(format!(
            "page_size must be between 1 and {MAX_PAGE}, got {size}"
        ));
    }
    i64::from(size)
}

/// The key (time, id) of the row a page continues after, read with `sql`;
/// `None` for the first page.
fn cursor(
    sql: &str,
    id: Option<i64>,
    missing: impl FnOnce(i64) -> WmsError,
) -> (Option<TimestampWithTimeZone>, Option<i64>) {
    let Some(id) = id else {
        return (None, None);
    };
    let at = rows(sql, &[id.into()], "cursor", |r| {
        col::<TimestampWithTimeZone>(r, 1)
    })
    .pop()
    .unwrap_or_else(|| missing(id).raise());
    (Some(at), Some(id))
}

/// Per warehouse (or one): products in stock and the units on hand,
/// allocated and available.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_stock_by_warehouse(
    warehouse_id: default!(Option<i64>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(warehouse_id, i64),
        name!(code, String),
        name!(name, String),
        name!(products_in_stock, i64),
        name!(on_hand, AnyNumeric),
        name!(allocated, AnyNumeric),
        name!(available, AnyNumeric),
    ),
> {
    let _owner = crate::access::enter();
    let scope = report_scope(warehouse_id);
    if let Some(w) = warehouse_id {
        crate::catalogue::ensure_known(None, Some(w)).unwrap_or_else(|e| e.raise());
    }
    TableIterator::new(rows(
        STOCK_BY_WAREHOUSE_SQL,
        &[warehouse_id.into(), scope.filter().into()],
        "stock by warehouse",
        |r| {
            (
                col(r, 1),
                col(r, 2),
                col(r, 3),
                col(r, 4),
                col(r, 5),
                col(r, 6),
                col(r, 7),
            )
        },
    ))
}

/// The ledger rows recorded in [from_time, to_time), oldest first, one
/// page at a time: pass the last movement_id of a page as
/// `after_movement_id` for the next.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_movements(
    from_time: Option<TimestampWithTimeZone>,
    to_time: Option<TimestampWithTimeZone>,
    reason: default!(Option<&str>, "NULL"),
    product_id: default!(Option<i64>, "NULL"),
    warehouse_id: default!(Option<i64>, "NULL"),
    after_movement_id: default!(Option<i64>, "NULL"),
    page_size: default!(Option<i32>, 100),
) -> TableIterator<
    'static,
    (
        name!(movement_id, i64),
        name!(movement_time, TimestampWithTimeZone),
        name!(product_id, i64),
        name!(warehouse_id, i64),
        name!(quantity_change, i64),
        name!(balance_after, i64),
        name!(reason, String),
        name!(order_id, Option<i64>),
        name!(reference, Option<String>),
        name!(actor, String),
    ),
> {
    let _owner = crate::access::enter();
    if let Some(reason) = reason {
        bounded(reason, "reason", Text::Prose).unwrap_or_else(|e| e.raise());
    }
    let (from, to) = range(from_time, to_time);
    let limit = self::page_size(page_size);
    let scope = report_scope(warehouse_id);
    let (after_time, after_id) = cursor(
        include_str!("../sql/queries/movement_cursor.sql"),
        after_movement_id,
        |id| WmsError::InvalidParameter {
            message: format!("after_movement_id {id} is not a ledger row"),
        },
    );
    TableIterator::new(rows(
        MOVEMENTS_SQL,
        &[
            from.into(),
            to.into(),
            reason.into(),
            product_id.into(),
            warehouse_id.into(),
            after_time.into(),
            after_id.into(),
            limit.into(),
            scope.filter().into(),
        ],
        "movements",
        |r| {
            (
                col(r, 1),
                col(r, 2),
                col(r, 3),
                col(r, 4),
                col(r, 5),
                col(r, 6),
                col(r, 7),
                opt_col(r, 8),
                opt_col(r, 9),
                col(r, 10),
            )
        },
    ))
}

/// Per reason, the ledger rows recorded in [from_time, to_time) and the
/// units they brought in and took out.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_movement_summary(
    from_time: Option<TimestampWithTimeZone>,
    to_time: Option<TimestampWithTimeZone>,
    product_id: default!(Option<i64>, "NULL"),
    warehouse_id: default!(Option<i64>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(reason, String),
        name!(movements, i64),
        name!(units_in, AnyNumeric),
        name!(units_out, AnyNumeric),
    ),
> {
    let _owner = crate::access::enter();
    let (from, to) = range(from_time, to_time);
    let scope = report_scope(warehouse_id);
    TableIterator::new(rows(
        MOVEMENT_SUMMARY_SQL,
        &[
            from.into(),
            to.into(),
            product_id.into(),
            warehouse_id.into(),
            scope.filter().into(),
        ],
        "movement summary",
        |r| (col(r, 1), col(r, 2), col(r, 3), col(r, 4)),
    ))
}

/// The orders created in [from_time, to_time), of one status or all,
/// oldest first, one page at a time: pass the last order_id of a page as
/// `after_order_id` for the next.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_orders(
    from_time: Option<TimestampWithTimeZone>,
    to_time: Option<TimestampWithTimeZone>,
    status: default!(Option<&str>, "NULL"),
    after_order_id: default!(Option<i64>, "NULL"),
    page_size: default!(Option<i32>, 100),
    min_total: default!(Option<AnyNumeric>, "NULL"),
    max_total: default!(Option<AnyNumeric>, "NULL"),
    sort: default!(Option<&str>, "'oldest'"),
) -> TableIterator<
    'static,
    (
        name!(order_id, i64),
        name!(customer_name, String),
        name!(order_status, String),
        name!(created_at, TimestampWithTimeZone),
        name!(updated_at, TimestampWithTimeZone),
        name!(expires_at, Option<TimestampWithTimeZone>),
        name!(lines, i64),
        name!(units, AnyNumeric),
        name!(total, Option<AnyNumeric>),
    ),
> {
    let _owner = crate::access::enter();
    let (from, to) = range(from_time, to_time);
    let scope = report_scope(None);
    if let Some(status) = status {
        bounded(status, "status", Text::Key).unwrap_or_else(|e| e.raise());
        if rows(STATUS_EFFECT_SQL, &[status.into()], "status", |_| ()).is_empty() {
            WmsError::UnknownStatus {
                status: status.into(),
            }
            .raise()
        }
    }
    let sort = required(sort, "sort");
    bounded(sort, "sort", Text::Key).unwrap_or_else(|e| e.raise());
    let Some(&(_, sql)) = ORDER_SORTS.iter().find(|(name, _)| *name == sort) else {
        let names: Vec<String> = ORDER_SORTS.iter().map(|(n, _)| format!("'{n}'")).collect();
        invalid(format!(
            "sort must be one of {}, got \"{sort}\"",
            names.join(", ")
        ))
    };
    let limit = self::page_size(page_size);
    // Where the previous page ended, in every sort's key.
    let (after_time, after_total) = match after_order_id {
        None => (None, None),
        Some(id) => rows(ORDER_CURSOR_SQL, &[id.into()], "cursor", |r| {
            (col::<TimestampWithTimeZone>(r, 1), col::<AnyNumeric>(r, 2))
        })
        .pop()
        .map(|(t, v)| (Some(t), Some(v)))
        .unwrap_or_else(|| WmsError::UnknownOrder { order_id: id }.raise()),
    };
    TableIterator::new(rows(
        sql,
        &[
            from.into(),
            to.into(),
            status.into(),
            after_time.into(),
            after_total.into(),
            after_order_id.into(),
            limit.into(),
            min_total.into(),
            max_total.into(),
            scope.filter().into(),
        ],
        "orders",
        |r| {
            (
                col(r, 1),
                col(r, 2),
                col(r, 3),
                col(r, 4),
                col(r, 5),
                opt_col(r, 6),
                col(r, 7),
                col(r, 8),
                opt_col(r, 9),
            )
        },
    ))
}

/// One order whole: its header, lines, status history and ledger rows.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_order(order_id: Option<i64>) -> JsonbDatum {
    let _owner = crate::access::enter();
    let order_id = required(order_id, "order_id");
    // What sell and report show: an order whose lines are all in their
    // warehouses.
    use crate::access::Capability::{Report, Sell};
    let scope = crate::access::visible_with(&[Sell, Report]).unwrap_or_else(|e| e.raise());
    let (story, visible) = rows(
        ORDER_STORY_SQL,
        &[order_id.into(), scope.filter().into()],
        "order",
        |r| {
            (
                jsonb_col(r, 1).expect("the order's document"),
                col::<bool>(r, 2),
            )
        },
    )
    .pop()
    .unwrap_or_else(|| WmsError::UnknownOrder { order_id }.raise());
    if !visible {
        crate::access::refuse_order(order_id).raise()
    }
    story
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::ids;
    use crate::testing::{count, item, items, receive, reserve};
    use pgrx::prelude::*;

    /// The ids a paged report returns, page by page: `call` is the report
    /// call with `%after` where the cursor goes and `%size` for the page size.
    fn pages(call: &str, page_size: i32) -> Vec<Vec<i64>> {
        let mut pages = Vec::new();
        let mut after = "NULL".to_string();
        loop {
            let sql = call
                .replace("%after", &after)
                .replace("%size", &page_size.to_string());
            let page: Vec<i64> = Spi::connect(|c| {
                c.select(&sql, None, &[])
                    .unwrap()
                    .map(|r| r.get::<i64>(1).unwrap().unwrap())
                    .collect()
            });
            let Some(last) = page.last() else { break };
            after = last.to_string();
            pages.push(page);
        }
        pages
    }

    #[pg_test]
    fn test_orders_page_by_key_through_ties() {
        let (p, w) = item("rep-orders", 100);
        // Orders of one transaction share created_at: the key breaks the tie.
        for i in 0..7 {
            Spi::run(&format!(
                "SELECT * FROM wms_place_order('c{i}', {p}, {w}, 1)"
            ))
            .unwrap();
        }
        let cancelled = reserve(&format!("'c', {}", items(&[(p, w, 2)]))).0.unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_cancel_order({cancelled}, 'no')"
        ))
        .unwrap();
        let call = "SELECT order_id FROM wms_orders('-infinity', 'infinity', \
                    after_order_id => %after, page_size => %size)";
        let pages3 = pages(call, 3);
        assert_eq!(pages3.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
        let all: Vec<i64> = pages3.concat();
        assert_eq!(all, pages(call, 100).concat());
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(all, sorted, "oldest first, ties by order_id");
        // By status, and by date range.
        let cancelled_only = pages(
            "SELECT order_id FROM wms_orders('-infinity', 'infinity', 'Cancelled', %after, %size)",
            1,
        );
        assert_eq!(cancelled_only, [[cancelled]]);
        assert_eq!(count("SELECT * FROM wms_orders('-infinity', now())"), 0);
        assert_eq!(count("SELECT * FROM wms_orders(now(), 'infinity')"), 8);
        // Lines and units per order.
        assert_eq!(
            Spi::get_two_with_args::<i64, pgrx::AnyNumeric>(
                "SELECT lines, units FROM wms_orders('-infinity', 'infinity') WHERE order_id = $1",
                &[cancelled.into()]
            )
            .map(|(l, u)| (l, u.map(|u| u.to_string()))),
            Ok((Some(1), Some("2".to_string())))
        );
    }

    #[pg_test]
    fn test_movements_page_and_sum_by_reason() {
        let (p, w) = item("rep-moves", 10);
        receive(p, w, 5);
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w}, 4)")).unwrap();
        Spi::run(&format!("SELECT wms_adjust({p}, {w}, 9, 'Damaged')")).unwrap();
        let call = format!(
            "SELECT movement_id FROM wms_movements('-infinity', 'infinity', product_id => {p}, \
             after_movement_id => %after, page_size => %size)"
        );
        let ids = pages(&call, 1).concat();
        assert_eq!(ids.len(), 4);
        assert_eq!(
            ids,
            Spi::connect(|c| {
                c
                .select(
                    &format!("SELECT movement_id FROM wms.stock_movements WHERE product_id = {p} ORDER BY movement_id"),
                    None,
                    &[]
                )
                .unwrap()
                .map(|r| r.get::<i64>(1).unwrap().unwrap())
                .collect::<Vec<_>>()
            })
        );
        assert_eq!(
            count(&format!(
                "SELECT * FROM wms_movements('-infinity', 'infinity', 'Damaged', {p}, {w})"
            )),
            1
        );
        assert_eq!(
            Spi::get_one::<String>(&format!(
                "SELECT string_agg(format('%s:%s:%s:%s', reason, movements, units_in, units_out), ' ' ORDER BY reason) \
                   FROM wms_movement_summary('-infinity', 'infinity', {p})"
            )),
            Ok(Some("Damaged:1:0:2 Purchase Order:2:15:0 Sale:1:0:4".to_string()))
        );
        assert_eq!(
            count(&format!(
                "SELECT * FROM wms_movement_summary(now(), now(), {p})"
            )),
            0
        );
    }

    #[pg_test]
    fn test_stock_by_warehouse_sums_the_view() {
        let (p, w) = item("rep-stock", 10);
        let (p2, _) = item("rep-stock-2", 0);
        receive(p2, w, 4);
        reserve(&format!("'c', {}", items(&[(p, w, 3)])));
        let empty = Spi::get_one::<i64>("SELECT wms_add_warehouse('rep-empty', 'x')")
            .unwrap()
            .unwrap();
        let row = |w: i64| {
            Spi::get_one_with_args::<String>(
                "SELECT format('%s:%s:%s:%s:%s', code, products_in_stock, on_hand, allocated, available) \
                   FROM wms_stock_by_warehouse($1)",
                &[w.into()],
            )
            .unwrap()
            .unwrap()
        };
        assert_eq!(row(w), "rep-stock:2:14:3:11");
        assert_eq!(row(empty), "rep-empty:0:0:0:0");
        assert_eq!(
            count("SELECT * FROM wms_stock_by_warehouse()"),
            count("SELECT * FROM wms.warehouses")
        );
    }

    /// Each sort pages by key; totals filter; an order without a total
    /// sorts last by value and matches no total filter.
    #[pg_test]
    fn test_orders_sorts_and_totals() {
        let (p, w) = item("sorts", 100);
        let mut made = Vec::new();
        for price in [Some("5"), Some("50"), Some("20"), None, Some("20")] {
            let line = match price {
                Some(price) => format!(
                    r#"'[{{"product_id": {p}, "warehouse_id": {w}, "quantity": 1, "unit_price": {price}}}]'"#
                ),
                None => items(&[(p, w, 1)]),
            };
            let id = Spi::get_one::<i64>(&format!(
                "SELECT order_id FROM wms_place_order('c', {line})"
            ))
            .unwrap()
            .unwrap();
            made.push(id);
        }
        let range = "now() - interval '1 day', now() + interval '1 day'";
        let all = |extra: &str| ids(&format!("SELECT order_id FROM wms_orders({range}{extra})"));
        assert_eq!(all(""), made);
        let newest: Vec<i64> = made.iter().rev().copied().collect();
        assert_eq!(all(", sort => 'newest'"), newest);
        let by_value = vec![made[1], made[4], made[2], made[0], made[3]];
        assert_eq!(all(", sort => 'highest_value'"), by_value);
        // Paged by key, two at a time, in every sort.
        for (sort, expected) in [
            ("oldest", &made),
            ("newest", &newest),
            ("highest_value", &by_value),
        ] {
            let mut paged = Vec::new();
            let mut after = "NULL".to_string();
            loop {
                let page = all(&format!(
                    ", after_order_id => {after}, page_size => 2, sort => '{sort}'"
                ));
                if page.is_empty() {
                    break;
                }
                after = page.last().unwrap().to_string();
                paged.extend(page);
            }
            assert_eq!(&paged, expected, "{sort}");
        }
        assert_eq!(
            all(", min_total => 20, sort => 'highest_value'"),
            vec![made[1], made[4], made[2]]
        );
        assert_eq!(all(", max_total => 20"), vec![made[0], made[2], made[4]]);
        assert_eq!(
            Spi::get_one::<String>(&format!(
                "SELECT total::text FROM wms_orders({range}) WHERE order_id = {}",
                made[1]
            )),
            Ok(Some("50".into()))
        );
        crate::testing::assert_sqlstate(
            &format!("SELECT * FROM wms_orders({range}, sort => 'cheapest')"),
            "22023",
        );
        crate::testing::assert_sqlstate(
            &format!("SELECT * FROM wms_orders({range}, 'Lost')"),
            "22023",
        );
        crate::testing::assert_sqlstate(
            &format!("SELECT * FROM wms_orders({range}, sort => NULL)"),
            "22004",
        );
        assert_eq!(all(", 'Fulfilled'").len(), 5);
    }

    /// wms_order: the header, the lines with what they hold, took and got
    /// back, the history from creation on, and the ledger rows, in order.
    #[pg_test]
    fn test_order_whole() {
        let (p, w) = item("story", 10);
        let (id, _) = reserve(&format!("'story', {}", items(&[(p, w, 3)])));
        let id = id.unwrap();
        let story = || {
            Spi::get_one::<pgrx::JsonB>(&format!("SELECT wms_order({id})"))
                .unwrap()
                .unwrap()
                .0
        };
        let held = story();
        assert_eq!(held["order"]["status"], "Pending");
        assert_eq!(held["order"]["customer"], "story");
        assert_eq!(held["lines"][0]["held"], 3);
        assert_eq!(held["lines"][0]["taken"], 0);
        Spi::run(&format!(
            "SELECT * FROM wms_set_order_status({id}, 'Confirmed')"
        ))
        .unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_set_order_status({id}, 'Processing')"
        ))
        .unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_set_order_status({id}, 'Shipped', 'carrier picked up')"
        ))
        .unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_return_order({id}, '[{{\"product_id\": {p}, \"warehouse_id\": {w}, \"quantity\": 1}}]')"
        ))
        .unwrap();
        let whole = story();
        assert_eq!(whole["order"]["status"], "Shipped");
        assert_eq!(whole["order"]["expires_at"], serde_json::Value::Null);
        let line = &whole["lines"][0];
        assert_eq!(
            (&line["held"], &line["taken"], &line["returned"]),
            (&0.into(), &3.into(), &1.into())
        );
        let history: Vec<_> = whole["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["to"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(history, ["Pending", "Confirmed", "Processing", "Shipped"]);
        assert_eq!(whole["history"][0]["from"], serde_json::Value::Null);
        assert_eq!(whole["history"][3]["reason"], "carrier picked up");
        let ledger: Vec<_> = whole["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["quantity_change"].as_i64().unwrap(),
                    m["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            ledger,
            [(-3, "Sale".to_string()), (1, "Return".to_string())]
        );
        // Numbers exactly as stored: a price keeps its scale.
        let (priced, _, _) = crate::testing::place(&format!(
            r#"'story', '[{{"product_id": {p}, "warehouse_id": {w}, "quantity": 3, "unit_price": 12.50}}]'"#
        ));
        assert_eq!(
            Spi::get_two::<String, String>(&format!(
                "SELECT wms_order({0})->'lines'->0->>'unit_price', wms_order({0})->'order'->>'total'",
                priced.unwrap()
            )),
            Ok((Some("12.50".into()), Some("37.50".into())))
        );
        crate::testing::assert_sqlstate("SELECT wms_order(-1)", "23503");
        crate::testing::assert_sqlstate("SELECT wms_order(NULL)", "22004");
    }
}
