//! The checks after a restart: the clients' calls against what the
//! database holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::AddAssign;

use postgres::{Client, Row};

use crate::calls::{list, transfer_reason, Answer, Call, Item, Line, Request};
use crate::clients::ClientRun;
use crate::Fallible;

/// An order as stored.
struct StoredOrder {
    order_id: i64,
    status: String,
    /// Quantity and holding of each line.
    lines: BTreeMap<Item, (i64, bool)>,
    /// Sum of the order's ledger rows per item.
    ledger: BTreeMap<Item, i64>,
}

impl StoredOrder {
    /// Whole and consistent: one of `statuses`, exactly the requested
    /// lines, holding stock only while Pending, and once Fulfilled ledger
    /// rows taking every line's quantity (none otherwise).
    fn check(&self, requested: &BTreeMap<Item, i64>, statuses: &[&str]) -> Result<(), String> {
        let id = self.order_id;
        if !statuses.contains(&self.status.as_str()) {
            return Err(format!(
                "order {id} is {} where {} was expected",
                self.status,
                statuses.join(" or ")
            ));
        }
        let lines: BTreeMap<Item, i64> = self.lines.iter().map(|(i, (q, _))| (*i, *q)).collect();
        if lines != *requested {
            return Err(format!(
                "order {id} has lines {} where {} were requested",
                quantities(&lines),
                quantities(requested)
            ));
        }
        let pending = self.status == "Pending";
        if let Some(item) = self
            .lines
            .iter()
            .find(|(_, (_, h))| *h != pending)
            .map(|(i, _)| i)
        {
            return Err(format!(
                "order {id} is {} and its line {item} has holding = {}",
                self.status, !pending
            ));
        }
        let taken: BTreeMap<Item, i64> = if self.status == "Fulfilled" {
            requested.iter().map(|(i, q)| (*i, -q)).collect()
        } else {
            BTreeMap::new()
        };
        if self.ledger != taken {
            return Err(format!(
                "order {id} is {} with ledger sums {} where {} were expected",
                self.status,
                quantities(&self.ledger),
                quantities(&taken)
            ));
        }
        Ok(())
    }
}

fn quantities(map: &BTreeMap<Item, i64>) -> String {
    list(map.iter().map(|(item, q)| format!("{q} x {item}")))
}

fn summed(lines: &[Line]) -> BTreeMap<Item, i64> {
    let mut sums = BTreeMap::new();
    for line in lines {
        *sums.entry(line.item).or_insert(0) += line.quantity;
    }
    sums
}

/// What the database holds under one cycle's keys.
struct Stored {
    /// Orders and reservations by idempotency key.
    orders: HashMap<String, StoredOrder>,
    /// Ledger rows of receipts (by reference) and transfers (by reason),
    /// sorted, as (item, quantity_change).
    movements: HashMap<String, Vec<(Item, i64)>>,
    /// Every ledger row above, orders' included.
    movement_ids: Vec<i64>,
}

impl Stored {
    fn fetch(db: &mut Client, cycle: u32) -> Result<Stored, postgres::Error> {
        let keys = format!("c{cycle}-%");
        let item = |row: &Row, at: usize| Item {
            product_id: row.get(at),
            warehouse_id: row.get(at + 1),
        };
        let mut orders = HashMap::new();
        for row in db.query(
            "SELECT o.idempotency_key, o.order_id, o.order_status, i.product_id, i.warehouse_id, i.quantity, i.holding \
               FROM wms.customer_orders o LEFT JOIN wms.order_items i USING (order_id) \
              WHERE o.idempotency_key LIKE $1",
            &[&keys],
        )? {
            let order = orders.entry(row.get(0)).or_insert_with(|| StoredOrder {
                order_id: row.get(1),
                status: row.get(2),
                lines: BTreeMap::new(),
                ledger: BTreeMap::new(),
            });
            if row.get::<_, Option<i64>>(3).is_some() {
                order.lines.insert(item(&row, 3), (row.get(5), row.get(6)));
            }
        }
        let mut movement_ids = Vec::new();
        for row in db.query(
            "SELECT o.idempotency_key, m.movement_id, m.product_id, m.warehouse_id, m.quantity_change \
               FROM wms.stock_movements m JOIN wms.customer_orders o USING (order_id) \
              WHERE o.idempotency_key LIKE $1",
            &[&keys],
        )? {
            let order = orders
                .get_mut(row.get::<_, &str>(0))
                .expect("the order of a ledger row was read above");
            *order.ledger.entry(item(&row, 2)).or_insert(0) += row.get::<_, i64>(4);
            movement_ids.push(row.get(1));
        }
        let mut movements: HashMap<String, Vec<(Item, i64)>> = HashMap::new();
        for row in db.query(
            "SELECT reference, movement_id, product_id, warehouse_id, quantity_change FROM wms.stock_movements \
              WHERE reason = 'Purchase Order' AND reference LIKE $1 \
             UNION ALL \
             SELECT reason, movement_id, product_id, warehouse_id, quantity_change FROM wms.stock_movements \
              WHERE reason LIKE $2",
            &[&keys, &transfer_reason(&keys)],
        )? {
            movements
                .entry(row.get(0))
                .or_default()
                .push((item(&row, 2), row.get(4)));
            movement_ids.push(row.get(1));
        }
        for rows in movements.values_mut() {
            rows.sort();
        }
        Ok(Stored {
            orders,
            movements,
            movement_ids,
        })
    }

