//! Scenarios of an attacker and of a busy server: look-alike functions in
//! a schema the attacker can write, the expiry worker next to a held row,
//! SQL advisory locks on a key, deadlocks across transactions, the lock
//! timeout's default, notifications switched off, errors and backtraces.

use std::thread;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use crate::support::{items_json, lock_timeout_after};
use crate::Db;

/// `objsubid` of the extension's idempotency-key and queue locks in pg_locks.
const KEY_LOCK_CLASS: i32 = 0x4b59;
const QUEUE_LOCK_CLASS: i32 = 0x574d;

fn connect(db: &Db) -> Client {
    db.config.connect(NoTls).expect("connect")
}

fn status(db: &mut Db, order_id: i64) -> String {
    db.admin
        .query_one(
            "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
            &[&order_id],
        )
        .expect("read order status")
        .get(0)
}

/// Poll `done` every 50 ms for at most `limit`; how long it took, if it did.
fn within(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done() {
            return Some(started.elapsed());
        }
        thread::sleep(Duration::from_millis(50));
    }
    done().then(|| started.elapsed())
}

/// A session in an idle transaction that holds an item's inventory row,
/// as a writer outside wms would.
fn hold_row(db: &Db, (p, w): (i64, i64)) -> Client {
    let mut holder = connect(db);
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM wms.inventory WHERE product_id = {p} AND warehouse_id = {w} FOR UPDATE"
        ))
        .unwrap();
    holder
}

fn set_expiry_interval(db: &mut Db, interval: &str) {
    db.admin
        .batch_execute(&format!(
            "ALTER SYSTEM SET wms.expiry_interval = '{interval}'"
        ))
        .unwrap();
    db.admin.batch_execute("SELECT pg_reload_conf()").unwrap();
}

fn worker_pid(db: &mut Db) -> Option<i32> {
    db.admin
        .query_opt(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'wms expiry worker' \
               AND datname = current_database()",
            &[],
        )
        .unwrap()
        .map(|r| r.get(0))
}

fn reserve(client: &mut Client, customer: &str, lines: &[(i64, i64, i64)], ttl: &str) -> i64 {
    client
        .query_one(
            "SELECT order_id FROM wms_reserve($1, $2::text::jsonb, $3::text::interval)",
            &[&customer, &items_json(lines), &ttl],
        )
        .expect("reserve")
        .get(0)
}

