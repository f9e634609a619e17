//! Available to sell: on hand minus live allocations. Reads the
//! `wms.available_to_sell` view, so the function and the view agree by
//! construction. Takes no locks.

use pgrx::prelude::*;

use crate::errors::{required, WmsError};

#[pg_extern(stable, parallel_safe)]
fn wms_available_to_sell(product_id: Option<i64>, warehouse_id: default!(Option<i64>, "NULL")) -> i64 {
    let product_id = required(product_id, "product_id");
    let (available, product_exists, warehouse_exists) = Spi::connect(|client| {
        let row = client
            .select(
                "SELECT (SELECT COALESCE(SUM(available), 0)::bigint FROM wms.available_to_sell \
                          WHERE product_id = $1 AND ($2::bigint IS NULL OR warehouse_id = $2)), \
                        EXISTS (SELECT 1 FROM wms.products WHERE product_id = $1), \
                        $2::bigint IS NULL OR EXISTS (SELECT 1 FROM wms.warehouses WHERE warehouse_id = $2)",
                None,
                &[product_id.into(), warehouse_id.into()],
            )
            .unwrap_or_else(|e| panic!("wms: availability query failed: {e}"))
            .first();
        let get = |i| row.get::<i64>(i).ok().flatten();
        let flag = |i| row.get::<bool>(i).ok().flatten() == Some(true);
        (get(1).expect("SUM is coalesced"), flag(2), flag(3))
    });
    if !product_exists {
        WmsError::UnknownProduct { product_id }.raise();
    }
    if !warehouse_exists {
        WmsError::UnknownWarehouse { warehouse_id: warehouse_id.expect("checked only when given") }.raise();
    }
    available
}
