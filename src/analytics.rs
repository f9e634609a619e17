//! Analytics over the ledger, each one statement on one snapshot: stock at
//! a past instant and daily sales with their rolling average. They read
//! only and take no locks.

use pgrx::datum::{Date, TimestampWithTimeZone};
use pgrx::prelude::*;
use pgrx::AnyNumeric;

use crate::catalogue::ensure_known;
use crate::errors::{required, WmsError};
use crate::plans::col;

const STOCK_AS_OF_SQL: &str = include_str!("../sql/queries/stock_as_of.sql");
const SALES_ROLLING_AVERAGE_SQL: &str = include_str!("../sql/queries/sales_rolling_average.sql");

/// A rolling average spans 1 day to 10 years.
const MAX_DAYS: i32 = 3660;

/// The days (since 2000-01-01) a rolling average's calendar may cover: a
/// day's start must be a timestamptz in every time zone, and a zone may be
/// up to a week from UTC, so eight days are kept clear of timestamptz's
/// range (4714-11-24 BC to 294276-12-31) at each end.
const FIRST_DAY: i32 = -2_451_545 + 8;
const LAST_DAY: i32 = 106_751_983 - 9;

/// The calendar of a rolling average of `days` days ending `until` reads
/// from `2 * days - 2` days before `until` to the start of the day after
/// it; both ends must be dates a timestamptz can hold (22023 otherwise,
/// before any work: `'infinity'` would be a calendar without end).
fn check_window(days: i32, until: Date) {
    let first = i64::from(until.to_pg_epoch_days()) - 2 * i64::from(days) + 2;
    let last = i64::from(until.to_pg_epoch_days()) + 1;
    if !until.is_finite() || first < i64::from(FIRST_DAY) || last > i64::from(LAST_DAY) {
        let earliest = Date::saturating_from_raw(FIRST_DAY + 2 * days - 2);
        let latest = Date::saturating_from_raw(LAST_DAY - 1);
        WmsError::InvalidParameter {
            message: format!(
                "until must be a date from {earliest} to {latest} for a window of {days} days, got {until}"
            ),
        }
        .raise();
    }
}

/// The quantity on hand of an item at instant `at`, from the ledger.
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_stock_as_of(
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    at: Option<TimestampWithTimeZone>,
) -> i64 {
    let _owner = crate::access::enter();
    let product_id = required(product_id, "product_id");
    let warehouse_id = required(warehouse_id, "warehouse_id");
    let at = required(at, "at");
    crate::access::report_scope(Some(crate::access::Capability::Report), Some(warehouse_id));
    ensure_known(Some(product_id), Some(warehouse_id)).unwrap_or_else(|e| e.raise());
    crate::plans::rows(
        STOCK_AS_OF_SQL,
        &[product_id.into(), warehouse_id.into(), at.into()],
        "stock as of",
        |row| col::<i64>(row, 1),
    )
    .pop()
    .expect("the balance is one row")
}

/// Units sold per day over the `days` days ending `until`, with the
/// average of the `days` days ending each day; for one warehouse or all.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_sales_rolling_average(
    product_id: Option<i64>,
    days: default!(Option<i32>, 30),
    warehouse_id: default!(Option<i64>, "NULL"),
    until: default!(Option<Date>, "CURRENT_DATE"),
) -> TableIterator<
    'static,
    (
        name!(day, Date),
        name!(units_sold, i64),
        name!(rolling_avg, AnyNumeric),
    ),