/// A role that may create objects in `public` defines single-argument
/// look-alikes of the functions the extension's statements call, each of
/// which records who ran it and tries to make its author a superuser.
/// Then the expiry worker (terminated first: the postmaster must start it
/// again), the sweep called by hand and every API function run, under
/// search_paths that put `public` first: nothing is recorded, and the role
/// stays what it was.
pub fn lookalike_functions(db: &mut Db) {
    // A terminated worker exits with a non-zero code and is started again;
    // the new one prepares its statements after the look-alikes exist.
    let mut old = None;
    within(Duration::from_secs(30), || {
        old = worker_pid(db);
        old.is_some()
    });
    let old = old.expect("an expiry worker runs in the test database");
    db.admin
        .execute("SELECT pg_terminate_backend($1)", &[&old])
        .unwrap();
    // The worker's user: a schema of that name comes first in the default
    // search_path ("$user", public).
    let bootstrap: String = db
        .admin
        .query_one("SELECT rolname::text FROM pg_roles WHERE oid = 10", &[])
        .unwrap()
        .get(0);
    db.admin
        .batch_execute(
            "CREATE ROLE intruder LOGIN; GRANT CREATE ON SCHEMA public TO intruder; \
             GRANT CREATE ON DATABASE pgrx_tests TO intruder; \
             GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO intruder; \
             SELECT wms_grant('intruder', 'admin')",
        )
        .unwrap();
    let mut config = db.config.clone();
    config.user("intruder");
    let mut intruder = config.connect(NoTls).expect("connect as intruder");
    let mut ddl = String::from(
        "CREATE TABLE public.captured (who text, what text); \
         GRANT INSERT ON public.captured TO PUBLIC; \
         CREATE FUNCTION public.intrude(what text) RETURNS void LANGUAGE plpgsql AS $$ \
         BEGIN \
             INSERT INTO public.captured VALUES (current_user, what); \
             BEGIN EXECUTE 'ALTER ROLE intruder SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END; \
         END $$; \
         CREATE FUNCTION public.jsonb_build_object(VARIADIC a text[]) RETURNS jsonb LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM public.intrude('jsonb_build_object'); RETURN pg_catalog.jsonb_build_object(VARIADIC a); END $$; \
         CREATE FUNCTION public.to_jsonb(a text) RETURNS jsonb LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM public.intrude('to_jsonb'); RETURN pg_catalog.to_jsonb(a); END $$; \
         CREATE FUNCTION public.generate_series(a date, b date, s interval) RETURNS SETOF timestamptz \
         LANGUAGE plpgsql AS $$ BEGIN PERFORM public.intrude('generate_series'); \
         RETURN QUERY SELECT pg_catalog.generate_series(a::timestamptz, b::timestamptz, s); END $$;",
    );
    for t in ["text", "bigint", "integer", "jsonb", "timestamptz"] {
        ddl.push_str(&format!(
            "CREATE FUNCTION public.unnest(a {t}[]) RETURNS SETOF {t} LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM public.intrude('unnest({t}[])'); RETURN QUERY SELECT pg_catalog.unnest(a); END $$;"
        ));
    }
    ddl.push_str(&format!(
        "CREATE SCHEMA \"{bootstrap}\"; \
         CREATE FUNCTION \"{bootstrap}\".unnest(a text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$ \
         BEGIN PERFORM public.intrude('{bootstrap}.unnest(text[])'); RETURN QUERY SELECT pg_catalog.unnest(a); END $$; \
         GRANT USAGE ON SCHEMA \"{bootstrap}\" TO PUBLIC;"
    ));
    intruder
        .batch_execute(&ddl)
        .expect("define the look-alikes");
    let captured = |db: &mut Db| -> Vec<String> {
        db.admin
            .query("SELECT who || ' ran ' || what FROM public.captured", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    // The look-alikes work: called by name, they record.
    intruder
        .batch_execute("SELECT count(*) FROM unnest(ARRAY['x']::text[])")
        .unwrap();
    assert_eq!(captured(db), vec!["intruder ran unnest(text[])"]);
    db.admin.batch_execute("TRUNCATE public.captured").unwrap();

    let restarted = within(Duration::from_secs(30), || {
        worker_pid(db).is_some_and(|pid| pid != old)
    });
    println!("    terminated worker started again after {restarted:?}");
    assert!(
        restarted.is_some(),
        "the terminated worker was not started again"
    );

    // The worker sweeps an expired reservation.
    let (p, w) = db.item("lookalike", 20);
    set_expiry_interval(db, "200ms");
    let swept = reserve(&mut db.admin, "lookalike", &[(p, w, 2)], "300 milliseconds");
    let cancelled = within(Duration::from_secs(30), || status(db, swept) == "Cancelled");
    set_expiry_interval(db, "1h");
    assert!(cancelled.is_some(), "the worker did not sweep");

    // The sweep by hand and every API function, as a superuser and as the
    // intruder, with public first in the path.
    thread::sleep(Duration::from_millis(500));
    let w2 = db.warehouse("lookalike-2");
    for (as_intruder, path) in [
        (false, "\"$user\", public"),
        (false, "public"),
        (false, "public, pg_catalog"),
        (true, "\"$user\", public"),
    ] {
        let client = if as_intruder {
            &mut intruder
        } else {
            &mut db.admin
        };
        client
            .batch_execute(&format!("SET search_path = {path}"))
            .unwrap();
        let expiring = reserve(client, "by-hand", &[(p, w, 1)], "1 millisecond");
        thread::sleep(Duration::from_millis(20));
        let n: i32 = client
            .query_one("SELECT wms_expire_reservations()", &[])
            .unwrap()
            .get(0);
        assert!(n >= 1, "the sweep by hand cancelled {n}");
        let _ = expiring;
        let items = items_json(&[(p, w, 1)]);
        let held = reserve(client, "api", &[(p, w, 1)], "1 hour");
        let cancel = reserve(client, "api", &[(p, w, 1)], "1 hour");
        for sql in [
            "SELECT wms_add_product('lookalike-' || pg_backend_pid() || '-' || now()::text, 'x')",
            "SELECT wms_add_warehouse('lookalike-' || pg_backend_pid() || '-' || now()::text, 'x')",
        ] {
            client.batch_execute(sql).unwrap();
        }
        client
            .execute(
                "SELECT wms_receive($1, $2, 5, 'Purchase Order', 'ref')",
                &[&p, &w],
            )
            .unwrap();
        client
            .execute(
                "SELECT * FROM wms_place_order('api', $1::bigint, $2::bigint, 1, 'k-' || $3)",
                &[&p, &w, &path],
            )
            .unwrap();
        client
            .execute(
                "SELECT * FROM wms_place_order('api', $1::text::jsonb)",
                &[&items],
            )
            .unwrap();
        client
            .execute("SELECT * FROM wms_fulfill_order($1)", &[&held])
            .unwrap();
        client
            .execute("SELECT * FROM wms_cancel_order($1, 'no')", &[&cancel])
            .unwrap();
        client
            .execute("SELECT wms_adjust($1, $2, 15, 'count')", &[&p, &w])
            .unwrap();
        client
            .execute("SELECT * FROM wms_transfer($1, $2, $3, 1)", &[&p, &w, &w2])
            .unwrap();
        client
            .execute("SELECT wms_set_reorder_policy($1, $2, 5, 2)", &[&p, &w])
            .unwrap();
        for sql in [
            "SELECT wms_available_to_sell($1), $2::bigint",
            "SELECT wms_available_to_sell($1, $2)",
            "SELECT wms_stock_as_of($1, $2, now())",
            "SELECT * FROM wms_sales_rolling_average($1, 7, $2)",
            "SELECT * FROM wms_reorder_hints($1, $2)",
            "SELECT * FROM wms_inventory($1, $2)",
            "SELECT wms_grant('intruder', 'sell', $2), $1::bigint",
            "SELECT wms_revoke('intruder', 'sell', $2), $1::bigint",
        ] {
            client.execute(sql, &[&p, &w]).unwrap();
        }
        for sql in [
            "SELECT * FROM wms_stock_by_warehouse()",
            "SELECT * FROM wms_movements('-infinity', 'infinity', page_size => 5)",
            "SELECT * FROM wms_movement_summary('-infinity', 'infinity')",
            "SELECT * FROM wms_orders('-infinity', 'infinity', page_size => 5)",
            "SELECT * FROM wms_verify()",
            "SELECT * FROM wms_products('look', page_size => 5)",
            "SELECT * FROM wms_audit('-infinity', 'infinity', page_size => 5)",
        ] {
            client.batch_execute(sql).unwrap();
        }
        client.batch_execute("RESET search_path").unwrap();
    }
    let recorded = captured(db);
    let superuser: bool = db
        .admin
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = 'intruder'",
            &[],
        )
        .unwrap()
        .get(0);
    drop(intruder);
    db.admin
        .batch_execute(&format!("DROP SCHEMA \"{bootstrap}\" CASCADE"))
        .unwrap();
    db.admin
        .batch_execute(
            "DROP FUNCTION public.intrude(text), public.jsonb_build_object(VARIADIC text[]), \
                 public.to_jsonb(text), public.generate_series(date, date, interval), \
                 public.unnest(text[]), public.unnest(bigint[]), public.unnest(integer[]), \
                 public.unnest(jsonb[]), public.unnest(timestamptz[]); \
             DROP TABLE public.captured; \
             REVOKE ALL ON SCHEMA public FROM intruder; \
             REVOKE ALL ON DATABASE pgrx_tests FROM intruder; \
             REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM intruder; \
             SELECT wms_revoke('intruder', 'admin'); \
             DROP ROLE intruder",
        )
        .unwrap();
    assert_eq!(recorded, Vec::<String>::new(), "look-alikes ran");
    assert!(!superuser, "the intruder became a superuser");
    db.assert_verified();
}

/// An idle transaction holds one item's inventory row. Expired
/// reservations on it and on a free item: the worker sweeps the free
/// one within two intervals and its buyers are served at once; the held
/// one is swept once the row is free.
pub fn worker_skips_busy_items(db: &mut Db) {
    const INTERVAL: Duration = Duration::from_millis(500);
    let (hp, hw) = db.item("held", 10);
    let (fp, fw) = db.item("free", 10);
    // Both in one order too: it is busy as long as one of its items is.
    let held = reserve(&mut db.admin, "held", &[(hp, hw, 3)], "1 second");
    let both = reserve(
        &mut db.admin,
        "both",
        &[(hp, hw, 1), (fp, fw, 1)],
        "1 second",
    );
    let free = reserve(&mut db.admin, "free", &[(fp, fw, 3)], "1 second");
    let mut holder = hold_row(db, (hp, hw));
    set_expiry_interval(db, "500ms");
    thread::sleep(Duration::from_millis(1100));
    let swept = within(2 * INTERVAL + Duration::from_secs(1), || {
        status(db, free) == "Cancelled"
    });
    println!("    the free item's reservation was swept {swept:?} after it expired");
    let mut buyer = connect(db);
    buyer.batch_execute("SET wms.lock_timeout = '1s'").unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        let status: String = buyer
            .query_one(
                "SELECT status FROM wms_place_order('free-buyer', $1::bigint, $2::bigint, 2)",
                &[&fp, &fw],
            )
            .expect("a buyer of the free item is served")
            .get(0);
        assert_eq!(status, "Fulfilled");
    }
    let served = started.elapsed();
    let (held_status, both_status) = (status(db, held), status(db, both));
    holder.batch_execute("ROLLBACK").unwrap();
    let later = within(2 * INTERVAL + Duration::from_secs(1), || {
        status(db, held) == "Cancelled" && status(db, both) == "Cancelled"
    });
    set_expiry_interval(db, "1h");
    println!("    its buyers served in {served:?}; the held item's swept {later:?} after the row was free");
    assert!(swept.is_some(), "the free item's reservation was not swept");
    assert!(served < Duration::from_secs(1), "buyers waited {served:?}");
    assert_eq!(
        (held_status.as_str(), both_status.as_str()),
        ("Pending", "Pending"),
        "orders on the held row wait for the next sweep"
    );
    assert!(
        later.is_some(),
        "the held item's reservations were not swept"
    );
    assert_eq!((db.reserved(hp, hw), db.reserved(fp, fw)), (0, 0));
    db.assert_verified();
}

