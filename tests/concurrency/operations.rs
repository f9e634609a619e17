//! Operations: pg_dump and restore of a database while orders run.

use std::process::{Command, Stdio};
use std::sync::Arc;

use postgres::Client;

use crate::Db;

/// pg_dump (custom and plain) of the database while orders are being
/// placed, restored into fresh databases: every row of the quiet tables
/// kept (a DBA's status and moves, an order in that status and a return
/// among them), `wms_verify()` empty, sequences past their maximum, new
/// orders work.
pub fn dump_and_restore_while_orders_run(db: &mut Db) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (p, w) = db.item("dump", 1_000_000);
    // A status and moves of the DBA's, an order in it, and a return.
    db.admin
        .batch_execute(&format!(
            "INSERT INTO wms.order_statuses VALUES ('Dump hold', 'hold', false) ON CONFLICT DO NOTHING; \
             INSERT INTO wms.order_transitions (from_status, to_status) \
             VALUES ('Confirmed', 'Dump hold'), ('Dump hold', 'Processing') ON CONFLICT DO NOTHING; \
             SELECT wms_set_order_status(order_id, 'Confirmed'), wms_set_order_status(order_id, 'Dump hold') \
               FROM wms_reserve('dump-quiet', '[{{\"product_id\": {p}, \"warehouse_id\": {w}, \"quantity\": 2}}]'); \
             SELECT wms_return_order(order_id, '[{{\"product_id\": {p}, \"warehouse_id\": {w}, \"quantity\": 1}}]') \
               FROM wms_place_order('dump-quiet', {p}, {w}, 3);"
        ))
        .expect("a status of the DBA's, an order in it, and a return");
    let stop = Arc::new(AtomicBool::new(false));
    let buyer = {
        let (config, stop) = (db.config.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut client = config.connect(postgres::NoTls).expect("buyer");
            let mut placed = 0;
            while !stop.load(Ordering::Relaxed) {
                client
                    .query_one(
                        "SELECT * FROM wms_place_order('dump', $1::bigint, $2::bigint)",
                        &[&p, &w],
                    )
                    .expect("order during the dump");
                placed += 1;
            }
            placed
        })
    };
    let bindir: String = db
        .admin
        .query_one("SELECT setting FROM pg_config WHERE name = 'BINDIR'", &[])
        .unwrap()
        .get(0);
    let (host, port, user, source) = {
        let row = db
            .admin
            .query_one(
                "SELECT 'localhost', current_setting('port'), current_user::text, current_database()::text",
                &[],
            )
            .unwrap();
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(3),
        )
    };
    let quiet_counts = |client: &mut Client| -> Vec<i64> {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM wms.products), (SELECT count(*) FROM wms.warehouses), \
                        (SELECT count(*) FROM wms.order_transitions), \
                        (SELECT count(*) FROM wms.inventory WHERE product_id <> $1), \
                        (SELECT count(*) FROM wms.customer_orders WHERE customer_name <> 'dump'), \
                        (SELECT count(*) FROM wms.stock_movements WHERE product_id <> $1), \
                        (SELECT count(*) FROM wms.order_status_history h JOIN wms.customer_orders o USING (order_id) \
                          WHERE o.customer_name <> 'dump'), \
                        (SELECT count(*) FROM wms.order_statuses WHERE status = 'Dump hold'), \
                        (SELECT count(*) FROM wms.order_transitions WHERE 'Dump hold' IN (from_status, to_status)), \
                        (SELECT count(*) FROM wms.customer_orders WHERE order_status = 'Dump hold'), \
                        (SELECT count(*) FROM wms.order_returns)",
                &[&p],
            )
            .expect("count rows");
        (0..11).map(|i| row.get(i)).collect()
    };
    let source_counts = quiet_counts(&mut db.admin);
    assert_eq!(
        source_counts[7..10],
        [1, 2, 1],
        "the DBA's status, its moves and its order"
    );
    db.admin
        .batch_execute("CREATE ROLE dump_app; SELECT wms_grant('dump_app', 'sell')")
        .unwrap();
    let dir = std::env::temp_dir().join(format!("wms-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in ["custom", "plain"] {
        let file = dir.join(format!("wms.{format}"));
        let target = format!("wms_restored_{format}");
        let conn = ["-h", &host, "-p", &port, "-U", &user];
        let status = Command::new(format!("{bindir}/pg_dump"))
            .args(conn)
            .args(["-d", &source, "-F", &format[..1], "-f"])
            .arg(&file)
            .status()
            .expect("run pg_dump");
        assert!(status.success(), "pg_dump {format} failed");
        db.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {target}"))
            .unwrap();
        db.admin
            .batch_execute(&format!("CREATE DATABASE {target}"))
            .unwrap();
        let status = if format == "custom" {
            Command::new(format!("{bindir}/pg_restore"))
                .args(conn)
                .args(["--exit-on-error", "-d", &target])
                .arg(&file)
                .status()
        } else {
            Command::new(format!("{bindir}/psql"))
                .args(conn)
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &target, "-f"])
                .arg(&file)
                .stdout(Stdio::null())
                .status()
        }
        .expect("run the restore");
        assert!(status.success(), "restore of the {format} dump failed");

        let mut config = db.config.clone();
        config.dbname(&target);
        let mut restored = config
            .connect(postgres::NoTls)
            .expect("connect to the restored database");
        assert_eq!(
            quiet_counts(&mut restored),
            source_counts,
            "{format}: rows lost or added"
        );
        let violations: i64 = restored
            .query_one("SELECT count(*) FROM wms_verify()", &[])
            .unwrap()
            .get(0);
        assert_eq!(violations, 0, "{format}: wms_verify() after restore");
        let grants: (bool, bool) = {
            let row = restored
                .query_one(
                    "SELECT has_function_privilege('dump_app', 'wms_available_to_sell(bigint, bigint)', 'EXECUTE'), \
                            has_function_privilege('dump_app', 'wms_receive(bigint, bigint, bigint, text, text)', 'EXECUTE')",
                    &[],
                )
                .unwrap();
            (row.get(0), row.get(1))
        };
        assert_eq!(
            grants,
            (true, false),
            "{format}: the grant and PUBLIC's revoke survive"
        );
        let capabilities: i64 = restored
            .query_one(
                "SELECT count(*) FROM wms.grants WHERE role = 'dump_app'::regrole AND capability = 'sell' \
                   AND warehouse_id IS NULL",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(capabilities, 1, "{format}: the capability survives");
        let before: (i64, i64, i64) = {
            let row = restored
                .query_one(
                    "SELECT (SELECT max(order_id) FROM wms.customer_orders), (SELECT max(movement_id) FROM wms.stock_movements), \
                            (SELECT max(history_id) FROM wms.order_status_history)",
                    &[],
                )
                .unwrap();
            (row.get(0), row.get(1), row.get(2))
        };
        let row = restored
            .query_one(
                "SELECT order_id, status, (detail->'lines'->0->>'movement_id')::bigint FROM wms_place_order('after restore', $1::bigint, $2::bigint)",
                &[&p, &w],
            )
            .expect("a new order in the restored database");
        let (order_id, status, movement_id): (i64, String, i64) =
            (row.get(0), row.get(1), row.get(2));
        assert_eq!(status, "Fulfilled");
        assert!(
            order_id > before.0 && movement_id > before.1,
            "{format}: sequences continue past their maximum"
        );
        let history: i64 = restored
            .query_one("SELECT max(history_id) FROM wms.order_status_history", &[])
            .unwrap()
            .get(0);
        assert!(history > before.2);
        let violations: i64 = restored
            .query_one("SELECT count(*) FROM wms_verify()", &[])
            .unwrap()
            .get(0);
        assert_eq!(violations, 0);
        drop(restored);
        db.admin
            .batch_execute(&format!("DROP DATABASE {target}"))
            .unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let placed = buyer.join().expect("buyer thread");
    db.admin
        .batch_execute("DROP OWNED BY dump_app; DROP ROLE dump_app")
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    println!("    custom and plain dumps restored; {placed} orders placed during the dumps");
    assert!(placed > 0, "orders were running during the dumps");
    db.assert_verified();
}
