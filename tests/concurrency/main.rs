//! Multi-backend tests. Every client is its own backend connection; they
//! queue at a server-side gate (an advisory lock the harness holds) and
//! are released together once all of them are waiting.
//!
//! Runs under `cargo pgrx test`: the pgrx framework builds and installs the
//! extension, starts a test cluster with room for 1100 connections and
//! creates the extension; the scenarios below then connect as clients.
//! With an argument, only scenarios whose name contains it (or one of its
//! comma-separated parts) run.

mod flash_sale;
mod hardening;
mod idempotency;
mod locks;
mod notify;
mod operations;
mod privileges;
mod reservations;
mod scale_out;
mod scenarios;
mod seeds;
mod stock;
mod submit;
mod support;

use std::env;
use std::panic::{self, AssertUnwindSafe};
use std::str::FromStr;
use std::time::Instant;

use postgres::{Client, Config, NoTls};

/// The test cluster and a superuser connection to it.
pub struct Db {
    pub dsn: String,
    pub config: Config,
    pub admin: Client,
    next_key: i64,
}

impl Db {
    fn start() -> Db {
        pgrx_tests::run_test(
            "test_extension_installed",
            None,
            vec![
                "max_connections = 1100",
                // The expiry worker runs in the test database, at a slow
                // pace until the scenario that tests it speeds it up.
                "shared_preload_libraries = 'wms'",
                "wms.expiry_databases = 'pgrx_tests'",
                "wms.expiry_interval = '1h'",
            ],
        )
        .expect("start the pgrx test cluster");
        let (mut probe, _) = pgrx_tests::client().expect("connect to the pgrx test cluster");
        let row = probe
            .query_one(
                "SELECT current_setting('port'), current_user::text, current_database()::text",
                &[],
            )
            .expect("read connection settings");
        let dsn = format!(
            "host=localhost port={} user={} dbname={}",
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        );
        let config = Config::from_str(&dsn).expect("parse dsn");
        let admin = config.connect(NoTls).expect("admin connection");
        Db {
            dsn,
            config,
            admin,
            next_key: (std::process::id() as i64) << 16,
        }
    }

    /// A fresh advisory-lock key for a gate.
    pub fn gate_key(&mut self) -> i64 {
        self.next_key += 1;
        self.next_key
    }

    /// A new product, named after the scenario.
    pub fn product(&mut self, name: &str) -> i64 {
        let sku = format!("{name}-{}", self.gate_key());
        self.admin
            .query_one("SELECT wms_add_product($1, $1)", &[&sku])
            .expect("add product")
            .get(0)
    }

    /// A new warehouse, named after the scenario.
    pub fn warehouse(&mut self, name: &str) -> i64 {
        let code = format!("{name}-{}", self.gate_key());
        self.admin
            .query_one("SELECT wms_add_warehouse($1, $1)", &[&code])
            .expect("add warehouse")
            .get(0)
    }

    /// A new product and warehouse named after the scenario, with `stock` received.
    pub fn item(&mut self, name: &str, stock: i64) -> (i64, i64) {
        let (product_id, warehouse_id) = (self.product(name), self.warehouse(name));
        self.receive(product_id, warehouse_id, stock);
        (product_id, warehouse_id)
    }

    pub fn receive(&mut self, product_id: i64, warehouse_id: i64, quantity: i64) {
        self.admin
            .execute(
                "SELECT wms_receive($1, $2, $3)",
                &[&product_id, &warehouse_id, &quantity],
            )
            .expect("receive stock");
    }

    pub fn on_hand(&mut self, product_id: i64, warehouse_id: i64) -> i64 {
        self.admin
            .query_one(
                "SELECT quantity_on_hand FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
                &[&product_id, &warehouse_id],
            )
            .expect("read on hand")
            .get(0)
    }

    pub fn reserved(&mut self, product_id: i64, warehouse_id: i64) -> i64 {
        self.admin
            .query_one(
                "SELECT quantity_reserved FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
                &[&product_id, &warehouse_id],
            )
            .expect("read reserved")
            .get(0)
    }

    /// wms_verify() must come back empty.
    pub fn assert_verified(&mut self) {
        let rows = self
            .admin
            .query(
                "SELECT check_name, product_id, warehouse_id, expected, actual FROM wms_verify()",
                &[],
            )
            .expect("wms_verify()");
        let violations: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} product {:?} warehouse {:?}: expected {:?}, actual {:?}",
                    r.get::<_, String>(0),
                    r.get::<_, Option<i64>>(1),
                    r.get::<_, Option<i64>>(2),
                    r.get::<_, Option<i64>>(3),
                    r.get::<_, Option<i64>>(4)
                )
            })
            .collect();
        assert!(
            violations.is_empty(),
            "wms_verify() found violations:\n{}",
            violations.join("\n")
        );
    }
}

type Scenario = fn(&mut Db);

fn main() {
    if let Ok(spec) = env::var(flash_sale::CHILD_ENV) {
        flash_sale::buyer_process(&spec);
        return;
    }
    // Names may be given as one comma-separated argument (cargo pgrx test
    // passes on one test-name filter).
    let filters: Vec<String> = env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .flat_map(|a| a.split(',').map(str::to_string).collect::<Vec<_>>())
        .collect();
    let selected: Vec<(&str, Scenario)> = scenarios::ALL
        .iter()
        .copied()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        println!("concurrency: no scenario matches {filters:?}");
        return;
    }
    // The test cluster inherits this, so that errors are checked to carry
    // no backtrace whatever the server's environment says.
    env::set_var("RUST_BACKTRACE", "1");
    let mut db = Db::start();
    let mut failed = Vec::new();
    for (name, scenario) in &selected {
        println!("scenario {name} ...");
        let started = Instant::now();
        match panic::catch_unwind(AssertUnwindSafe(|| scenario(&mut db))) {
            Ok(()) => println!(
                "scenario {name} ... ok ({:.1}s)",
                started.elapsed().as_secs_f64()
            ),
            Err(_) => {
                println!("scenario {name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    println!(
        "\nconcurrency: {} passed, {} failed",
        selected.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        println!("failed: {}", failed.join(", "));
        std::process::exit(1);
    }
}