/// Every advisory lock SQL can take on a key (and on an item) blocks no
/// wms call: the extension's locks have tags SQL cannot make.
pub fn sql_advisory_locks_block_nothing(db: &mut Db) {
    let (p, w) = db.item("sqllock", 5);
    let key = format!("sql-key-{}", db.gate_key());
    let mut holder = connect(db);
    holder
        .execute(
            "SELECT pg_advisory_lock(5721427, hashtext($1)), pg_advisory_lock(hashtext($1)), \
                    pg_advisory_lock(hashtextextended($1, 0)), pg_advisory_lock(hashtext($1), hashtext($1)), \
                    pg_advisory_lock($2::bigint::int, $3::bigint::int), \
                    pg_advisory_lock(($2::bigint << 32) | $3::bigint)",
            &[&key, &p, &w],
        )
        .unwrap();
    let mut buyer = connect(db);
    buyer.batch_execute("SET wms.lock_timeout = '1s'").unwrap();
    let mut tx = buyer.transaction().unwrap();
    let started = Instant::now();
    let status: String = tx
        .query_one(
            "SELECT status FROM wms_place_order('sql', $1::bigint, $2::bigint, 1, $3)",
            &[&p, &w, &key],
        )
        .expect("not blocked by SQL advisory locks")
        .get(0);
    let waited = started.elapsed();
    let classes: Vec<i32> = tx
        .query(
            "SELECT objsubid::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() \
              ORDER BY objsubid",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    tx.commit().unwrap();
    holder
        .batch_execute("SELECT pg_advisory_unlock_all()")
        .unwrap();
    assert_eq!(status, "Fulfilled");
    assert!(waited < Duration::from_millis(900), "waited {waited:?}");
    assert_eq!(classes, vec![KEY_LOCK_CLASS, QUEUE_LOCK_CLASS]);
    db.assert_verified();
}

/// Without any setting a wms call waits at most 5 s for a row held outside
/// wms; a role's and a transaction's setting change that.
pub fn default_lock_timeout(db: &mut Db) {
    let (p, w) = db.item("default-timeout", 5);
    let mut holder = hold_row(db, (p, w));
    let mut buyer = connect(db);
    let shown: String = buyer
        .query_one("SHOW wms.lock_timeout", &[])
        .unwrap()
        .get(0);
    assert_eq!(shown, "5s");
    let order = "SELECT * FROM wms_place_order('patient', $1::bigint, $2::bigint)";
    let waited = lock_timeout_after(&mut buyer, order, &[&p, &w]);
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(8),
        "waited {waited:?}"
    );
    // Per transaction.
    let mut tx = buyer.transaction().unwrap();
    tx.batch_execute("SET LOCAL wms.lock_timeout = '300ms'")
        .unwrap();
    let short = lock_timeout_after(&mut tx, order, &[&p, &w]);
    tx.rollback().unwrap();
    assert!(short < Duration::from_secs(2), "waited {short:?}");
    // A SKU another transaction is inserting is waited for as long, too.
    let sku = format!("pending-sku-{}", db.gate_key());
    let mut adder = connect(db);
    adder
        .batch_execute(&format!("BEGIN; SELECT wms_add_product('{sku}', 'first')"))
        .unwrap();
    let mut tx = buyer.transaction().unwrap();
    tx.batch_execute("SET LOCAL wms.lock_timeout = '300ms'")
        .unwrap();
    let catalogue = lock_timeout_after(&mut tx, "SELECT wms_add_product($1, 'second')", &[&sku]);
    tx.rollback().unwrap();
    adder.batch_execute("ROLLBACK").unwrap();
    assert!(catalogue < Duration::from_secs(2), "waited {catalogue:?}");
    // Per role.
    db.admin
        .batch_execute("CREATE ROLE hurried LOGIN; ALTER ROLE hurried SET wms.lock_timeout = '1s'")
        .unwrap();
    let mut config = db.config.clone();
    config.user("hurried");
    let mut hurried = config.connect(NoTls).expect("connect as hurried");
    let role_setting: String = hurried
        .query_one("SHOW wms.lock_timeout", &[])
        .unwrap()
        .get(0);
    drop(hurried);
    db.admin.batch_execute("DROP ROLE hurried").unwrap();
    holder.batch_execute("ROLLBACK").unwrap();
    println!("    default: 55P03 after {waited:?}; SET LOCAL 300ms: after {short:?}");
    assert_eq!(role_setting, "1s");
    assert_eq!(db.on_hand(p, w), 5, "a timed-out call writes nothing");
    db.assert_verified();
}

