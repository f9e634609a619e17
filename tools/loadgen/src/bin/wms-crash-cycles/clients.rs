//! The clients: threads, each on its own connection, making calls in a
//! random mix and recording each call before it is sent.

use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use postgres::{Client, Config, NoTls, Row, Statement};

use crate::calls::{list, transfer_reason, Answer, Call, Fixture, Line, Request};
use crate::cluster::Server;
use crate::{Fallible, DATABASE};

/// Longest wait for the clients to end once the server is back.
const CLIENTS_TIMEOUT: Duration = Duration::from_secs(30);

/// One client's cycle: its backend and its calls, in order.
pub struct ClientRun {
    pub backend_pid: i32,
    pub calls: Vec<Call>,
}

/// The statements of every call, prepared once per connection.
struct Statements {
    place_one: Statement,
    place_items: Statement,
    submit_one: Statement,
    submit_items: Statement,
    reserve: Statement,
    fulfil: Statement,
    cancel: Statement,
    receive: Statement,
    transfer: Statement,
}

/// A client's connection, ready to send calls.
struct Session {
    conn: Client,
    statements: Statements,
    backend_pid: i32,
}

impl Session {
    fn open(config: &Config) -> Result<Session, postgres::Error> {
        let mut conn = config.connect(NoTls)?;
        let statements = Statements {
            place_one: conn.prepare(
                "SELECT order_id, status FROM wms_place_order($1::text, $2::bigint, $3::bigint, $4::bigint, $5::text)",
            )?,
            place_items: conn.prepare(
                "SELECT order_id, status FROM wms_place_order($1::text, $2::text::jsonb, $3::text)",
            )?,
            submit_one: conn.prepare(
                "SELECT order_id, status FROM wms_submit_order($1::text, $2::bigint, $3::bigint, $4::bigint, $5::text)",
            )?,
            submit_items: conn.prepare(
                "SELECT order_id, status FROM wms_submit_order($1::text, $2::text::jsonb, $3::text)",
            )?,
            reserve: conn.prepare(
                "SELECT order_id, status FROM wms_reserve($1::text, $2::text::jsonb, idempotency_key => $3::text)",
            )?,
            fulfil: conn.prepare("SELECT order_id, status FROM wms_fulfill_order($1::bigint)")?,
            cancel: conn
                .prepare("SELECT order_id, status FROM wms_cancel_order($1::bigint, $2::text)")?,
            receive: conn.prepare(
                "SELECT wms_receive($1::bigint, $2::bigint, $3::bigint, 'Purchase Order', $4::text)",
            )?,
            transfer: conn.prepare(
                "SELECT from_on_hand, to_on_hand FROM wms_transfer($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5::text)",
            )?,
        };
        let backend_pid = conn.query_one("SELECT pg_backend_pid()", &[])?.get(0);
        Ok(Session {
            conn,
            statements,
            backend_pid,
        })
    }

