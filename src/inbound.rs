//! Receiving stock.

use pgrx::prelude::*;

use crate::errors::{not_blank, positive_quantity, required, WmsResult};
use crate::stock::{self, Cause, Change, Missing};

fn receive(product_id: i64, warehouse_id: i64, quantity: i64, reason: &str, reference: Option<&str>) -> WmsResult<i64> {
    positive_quantity(quantity, "quantity")?;
    not_blank(reason, "reason")?;
    let item = (product_id, warehouse_id);
    Spi::connect_mut(|client| {
        let locked = stock::lock_items(client, [item], Missing::Create)?;
        let applied = stock::apply(
            client,
            &locked,
            &[Change { item, on_hand: quantity, reserved: 0 }],
            &Cause { reason, order_id: None, reference },
        )?;
        Ok(applied[0].on_hand)
    })
}

/// Receive `quantity` units into a warehouse; returns the new quantity on
/// hand. Creates the inventory row if absent; the inventory update and its
/// ledger row are one statement.
#[pg_extern(volatile, parallel_unsafe)]
fn wms_receive(
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: Option<i64>,
    reason: default!(Option<&str>, "'Purchase Order'"),
    reference: default!(Option<&str>, "NULL"),
) -> i64 {
    receive(
        required(product_id, "product_id"),
        required(warehouse_id, "warehouse_id"),
        required(quantity, "quantity"),
        required(reason, "reason"),
        reference,
    )
    .unwrap_or_else(|e| e.raise())
}
