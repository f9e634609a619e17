//! Privileges: the documented GRANT lines for an application role, and a
//! hostile search_path.

use postgres::error::SqlState;

use crate::support::items_json;
use crate::Db;

/// The GRANT lines of docs/operations.md give an application role the API
/// and nothing else; a hostile search_path (its own schema with look-alike
/// functions, operators and tables, and temp tables) changes nothing a call
/// does.
pub fn application_role(db: &mut Db) {
    let (p, w) = db.item("app", 10);
    let operations = include_str!("../../docs/operations.md");
    let grants = operations
        .split("```sql\nCREATE ROLE shop_app LOGIN;")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/operations.md's GRANT block");
    db.admin
        .batch_execute(&format!("CREATE ROLE shop_app LOGIN;{grants}"))
        .unwrap();
    // A schema of look-alikes the application puts first in its path.
    db.admin
        .batch_execute(
            "CREATE SCHEMA evil AUTHORIZATION shop_app; \
             CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01'::timestamptz $$; \
             CREATE FUNCTION evil.hashtext(text) RETURNS int LANGUAGE sql AS $$ SELECT 0 $$; \
             CREATE FUNCTION evil.minus(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT $1 + $2 $$; \
             CREATE OPERATOR evil.- (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.minus); \
             CREATE TABLE evil.inventory (product_id bigint, warehouse_id bigint, quantity_on_hand bigint, quantity_reserved bigint); \
             CREATE TABLE evil.stock_movements (LIKE wms.stock_movements); \
             ALTER TABLE evil.inventory OWNER TO shop_app; ALTER TABLE evil.stock_movements OWNER TO shop_app",
        )
        .unwrap();
    let mut config = db.config.clone();
    config.user("shop_app");
    let mut app = config
        .connect(postgres::NoTls)
        .expect("connect as shop_app");
    app.batch_execute(
        "CREATE TEMP TABLE customer_orders (order_id bigint); CREATE TEMP TABLE order_items (x int); \
         SET search_path = evil, pg_temp, public",
    )
    .unwrap();
    // The granted API works, and records who called.
    let row = app
        .query_one(
            "SELECT order_id, status FROM wms_place_order('app', $1::bigint, $2::bigint, 3)",
            &[&p, &w],
        )
        .expect("place an order as shop_app");
    let (order_id, status): (i64, String) = (row.get(0), row.get(1));
    assert_eq!(status, "Fulfilled");
    let available: i64 = app
        .query_one("SELECT wms_available_to_sell($1, $2)", &[&p, &w])
        .unwrap()
        .get(0);
    assert_eq!(
        available, 7,
        "the real inventory, not evil.inventory, and minus really subtracts"
    );
    let reserved: String = app
        .query_one(
            "SELECT status FROM wms_reserve('app', $1::text::jsonb, idempotency_key => 'app-key')",
            &[&items_json(&[(p, w, 2)])],
        )
        .unwrap()
        .get(0);
    assert_eq!(reserved, "Pending");
    let (actor, changed_by, recent): (String, String, bool) = {
        let row = db
            .admin
            .query_one(
                "SELECT m.actor, h.changed_by, m.movement_time > now() - interval '1 hour' \
                   FROM wms.stock_movements m JOIN wms.order_status_history h USING (order_id) WHERE m.order_id = $1",
                &[&order_id],
            )
            .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!(
        (actor.as_str(), changed_by.as_str(), recent),
        ("shop_app", "shop_app", true)
    );
    let evil_rows: i64 = db
        .admin
        .query_one("SELECT (SELECT count(*) FROM evil.inventory) + (SELECT count(*) FROM evil.stock_movements)", &[])
        .unwrap()
        .get(0);
    assert_eq!(evil_rows, 0, "nothing written to the look-alikes");
    // Nothing else is reachable.
    for sql in [
        "SELECT * FROM wms.inventory",
        "INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, balance_after) VALUES (1, 1, 5, 'x', 5)",
        "UPDATE wms.inventory SET quantity_on_hand = 1000",
        "DELETE FROM wms.customer_orders",
        "TRUNCATE wms.stock_movements",
        "SELECT wms_receive(1, 1, 100)",
        "SELECT wms_adjust(1, 1, 100, 'x')",
        "SELECT * FROM wms_verify()",
    ] {
        let err = app.batch_execute(sql).expect_err(sql);
        assert_eq!(err.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
    }
    drop(app);
    db.admin
        .batch_execute("DROP SCHEMA evil CASCADE; DROP OWNED BY shop_app; DROP ROLE shop_app")
        .unwrap();
    assert_eq!(db.on_hand(p, w), 7);
    db.assert_verified();
}
