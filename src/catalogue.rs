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
        let id = crate::stock::bounded_wait(|| {
            plans::run(client, stmt, &[key.into(), name.into()]).next()
        })
        .map(|row| col::<i64>(&row, 1))
        .ok_or_else(|| WmsError::DuplicateKey {
            message: format!("{what} with {key_name} \"{key}\" already exists"),
        })?;
        crate::audit::record(
            client,
            &crate::audit::who()?,
            crate::audit::Event {
                action: "add",
                object_type: what,
                object_id: Some(id),
                old: None,
                new: Some(serde_json::json!({ key_name: key, "name": name })),
            },
        );
        Ok(id)
    })
}

/// Register a product; returns its product_id.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_add_product(sku: Option<&str>, name: Option<&str>) -> i64 {
    let _owner = crate::access::enter();
    writable("wms_add_product");
    require_admin(None).unwrap_or_else(|e| e.raise());
    let sku = required(sku, "sku");
    let name = required(name, "name");
    not_blank_text(sku, "sku", Text::Key)
        .and_then(|sku| add(&ADD_PRODUCT, "product", "sku", sku, name))
        .unwrap_or_else(|e| e.raise())
}

/// Register a warehouse; returns its warehouse_id.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_add_warehouse(code: Option<&str>, name: Option<&str>) -> i64 {
    let _owner = crate::access::enter();
    writable("wms_add_warehouse");
    require_admin(None).unwrap_or_else(|e| e.raise());
    let code = required(code, "code");
    let name = required(name, "name");
    not_blank_text(code, "code", Text::Key)
        .and_then(|code| add(&ADD_WAREHOUSE, "warehouse", "code", code, name))
        .unwrap_or_else(|e| e.raise())
}

static UPDATE_PRODUCT: Statement = Statement {
    sql: include_str!("../sql/queries/update_product.sql"),
    params: &[INT8OID, TEXTOID, TEXTOID],
};

static UPDATE_WAREHOUSE: Statement = Statement {
    sql: include_str!("../sql/queries/update_warehouse.sql"),
    params: &[INT8OID, TEXTOID, TEXTOID],
};

static KEY_TAKEN: Statement = Statement {
    sql: include_str!("../sql/queries/key_taken.sql"),
    params: &[TEXTOID, TEXTOID, INT8OID],
};

static CATALOGUE_ITEMS: Statement = Statement {
    sql: include_str!("../sql/queries/catalogue_items.sql"),
    params: &[INT8OID, INT8OID],
};

static LOCK_CATALOGUE_ROW: Statement = Statement {
    sql: include_str!("../sql/queries/lock_catalogue_row.sql"),
    params: &[INT8OID, INT8OID],
};

static CATALOGUE_HISTORY: Statement = Statement {
    sql: include_str!("../sql/queries/catalogue_history.sql"),
    params: &[INT8OID, INT8OID],
};

static REMOVE_CATALOGUE_ROW: Statement = Statement {
    sql: include_str!("../sql/queries/remove_catalogue_row.sql"),
    params: &[INT8OID, INT8OID],
};

const PRODUCTS_SQL: &str = include_str!("../sql/queries/products.sql");
const INVENTORY_SQL: &str = include_str!("../sql/queries/inventory.sql");

/// A product or a warehouse: which one a shared statement is about.
#[derive(Clone, Copy)]
enum Entry {
    Product(i64),
    Warehouse(i64),
}

impl Entry {
    /// The ($1 product, $2 warehouse) pair the statements take.
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Entry::Product(id) => (Some(id), None),
            Entry::Warehouse(id) => (None, Some(id)),
        }
    }

    fn unknown(self) -> WmsError {
        match self {
            Entry::Product(product_id) => WmsError::UnknownProduct { product_id },
            Entry::Warehouse(warehouse_id) => WmsError::UnknownWarehouse { warehouse_id },
        }
    }

    /// The object type the audit trail names it by.
    fn kind(self) -> &'static str {
        match self {
            Entry::Product(_) => "product",
            Entry::Warehouse(_) => "warehouse",
        }
    }

    /// The name of its key column.
    fn key_name(self) -> &'static str {
        match self {
            Entry::Product(_) => "sku",
            Entry::Warehouse(_) => "code",
        }
    }

    fn named(self) -> String {
        let (Entry::Product(id) | Entry::Warehouse(id)) = self;
        format!("{} {id}", self.kind())
    }
}

