//! Helpers for the #[pg_test]s (built only with the `pg_test` feature).

use pgrx::prelude::*;
use pgrx::JsonB;

/// A new product and warehouse named `name`, with `stock` units received.
pub fn item(name: &str, stock: i64) -> (i64, i64) {
    let product_id =
        Spi::get_one_with_args::<i64>("SELECT wms_add_product($1, $1 || ' name')", &[name.into()])
            .unwrap()
            .unwrap();
    let warehouse_id = Spi::get_one_with_args::<i64>(
        "SELECT wms_add_warehouse($1, $1 || ' name')",
        &[name.into()],
    )
    .unwrap()
    .unwrap();
    if stock > 0 {
        receive(product_id, warehouse_id, stock);
    }
    (product_id, warehouse_id)
}

pub fn receive(product_id: i64, warehouse_id: i64, quantity: i64) -> i64 {
    Spi::get_one_with_args::<i64>(
        "SELECT wms_receive($1, $2, $3)",
        &[product_id.into(), warehouse_id.into(), quantity.into()],
    )
    .unwrap()
    .unwrap()
}

pub fn on_hand(product_id: i64, warehouse_id: i64) -> Option<i64> {
    Spi::get_one_with_args::<i64>(
        "SELECT (SELECT quantity_on_hand FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2)",
        &[product_id.into(), warehouse_id.into()],
    )
    .unwrap()
}

/// wms_available_to_sell(product, warehouse).
pub fn available(product_id: i64, warehouse_id: Option<i64>) -> i64 {
    Spi::get_one_with_args::<i64>(
        "SELECT wms_available_to_sell($1, $2)",
        &[product_id.into(), warehouse_id.into()],
    )
    .unwrap()
    .unwrap()
}

/// `SELECT count(*)` of a query.
pub fn count(sql: &str) -> i64 {
    Spi::get_one::<i64>(&format!("SELECT count(*) FROM ({sql}) q"))
        .unwrap()
        .unwrap()
}

/// An items argument: `'[{"product_id": p, "warehouse_id": w, "quantity": q}, ...]'::jsonb`.
pub fn items(lines: &[(i64, i64, i64)]) -> String {
    let v: Vec<_> = lines
        .iter()
        .map(|(p, w, q)| serde_json::json!({"product_id": p, "warehouse_id": w, "quantity": q}))
        .collect();
    format!("'{}'::jsonb", serde_json::Value::Array(v))
}

/// The first row of `sql`, a query of (order_id, status, detail).
fn answer(sql: &str) -> (Option<i64>, String, Option<serde_json::Value>) {
    Spi::connect(|client| {
        let row = client.select(sql, None, &[]).unwrap().first();
        (
            row.get::<i64>(1).unwrap(),
            row.get::<String>(2).unwrap().unwrap(),
            row.get::<JsonB>(3).unwrap().map(|detail| detail.0),
        )
    })
}

/// Run a `wms_place_order(...)` call (the text between the parentheses).
pub fn place(args: &str) -> (Option<i64>, String, serde_json::Value) {
    let (order_id, status, detail) = answer(&format!(
        "SELECT order_id, status, detail FROM wms_place_order({args})"
    ));
    (
        order_id,
        status,
        detail.expect("an order's answer has a detail"),
    )
}

/// Run a `wms_reserve(...)` call (the text between the parentheses):
/// (order_id, status).
pub fn reserve(args: &str) -> (Option<i64>, String) {
    let (order_id, status, _) = answer(&format!(
        "SELECT order_id, status, NULL::jsonb FROM wms_reserve({args})"
    ));
    (order_id, status)
}

/// The SQLSTATE and message `sql` fails with, or None if it succeeds. The
/// statement runs in a subtransaction (a PL/pgSQL exception block), so the
/// test's transaction goes on.
pub fn error_of(sql: &str) -> Option<(String, String)> {
    Spi::run(
        "CREATE OR REPLACE FUNCTION pg_temp.wms_error_of(sql text) RETURNS text[] LANGUAGE plpgsql AS $f$ \
         DECLARE state text; msg text; \
         BEGIN EXECUTE sql; RETURN NULL; \
         EXCEPTION WHEN OTHERS THEN \
           GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT; \
           RETURN ARRAY[state, msg]; \
         END $f$",
    )
    .unwrap();
    Spi::get_one_with_args::<Vec<String>>("SELECT pg_temp.wms_error_of($1)", &[sql.into()])
        .unwrap()
        .map(|v| (v[0].clone(), v[1].clone()))
}

/// Assert that `sql` fails with `sqlstate`; returns the message.
#[track_caller]
pub fn assert_sqlstate(sql: &str, sqlstate: &str) -> String {
    match error_of(sql) {
        Some((state, message)) => {
            assert_eq!(state, sqlstate, "{sql}: {message}");
            message
        }
        None => panic!("{sql}: expected SQLSTATE {sqlstate}, but it succeeded"),
    }
}

/// A wms_verify() row: (check_name, product_id, warehouse_id, expected, actual).
pub type Violation = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

pub fn verify() -> Vec<Violation> {
    Spi::connect(|client| {
        client
            .select("SELECT * FROM wms_verify()", None, &[])
            .unwrap()
            .map(|r| {
                (
                    r.get::<String>(1).unwrap().unwrap(),
                    r.get::<i64>(2).unwrap(),
                    r.get::<i64>(3).unwrap(),
                    r.get::<i64>(4).unwrap(),
                    r.get::<i64>(5).unwrap(),
                )
            })
            .collect()
    })
}

/// The first column (a bigint) of every row of a query, in order.
pub fn ids(sql: &str) -> Vec<i64> {
    Spi::connect(|c| {
        c.select(sql, None, &[])
            .unwrap()
            .map(|r| r.get::<i64>(1).unwrap().unwrap())
            .collect()
    })
}