    /// Send one call (autocommit) and read its answer.
    fn send(
        &mut self,
        customer: &str,
        key: &str,
        request: &Request,
    ) -> Result<Answer, postgres::Error> {
        let (conn, st) = (&mut self.conn, &self.statements);
        let answer = match request {
            Request::PlaceOne(l) | Request::SubmitOne(l) => conn
                .query_one(
                    if matches!(request, Request::PlaceOne(_)) {
                        &st.place_one
                    } else {
                        &st.submit_one
                    },
                    &[
                        &customer,
                        &l.item.product_id,
                        &l.item.warehouse_id,
                        &l.quantity,
                        &key,
                    ],
                )
                .map(order_answer),
            Request::PlaceItems(lines) => conn
                .query_one(&st.place_items, &[&customer, &items_json(lines), &key])
                .map(order_answer),
            Request::SubmitItems(lines) => conn
                .query_one(&st.submit_items, &[&customer, &items_json(lines), &key])
                .map(order_answer),
            Request::Reserve(lines) => conn
                .query_one(&st.reserve, &[&customer, &items_json(lines), &key])
                .map(order_answer),
            Request::Fulfil(id) => conn.query_one(&st.fulfil, &[id]).map(order_answer),
            Request::Cancel(id) => conn
                .query_one(&st.cancel, &[id, &"changed their mind"])
                .map(order_answer),
            Request::Receive(l) => conn
                .execute(
                    &st.receive,
                    &[&l.item.product_id, &l.item.warehouse_id, &l.quantity, &key],
                )
                .map(|_| Answer::Applied),
            Request::Transfer {
                product_id,
                from,
                to,
                quantity,
            } => conn
                .execute(
                    &st.transfer,
                    &[product_id, from, to, quantity, &transfer_reason(key)],
                )
                .map(|_| Answer::Applied),
        };
        match (answer, request.refusal()) {
            (Err(e), Some(refusal)) if e.code().is_some_and(|c| c.code() == refusal) => {
                Ok(Answer::Refused(refusal.into()))
            }
            (answer, _) => answer,
        }
    }
}

fn order_answer(row: Row) -> Answer {
    let status: String = row.get(1);
    match row.get::<_, Option<i64>>(0) {
        Some(order_id) => Answer::Order { order_id, status },
        None if status == "Unavailable" => Answer::Unavailable,
        None => Answer::Unexpected(format!("status {status} without an order id")),
    }
}

fn items_json(lines: &[Line]) -> String {
    list(lines.iter().map(|l| {
        format!(
            r#"{{"product_id": {}, "warehouse_id": {}, "quantity": {}}}"#,
            l.item.product_id, l.item.warehouse_id, l.quantity
        )
    }))
}