/// Two transactions of two wms calls each take two items in opposite
/// orders. The first to wait gives up after wms.lock_timeout (55P03, 5 s
/// by default); with no limit, PostgreSQL finds the deadlock after the 10 s
/// a queue wait goes before its deadlock check (40P01). Either way the
/// other transaction then goes through.
pub fn deadlock_between_transactions(db: &mut Db) {
    for (setting, expected, at_least, below) in [
        ("0", SqlState::T_R_DEADLOCK_DETECTED, 10, 14),
        ("5s", SqlState::LOCK_NOT_AVAILABLE, 5, 8),
    ] {
        let (x, w) = db.item("deadlock-x", 5);
        let y = db.product("deadlock-y");
        db.receive(y, w, 5);
        let order = "SELECT status FROM wms_place_order('deadlock', $1::bigint, $2::bigint)";
        let mut a = connect(db);
        let mut b = connect(db);
        for c in [&mut a, &mut b] {
            c.batch_execute(&format!("SET wms.lock_timeout = '{setting}'; BEGIN"))
                .unwrap();
        }
        a.query_one(order, &[&x, &w]).unwrap();
        b.query_one(order, &[&y, &w]).unwrap();
        let first = thread::spawn(move || {
            let started = Instant::now();
            let result = a.query_one(order, &[&y, &w]).map(|_| ());
            (result, started.elapsed(), a)
        });
        thread::sleep(Duration::from_millis(300));
        let second = b.query_one(order, &[&x, &w]);
        let (result, waited, mut a) = first.join().expect("first transaction");
        let err = result.expect_err("the first to wait gives up");
        a.batch_execute("ROLLBACK").unwrap();
        let second: String = second.expect("the other goes through").get(0);
        b.batch_execute("COMMIT").unwrap();
        println!(
            "    wms.lock_timeout = {setting}: {} after {waited:?}",
            err.code().map_or("?", |c| c.code())
        );
        assert_eq!(err.code(), Some(&expected), "{err}");
        assert_eq!(second, "Fulfilled");
        assert!(
            waited >= Duration::from_secs(at_least) && waited < Duration::from_secs(below),
            "waited {waited:?}"
        );
        assert_eq!((db.on_hand(x, w), db.on_hand(y, w)), (4, 4));
    }
    db.assert_verified();
}

