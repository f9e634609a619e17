//! Flash sales: many buyers released at once on one item, from one client
//! process or spread over four.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use postgres::Config;
use wms_loadgen::{
    flash_sale, run_buyers, verify_sale, Answer, Api, BuyerResult, Gate, Sale, SaleOutcome,
};

use crate::Db;

fn assert_sale(db: &mut Db, sale: &Sale, stock: i64, outcome: &SaleOutcome) {
    let checks = verify_sale(&mut db.admin, sale, stock, outcome).expect("verify the sale");
    for error in outcome.errors().iter().take(3) {
        println!("    error answer: {error:?}");
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passed())
        .map(|c| format!("{}: expected {}, actual {}", c.name, c.expected, c.actual))
        .collect();
    assert!(
        failed.is_empty(),
        "sale checks failed:\n{}",
        failed.join("\n")
    );
    db.assert_verified();
}

/// Buyers of the flash sales allow a minute for their turn: a thousand
/// backends on one item can queue longer than the default 5 s bound on a
/// 2-core machine running the debug build, and these sales count answers,
/// not "busy, retry".
const PATIENT: &str = "-c wms.lock_timeout=60s";

pub fn flash_sale_scenario(db: &mut Db, name: &str, buyers: usize, stock: i64) {
    flash_sale_with(db, name, buyers, stock, Api::Place)
}

/// A flash sale whose buyers call `api`.
pub fn flash_sale_with(db: &mut Db, name: &str, buyers: usize, stock: i64, api: Api) {
    let (p, w) = db.item(name, stock);
    let sale = Sale {
        product_id: p,
        warehouse_id: w,
        quantity: 1,
        buyers,
        customer_prefix: format!("{name}-"),
        api,
    };
    let key = db.gate_key();
    let mut config = db.config.clone();
    config.options(PATIENT);
    let outcome = flash_sale(&config, key, &sale).expect("run the sale");
    println!(
        "    {buyers} backends queued at the gate; {} Fulfilled, {} Unavailable in {:.0} ms",
        outcome.fulfilled().len(),
        outcome.unavailable(),
        outcome.wall.as_secs_f64() * 1000.0
    );
    assert_sale(db, &sale, stock, &outcome);
}

pub const CHILD_ENV: &str = "WMS_BUYER_PROCESS";

/// A child process's part of a shared sale: `dsn;gate;product;warehouse;first;count`.
/// Prints one line per buyer: `F order_id latency_us`, `U latency_us` or `E sqlstate latency_us message`.
pub fn buyer_process(spec: &str) {
    let parts: Vec<&str> = spec.split(';').collect();
    let num = |i: usize| -> i64 { parts[i].parse().expect("numeric field") };
    let config = Config::from_str(parts[0]).expect("dsn");
    let (first, count) = (num(4) as usize, num(5) as usize);
    let sale = Sale {
        product_id: num(2),
        warehouse_id: num(3),
        quantity: 1,
        buyers: count,
        customer_prefix: "proc-".into(),
        api: Default::default(),
    };
    for r in run_buyers(&config, num(1), &sale, first..first + count) {
        let us = r.latency.as_micros();
        match r.answer {
            Answer::Fulfilled { order_id } => println!("F {order_id} {us}"),
            Answer::Unavailable => println!("U {us}"),
            Answer::Error { sqlstate, message } => {
                println!(
                    "E {} {us} {}",
                    if sqlstate.is_empty() { "-" } else { &sqlstate },
                    message.replace('\n', " ")
                )
            }
        }
    }
}

fn parse_child_line(line: &str) -> BuyerResult {
    let mut f = line.splitn(4, ' ');
    let kind = f.next().unwrap_or_default();
    let mut field = || f.next().unwrap_or_default().to_string();
    let (answer, us) = match kind {
        "F" => {
            let order_id = field().parse().expect("order id");
            (Answer::Fulfilled { order_id }, field())
        }
        "U" => (Answer::Unavailable, field()),
        _ => {
            let sqlstate = field();
            let us = field();
            (
                Answer::Error {
                    sqlstate,
                    message: field(),
                },
                us,
            )
        }
    };
    BuyerResult {
        answer,
        latency: Duration::from_micros(us.parse().unwrap_or(0)),
    }
}

/// One sale, its buyers spread over 4 client processes, released by one gate.
pub fn flash_sale_four_processes(db: &mut Db) {
    const PROCESSES: usize = 4;
    const PER_PROCESS: usize = 250;
    let stock = 100;
    let (p, w) = db.item("procs", stock);
    let key = db.gate_key();
    let gate = Gate::close(&db.config, key).expect("close the gate");
    let exe = std::env::current_exe().expect("own executable");
    let children: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .env(
                    CHILD_ENV,
                    format!(
                        "{} options='{PATIENT}';{key};{p};{w};{};{PER_PROCESS}",
                        db.dsn,
                        i * PER_PROCESS
                    ),
                )
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn a buyer process")
        })
        .collect();
    let opened = gate
        .open_when_waiting(PROCESSES * PER_PROCESS, Duration::from_secs(300))
        .expect("open the gate");
    let mut results = Vec::new();
    for mut child in children {
        let out = BufReader::new(child.stdout.take().expect("child stdout"));
        let lines: Vec<BuyerResult> = out
            .lines()
            .map(|l| parse_child_line(&l.expect("read child")))
            .collect();
        assert!(
            child.wait().expect("wait for child").success(),
            "a buyer process failed"
        );
        assert_eq!(lines.len(), PER_PROCESS, "every buyer of a process answers");
        results.extend(lines);
    }
    let outcome = SaleOutcome {
        results,
        wall: opened.elapsed(),
    };
    println!(
        "    {} processes x {PER_PROCESS} backends; {} Fulfilled, {} Unavailable",
        PROCESSES,
        outcome.fulfilled().len(),
        outcome.unavailable()
    );
    let sale = Sale {
        product_id: p,
        warehouse_id: w,
        quantity: 1,
        buyers: PROCESSES * PER_PROCESS,
        customer_prefix: String::new(),
        api: Default::default(),
    };
    assert_sale(db, &sale, stock, &outcome);
}