> {
    let _owner = crate::access::enter();
    let product_id = required(product_id, "product_id");
    let days = required(days, "days");
    let until = required(until, "until");
    if !(1..=MAX_DAYS).contains(&days) {
        WmsError::InvalidParameter {
            message: format!("days must be between 1 and {MAX_DAYS}, got {days}"),
        }
        .raise();
    }
    check_window(days, until);
    let scope = crate::access::report_scope(Some(crate::access::Capability::Report), warehouse_id);
    ensure_known(Some(product_id), warehouse_id).unwrap_or_else(|e| e.raise());
    TableIterator::new(crate::plans::rows(
        SALES_ROLLING_AVERAGE_SQL,
        &[
            product_id.into(),
            days.into(),
            warehouse_id.into(),
            until.into(),
            scope.filter().into(),
        ],
        "sales rolling average",
        |row| {
            (
                col::<Date>(row, 1),
                col::<i64>(row, 2),
                col::<AnyNumeric>(row, 3),
            )
        },
    ))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{item, receive, reserve};
    use pgrx::prelude::*;

    fn stock_as_of(p: i64, w: i64, at: &str) -> i64 {
        Spi::get_one::<i64>(&format!("SELECT wms_stock_as_of({p}, {w}, {at})"))
            .unwrap()
            .unwrap()
    }

    fn now() -> String {
        let t = Spi::get_one::<String>("SELECT clock_timestamp()::text")
            .unwrap()
            .unwrap();
        format!("'{t}'::timestamptz")
    }

    /// `days_ago:units_sold:rolling_avg` for each row, rolling_avg to 4 places.
    fn sales(args: &str) -> String {
        Spi::get_one::<String>(&format!(
            "SELECT string_agg(format('%s:%s:%s', current_date - day, units_sold, round(rolling_avg, 4)), ' ' ORDER BY day) \
               FROM wms_sales_rolling_average({args})"
        ))
        .unwrap()
        .unwrap()
    }

    #[pg_test]
    fn test_stock_as_of_follows_the_ledger() {
        let before = now();
        let (p, w) = item("asof", 10);
        let received = now();
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w}, 3)")).unwrap();
        let sold = now();
        receive(p, w, 5);
        assert_eq!(stock_as_of(p, w, &before), 0);
        assert_eq!(stock_as_of(p, w, &received), 10);
        assert_eq!(stock_as_of(p, w, &sold), 7);
        assert_eq!(stock_as_of(p, w, "'infinity'"), 12);
        assert_eq!(stock_as_of(p, w, "'-infinity'"), 0);
    }

    #[pg_test]
    fn test_sales_rolling_average_counts_fulfilled_sales_per_day() {
        let (p, w) = item("roll", 20);
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('roll-2', 'second')")
            .unwrap()
            .unwrap();
        receive(p, w2, 5);
        let line = |w: i64, q: i64| crate::testing::items(&[(p, w, q)]);
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w}, 3)")).unwrap();
        Spi::run(&format!("SELECT * FROM wms_place_order('c', {p}, {w2}, 2)")).unwrap();
        // A fulfilled reservation counts; a cancelled or pending one does not.
        for (then, quantity) in [("fulfil", 1), ("cancel", 4), ("keep", 6)] {
            let id = reserve(&format!("'c', {}", line(w, quantity))).0.unwrap();
            match then {
                "fulfil" => Spi::run(&format!("SELECT * FROM wms_fulfill_order({id})")).unwrap(),
                "cancel" => {
                    Spi::run(&format!("SELECT * FROM wms_cancel_order({id}, 'no')")).unwrap()
                }
                _ => {}
            }
        }
        // The last 3 days: nothing two days ago and yesterday, 6 units today.
        assert_eq!(
            sales(&format!("{p}, 3")),
            "2:0:0.0000 1:0:0.0000 0:6:2.0000"
        );
        // One warehouse.
        assert_eq!(
            sales(&format!("{p}, 3, {w}")),
            "2:0:0.0000 1:0:0.0000 0:4:1.3333"
        );
        // Days after today count as zero sales; the window slides over them.
        assert_eq!(
            sales(&format!("{p}, 2, until => current_date + 2")),
            "-1:0:3.0000 -2:0:0.0000"
        );
        // The default is 30 days ending today.
        assert_eq!(
            crate::testing::count(&format!("SELECT * FROM wms_sales_rolling_average({p})")),
            30
        );
    }
}