/// With wms.notify off a committed change sends no notification; on (the
/// default), it sends one.
pub fn notify_off(db: &mut Db) {
    use postgres::fallible_iterator::FallibleIterator;
    let (p, w) = db.item("notify-off", 10);
    let mut listener = connect(db);
    listener.batch_execute("LISTEN wms_stock").unwrap();
    let mut seller = connect(db);
    let order = "SELECT * FROM wms_place_order('quiet', $1::bigint, $2::bigint)";
    seller.batch_execute("SET wms.notify = off").unwrap();
    seller.execute(order, &[&p, &w]).unwrap();
    seller
        .execute("SELECT wms_receive($1, $2, 2)", &[&p, &w])
        .unwrap();
    seller.batch_execute("RESET wms.notify").unwrap();
    let shown: String = seller.query_one("SHOW wms.notify", &[]).unwrap().get(0);
    seller.execute(order, &[&p, &w]).unwrap();
    // Two seconds of notifications, whatever else the server announces.
    let mut ours = Vec::new();
    let mut notifications = listener.notifications();
    let mut iter = notifications.timeout_iter(Duration::from_millis(500));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        if let Some(n) = iter.next().expect("read notifications") {
            let payload: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
            if payload["product_id"] == p {
                ours.push(payload["on_hand"].as_i64());
            }
        }
    }
    assert_eq!(shown, "on");
    assert_eq!(
        ours,
        vec![Some(10)],
        "only the change made with wms.notify on"
    );
    db.assert_verified();
}