/// The server ended the session, or the connection is gone: whatever the
/// call did is unknown to the client.
fn connection_lost(e: &postgres::Error) -> bool {
    match e.code() {
        // admin_shutdown, crash_shutdown, cannot_connect_now
        Some(code) => code.code().starts_with("57P"),
        None => e.is_closed() || e.source().is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// A wms_submit_order call answered 40003: the worker had the order when
/// it stopped, so it may be committed (the retry with its key tells).
fn submitted_in_doubt(request: &Request, e: &postgres::Error) -> bool {
    matches!(request, Request::SubmitOne(_) | Request::SubmitItems(_))
        && e.code().is_some_and(|c| c.code() == "40003")
}

/// A client's own reservations: open ones it fulfils or cancels later,
/// settled ones it now and then tries to change again (refused, 55000).
#[derive(Default)]
struct Reservations {
    open: Vec<i64>,
    settled: Vec<i64>,
}

impl Reservations {
    fn next_request(&mut self, rng: &mut Rng, fixture: &Fixture) -> Request {
        if !self.open.is_empty() && rng.percent(15) {
            let id = self.open.swap_remove(rng.below(self.open.len()));
            return if rng.percent(60) {
                Request::Fulfil(id)
            } else {
                Request::Cancel(id)
            };
        }
        if !self.settled.is_empty() && rng.percent(2) {
            let id = *rng.pick(&self.settled);
            return if rng.percent(50) {
                Request::Fulfil(id)
            } else {
                Request::Cancel(id)
            };
        }
        match rng.below(100) {
            0..=19 => Request::PlaceOne(Line {
                item: *rng.pick(&fixture.items),
                quantity: rng.between(1, 3),
            }),
            20..=29 => Request::SubmitOne(Line {
                item: *rng.pick(&fixture.items),
                quantity: rng.between(1, 3),
            }),
            30..=41 => Request::PlaceItems(order_lines(rng, fixture, 2, 4)),
            42..=49 => Request::SubmitItems(order_lines(rng, fixture, 2, 4)),
            50..=61 if self.open.len() < 3 => Request::Reserve(order_lines(rng, fixture, 1, 3)),
            50..=86 => Request::Receive(Line {
                item: *rng.pick(&fixture.items),
                quantity: rng.between(1, 10),
            }),
            _ => {
                let from = rng.below(fixture.warehouses.len());
                let to =
                    (from + 1 + rng.below(fixture.warehouses.len() - 1)) % fixture.warehouses.len();
                Request::Transfer {
                    product_id: *rng.pick(&fixture.products),
                    from: fixture.warehouses[from],
                    to: fixture.warehouses[to],
                    quantity: rng.between(1, 4),
                }
            }
        }
    }

    fn answered(&mut self, request: &Request, answer: &Answer) {
        if let Answer::Order { order_id, .. } = answer {
            match request {
                Request::Reserve(_) => self.open.push(*order_id),
                Request::Fulfil(_) | Request::Cancel(_) => self.settled.push(*order_id),
                _ => {}
            }
        }
    }
}

/// `min..=max` lines of 1 to 3 units; a line names an earlier line's item
/// again now and then (the extension sums them).
fn order_lines(rng: &mut Rng, fixture: &Fixture, min: i64, max: i64) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for _ in 0..rng.between(min, max) {
        let item = if !lines.is_empty() && rng.percent(25) {
            rng.pick(&lines).item
        } else {
            *rng.pick(&fixture.items)
        };
        lines.push(Line {
            item,
            quantity: rng.between(1, 3),
        });
    }
    lines
}

/// Make calls until the crash breaks the connection; `stop`, set once the
/// server is back, bounds the loop should a session outlive the crash.
fn client_loop(
    session: &mut Session,
    cycle: u32,
    client: usize,
    fixture: &Fixture,
    mut rng: Rng,
    stop: &AtomicBool,
) -> ClientRun {
    let customer = format!("customer-{client}");
    let mut reservations = Reservations::default();
    let mut calls: Vec<Call> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let request = reservations.next_request(&mut rng, fixture);
        // Recorded before it is sent: without an answer it stays in doubt.
        calls.push(Call {
            key: format!("c{cycle}-{client}-{}", calls.len()),
            request,
            answer: None,
        });
        let call = calls.last_mut().expect("just pushed");
        match session.send(&customer, &call.key, &call.request) {
            Ok(answer) => {
                reservations.answered(&call.request, &answer);
                call.answer = Some(answer);
            }
            Err(e) if connection_lost(&e) => break,
            // The order worker went down with the server while it had the
            // order (40003): the call is in doubt, the session goes on.
            Err(e) if submitted_in_doubt(&call.request, &e) => {}
            Err(e) => call.answer = Some(Answer::Unexpected(e.to_string())),
        }
    }
    ClientRun {
        backend_pid: session.backend_pid,
        calls,
    }
}

/// The clients of one cycle, running.
pub struct Load {
    handles: Vec<JoinHandle<Result<ClientRun, String>>>,
    stop: Arc<AtomicBool>,
}

impl Load {
    /// Connect every client, then let them all go at once.
    pub fn start(
        cluster: &dyn Server,
        fixture: &Arc<Fixture>,
        cycle: u32,
        clients: usize,
        rng: &mut Rng,
    ) -> Load {
        let mut config = cluster.config(DATABASE);
        // No call may hang a client for ever.
        config.options("-c statement_timeout=30s");
        let ready = Arc::new(Barrier::new(clients + 1));
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..clients)
            .map(|client| {
                let (config, fixture, ready, stop) =
                    (config.clone(), fixture.clone(), ready.clone(), stop.clone());
                let client_rng = Rng(rng.next());
                thread::spawn(move || {
                    let session = Session::open(&config);
                    ready.wait();
                    let mut session = session.map_err(|e| format!("client {client}: {e}"))?;
                    Ok(client_loop(
                        &mut session,
                        cycle,
                        client,
                        &fixture,
                        client_rng,
                        &stop,
                    ))
                })
            })
            .collect();
        ready.wait();
        Load { handles, stop }
    }

    /// Stop the clients that still run and collect every client's calls.
    pub fn finish(self) -> Fallible<Vec<ClientRun>> {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + CLIENTS_TIMEOUT;
        while !self.handles.iter().all(JoinHandle::is_finished) {
            if Instant::now() > deadline {
                return Err(
                    format!("clients still running {CLIENTS_TIMEOUT:?} after the restart").into(),
                );
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| "a client thread panicked".to_string())?
                    .map_err(Into::into)
            })
            .collect()
    }
}