/// Change the key and name of a product or warehouse (NULL keeps one):
/// its row, or 23503 (unknown), 23505 (the key is another's), 22023.
/// Who may change the catalogue: admin in every warehouse, or, for one
/// warehouse's row, admin there.
fn require_admin(warehouse: Option<i64>) -> WmsResult<()> {
    use crate::access::{require, require_everywhere, Capability::Admin};
    match warehouse {
        Some(w) => require(Admin, &[w]),
        None => require_everywhere(Admin),
    }
}

fn update(entry: Entry, key: Option<&str>, name: Option<&str>) -> WmsResult<(i64, String, String)> {
    require_admin(entry.ids().1)?;
    let key_name = entry.key_name();
    if let Some(key) = key {
        not_blank_text(key, key_name, Text::Key)?;
    }
    if let Some(name) = name {
        bounded(name, "name", Text::Prose)?;
    }
    let (stmt, id) = match entry {
        Entry::Product(id) => (&UPDATE_PRODUCT, id),
        Entry::Warehouse(id) => (&UPDATE_WAREHOUSE, id),
    };
    Spi::connect_mut(|client| {
        if let Some(key) = key {
            let (sku, code) = match entry {
                Entry::Product(_) => (Some(key), None),
                Entry::Warehouse(_) => (None, Some(key)),
            };
            let taken = plans::run(client, &KEY_TAKEN, &[sku.into(), code.into(), id.into()])
                .next()
                .map(|row| col::<bool>(&row, 1))
                .unwrap_or(false);
            if taken {
                return Err(WmsError::DuplicateKey {
                    message: format!("{} with {key_name} \"{key}\" already exists", entry.kind()),
                });
            }
        }
        let (id, new_key, new_name, old_key, old_name) = crate::stock::bounded_wait(|| {
            plans::run(client, stmt, &[id.into(), key.into(), name.into()]).next()
        })
        .map(|row| {
            (
                col::<i64>(&row, 1),
                col::<String>(&row, 2),
                col::<String>(&row, 3),
                col::<String>(&row, 4),
                col::<String>(&row, 5),
            )
        })
        .ok_or_else(|| entry.unknown())?;
        crate::audit::record(
            client,
            &crate::audit::who()?,
            crate::audit::Event {
                action: "update",
                object_type: entry.kind(),
                object_id: Some(id),
                old: Some(serde_json::json!({ key_name: old_key, "name": old_name })),
                new: Some(
                    serde_json::json!({ key_name: new_key.clone(), "name": new_name.clone() }),
                ),
            },
        );
        Ok((id, new_key, new_name))
    })
}

/// Whether the inventory rows of a product or warehouse have history.
fn history(client: &mut pgrx::spi::SpiClient<'_>, entry: Entry) -> WmsResult<()> {
    let (product, warehouse) = entry.ids();
    let (ledger, orders) = plans::run(
        client,
        &CATALOGUE_HISTORY,
        &[product.into(), warehouse.into()],
    )
    .next()
    .map(|row| (col::<bool>(&row, 1), col::<bool>(&row, 2)))
    .unwrap_or((false, false));
    if ledger || orders {
        return Err(WmsError::HasHistory {
            what: entry.named(),
            why: if ledger { "ledger rows" } else { "order lines" },
        });
    }
    Ok(())
}

