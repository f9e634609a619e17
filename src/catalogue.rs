//! Products and warehouses.

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;

use crate::errors::{bounded, not_blank_text, required, writable, Text, WmsError, WmsResult};
use crate::plans::{self, col, Statement};

static ADD_PRODUCT: Statement = Statement {
    sql: include_str!("../sql/queries/add_product.sql"),
    params: &[TEXTOID, TEXTOID],
};

static ADD_WAREHOUSE: Statement = Statement {
    sql: include_str!("../sql/queries/add_warehouse.sql"),
    params: &[TEXTOID, TEXTOID],
};

/// Whether the product ($1) and the warehouse ($2) exist; NULL names none.
/// The stock door runs it as a kept plan on a fresh snapshot (after a lock
/// wait, stock.rs); the functions that only read run it in their snapshot
/// ([`ensure_known`]). Either way [`known`] reads the answer.
pub static KNOWN: Statement = Statement {
    sql: include_str!("../sql/queries/known.sql"),
    params: &[INT8OID, INT8OID],
};

/// 23503 unless both columns of a [`KNOWN`] row are true.
pub fn known(
    row: &plans::Row<'_>,
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
) -> WmsResult<()> {
    match (col::<bool>(row, 1), col::<bool>(row, 2)) {
        (false, _) => Err(WmsError::UnknownProduct {
            product_id: product_id.expect("only a named product can be missing"),
        }),
        (true, false) => Err(WmsError::UnknownWarehouse {
            warehouse_id: warehouse_id.expect("only a named warehouse can be missing"),
        }),
        (true, true) => Ok(()),
    }
}

/// [`KNOWN`] for a function that only reads, in its own snapshot.
pub fn ensure_known(product_id: Option<i64>, warehouse_id: Option<i64>) -> WmsResult<()> {
    plans::rows(
        KNOWN.sql,
        &[product_id.into(), warehouse_id.into()],
        "catalogue lookup",
        |row| known(row, product_id, warehouse_id),
    )
    .pop()
    .expect("EXISTS returns one row")
}

/// Insert a catalogue row; an existing key raises 23505 naming it.
fn add(
    stmt: &'static Statement,
    what: &str,
    key_name: &str,
    key: &str,
    name: &str,
) -> WmsResult<i64> {
    bounded(name, "name", Text::Prose)?;
    Spi::connect_mut(|client| {
        // A key another transaction is inserting is waited for, as long as
        // any lock of the extension.
        crate::stock::bounded_wait(|| plans::run(client, stmt, &[key.into(), name.into()]).next())
            .map(|row| col::<i64>(&row, 1))
            .ok_or_else(|| WmsError::DuplicateKey {
                message: format!("{what} with {key_name} \"{key}\" already exists"),
            })
    })
}

/// Register a product; returns its product_id.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn wms_add_product(sku: Option<&str>, name: Option<&str>) -> i64 {
    writable("wms_add_product");
    let sku = required(sku, "sku");
    let name = required(name, "name");
    not_blank_text(sku, "sku", Text::Key)
        .and_then(|sku| add(&ADD_PRODUCT, "product", "sku", sku, name))
        .unwrap_or_else(|e| e.raise())
}

/// Register a warehouse; returns its warehouse_id.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn wms_add_warehouse(code: Option<&str>, name: Option<&str>) -> i64 {
    writable("wms_add_warehouse");
    let code = required(code, "code");
    let name = required(name, "name");
    not_blank_text(code, "code", Text::Key)
        .and_then(|code| add(&ADD_WAREHOUSE, "warehouse", "code", code, name))
        .unwrap_or_else(|e| e.raise())
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{assert_sqlstate, count};
    use pgrx::prelude::*;

    #[pg_test]
    fn test_add_product_and_warehouse() {
        let p = Spi::get_one::<i64>("SELECT wms_add_product('SKU-1', 'Widget')")
            .unwrap()
            .unwrap();
        let w = Spi::get_one::<i64>("SELECT wms_add_warehouse('WH-1', 'Main')")
            .unwrap()
            .unwrap();
        assert!(p > 0 && w > 0);
        assert_eq!(count(&format!("SELECT 1 FROM wms.products WHERE product_id = {p} AND sku = 'SKU-1' AND name = 'Widget'")), 1);
        assert_eq!(count(&format!("SELECT 1 FROM wms.warehouses WHERE warehouse_id = {w} AND code = 'WH-1' AND name = 'Main'")), 1);
        // Adding a product creates no stock.
        assert_eq!(count("SELECT 1 FROM wms.inventory"), 0);
    }

    #[pg_test]
    fn test_duplicate_keys_raise_23505() {
        Spi::run("SELECT wms_add_product('SKU-1', 'Widget'), wms_add_warehouse('WH-1', 'Main')")
            .unwrap();
        let msg = assert_sqlstate("SELECT wms_add_product('SKU-1', 'Other')", "23505");
        assert_eq!(msg, "product with sku \"SKU-1\" already exists");
        let msg = assert_sqlstate("SELECT wms_add_warehouse('WH-1', 'Other')", "23505");
        assert_eq!(msg, "warehouse with code \"WH-1\" already exists");
        assert_eq!(count("SELECT 1 FROM wms.products"), 1);
    }
}
