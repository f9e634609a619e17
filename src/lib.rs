//! wms: the concurrency-safe core of a warehouse inventory system.
//!
//! Tables, views and indexes are SQL under `sql/`; the functions that lock,
//! decide and write are here. Every change of stock passes through
//! `stock::lock_items` and `stock::apply`.

use pgrx::prelude::*;

::pgrx::pg_module_magic!(name, version);

mod analytics;
mod availability;
mod catalogue;
mod errors;
mod expiry_worker;
mod guard;
mod inbound;
mod jsonb;
mod lifecycle;
mod operations;
mod orders;
mod plans;
mod reorder;
mod reports;
mod settings;
mod stock;
#[cfg(any(test, feature = "pg_test"))]
mod testing;
mod verify;

extension_sql_file!("../sql/schema.sql", name = "schema", bootstrap);

#[allow(non_snake_case)]
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    errors::no_backtraces();
    settings::define();
    // SAFETY: a flag PostgreSQL sets while it preloads libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        expiry_worker::register_workers();
    }
}
extension_sql_file!("../sql/views.sql", name = "views", requires = ["schema"]);
extension_sql_file!(
    "../sql/guard.sql",
    name = "guard",
    requires = ["schema", guard::updating_extension]
);
extension_sql_file!("../sql/privileges.sql", name = "privileges", finalize);

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// A panic, for the scenario that checks errors carry no backtrace.
    #[pg_extern]
    fn wms_test_panic() {
        panic!("wms: a deliberate panic");
    }

    /// The extension's objects exist where API.md puts them; the
    /// multi-backend harness starts the test cluster through this test.
    #[pg_test]
    fn test_extension_installed() {
        let tables = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'wms' AND tablename IN \
             ('products','warehouses','inventory','customer_orders','order_items','stock_movements','order_status_history')",
        );
        assert_eq!(tables, Ok(Some(7)));
        let functions = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = 'public' AND p.proname LIKE 'wms\\_%'",
        );
        // wms_place_order has two forms.
        assert_eq!(functions, Ok(Some(21)));
        assert_eq!(
            Spi::get_one::<bool>("SELECT EXISTS (SELECT 1 FROM pg_views WHERE schemaname = 'wms' AND viewname = 'available_to_sell')"),
            Ok(Some(true))
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