/// Remove a product or warehouse that has no history: its inventory rows
/// (locked as every stock change locks them, then the catalogue row, so
/// none is added meanwhile) have no ledger row and no order line. What
/// has history, as nearly everything does, is refused before any lock.
fn remove(entry: Entry) -> WmsResult<()> {
    let (product, warehouse) = entry.ids();
    require_admin(warehouse)?;
    Spi::connect_mut(|client| {
        plans::prepare(
            client,
            &[
                &LOCK_CATALOGUE_ROW,
                &CATALOGUE_HISTORY,
                &REMOVE_CATALOGUE_ROW,
                &crate::audit::RECORD,
            ],
        );
        history(client, entry)?;
        let items: Vec<crate::stock::ItemKey> = plans::run(
            client,
            &CATALOGUE_ITEMS,
            &[product.into(), warehouse.into()],
        )
        .map(|row| (col(&row, 1), col(&row, 2)))
        .collect();
        crate::stock::lock_items(client, items, crate::stock::Missing::Skip)?;
        let exists = crate::stock::bounded_wait(|| {
            plans::run(
                client,
                &LOCK_CATALOGUE_ROW,
                &[product.into(), warehouse.into()],
            )
            .next()
            .map(|row| col::<bool>(&row, 1))
        });
        if exists != Some(true) {
            return Err(entry.unknown());
        }
        // Again under the locks: a row may have gained history meanwhile.
        history(client, entry)?;
        let removed = crate::stock::bounded_wait(|| {
            plans::run(
                client,
                &REMOVE_CATALOGUE_ROW,
                &[product.into(), warehouse.into()],
            )
            .next()
        })
        .map(|row| (col::<String>(&row, 1), col::<String>(&row, 2)));
        let key_name = entry.key_name();
        crate::audit::record(
            client,
            &crate::audit::who()?,
            crate::audit::Event {
                action: "remove",
                object_type: entry.kind(),
                object_id: product.or(warehouse),
                old: removed.map(|(key, name)| serde_json::json!({ key_name: key, "name": name })),
                new: None,
            },
        );
        Ok(())
    })
}

/// Change a product's SKU or name (NULL keeps it); returns its row.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_update_product(
    product_id: Option<i64>,
    sku: default!(Option<&str>, "NULL"),
    name: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(product_id, i64),
        name!(sku, String),
        name!(name, String),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_update_product");
    let id = required(product_id, "product_id");
    TableIterator::once(update(Entry::Product(id), sku, name).unwrap_or_else(|e| e.raise()))
}

/// Change a warehouse's code or name (NULL keeps it); returns its row.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_update_warehouse(
    warehouse_id: Option<i64>,
    code: default!(Option<&str>, "NULL"),
    name: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(warehouse_id, i64),
        name!(code, String),
        name!(name, String),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_update_warehouse");
    let id = required(warehouse_id, "warehouse_id");
    TableIterator::once(update(Entry::Warehouse(id), code, name).unwrap_or_else(|e| e.raise()))
}

/// Remove a product that has never had stock or an order (23503 otherwise).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_remove_product(product_id: Option<i64>) {
    let _owner = crate::access::enter();
    writable("wms_remove_product");
    remove(Entry::Product(required(product_id, "product_id"))).unwrap_or_else(|e| e.raise())
}

/// Remove a warehouse that has never had stock or an order (23503 otherwise).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_remove_warehouse(warehouse_id: Option<i64>) {
    let _owner = crate::access::enter();
    writable("wms_remove_warehouse");
    remove(Entry::Warehouse(required(warehouse_id, "warehouse_id"))).unwrap_or_else(|e| e.raise())
}

/// An ILIKE pattern matching `search` anywhere, its wildcards taken literally.
fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Products whose SKU or name contains `search` (any case; NULL: all), a
/// page by product_id, with their stock summed over the warehouses.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_products(
    search: default!(Option<&str>, "NULL"),
    after_product_id: default!(Option<i64>, "NULL"),
    page_size: default!(Option<i32>, 100),
) -> TableIterator<
    'static,
    (
        name!(product_id, i64),
        name!(sku, String),
        name!(name, String),
        name!(on_hand, pgrx::AnyNumeric),
        name!(available, pgrx::AnyNumeric),
    ),
> {
    let _owner = crate::access::enter();
    if let Some(search) = search {
        bounded(search, "search", Text::Key).unwrap_or_else(|e| e.raise());
    }
    let limit = crate::reports::page_size(page_size);
    let scope = crate::access::report_scope(None, None);
    let pattern = search.map(contains_pattern);
    TableIterator::new(plans::rows(
        PRODUCTS_SQL,
        &[
            pattern.into(),
            after_product_id.into(),
            limit.into(),
            scope.filter().into(),
        ],
        "products",
        |r| (col(r, 1), col(r, 2), col(r, 3), col(r, 4), col(r, 5)),
    ))
}

