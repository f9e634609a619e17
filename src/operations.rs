//! Warehouse operations: cycle counts and transfers, each one transaction
//! through the stock door.

use pgrx::prelude::*;

use crate::errors::{
    not_blank_text, positive_quantity, required, writable, Text, WmsError, WmsResult,
};
use crate::stock::{self, Cause, Change, Missing};

fn adjust(product_id: i64, warehouse_id: i64, counted: i64, reason: &str) -> WmsResult<i64> {
    if counted < 0 {
        return Err(WmsError::InvalidParameter {
            message: format!("counted_quantity must not be negative, got {counted}"),
        });
    }
    not_blank_text(reason, "reason", Text::Prose)?;
    crate::access::require(crate::access::Capability::Stock, &[warehouse_id])?;
    let item = (product_id, warehouse_id);
    Spi::connect_mut(|client| {
        let locked = stock::lock_items(client, [item], Missing::Create)?;
        let row = locked.get(item).expect("created and locked");
        // What live reservations hold (expired ones do not count).
        let live_reserved = row.reserved - row.expired;
        if counted < live_reserved {
            return Err(WmsError::BelowReserved {
                product_id,
                warehouse_id,
                counted,
                reserved: live_reserved,
            });
        }
        let delta = counted - row.on_hand;
        if delta != 0 {
            stock::apply(
                client,
                &locked,
                &[Change {
                    item,
                    on_hand: delta,
                    reserved: 0,
                    expired: 0,
                }],
                &Cause {
                    reason,
                    order_id: None,
                    reference: Some("cycle count"),
                },
            )?;
        }
        Ok(delta)
    })
}

/// Cycle count: set on hand to what was counted, writing the difference as
/// a ledger row; returns the difference. Refuses to count below what live
/// reservations hold (23514).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_adjust(
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    counted_quantity: Option<i64>,
    reason: Option<&str>,
) -> i64 {
    let _owner = crate::access::enter();
    writable("wms_adjust");
    adjust(
        required(product_id, "product_id"),
        required(warehouse_id, "warehouse_id"),
        required(counted_quantity, "counted_quantity"),
        required(reason, "reason"),
    )
    .unwrap_or_else(|e| e.raise())
}

fn transfer(
    product_id: i64,
    from: i64,
    to: i64,
    quantity: i64,
    reason: &str,
) -> WmsResult<(i64, i64)> {
    positive_quantity(quantity, "quantity")?;
    not_blank_text(reason, "reason", Text::Prose)?;
    if from == to {
        return Err(WmsError::InvalidParameter {
            message: format!("a transfer needs two different warehouses, got {from} twice"),
        });
    }
    crate::access::require(crate::access::Capability::Stock, &[from, to])?;
    let (source, target) = ((product_id, from), (product_id, to));
    Spi::connect_mut(|client| {
        // Both rows in lock order, whichever way the stock moves.
        let locked = stock::lock_items(client, [source, target], Missing::Create)?;
        if let Some(short) = stock::shortage(source, quantity, locked.available(source)) {
            return Err(WmsError::InsufficientStock {
                shortages: vec![short],
            });
        }
        let reference = format!("transfer from warehouse {from} to warehouse {to}");
        let applied = stock::apply(
            client,
            &locked,
            &[
                Change {
                    item: source,
                    on_hand: -quantity,
                    reserved: 0,
                    expired: 0,
                },
                Change {
                    item: target,
                    on_hand: quantity,
                    reserved: 0,
                    expired: 0,
                },
            ],
            &Cause {
                reason,
                order_id: None,
                reference: Some(&reference),
            },
        )?;
        let on_hand = |item| applied.iter().find(|a| a.item == item).map(|a| a.on_hand);
        Ok((
            on_hand(source).expect("source applied"),
            on_hand(target).expect("target applied"),
        ))
    })
}

/// Move stock between warehouses: two ledger rows, one transaction.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_transfer(
    product_id: Option<i64>,
    from_warehouse: Option<i64>,
    to_warehouse: Option<i64>,
    quantity: Option<i64>,
    reason: default!(Option<&str>, "'Transfer'"),
) -> TableIterator<'static, (name!(from_on_hand, i64), name!(to_on_hand, i64))> {
    let _owner = crate::access::enter();
    writable("wms_transfer");
    let moved = transfer(
        required(product_id, "product_id"),
        required(from_warehouse, "from_warehouse"),
        required(to_warehouse, "to_warehouse"),
        required(quantity, "quantity"),
        required(reason, "reason"),
    )
    .unwrap_or_else(|e| e.raise());
    TableIterator::once(moved)
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{assert_sqlstate, count, item, items, on_hand, receive, verify};
    use pgrx::prelude::*;

    fn adjust(args: &str) -> i64 {
        Spi::get_one::<i64>(&format!("SELECT wms_adjust({args})"))
            .unwrap()
            .unwrap()
    }

    #[pg_test]
    fn test_adjust_writes_the_difference() {
        let (p, w) = item("adj", 10);
        assert_eq!(adjust(&format!("{p}, {w}, 7, 'Cycle count'")), -3);
        assert_eq!(adjust(&format!("{p}, {w}, 12, 'Cycle count'")), 5);
        assert_eq!(adjust(&format!("{p}, {w}, 12, 'Cycle count'")), 0);
        assert_eq!(on_hand(p, w), Some(12));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE product_id = {p} AND reason = 'Cycle count' \
                 AND ((quantity_change = -3 AND balance_after = 7) OR (quantity_change = 5 AND balance_after = 12))"
            )),
            2
        );
        // Counting an item never received creates its row.
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('adj-2', 'x')")
            .unwrap()
            .unwrap();
        assert_eq!(adjust(&format!("{p}, {w2}, 4, 'Found stock'")), 4);
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_adjust_refuses_to_go_below_reserved() {
        let (p, w) = item("adj", 10);
        Spi::run(&format!(
            "SELECT * FROM wms_reserve('c', {})",
            items(&[(p, w, 4)])
        ))
        .unwrap();
        let msg = assert_sqlstate(
            &format!("SELECT wms_adjust({p}, {w}, 3, 'Cycle count')"),
            "23514",
        );
        assert_eq!(
            msg,
            format!("counted quantity 3 of product {p} in warehouse {w} is below the 4 reserved")
        );
        assert_eq!(adjust(&format!("{p}, {w}, 4, 'Cycle count'")), -6);
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_transfer_moves_stock_with_two_ledger_rows() {
        let (p, w1) = item("tr", 10);
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('tr-2', 'x')")
            .unwrap()
            .unwrap();
        assert_eq!(
            Spi::get_two::<i64, i64>(&format!("SELECT * FROM wms_transfer({p}, {w1}, {w2}, 4)")),
            Ok((Some(6), Some(4)))
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE product_id = {p} AND reason = 'Transfer' AND \
                 ((warehouse_id = {w1} AND quantity_change = -4) OR (warehouse_id = {w2} AND quantity_change = 4))"
            )),
            2
        );
        receive(p, w2, 1);
        Spi::run(&format!(
            "SELECT * FROM wms_transfer({p}, {w2}, {w1}, 5, 'Rebalance')"
        ))
        .unwrap();
        assert_eq!((on_hand(p, w1), on_hand(p, w2)), (Some(11), Some(0)));
        assert!(verify().is_empty());
    }
}
