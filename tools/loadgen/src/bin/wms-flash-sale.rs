//! The flash sale: N buyers, each on its own connection, released together
//! against M units of one item; then the verification report.

use std::process::ExitCode;
use std::str::FromStr;

use clap::Parser;
use postgres::{Config, NoTls};
use wms_loadgen::{flash_sale, flash_sale_pooled, verify_sale, Answer, Api, Sale};

#[derive(Parser)]
#[command(about = "Run a flash sale against the wms extension and verify the result")]
struct Args {
    /// libpq-style connection string of the database with the extension
    #[arg(long, default_value = "host=localhost dbname=postgres")]
    dsn: String,
    /// Concurrent buyers, each on its own connection
    #[arg(long, default_value_t = 200)]
    buyers: usize,
    /// Units on sale (received before the sale starts)
    #[arg(long, default_value_t = 100)]
    stock: i64,
    #[arg(long, default_value = "IPHONE-15-PRO-256")]
    sku: String,
    #[arg(long, default_value = "iPhone 15 Pro 256GB")]
    product: String,
    #[arg(long, default_value = "BISHKEK-CENTRAL")]
    warehouse_code: String,
    #[arg(long, default_value = "Bishkek Central")]
    warehouse: String,
    /// --dsn is a pooler in transaction mode (pgbouncer): the buyers are
    /// released by a gate in this process and send unnamed statements
    #[arg(long, requires = "admin_dsn")]
    pooler: bool,
    /// Connection string for setting up and verifying the sale (default:
    /// --dsn); with --pooler, the server itself
    #[arg(long)]
    admin_dsn: Option<String>,
    /// The buyers call wms_submit_order (the order worker commits their
    /// orders together; the server preloads wms) instead of wms_place_order
    #[arg(long)]
    submit: bool,
}

fn main() -> ExitCode {
    wms_loadgen::exit_code("wms-flash-sale", run(&Args::parse()))
}

fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let config = Config::from_str(&args.dsn)?;
    let mut client =
        Config::from_str(args.admin_dsn.as_deref().unwrap_or(&args.dsn))?.connect(NoTls)?;
    let product_id: i64 = client
        .query_one(
            "SELECT wms_add_product($1, $2)",
            &[&args.sku, &args.product],
        )?
        .get(0);
    let warehouse_id: i64 = client
        .query_one(
            "SELECT wms_add_warehouse($1, $2)",
            &[&args.warehouse_code, &args.warehouse],
        )?
        .get(0);
    client.execute(
        "SELECT wms_receive($1, $2, $3, 'Purchase Order', 'flash sale stock')",
        &[&product_id, &warehouse_id, &args.stock],
    )?;
    let sale = Sale {
        product_id,
        warehouse_id,
        quantity: 1,
        buyers: args.buyers,
        customer_prefix: "User-".into(),
        api: if args.submit { Api::Submit } else { Api::Place },
    };
    println!(
        "flash sale: {} buyers calling {}, each on its own connection{}, for {} units of \"{}\" in \"{}\"",
        args.buyers,
        sale.api.function(),
        if args.pooler {
            " to a pooler in transaction mode"
        } else {
            ""
        },
        args.stock,
        args.product,
        args.warehouse
    );
    let outcome = if args.pooler {
        flash_sale_pooled(&config, &sale)?
    } else {
        flash_sale(&config, 0x5741_4c45, &sale)?
    };
    let checks = verify_sale(&mut client, &sale, args.stock, &outcome)?;

    println!("\nverification report");
    let mut all_passed = true;
    for check in &checks {
        let mark = if check.passed() { "PASS" } else { "FAIL" };
        all_passed &= check.passed();
        println!(
            "  {mark}  {:<48} expected {:>6}  actual {:>6}",
            check.name, check.expected, check.actual
        );
    }
    for error in outcome.errors().iter().take(5) {
        if let Answer::Error { sqlstate, message } = error {
            println!("  error answer: [{sqlstate}] {message}");
        }
    }
    println!("\nperformance");
    println!(
        "  wall time (gate open to last answer): {:.1} ms",
        outcome.wall.as_secs_f64() * 1000.0
    );
    println!("  successful orders/s: {:.0}", outcome.orders_per_second());
    if let Some(l) = outcome.latency(|a| matches!(a, Answer::Fulfilled { .. })) {
        println!("  latency, Fulfilled:   {l}");
    }
    if let Some(l) = outcome.latency(|a| *a == Answer::Unavailable) {
        println!("  latency, Unavailable: {l}");
    }
    println!(
        "\n{}",
        if all_passed {
            "RESULT: PASS"
        } else {
            "RESULT: FAIL"
        }
    );
    Ok(all_passed)
}
