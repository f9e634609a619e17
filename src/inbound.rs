//! Receiving stock.

use pgrx::prelude::*;

use crate::errors::{
    bounded, not_blank_text, positive_quantity, required, writable, Text, WmsResult,
};
use crate::stock::{self, Cause, Change, Missing};

fn receive(
    product_id: i64,
    warehouse_id: i64,
    quantity: i64,
    reason: &str,
    reference: Option<&str>,
) -> WmsResult<i64> {
    positive_quantity(quantity, "quantity")?;
    not_blank_text(reason, "reason", Text::Prose)?;
    if let Some(reference) = reference {
        bounded(reference, "reference", Text::Key)?;
    }
    crate::access::require(crate::access::Capability::Stock, &[warehouse_id])?;
    let item = (product_id, warehouse_id);
    Spi::connect_mut(|client| {
        let locked = stock::lock_items(client, [item], Missing::Create)?;
        let applied = stock::apply(
            client,
            &locked,
            &[Change {
                item,
                on_hand: quantity,
                reserved: 0,
                expired: 0,
            }],
            &Cause {
                reason,
                order_id: None,
                reference,
            },
        )?;
        Ok(applied[0].on_hand)
    })
}

/// Receive `quantity` units into a warehouse; returns the new quantity on
/// hand. Creates the inventory row if absent; the inventory update and its
/// ledger row are one statement.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_receive(
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: Option<i64>,
    reason: default!(Option<&str>, "'Purchase Order'"),
    reference: default!(Option<&str>, "NULL"),
) -> i64 {
    let _owner = crate::access::enter();
    writable("wms_receive");
    receive(
        required(product_id, "product_id"),
        required(warehouse_id, "warehouse_id"),
        required(quantity, "quantity"),
        required(reason, "reason"),
        reference,
    )
    .unwrap_or_else(|e| e.raise())
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{count, item, on_hand, receive, verify};
    use pgrx::prelude::*;

    #[pg_test]
    fn test_receive_creates_the_row_and_writes_the_ledger() {
        let (p, w) = item("rcv", 0);
        assert_eq!(on_hand(p, w), None);
        assert_eq!(receive(p, w, 10), 10);
        assert_eq!(
            Spi::get_one_with_args::<i64>(
                "SELECT wms_receive($1, $2, 5, 'Return', 'RMA-7')",
                &[p.into(), w.into()]
            ),
            Ok(Some(15))
        );
        assert_eq!(on_hand(p, w), Some(15));
        let ledger = count(&format!(
            "SELECT 1 FROM wms.stock_movements WHERE product_id = {p} AND warehouse_id = {w} AND order_id IS NULL \
               AND ((quantity_change = 10 AND balance_after = 10 AND reason = 'Purchase Order' AND reference IS NULL) \
                 OR (quantity_change = 5 AND balance_after = 15 AND reason = 'Return' AND reference = 'RMA-7')) \
               AND actor = session_user"
        ));
        assert_eq!(ledger, 2);
        assert!(verify().is_empty());
    }
}