/// One product's stock in each warehouse (or one): on hand, reserved,
/// available, received and sold in total, last change.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_inventory(
    product_id: Option<i64>,
    warehouse_id: default!(Option<i64>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(product_id, i64),
        name!(sku, String),
        name!(name, String),
        name!(warehouse_id, i64),
        name!(on_hand, i64),
        name!(reserved, i64),
        name!(available, i64),
        name!(received_total, i64),
        name!(sold_total, i64),
        name!(last_updated, pgrx::datum::TimestampWithTimeZone),
    ),
> {
    let _owner = crate::access::enter();
    let product_id = required(product_id, "product_id");
    let scope = crate::access::report_scope(None, warehouse_id);
    ensure_known(Some(product_id), warehouse_id).unwrap_or_else(|e| e.raise());
    TableIterator::new(plans::rows(
        INVENTORY_SQL,
        &[
            product_id.into(),
            warehouse_id.into(),
            scope.filter().into(),
        ],
        "inventory",
        |r| {
            (
                col(r, 1),
                col(r, 2),
                col(r, 3),
                col(r, 4),
                col(r, 5),
                col(r, 6),
                col(r, 7),
                col(r, 8),
                col(r, 9),
                col(r, 10),
            )
        },
    ))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::ids;
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

    /// Search any case, anywhere in the SKU or name, wildcards literal;
    /// pages by key; stock summed over the warehouses.
    #[pg_test]
    fn test_products_search_and_pages() {
        let (a, w) = crate::testing::item("CAT-Phone-100", 10);
        let b = Spi::get_one::<i64>("SELECT wms_add_product('CAT-200', 'Blue phone case')")
            .unwrap()
            .unwrap();
        let c = Spi::get_one::<i64>("SELECT wms_add_product('CAT_300%', 'Charger')")
            .unwrap()
            .unwrap();
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('CAT-W2', 'second')")
            .unwrap()
            .unwrap();
        crate::testing::receive(a, w2, 5);
        crate::testing::reserve(&format!("'c', {}", crate::testing::items(&[(a, w, 3)])));
        assert_eq!(
            ids("SELECT product_id FROM wms_products('PHONE')"),
            vec![a, b]
        );
        assert_eq!(ids("SELECT product_id FROM wms_products('_300%')"), vec![c]);
        assert_eq!(ids("SELECT product_id FROM wms_products('_3')"), vec![c]);
        assert_eq!(
            ids("SELECT product_id FROM wms_products('nothing like it')"),
            Vec::<i64>::new()
        );
        let row = Spi::get_two::<pgrx::AnyNumeric, pgrx::AnyNumeric>(&format!(
            "SELECT on_hand, available FROM wms_products('cat-phone') WHERE product_id = {a}"
        ))
        .unwrap();
        assert_eq!(
            (row.0.unwrap().to_string(), row.1.unwrap().to_string()),
            ("15".to_string(), "12".to_string())
        );
        let all = ids("SELECT product_id FROM wms_products()");
        let mut paged = Vec::new();
        let mut after = "NULL".to_string();
        loop {
            let page = ids(&format!(
                "SELECT product_id FROM wms_products(NULL, {after}, 2)"
            ));
            let Some(last) = page.last() else { break };
            after = last.to_string();
            paged.extend(page);
        }
        assert_eq!(paged, all);
        assert_sqlstate("SELECT * FROM wms_products(repeat('x', 256))", "22023");
        assert_sqlstate("SELECT * FROM wms_products(page_size => 0)", "22023");
    }

    /// One row per warehouse: on hand, live holds, available, received and
    /// sold in total, last change.
    #[pg_test]
    fn test_inventory_per_warehouse() {
        let (p, w) = crate::testing::item("INV-1", 10);
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('INV-W2', 'second')")
            .unwrap()
            .unwrap();
        crate::testing::receive(p, w, 5);
        crate::testing::place(&format!("'c', {p}, {w}, 4"));
        Spi::run(&format!("SELECT * FROM wms_transfer({p}, {w}, {w2}, 2)")).unwrap();
        crate::testing::reserve(&format!("'c', {}", crate::testing::items(&[(p, w, 1)])));
        let rows = Spi::connect(|c| {
            c.select(
                &format!("SELECT warehouse_id, on_hand, reserved, available, received_total, sold_total FROM wms_inventory({p})"),
                None,
                &[],
            )
            .unwrap()
            .map(|r| {
                (1..=6)
                    .map(|i| r.get::<i64>(i).unwrap().unwrap())
                    .collect::<Vec<i64>>()
            })
            .collect::<Vec<_>>()
        });
        assert_eq!(rows, vec![vec![w, 9, 1, 8, 15, 4], vec![w2, 2, 0, 2, 2, 0]]);
        assert_eq!(count(&format!("SELECT * FROM wms_inventory({p}, {w2})")), 1);
        assert_sqlstate("SELECT * FROM wms_inventory(-1)", "23503");
        assert_sqlstate(&format!("SELECT * FROM wms_inventory({p}, -1)"), "23503");
        assert_sqlstate("SELECT * FROM wms_inventory(NULL)", "22004");
    }

    /// Changes keep what is NULL; a key of another is refused; what has
    /// history is never removed, what has none is.
    #[pg_test]
    fn test_update_and_remove() {
        let (p, w) = crate::testing::item("UPD-1", 3);
        let q = Spi::get_one::<i64>("SELECT wms_add_product('UPD-2', 'Second')")
            .unwrap()
            .unwrap();
        assert_eq!(
            Spi::get_two::<String, String>(&format!(
                "SELECT sku, name FROM wms_update_product({q}, name => 'Renamed')"
            )),
            Ok((Some("UPD-2".into()), Some("Renamed".into())))
        );
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_update_product({q}, 'UPD-1')"),
                "23505"
            ),
            "product with sku \"UPD-1\" already exists"
        );
        assert_sqlstate(
            &format!("SELECT * FROM wms_update_product({q}, ' ')"),
            "22023",
        );
        assert_sqlstate("SELECT * FROM wms_update_product(-1, 'X')", "23503");
        assert_sqlstate(
            &format!("SELECT * FROM wms_update_warehouse({w}, repeat('c', 300))"),
            "22023",
        );
        Spi::run(&format!(
            "SELECT * FROM wms_update_warehouse({w}, 'UPD-W', 'North')"
        ))
        .unwrap();
        assert_eq!(
            assert_sqlstate(&format!("SELECT wms_remove_product({p})"), "23503"),
            format!("product {p} has ledger rows: it cannot be removed, its history is kept")
        );
        assert_sqlstate(&format!("SELECT wms_remove_warehouse({w})"), "23503");
        // An inventory row without history goes with its product.
        Spi::run(&format!("SELECT wms_set_reorder_policy({q}, {w}, 1, 1)")).unwrap();
        Spi::run(&format!("SELECT wms_remove_product({q})")).unwrap();
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.products WHERE product_id = {q}"
            )),
            0
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.inventory WHERE product_id = {q}"
            )),
            0
        );
        assert_sqlstate(&format!("SELECT wms_remove_product({q})"), "23503");
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('UPD-W2', 'empty')")
            .unwrap()
            .unwrap();
        Spi::run(&format!("SELECT wms_remove_warehouse({w2})")).unwrap();
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.warehouses WHERE warehouse_id = {w2}"
            )),
            0
        );
        // A reservation's lines are history too.
        let r = Spi::get_one::<i64>("SELECT wms_add_product('UPD-3', 'Reserved')")
            .unwrap()
            .unwrap();
        Spi::run(&format!(
            "INSERT INTO wms.inventory (product_id, warehouse_id, quantity_on_hand) VALUES ({r}, {w}, 0)"
        ))
        .unwrap();
        Spi::run(&format!(
            "WITH o AS (INSERT INTO wms.customer_orders (customer_name, order_status) VALUES ('c', 'Cancelled') RETURNING order_id) \
             INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity) SELECT order_id, {r}, {w}, 1 FROM o"
        ))
        .unwrap();
        assert_eq!(
            assert_sqlstate(&format!("SELECT wms_remove_product({r})"), "23503"),
            format!("product {r} has order lines: it cannot be removed, its history is kept")
        );
        assert!(crate::testing::verify().is_empty());
    }
}