/// SplitMix64: the clients' choices follow from the seed.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// In `low..=high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low + 1) as u64) as i64
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// The calls in doubt after a failover, as retried on the new primary.
pub struct Retried {
    /// Every call in doubt, with what the retry found or was told.
    pub calls: Vec<Call>,
    /// Sent again.
    pub resent: usize,
    /// Found done already (a receipt's or transfer's ledger row, a
    /// fulfilment's or cancellation's status), so not sent again.
    pub found_done: usize,
}

/// Retry, on `cluster` (the new primary), every call left in doubt, as a
/// client would: orders and reservations are sent again with their
/// idempotency key (wms replays what is there and completes what is not);
/// a receipt or transfer is sent again unless a ledger row carries its
/// reference; a fulfilment or cancellation unless the order already has
/// the status it asked for.
pub fn retry_in_doubt(cluster: &dyn Server, runs: &[ClientRun]) -> Fallible<Retried> {
    let mut config = cluster.config(DATABASE);
    config.options("-c statement_timeout=30s");
    let mut session = Session::open(&config)?;
    let mut retried = Retried {
        calls: Vec::new(),
        resent: 0,
        found_done: 0,
    };
    for call in runs.iter().flat_map(|run| &run.calls) {
        if call.answer.is_some() {
            continue;
        }
        let done = match &call.request {
            Request::PlaceOne(_)
            | Request::PlaceItems(_)
            | Request::SubmitOne(_)
            | Request::SubmitItems(_)
            | Request::Reserve(_) => None,
            Request::Receive(_) => ledger_row(&mut session.conn, "reference", &call.key)?,
            Request::Transfer { .. } => {
                ledger_row(&mut session.conn, "reason", &transfer_reason(&call.key))?
            }
            Request::Fulfil(id) | Request::Cancel(id) => {
                // (An order lost with the primary is sent again too, and
                // its answer says so.)
                let status: Option<String> = session
                    .conn
                    .query_opt(
                        "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
                        &[id],
                    )?
                    .map(|row| row.get(0));
                status
                    .filter(|s| Some(s.as_str()) == call.request.target_status())
                    .map(|status| Answer::Order {
                        order_id: *id,
                        status,
                    })
            }
        };
        let answer = match done {
            Some(answer) => {
                retried.found_done += 1;
                answer
            }
            None => {
                retried.resent += 1;
                // The client of `c<cycle>-<client>-<seq>`, as it sent the call.
                let client = call
                    .key
                    .split('-')
                    .nth(1)
                    .ok_or("a key without its client")?;
                session
                    .send(&format!("customer-{client}"), &call.key, &call.request)
                    .unwrap_or_else(|e| Answer::Unexpected(e.to_string()))
            }
        };
        retried.calls.push(Call {
            key: call.key.clone(),
            request: call.request.clone(),
            answer: Some(answer),
        });
    }
    Ok(retried)
}

/// `Applied` if a ledger row has `value` in `column`.
fn ledger_row(conn: &mut Client, column: &str, value: &str) -> Fallible<Option<Answer>> {
    let found = !conn
        .query(
            &format!("SELECT 1 FROM wms.stock_movements WHERE {column} = $1"),
            &[&value],
        )?
        .is_empty();
    Ok(found.then_some(Answer::Applied))
}
