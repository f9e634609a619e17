//! wms: the concurrency-safe core of a warehouse inventory system.
//!
//! Tables, views and indexes are SQL under `sql/`; the functions that lock,
//! decide and write are here. Every change of stock passes through
//! `stock::lock_items` and `stock::apply`.

use pgrx::prelude::*;

::pgrx::pg_module_magic!(name, version);

mod access;
mod analytics;
mod audit;
mod availability;
mod catalogue;
mod errors;
mod expiry_worker;
mod guard;
mod gucs;
mod inbound;
mod jsonb;
mod lifecycle;
mod operations;
mod orders;
mod plans;
mod reorder;
mod reports;
mod returns;
mod stock;
mod submit;
#[cfg(any(test, feature = "pg_test"))]
mod testing;
mod verify;
mod vocabulary;

extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);

#[allow(non_snake_case)]
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    errors::no_backtraces();
    gucs::define();
    // SAFETY: a flag PostgreSQL sets while it preloads libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        expiry_worker::register_workers();
        submit::init();
    }
}
extension_sql_file!("../sql/views.sql", name = "views", requires = ["schema"]);
extension_sql_file!(
    "../sql/guard.sql",
    name = "guard",
    requires = [
        "schema",
        guard::updating_extension,
        guard::history_append_only
    ]
);
extension_sql_file!("../sql/api.sql", name = "api", finalize);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// A panic, for the scenario that checks errors carry no backtrace.
    #[pg_extern]
    fn wms_test_panic() {
        panic!("wms: a deliberate panic");
    }

    /// The extension's objects exist where docs/reference.md puts them; the
    /// multi-backend harness starts the test cluster through this test.
    #[pg_test]
    fn test_extension_installed() {
        let tables = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'wms' AND tablename IN \
             ('products','warehouses','inventory','order_statuses','customer_orders','order_items', \
              'order_transitions','stock_movements','order_status_history','order_returns','audit_log','grants')",
        );
        assert_eq!(tables, Ok(Some(12)));
        let functions = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = 'public' AND p.proname LIKE 'wms\\_%'",
        );
        // wms_place_order and wms_submit_order have two forms each.
        assert_eq!(functions, Ok(Some(35)));
        assert_eq!(
            Spi::get_one::<bool>("SELECT EXISTS (SELECT 1 FROM pg_views WHERE schemaname = 'wms' AND viewname = 'available_to_sell')"),
            Ok(Some(true))
        );
    }
    /// Every function, table, view and event trigger of the extension, and
    /// every setting, says what it is: \df+, \d+ and SHOW ALL are a
    /// reference in psql. (Schema `tests` holds the test-only functions.)
    #[pg_test]
    fn test_every_object_has_a_comment() {
        let missing = Spi::get_one::<String>(
            "WITH members AS ( \
                 SELECT d.classid, d.objid FROM pg_depend d \
                  WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass \
                    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wms') \
             ) \
             SELECT string_agg(what, ', ' ORDER BY what) FROM ( \
                 SELECT p.oid::regprocedure::text AS what, obj_description(p.oid, 'pg_proc') AS c \
                   FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid \
                  WHERE p.pronamespace <> 'tests'::regnamespace \
                 UNION ALL \
                 SELECT r.oid::regclass::text, obj_description(r.oid, 'pg_class') \
                   FROM members m JOIN pg_class r ON m.classid = 'pg_class'::regclass AND r.oid = m.objid \
                  WHERE r.relkind IN ('r', 'v', 'm', 'p') \
                 UNION ALL \
                 SELECT 'event trigger ' || e.evtname, obj_description(e.oid, 'pg_event_trigger') \
                   FROM members m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid \
                 UNION ALL \
                 SELECT 'schema wms', obj_description('wms'::regnamespace, 'pg_namespace') \
                 UNION ALL \
                 SELECT 'setting ' || name, NULLIF(short_desc, '') FROM pg_settings WHERE name LIKE 'wms.%' \
             ) o WHERE c IS NULL OR btrim(c) = ''",
        );
        assert_eq!(missing, Ok(None), "objects without a COMMENT");
        // The count guards the query against finding nothing at all.
        let described = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_depend d JOIN pg_description c ON c.classoid = d.classid AND c.objoid = d.objid \
              WHERE d.deptype = 'e' AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wms')",
        )
        .unwrap()
        .unwrap();
        assert!(described >= 36, "{described}");
        assert_eq!(
            Spi::get_one::<i64>(
                "SELECT count(*) FROM pg_settings WHERE short_desc <> '' \
                  AND name IN ('wms.lock_timeout', 'wms.notify', 'wms.expiry_interval')"
            ),
            Ok(Some(3))
        );
    }
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