/// The server runs with RUST_BACKTRACE=1 in its environment (main.rs sets
/// it before starting the cluster); errors that pass through Rust still
/// carry no backtrace: neither PostgreSQL's own (a lock timeout inside a
/// call) nor a Rust panic's (XX000).
pub fn no_backtraces(db: &mut Db) {
    // The postmaster's environment (a backend writes its process title
    // over its own copy).
    let pid: i32 = db
        .admin
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("backend status");
    let postmaster = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))
        .map(str::trim)
        .expect("a parent process");
    let environ = std::fs::read(format!("/proc/{postmaster}/environ"))
        .expect("read the server's environment");
    assert!(
        environ.split(|b| *b == 0).any(|v| v == b"RUST_BACKTRACE=1"),
        "the server was started without RUST_BACKTRACE=1: {}",
        String::from_utf8_lossy(&environ).replace('\0', " ")
    );
    let (p, w) = db.item("backtrace", 5);
    let mut holder = hold_row(db, (p, w));
    let mut buyer = connect(db);
    buyer.batch_execute("SET wms.lock_timeout = 100").unwrap();
    let timeout = buyer
        .query_one(
            "SELECT * FROM wms_place_order('bt', $1::bigint, $2::bigint)",
            &[&p, &w],
        )
        .expect_err("the row is held");
    holder.batch_execute("ROLLBACK").unwrap();
    let panic = buyer
        .batch_execute("SELECT tests.wms_test_panic()")
        .expect_err("a panic is an error");
    for (err, code) in [
        (&timeout, SqlState::LOCK_NOT_AVAILABLE),
        (&panic, SqlState::INTERNAL_ERROR),
    ] {
        let db_err = err.as_db_error().expect("a server error");
        assert_eq!(db_err.code(), &code, "{err}");
        assert_eq!(db_err.detail(), None, "{err}: DETAIL carries a backtrace");
    }
    db.assert_verified();
}
