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
    // Scoped: stock in this warehouse only, under the same path.
    let elsewhere = db.warehouse("app-elsewhere");
    db.admin
        .execute("SELECT wms_grant('shop_app', 'stock', $1)", &[&w])
        .unwrap();
    app.execute("SELECT wms_receive($1, $2, 1)", &[&p, &w])
        .expect("stock in the granted warehouse");
    for (sql, to) in [
        ("SELECT wms_receive($1, $2, 1)", elsewhere),
        ("SELECT * FROM wms_transfer($1, $2, $3, 1)", elsewhere),
    ] {
        let err = if sql.contains("transfer") {
            app.query(sql, &[&p, &w, &to]).expect_err(sql)
        } else {
            app.query(sql, &[&p, &to]).expect_err(sql)
        };
        assert_eq!(
            err.code(),
            Some(&SqlState::INSUFFICIENT_PRIVILEGE),
            "{sql}: {err}"
        );
    }
    db.admin
        .execute("SELECT wms_revoke('shop_app', 'stock', $1)", &[&w])
        .unwrap();
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
    assert_eq!(db.on_hand(p, w), 8);
    db.assert_verified();
}

/// The seed's three roles at work at once: the managers of two stores
/// (stock, sell and report in their store) and a viewer (report
/// everywhere), each on several backends. Each manager's calls in its own
/// store go through; every call that touches the other store, and every
/// write of the viewer, is refused with 42501 and writes nothing; every
/// read shows each role its own warehouses only. A revocation reaches the
/// backends that are already connected, at their next call.
pub fn store_managers_and_viewer(db: &mut Db) {
    use std::sync::{Arc, Barrier};
    use std::thread;

    const BACKENDS: usize = 6;
    const ROUNDS: i64 = 20;
    let p = db.product("scoped");
    let stores = [db.warehouse("scoped-1"), db.warehouse("scoped-2")];
    for s in stores {
        db.receive(p, s, 500);
    }
    let roles = ["scoped_manager_1", "scoped_manager_2", "scoped_viewer"];
    for role in roles {
        db.admin
            .batch_execute(&format!("CREATE ROLE {role} LOGIN"))
            .unwrap();
    }
    for (i, store) in stores.iter().enumerate() {
        for capability in ["stock", "sell", "report"] {
            db.admin
                .execute(
                    "SELECT wms_grant($1::text::regrole, $2, $3)",
                    &[&roles[i], &capability, store],
                )
                .unwrap();
        }
    }
    db.admin
        .execute("SELECT wms_grant('scoped_viewer', 'report')", &[])
        .unwrap();
    let ledger_before: i64 = db
        .admin
        .query_one("SELECT count(*) FROM wms.stock_movements", &[])
        .unwrap()
        .get(0);
    let connect_as = |role: &str| {
        let mut config = db.config.clone();
        config.user(role);
        config.connect(postgres::NoTls).expect("connect as a role")
    };
    let refused =
        |c: &mut postgres::Client, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]| {
            let err = c.query(sql, params).expect_err(sql);
            assert_eq!(
                err.code(),
                Some(&SqlState::INSUFFICIENT_PRIVILEGE),
                "{sql}: {err}"
            );
        };
    let barrier = Arc::new(Barrier::new(3 * BACKENDS));
    let mut workers = Vec::new();
    for (r, role) in roles.iter().enumerate() {
        for _ in 0..BACKENDS {
            let mut c = connect_as(role);
            let barrier = barrier.clone();
            workers.push(thread::spawn(move || {
                barrier.wait();
                let mut placed = 0i64;
                for round in 0..ROUNDS {
                    let seen: Vec<i64> = c
                        .query("SELECT warehouse_id FROM wms_stock_by_warehouse()", &[])
                        .unwrap()
                        .iter()
                        .map(|row| row.get(0))
                        .filter(|w| stores.contains(w))
                        .collect();
                    let in_trail: Vec<i64> = c
                        .query(
                            "SELECT DISTINCT warehouse_id FROM wms_movements(now() - interval '1 hour', 'infinity', product_id => $1, page_size => 10000)",
                            &[&p],
                        )
                        .unwrap()
                        .iter()
                        .map(|row| row.get(0))
                        .collect();
                    if r == 2 {
                        assert_eq!(seen, stores.to_vec(), "the viewer sees both stores");
                        refused(&mut c, "SELECT wms_receive($1, $2, 1)", &[&p, &stores[round as usize % 2]]);
                        refused(
                            &mut c,
                            "SELECT * FROM wms_place_order('viewer', $1::bigint, $2::bigint, 1)",
                            &[&p, &stores[0]],
                        );
                        continue;
                    }
                    let (mine, other) = (stores[r], stores[1 - r]);
                    assert_eq!(seen, vec![mine], "a manager sees its store only");
                    assert!(in_trail.iter().all(|w| *w == mine), "{in_trail:?}");
                    let status: String = c
                        .query_one(
                            "SELECT status FROM wms_place_order('shop', $1::bigint, $2::bigint, 1)",
                            &[&p, &mine],
                        )
                        .unwrap()
                        .get(0);
                    assert_eq!(status, "Fulfilled");
                    placed += 1;
                    if round % 4 == 0 {
                        c.execute("SELECT wms_receive($1, $2, 1)", &[&p, &mine]).unwrap();
                        placed -= 1;
                    }
                    refused(
                        &mut c,
                        "SELECT * FROM wms_place_order('shop', $1::bigint, $2::bigint, 1)",
                        &[&p, &other],
                    );
                    refused(&mut c, "SELECT * FROM wms_transfer($1, $2, $3, 1)", &[&p, &mine, &other]);
                    refused(&mut c, "SELECT wms_receive($1, $2, 1)", &[&p, &other]);
                    refused(&mut c, "SELECT wms_available_to_sell($1, $2)", &[&p, &other]);
                }
                (r, placed, c)
            }));
        }
    }
    let mut clients = Vec::new();
    let mut taken = [0i64; 2];
    for worker in workers {
        let (r, placed, c) = worker.join().expect("a worker failed");
        if r < 2 {
            taken[r] += placed;
        }
        clients.push((r, c));
    }
    for (i, store) in stores.iter().enumerate() {
        assert_eq!(db.on_hand(p, *store), 500 - taken[i], "store {}", i + 1);
    }
    let (foreign, after): (i64, i64) = {
        let row = db
            .admin
            .query_one(
                "SELECT count(*) FILTER (WHERE (warehouse_id = $1 AND actor = 'scoped_manager_2') \
                                         OR (warehouse_id = $2 AND actor = 'scoped_manager_1') \
                                         OR actor = 'scoped_viewer'), count(*) \
                   FROM wms.stock_movements",
                &[&stores[0], &stores[1]],
            )
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(foreign, 0, "no role wrote where it may not");
    assert_eq!(
        after - ledger_before,
        2 * (BACKENDS as i64) * (ROUNDS + ROUNDS / 4),
        "one ledger row per order and receipt"
    );
    // A grant and a revocation reach the backends already connected, at
    // their next call (EXECUTE on wms_receive stays: stock in store 1 needs
    // it, so only the capability decides).
    let into_store_2 = |clients: &mut Vec<(usize, postgres::Client)>| -> Vec<bool> {
        clients
            .iter_mut()
            .filter(|(r, _)| *r == 0)
            .map(|(_, c)| {
                c.execute("SELECT wms_receive($1, $2, 1)", &[&p, &stores[1]])
                    .is_ok()
            })
            .collect()
    };
    db.admin
        .execute(
            "SELECT wms_grant('scoped_manager_1', 'stock', $1)",
            &[&stores[1]],
        )
        .unwrap();
    assert_eq!(into_store_2(&mut clients), vec![true; BACKENDS], "granted");
    db.admin
        .execute(
            "SELECT wms_revoke('scoped_manager_1', 'stock', $1)",
            &[&stores[1]],
        )
        .unwrap();
    assert_eq!(into_store_2(&mut clients), vec![false; BACKENDS], "revoked");
    assert_eq!(db.on_hand(p, stores[1]), 500 - taken[1] + BACKENDS as i64);
    drop(clients);
    for role in roles {
        db.admin
            .batch_execute(&format!(
                "SELECT wms_revoke('{role}', c, w) FROM (SELECT capability, warehouse_id FROM wms.grants \
                  WHERE role = '{role}'::regrole) g(c, w); DROP OWNED BY {role}; DROP ROLE {role}"
            ))
            .unwrap();
    }
    println!(
        "    {} backends per role, {ROUNDS} rounds: {} + {} units sold, every foreign call refused",
        BACKENDS, taken[0], taken[1]
    );
    db.assert_verified();
}