    fn movements(&self, key: &str) -> &[(Item, i64)] {
        self.movements.get(key).map_or(&[], Vec::as_slice)
    }
}

/// Every order and ledger row verified so far, by id.
pub struct Known {
    orders: BTreeSet<i64>,
    movements: BTreeSet<i64>,
}

impl Known {
    /// Every row there is now (the fixture's), taken as verified.
    pub fn everything_in(db: &mut Client) -> Result<Known, postgres::Error> {
        let (orders, movements) = all_rows(db)?;
        Ok(Known { orders, movements })
    }

    fn add(&mut self, stored: &Stored) {
        self.orders
            .extend(stored.orders.values().map(|o| o.order_id));
        self.movements.extend(stored.movement_ids.iter().copied());
    }

    /// The database holds exactly the known rows: nothing verified after an
    /// earlier restart was lost, and nothing is there that no call explains.
    fn compare(&self, db: &mut Client) -> Result<Vec<String>, postgres::Error> {
        let (orders, movements) = all_rows(db)?;
        let mut violations = Vec::new();
        for (what, known, found) in [
            ("orders", &self.orders, &orders),
            ("ledger rows", &self.movements, &movements),
        ] {
            let lost: Vec<_> = known.difference(found).collect();
            if !lost.is_empty() {
                violations.push(format!("{what} verified before are gone: {}", ids(&lost)));
            }
            let extra: Vec<_> = found.difference(known).collect();
            if !extra.is_empty() {
                violations.push(format!("{what} that no call explains: {}", ids(&extra)));
            }
        }
        Ok(violations)
    }
}

/// How many ids, and the first few.
fn ids(ids: &[&i64]) -> String {
    let first = list(ids.iter().take(10));
    format!("{} (first ids {first})", ids.len())
}

fn all_rows(db: &mut Client) -> Result<(BTreeSet<i64>, BTreeSet<i64>), postgres::Error> {
    let ids = |db: &mut Client, sql: &str| -> Result<BTreeSet<i64>, postgres::Error> {
        Ok(db.query(sql, &[])?.iter().map(|r| r.get(0)).collect())
    };
    Ok((
        ids(db, "SELECT order_id FROM wms.customer_orders")?,
        ids(db, "SELECT movement_id FROM wms.stock_movements")?,
    ))
}

/// What a reservation acknowledged in this cycle must be now: the status of
/// its last acknowledged change, or the target of a change left in doubt.
struct ReservationState {
    key: String,
    status: String,
    in_doubt: Option<&'static str>,
}

impl ReservationState {
    fn statuses(&self) -> Vec<&str> {
        std::iter::once(self.status.as_str())
            .chain(self.in_doubt)
            .collect()
    }
}

