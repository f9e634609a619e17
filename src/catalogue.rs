//! Products and warehouses.

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;

use crate::errors::{not_blank, required, WmsError, WmsResult};
use crate::plans::{self, col, Statement};

static ADD_PRODUCT: Statement = Statement {
    sql: "INSERT INTO wms.products (sku, name) VALUES ($1, $2) \
          ON CONFLICT (sku) DO NOTHING RETURNING product_id",
    params: &[TEXTOID, TEXTOID],
};

static ADD_WAREHOUSE: Statement = Statement {
    sql: "INSERT INTO wms.warehouses (code, name) VALUES ($1, $2) \
          ON CONFLICT (code) DO NOTHING RETURNING warehouse_id",
    params: &[TEXTOID, TEXTOID],
};

/// Insert a catalogue row; an existing key raises 23505 naming it.
fn add(stmt: &'static Statement, what: &str, key_name: &str, key: &str, name: &str) -> WmsResult<i64> {
    Spi::connect_mut(|client| {
        plans::run(client, stmt, &[key.into(), name.into()])
            .next()
            .map(|row| col::<i64>(&row, 1))
            .ok_or_else(|| WmsError::DuplicateKey {
                message: format!("{what} with {key_name} \"{key}\" already exists"),
            })
    })
}

/// Register a product; returns its product_id.
#[pg_extern(volatile, parallel_unsafe)]
fn wms_add_product(sku: Option<&str>, name: Option<&str>) -> i64 {
    let sku = required(sku, "sku");
    let name = required(name, "name");
    not_blank(sku, "sku")
        .and_then(|sku| add(&ADD_PRODUCT, "product", "sku", sku, name))
        .unwrap_or_else(|e| e.raise())
}

/// Register a warehouse; returns its warehouse_id.
#[pg_extern(volatile, parallel_unsafe)]
fn wms_add_warehouse(code: Option<&str>, name: Option<&str>) -> i64 {
    let code = required(code, "code");
    let name = required(name, "name");
    not_blank(code, "code")
        .and_then(|code| add(&ADD_WAREHOUSE, "warehouse", "code", code, name))
        .unwrap_or_else(|e| e.raise())
}