/// Follow every client's reservations through its calls, in order.
fn reservation_states(runs: &[ClientRun]) -> HashMap<i64, ReservationState> {
    let mut states = HashMap::new();
    for call in runs.iter().flat_map(|run| &run.calls) {
        match (&call.request, &call.answer) {
            (Request::Reserve(_), Some(Answer::Order { order_id, status })) => {
                states.insert(
                    *order_id,
                    ReservationState {
                        key: call.key.clone(),
                        status: status.clone(),
                        in_doubt: None,
                    },
                );
            }
            (Request::Fulfil(id) | Request::Cancel(id), answer) => {
                let Some(state) = states.get_mut(id) else {
                    continue;
                };
                match answer {
                    Some(Answer::Order { status, .. }) => state.status = status.clone(),
                    None if state.status == "Pending" => {
                        state.in_doubt = call.request.target_status()
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    states
}

/// An in-doubt call's effect: all of it, or none.
enum Found {
    Present,
    Absent,
}

/// Check one call against the database: Ok(None) for an acknowledged call
/// whose answer holds, Ok(Some(..)) for a call in doubt that took effect
/// fully or not at all, Err(what is wrong) otherwise.
fn check_call(
    call: &Call,
    stored: &Stored,
    reservations: &HashMap<i64, ReservationState>,
) -> Result<Option<Found>, String> {
    let answer = call.answer.as_ref();
    if let Some(Answer::Unexpected(error)) = answer {
        return Err(format!("answered {error}"));
    }
    match &call.request {
        Request::PlaceOne(line) | Request::SubmitOne(line) => {
            check_placed(&call.key, std::slice::from_ref(line), answer, stored)
        }
        Request::PlaceItems(lines) | Request::SubmitItems(lines) => {
            check_placed(&call.key, lines, answer, stored)
        }
        Request::Reserve(lines) => {
            let statuses = match answer {
                Some(Answer::Order { order_id, .. }) => reservations
                    .get(order_id)
                    .map_or(vec!["Pending"], ReservationState::statuses),
                _ => vec!["Pending"],
            };
            check_order(
                &call.key,
                &summed(lines),
                answer,
                "Pending",
                &statuses,
                stored,
            )
        }
        Request::Fulfil(id) | Request::Cancel(id) => {
            let target = call.request.target_status().expect("a status change");
            check_status_change(*id, target, answer, stored, reservations)
        }
        Request::Receive(line) => check_movements(
            stored.movements(&call.key),
            &[(line.item, line.quantity)],
            answer,
        ),
        Request::Transfer {
            product_id,
            from,
            to,
            quantity,
        } => {
            let item = |warehouse_id: i64| Item {
                product_id: *product_id,
                warehouse_id,
            };
            let mut rows = [(item(*from), -quantity), (item(*to), *quantity)];
            rows.sort();
            check_movements(stored.movements(&transfer_reason(&call.key)), &rows, answer)
        }
    }
}

/// An order placed under `key`: Fulfilled for good, or nothing.
fn check_placed(
    key: &str,
    lines: &[Line],
    answer: Option<&Answer>,
    stored: &Stored,
) -> Result<Option<Found>, String> {
    check_order(
        key,
        &summed(lines),
        answer,
        "Fulfilled",
        &["Fulfilled"],
        stored,
    )
}

/// An order or reservation under `key`: answered `created` (then whole, in
/// one of `statuses`) or Unavailable (then absent); in doubt, absent or
/// whole as `created`.
fn check_order(
    key: &str,
    lines: &BTreeMap<Item, i64>,
    answer: Option<&Answer>,
    created: &str,
    statuses: &[&str],
    stored: &Stored,
) -> Result<Option<Found>, String> {
    let found = stored.orders.get(key);
    match (answer, found) {
        (Some(Answer::Order { order_id, status }), Some(order)) if status == created => {
            if order.order_id != *order_id {
                return Err(format!(
                    "answered order {order_id}, but its key belongs to order {}",
                    order.order_id
                ));
            }
            order.check(lines, statuses).map(|()| None)
        }
        (Some(Answer::Order { order_id, status }), None) if status == created => Err(format!(
            "answered {status} as order {order_id}, but no order has its key"
        )),
        (Some(Answer::Unavailable), None) => Ok(None),
        (Some(Answer::Unavailable), Some(order)) => Err(format!(
            "answered Unavailable, but order {} has its key",
            order.order_id
        )),
        (None, None) => Ok(Some(Found::Absent)),
        (None, Some(order)) => order
            .check(lines, &[created])
            .map(|()| Some(Found::Present))
            .map_err(|e| format!("in doubt and not whole: {e}")),
        (Some(other), _) => Err(format!("answered {other}")),
    }
}

/// A fulfil or cancel of reservation `id`: its outcome is checked with the
/// reservation (its status must be that of the last acknowledged change);
/// in doubt, the reservation shows whether it took effect.
fn check_status_change(
    id: i64,
    target: &str,
    answer: Option<&Answer>,
    stored: &Stored,
    reservations: &HashMap<i64, ReservationState>,
) -> Result<Option<Found>, String> {
    match answer {
        Some(Answer::Order { order_id, status }) if *order_id == id && status == target => Ok(None),
        Some(Answer::Refused(_)) => Ok(None),
        None => {
            let order = reservations
                .get(&id)
                .and_then(|r| stored.orders.get(&r.key))
                .ok_or_else(|| format!("reservation {id} is gone"))?;
            Ok(Some(if order.status == target {
                Found::Present
            } else {
                Found::Absent
            }))
        }
        Some(other) => Err(format!("answered {other}")),
    }
}

/// A receipt's or transfer's ledger rows: `applied` if it was applied,
/// none if refused; in doubt, all or none.
fn check_movements(
    found: &[(Item, i64)],
    applied: &[(Item, i64)],
    answer: Option<&Answer>,
) -> Result<Option<Found>, String> {
    match answer {
        Some(Answer::Applied) if found == applied => Ok(None),
        Some(Answer::Refused(_)) if found.is_empty() => Ok(None),
        None if found.is_empty() => Ok(Some(Found::Absent)),
        None if found == applied => Ok(Some(Found::Present)),
        _ => Err(format!(
            "answered {}, and its ledger rows are {} (applied, they would be {})",
            answer.map_or("nothing".into(), Answer::to_string),
            rows_text(found),
            rows_text(applied)
        )),
    }
}

fn rows_text(rows: &[(Item, i64)]) -> String {
    list(
        rows.iter()
            .map(|(item, change)| format!("{change:+} at {item}")),
    )
}

/// Stored orders and ledger rows under this cycle's keys that no call made.
fn unexplained(runs: &[ClientRun], stored: &Stored) -> Vec<String> {
    let mut order_keys = HashSet::new();
    let mut movement_keys = HashSet::new();
    for call in runs.iter().flat_map(|run| &run.calls) {
        match call.request {
            Request::PlaceOne(_)
            | Request::PlaceItems(_)
            | Request::SubmitOne(_)
            | Request::SubmitItems(_)
            | Request::Reserve(_) => {
                order_keys.insert(call.key.clone());
            }
            Request::Receive(_) => {
                movement_keys.insert(call.key.clone());
            }
            Request::Transfer { .. } => {
                movement_keys.insert(transfer_reason(&call.key));
            }
            Request::Fulfil(_) | Request::Cancel(_) => {}
        }
    }
    let orders = stored
        .orders
        .iter()
        .filter(|(key, _)| !order_keys.contains(*key))
        .map(|(key, o)| format!("order {} has key {key}, which no call used", o.order_id));
    let movements = stored
        .movements
        .keys()
        .filter(|key| !movement_keys.contains(*key))
        .map(|key| format!("ledger rows name {key}, which no call used"));
    orders.chain(movements).collect()
}

/// Every check after one restart.
pub fn verify_cycle(
    db: &mut Client,
    cycle: u32,
    runs: &[ClientRun],
    known: &mut Known,
) -> Fallible<Verification> {
    let stored = Stored::fetch(db, cycle)?;
    let reservations = reservation_states(runs);
    let mut verification = Verification::default();
    for run in runs {
        for call in &run.calls {
            verification.tally.count(call);
            match check_call(call, &stored, &reservations) {
                Ok(None) => {}
                Ok(Some(Found::Present)) => verification.tally.present += 1,
                Ok(Some(Found::Absent)) => verification.tally.absent += 1,
                Err(what) => verification
                    .violations
                    .push(format!("{} {}: {what}", call.key, call.request)),
            }
        }
    }
    verification.violations.extend(unexplained(runs, &stored));
    known.add(&stored);
    verification.violations.extend(known.compare(db)?);
    // Crash recovery resets the statistics counters, so autovacuum never
    // analyzes these tables during the run; without fresh statistics the
    // plan of wms_verify() gets slower with every cycle.
    db.batch_execute("ANALYZE wms.customer_orders, wms.order_items, wms.stock_movements")?;
    verification.verify_rows = wms_verify(db)?;
    let negative: i64 = db
        .query_one(
            "SELECT count(*) FROM wms.inventory WHERE quantity_on_hand < 0",
            &[],
        )?
        .get(0);
    if negative > 0 {
        verification
            .violations
            .push(format!("{negative} inventory rows with negative on hand"));
    }
    Ok(verification)
}

/// The rows of wms_verify(), each a broken invariant.
fn wms_verify(db: &mut Client) -> Result<Vec<String>, postgres::Error> {
    Ok(db
        .query(
            "SELECT check_name, product_id, warehouse_id, expected, actual FROM wms_verify()",
            &[],
        )?
        .iter()
        .map(|r| {
            format!(
                "wms_verify(): {} product {:?} warehouse {:?}: expected {:?}, actual {:?}",
                r.get::<_, String>(0),
                r.get::<_, Option<i64>>(1),
                r.get::<_, Option<i64>>(2),
                r.get::<_, Option<i64>>(3),
                r.get::<_, Option<i64>>(4)
            )
        })
        .collect())
}

/// Answers and in-doubt outcomes.
#[derive(Default, Clone, Copy)]
pub struct Tally {
    pub acknowledged: usize,
    /// Of them, answers to wms_submit_order.
    pub submitted: usize,
    pub fulfilled: usize,
    pub unavailable: usize,
    pub refused: usize,
    /// Calls in doubt that took effect, and those that did not.
    pub present: usize,
    pub absent: usize,
}

impl Tally {
    fn count(&mut self, call: &Call) {
        let Some(answer) = &call.answer else {
            return;
        };
        self.acknowledged += 1;
        if matches!(
            call.request,
            Request::SubmitOne(_) | Request::SubmitItems(_)
        ) {
            self.submitted += 1;
        }
        match answer {
            Answer::Order { status, .. } if status == "Fulfilled" => self.fulfilled += 1,
            Answer::Unavailable => self.unavailable += 1,
            Answer::Refused(_) => self.refused += 1,
            _ => {}
        }
    }

    pub fn in_doubt(&self) -> usize {
        self.present + self.absent
    }
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.acknowledged += other.acknowledged;
        self.submitted += other.submitted;
        self.fulfilled += other.fulfilled;
        self.unavailable += other.unavailable;
        self.refused += other.refused;
        self.present += other.present;
        self.absent += other.absent;
    }
}

/// What the checks after one restart found.
#[derive(Default)]
pub struct Verification {
    pub tally: Tally,
    pub violations: Vec<String>,
    /// Rows of wms_verify().
    pub verify_rows: Vec<String>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.violations.is_empty() && self.verify_rows.is_empty()
    }

    pub fn problems(&self) -> impl Iterator<Item = &String> {
        self.violations.iter().chain(&self.verify_rows)
    }
}

/// The calls retried after a failover, now answered, checked as
/// acknowledged calls against the database; then, again, that it holds
/// exactly the rows verified so far and those of the retries.
pub fn verify_retries(
    db: &mut Client,
    cycle: u32,
    retried: &[Call],
    known: &mut Known,
) -> Fallible<Vec<String>> {
    let stored = Stored::fetch(db, cycle)?;
    let mut violations = Vec::new();
    for call in retried {
        if let (Request::Fulfil(id) | Request::Cancel(id), Some(answer)) =
            (&call.request, &call.answer)
        {
            // Told the status it asked for: the order has it. Refused: the
            // order is settled (fulfilled or cancelled by then, or its
            // reservation expired and was taken back).
            let Some(status) = db
                .query_opt(
                    "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
                    &[id],
                )?
                .map(|row| row.get::<_, String>(0))
            else {
                violations.push(format!(
                    "retry of {} {}: answered {answer}, and order {id} is gone",
                    call.key, call.request
                ));
                continue;
            };
            let target = call.request.target_status().expect("a status change");
            let holds = match answer {
                Answer::Order { status: told, .. } => told == target && status == target,
                Answer::Refused(_) => status != "Pending" || !held_by(db, *id)?,
                _ => false,
            };
            if !holds {
                violations.push(format!(
                    "retry of {} {}: answered {answer}, the order is {status}",
                    call.key, call.request
                ));
            }
            continue;
        }
        match check_call(call, &stored, &HashMap::new()) {
            Ok(None) => {}
            Ok(Some(_)) => violations.push(format!(
                "retry of {} {}: left in doubt",
                call.key, call.request
            )),
            Err(what) => violations.push(format!("retry of {} {}: {what}", call.key, call.request)),
        }
    }
    known.add(&stored);
    violations.extend(known.compare(db)?);
    violations.extend(
        wms_verify(db)?
            .into_iter()
            .map(|row| format!("after the retries, wms_verify(): {row}")),
    );
    Ok(violations)
}

/// Whether a line of the order still holds stock.
fn held_by(db: &mut Client, order_id: i64) -> Result<bool, postgres::Error> {
    Ok(!db
        .query(
            "SELECT 1 FROM wms.order_items WHERE order_id = $1 AND holding",
            &[&order_id],
        )?
        .is_empty())
}
