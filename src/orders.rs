//! Placing orders and reservations: validate, lock, check, write, all in
//! the caller's transaction. An Unavailable answer writes nothing.

use pgrx::datum::{Interval, TimestampWithTimeZone};
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Value};

use crate::errors::{
    bounded, not_blank_text, positive_quantity, required, writable, Shortage, Text, WmsError,
    WmsResult,
};
use crate::jsonb::{Jsonb, Node};
use crate::plans::{self, col, opt_col, Statement};
use crate::stock::{self, Applied, Cause, Change, ItemKey, Lines};
use crate::vocabulary::{history, FULFILLED, PENDING, SALE_REASON, UNAVAILABLE};
use std::collections::BTreeMap;

/// More lines than this in one order is refused (22023).
pub const MAX_ORDER_LINES: usize = 1000;

/// A reservation may last at most 100 years (so expires_at always fits),
/// measured as PostgreSQL compares intervals: a month is 30 days, so this
/// is `interval '100 years'`.
const MAX_TTL_MICROS: i128 = 100 * 12 * 30 * 86_400 * 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnShortage {
    /// Answer Unavailable and write nothing.
    Reject,
    /// Raise 23514.
    Error,
}

impl OnShortage {
    fn parse(value: &str) -> WmsResult<Self> {
        match bounded(value, "on_shortage", Text::Key)? {
            "reject" => Ok(OnShortage::Reject),
            "error" => Ok(OnShortage::Error),
            other => Err(WmsError::InvalidParameter {
                message: format!("on_shortage must be 'reject' or 'error', got '{other}'"),
            }),
        }
    }

    /// The answer to an order some of whose lines are short.
    fn refuse(self, shortages: Vec<Shortage>) -> WmsResult<Outcome> {
        match self {
            OnShortage::Reject => Ok(Outcome::unavailable(shortages)),
            OnShortage::Error => Err(WmsError::InsufficientStock { shortages }),
        }
    }
}

/// What an order does with the stock it asks for.
#[derive(Debug, Clone, Copy)]
enum Intent {
    /// Take it now: on hand drops, a Fulfilled order.
    Take,
    /// Hold it for `ttl`: reserved rises, a Pending order.
    Reserve(Interval),
}

/// What a caller asked for, normalised: identical requests compare equal
/// however their lines were written.
struct OrderRequest<'a> {
    customer: &'a str,
    lines: Lines,
    /// The unit price of the lines that have one, as numeric text.
    prices: Prices,
    intent: Intent,
}

impl OrderRequest<'_> {
    /// Stored with an idempotency key; a retry must match it exactly.
    fn fingerprint(&self) -> Value {
        // A line without a price is written as it was before prices existed,
        // so the keys of older requests still match.
        let items: Vec<Value> = self
            .lines
            .iter()
            .map(|(item, q)| match self.prices.get(&item) {
                Some(price) => json!([item.0, item.1, q, normal_price(price)]),
                None => json!([item.0, item.1, q]),
            })
            .collect();
        match self.intent {
            Intent::Take => {
                json!({ "operation": "place_order", "customer": self.customer, "items": items })
            }
            Intent::Reserve(ttl) => json!({
                "operation": "reserve",
                "customer": self.customer,
                "items": items,
                "ttl": [ttl.months(), ttl.days(), ttl.micros()],
            }),
        }
    }
}

/// The answer to an order or a reservation.
pub struct Outcome {
    order_id: Option<i64>,
    status: String,
    detail: Value,
    expires_at: Option<TimestampWithTimeZone>,
}

impl Outcome {
    fn unavailable(shortages: Vec<Shortage>) -> Outcome {
        Outcome {
            order_id: None,
            status: UNAVAILABLE.into(),
            detail: json!({ "short": shortages }),
            expires_at: None,
        }
    }

    fn into_row(self) -> TableIterator<'static, (Option<i64>, String, JsonB)> {
        TableIterator::once((self.order_id, self.status, JsonB(self.detail)))
    }

    fn into_reservation_row(
        self,
    ) -> TableIterator<'static, (Option<i64>, String, Option<TimestampWithTimeZone>)> {
        TableIterator::once((self.order_id, self.status, self.expires_at))
    }

    /// The answer for a placed order; a replay is built from the ledger, so
    /// it carries exactly what the first answer did.
    fn placed(order_id: i64, status: String, filled: &[FilledLine], replayed: bool) -> Outcome {
        let lines: Vec<Value> = filled
            .iter()
            .map(|l| {
                json!({
                    "product_id": l.item.0,
                    "warehouse_id": l.item.1,
                    "quantity": l.quantity,
                    "movement_id": l.movement_id,
                    "on_hand_after": l.on_hand_after,
                })
            })
            .collect();
        Outcome {
            order_id: Some(order_id),
            status,
            detail: json!({ "lines": lines, "replayed": replayed }),
            expires_at: None,
        }
    }
}

struct FilledLine {
    item: ItemKey,
    quantity: i64,
    movement_id: i64,
    on_hand_after: i64,
}

/// The unit price of each item that has one, as numeric text (`19.90`).
pub type Prices = BTreeMap<ItemKey, String>;

/// Digits a unit price may have before and after the decimal point.
const PRICE_DIGITS: (usize, usize) = (15, 6);

/// Parse the items argument: a non-empty array of
/// `{"product_id": int, "warehouse_id": int, "quantity": int}` objects,
/// each with an optional `"unit_price"` (a non-negative number) when
/// `priced`. Read one level at a time ([`Jsonb`]): nesting and number size
/// never make an error other than 22023 or 22003.
pub fn parse_items(items: &Jsonb<'_>, priced: bool) -> WmsResult<(Lines, Prices)> {
    let invalid = |message: String| WmsError::InvalidParameter { message };
    let array = match items.root() {
        Node::Array(array) => array,
        other => {
            return Err(invalid(format!(
                "items must be a JSON array of {{\"product_id\", \"warehouse_id\", \"quantity\"}} objects, got {}",
                other.kind()
            )))
        }
    };
    if array.len() == 0 {
        return Err(invalid("items must not be empty".into()));
    }
    if array.len() > MAX_ORDER_LINES {
        return Err(invalid(format!(
            "an order may have at most {MAX_ORDER_LINES} lines, got {}",
            array.len()
        )));
    }
    let mut lines = Lines::default();
    let mut prices = Prices::new();
    let mut unpriced = std::collections::BTreeSet::new();
    for (i, (_, entry)) in array.children().iter().enumerate() {
        let Node::Object(object) = entry else {
            return Err(invalid(format!(
                "items[{i}] must be a JSON object, got {}",
                entry.kind()
            )));
        };
        let fields = object.children();
        if let Some(unknown) = fields.iter().filter_map(|(key, _)| *key).find(|k| {
            let price = priced && *k == "unit_price";
            !(price || matches!(*k, "product_id" | "warehouse_id" | "quantity"))
        }) {
            return Err(invalid(format!(
                "items[{i}] has unknown key {} (expected product_id, warehouse_id, quantity{})",
                Node::String(unknown).shown(),
                if priced { ", unit_price" } else { "" }
            )));
        }
        let field = |name: &str| {
            let value = fields
                .iter()
                .find(|(key, _)| *key == Some(name))
                .map(|(_, value)| value);
            json_bigint(value, i, name)
        };
        let product_id = field("product_id")?;
        let warehouse_id = field("warehouse_id")?;
        let quantity = positive_quantity(field("quantity")?, &format!("items[{i}].quantity"))?;
        let item = (product_id, warehouse_id);
        let price = fields
            .iter()
            .find(|(key, _)| *key == Some("unit_price"))
            .map(|(_, value)| unit_price(value, i))
            .transpose()?;
        // Lines naming one item are one line: they must agree on its price.
        let agrees = match &price {
            Some(price) => {
                !unpriced.contains(&item) && prices.get(&item).is_none_or(|p| same_price(p, price))
            }
            None => !prices.contains_key(&item),
        };
        if !agrees {
            return Err(invalid(format!(
                "items[{i}] names product {product_id} in warehouse {warehouse_id} again with another unit_price"
            )));
        }
        match price {
            Some(price) => {
                prices.insert(item, price);
            }
            None => {
                unpriced.insert(item);
            }
        }
        lines.add(item, quantity)?;
    }
    Ok((lines, prices))
}

/// A line's unit price: a non-negative JSON number of at most
/// [`PRICE_DIGITS`] digits, as numeric_out writes it (`2.50`).
fn unit_price(value: &Node<'_>, i: usize) -> WmsResult<String> {
    let (before, after) = PRICE_DIGITS;
    let bad = || {
        WmsError::InvalidParameter {
        message: format!(
            "items[{i}].unit_price must be a non-negative number with at most {before} digits before the decimal point and {after} after, got {}",
            value.described()
        ),
    }
    };
    let Node::Number(text) = value else {
        return Err(bad());
    };
    let (whole, fraction) = price_digits(text);
    if text.starts_with('-') || whole.len() > before || fraction.len() > after {
        return Err(bad());
    }
    // As written, but with at most `after` decimals (the rest are zeros).
    Ok(match text.split_once('.') {
        Some((w, f)) if f.len() > after => format!("{w}.{}", &f[..after]),
        _ => text.clone(),
    })
}

/// The significant digits of a price in numeric_out's form (digits, maybe
/// a point and digits, no exponent): before and after the point.
fn price_digits(text: &str) -> (&str, &str) {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    (
        whole.trim_start_matches('0'),
        fraction.trim_end_matches('0'),
    )
}

/// A price as a request compares it: `2.50` and `2.5` are the same.
fn normal_price(text: &str) -> String {
    let (whole, fraction) = price_digits(text);
    let whole = if whole.is_empty() { "0" } else { whole };
    if fraction.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{fraction}")
    }
}

fn same_price(a: &str, b: &str) -> bool {
    normal_price(a) == normal_price(b)
}

/// An integer field of an items line.
fn json_bigint(value: Option<&Node<'_>>, i: usize, key: &str) -> WmsResult<i64> {
    let value = value.ok_or_else(|| WmsError::InvalidParameter {
        message: format!("items[{i}].{key} is missing"),
    })?;
    if let Node::Number(text) = value {
        if let Ok(v) = text.parse::<i64>() {
            return Ok(v);
        }
        // Digits only: an integer, outside bigint. 1.5 and 1.0 are not integers.
        if text
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            return Err(WmsError::OutOfRange {
                message: format!(
                    "items[{i}].{key} is out of range for bigint: {}",
                    value.shown()
                ),
            });
        }
    }
    Err(WmsError::InvalidParameter {
        message: format!(
            "items[{i}].{key} must be an integer, got {}",
            value.described()
        ),
    })
}

static FIND_BY_KEY: Statement = Statement {
    sql: include_str!("../sql/queries/find_by_key.sql"),
    params: &[TEXTOID],
};

static ORDER_LEDGER: Statement = Statement {
    sql: include_str!("../sql/queries/order_ledger.sql"),
    params: &[INT8OID],
};

// The order, its lines and its first status-history row in one statement.
// ON CONFLICT turns a key taken by a transaction this snapshot cannot see
// (REPEATABLE READ or stricter) into a serialization failure to retry.
static INSERT_ORDER: Statement = Statement {
    sql: include_str!("../sql/queries/insert_order.sql"),
    params: &[
        TEXTOID,
        TEXTOID,
        TEXTOID,
        JSONBOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        TEXTOID,
        INTERVALOID,
        TEXTARRAYOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
    ],
};

/// The answer already given for `key`, if an order holds it. The same key
/// with a different request raises 23505.
fn replay(
    client: &mut pgrx::spi::SpiClient<'_>,
    key: &str,
    request: &OrderRequest<'_>,
) -> WmsResult<Option<Outcome>> {
    let Some((order_id, status, stored, expires_at)) =
        plans::run(client, &FIND_BY_KEY, &[key.into()])
            .next()
            .map(|row| {
                (
                    col::<i64>(&row, 1),
                    col::<String>(&row, 2),
                    opt_col::<JsonB>(&row, 3).map(|j| j.0),
                    opt_col::<TimestampWithTimeZone>(&row, 4),
                )
            })
    else {
        return Ok(None);
    };
    if stored.as_ref() != Some(&request.fingerprint()) {
        return Err(WmsError::IdempotencyKeyReused {
            key: key.to_string(),
        });
    }
    let filled: Vec<FilledLine> = plans::run(client, &ORDER_LEDGER, &[order_id.into()])
        .map(|row| FilledLine {
            item: (col(&row, 1), col(&row, 2)),
            quantity: col(&row, 3),
            movement_id: col(&row, 4),
            on_hand_after: col(&row, 5),
        })
        .collect();
    let mut outcome = Outcome::placed(order_id, status, &filled, true);
    outcome.expires_at = expires_at;
    Ok(Some(outcome))
}

/// What every order is checked for before it locks anything: its text,
/// its ttl, and the caller's capability to sell in each of its warehouses.
fn check(request: &OrderRequest<'_>, key: Option<&str>) -> WmsResult<()> {
    not_blank_text(request.customer, "customer", Text::Prose)?;
    if let Some(key) = key {
        not_blank_text(key, "idempotency_key", Text::Key)?;
    }
    if let Intent::Reserve(ttl) = request.intent {
        if ttl.as_micros() <= 0 || ttl.is_negative() || ttl.as_micros() > MAX_TTL_MICROS {
            return Err(WmsError::InvalidParameter {
                message: "ttl must be a positive interval of at most 100 years".into(),
            });
        }
    }
    let warehouses: Vec<i64> = request.lines.iter().map(|((_, w), _)| w).collect();
    crate::access::require(crate::access::Capability::Sell, &warehouses)
}

/// The one line of `lines`, if there is exactly one.
fn single_line(lines: &Lines) -> Option<(ItemKey, i64)> {
    let mut all = lines.iter();
    match (all.next(), all.next()) {
        (Some(line), None) => Some(line),
        _ => None,
    }
}

/// An order of one line taken the short way by `who`, announced when
/// `notify`: with its item's queue held (`in_line`, [`stock::take_one`]),
/// or else joining it ([`stock::take_one_in_line`]). Its answer, or `None`
/// (nothing written, the queue held) when the general way must decide.
fn take_short(
    client: &mut pgrx::spi::SpiClient<'_>,
    request: &OrderRequest<'_>,
    (item, quantity): (ItemKey, i64),
    who: &crate::audit::Who,
    notify: bool,
    in_line: bool,
) -> Option<Outcome> {
    let order = stock::OneOrder {
        customer: request.customer,
        unit_price: request.prices.get(&item).map(String::as_str),
        history_reason: history::PLACED,
        who,
        notify,
    };
    let taken = if in_line {
        stock::take_one(client, item, quantity, &order)
    } else {
        stock::take_one_in_line(client, item, quantity, &order)
    }?;
    let filled = FilledLine {
        item,
        quantity,
        movement_id: taken.movement_id,
        on_hand_after: taken.on_hand_after,
    };
    Some(Outcome::placed(
        taken.order_id,
        FULFILLED.into(),
        &[filled],
        false,
    ))
}

fn place_order(
    request: OrderRequest<'_>,
    key: Option<&str>,
    on_shortage: OnShortage,
) -> WmsResult<Outcome> {
    check(&request, key)?;
    Spi::connect_mut(|client| {
        // A line's foreign key is checked at commit (stock::take_one_in_line),
        // but a security-restricted operation cannot keep a check for later.
        // SAFETY: reads this backend's security context.
        if unsafe { pg_sys::InSecurityRestrictedOperation() } {
            plans::prepare(client, &[&CHECK_LINES_AT_ONCE]);
            plans::run(client, &CHECK_LINES_AT_ONCE, &[]);
        }
        // Lock order: the key first, then inventory rows (stock.rs).
        if let Some(key) = key {
            stock::lock_key(key);
            if let Some(outcome) = replay(client, key, &request)? {
                return Ok(outcome);
            }
        }

        // A backend that has planned its statements already, first in line
        // at every item (no one holds or waits for its queue), goes
        // straight to the rows. Otherwise the order is refused on what a
        // snapshot shows, without queueing (a connection's first call thus
        // plans nothing it does not need: a flash sale is all first
        // calls), or else on what the rows show under their locks.
        // Nothing is planned while a queue is held: a backend's first call
        // plans only what it runs, and the commonest order's own statements
        // are planned by a later call, before it takes any lock (not by one
        // whose transaction holds wms locks already).
        let called_before = plans::prepared(&[&INSERT_ORDER]) && stock::locking_prepared();
        if called_before && !stock::holds_locks() {
            plans::prepare(client, &stock::ONE_LINE);
        }
        let warm = called_before && plans::prepared(&stock::ONE_LINE);
        let joined = if called_before {
            stock::try_join_free_queues(&request.lines)
        } else {
            None
        };
        // Whether the snapshot showed no reservation on the lines' rows
        // (first in line, no snapshot was read).
        let mut unreserved = true;
        if joined.is_none() {
            let seen = stock::short_in_snapshot(client, &request.lines)?;
            if !seen.short.is_empty() {
                return on_shortage.refuse(seen.short);
            }
            unreserved = seen.unreserved;
        }
        plans::prepare(client, &[&INSERT_ORDER]);
        // The commonest order, one line taken with no key, on a warm
        // backend, when the row has the units and no reservation: first in
        // line, one statement does it all; behind others, its order is
        // written before it queues and its turn does the rest.
        if let (true, Intent::Take, None, Some(line)) =
            (warm, request.intent, key, single_line(&request.lines))
        {
            let who = crate::audit::who()?;
            let notify = crate::gucs::NOTIFY.get();
            let in_line = joined.is_some();
            if in_line || unreserved {
                if let Some(outcome) = take_short(client, &request, line, &who, notify, in_line) {
                    return Ok(outcome);
                }
            }
        }
        let locked = stock::lock_lines(client, &request.lines)?;
        if !locked.short().is_empty() {
            // Nothing changed or locked: the queues it walked into freely
            // are left.
            if let Some(joined) = joined.filter(|_| !locked.holds_rows()) {
                stock::leave_queues(joined);
            }
            return on_shortage.refuse(locked.short().to_vec());
        }

        let (status, ttl) = match request.intent {
            Intent::Take => (FULFILLED, None),
            Intent::Reserve(ttl) => (PENDING, Some(ttl)),
        };
        let who = crate::audit::who()?;
        let (products, warehouses, quantities) = request.lines.columns();
        let prices: Vec<Option<String>> = request
            .lines
            .iter()
            .map(|(item, _)| request.prices.get(&item).cloned())
            .collect();
        let inserted = plans::run(
            client,
            &INSERT_ORDER,
            &[
                request.customer.into(),
                status.into(),
                key.into(),
                key.map(|_| JsonB(request.fingerprint())).into(),
                products.into(),
                warehouses.into(),
                quantities.into(),
                match request.intent {
                    Intent::Take => history::PLACED,
                    Intent::Reserve(_) => history::RESERVED,
                }
                .into(),
                ttl.into(),
                prices.into(),
                who.role.as_str().into(),
                who.actor.as_deref().into(),
                who.request_id.as_deref().into(),
            ],
        )
        .next()
        .map(|row| {
            (
                col::<i64>(&row, 1),
                opt_col::<TimestampWithTimeZone>(&row, 2),
            )
        });
        let Some((order_id, expires_at)) = inserted else {
            // Only reachable when the key was inserted outside wms calls
            // (they all hold the key's lock); its order is committed now.
            let key = key.expect("a conflict needs a key");
            return replay(client, key, &request)?.ok_or_else(|| WmsError::IdempotencyKeyReused {
                key: key.to_string(),
            });
        };

        let changes: Vec<Change> = request
            .lines
            .iter()
            .map(|(item, quantity)| match request.intent {
                Intent::Take => Change {
                    item,
                    on_hand: -quantity,
                    reserved: 0,
                    expired: 0,
                },
                Intent::Reserve(_) => Change {
                    item,
                    on_hand: 0,
                    reserved: quantity,
                    expired: 0,
                },
            })
            .collect();
        let applied = stock::apply(
            client,
            &locked,
            &changes,
            &Cause {
                reason: SALE_REASON,
                order_id: Some(order_id),
                reference: None,
            },
        )?;
        let filled: Vec<FilledLine> = applied
            .iter()
            .zip(request.lines.iter())
            .filter_map(|(a, (_, quantity)): (&Applied, _)| {
                Some(FilledLine {
                    item: a.item,
                    quantity,
                    movement_id: a.movement_id?,
                    on_hand_after: a.on_hand,
                })
            })
            .collect();
        let mut outcome = Outcome::placed(order_id, status.into(), &filled, false);
        outcome.expires_at = expires_at;
        Ok(outcome)
    })
}

/// Order `quantity` units of one product from one warehouse.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_place_order(
    customer: Option<&str>,
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: default!(Option<i64>, 1),
    idempotency_key: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_place_order");
    one_line(customer, product_id, warehouse_id, quantity)
        .and_then(|request| place_order(request, idempotency_key, OnShortage::Reject))
        .unwrap_or_else(|e| e.raise())
        .into_row()
}

/// The order of wms_place_order's and wms_submit_order's one-line form.
fn one_line<'a>(
    customer: Option<&'a str>,
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: Option<i64>,
) -> WmsResult<OrderRequest<'a>> {
    let customer = required(customer, "customer");
    let item = (
        required(product_id, "product_id"),
        required(warehouse_id, "warehouse_id"),
    );
    let quantity = positive_quantity(required(quantity, "quantity"), "quantity")?;
    Ok(OrderRequest {
        customer,
        lines: Lines::single(item, quantity),
        prices: Prices::new(),
        intent: Intent::Take,
    })
}

/// The order of wms_place_order's and wms_submit_order's items form, and
/// what to do when it is short.
fn items_form<'a>(
    customer: Option<&'a str>,
    items: Option<&Jsonb<'_>>,
    on_shortage: Option<&str>,
) -> WmsResult<(OrderRequest<'a>, OnShortage)> {
    let customer = required(customer, "customer");
    let items = required(items, "items");
    let on_shortage = OnShortage::parse(required(on_shortage, "on_shortage"))?;
    let (lines, prices) = parse_items(items, true)?;
    let request = OrderRequest {
        customer,
        lines,
        prices,
        intent: Intent::Take,
    };
    Ok((request, on_shortage))
}

/// Order several lines at once, all or nothing.
#[pg_extern(name = "wms_place_order", volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_place_order_items(
    customer: Option<&str>,
    items: Option<Jsonb<'_>>,
    idempotency_key: default!(Option<&str>, "NULL"),
    on_shortage: default!(Option<&str>, "'reject'"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_place_order");
    items_form(customer, items.as_ref(), on_shortage)
        .and_then(|(request, on_shortage)| place_order(request, idempotency_key, on_shortage))
        .unwrap_or_else(|e| e.raise())
        .into_row()
}

/// Reserve stock for `ttl`: a Pending order whose lines count against
/// availability until it is fulfilled, cancelled or expires.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_reserve(
    customer: Option<&str>,
    items: Option<Jsonb<'_>>,
    ttl: default!(Option<Interval>, "'10 minutes'"),
    idempotency_key: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(expires_at, Option<TimestampWithTimeZone>),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_reserve");
    let customer = required(customer, "customer");
    let items = required(items, "items");
    let ttl = required(ttl, "ttl");
    parse_items(&items, true)
        .and_then(|(lines, prices)| {
            let request = OrderRequest {
                customer,
                lines,
                prices,
                intent: Intent::Reserve(ttl),
            };
            place_order(request, idempotency_key, OnShortage::Reject)
        })
        .unwrap_or_else(|e| e.raise())
        .into_reservation_row()
}

/// More lines than this in one order handed to the order worker is
/// refused (22023): the order and its answer travel in shared memory.
pub const MAX_SUBMIT_LINES: usize = 100;

/// An order handed to the order worker (wms_submit_order), as its caller
/// checked it, with who asks: what travels through shared memory.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Submitted {
    customer: String,
    /// (product_id, warehouse_id, quantity), summed, in lock order.
    lines: Vec<(i64, i64, i64)>,
    prices: Vec<(i64, i64, String)>,
    key: Option<String>,
    error_on_shortage: bool,
    role: String,
    actor: Option<String>,
    request_id: Option<String>,
    /// The caller's `wms.notify`.
    notify: bool,
}

impl Submitted {
    fn request(&self) -> OrderRequest<'_> {
        let mut lines = Lines::default();
        for &(p, w, q) in &self.lines {
            lines.add((p, w), q).expect("summed by the caller");
        }
        OrderRequest {
            customer: &self.customer,
            lines,
            prices: self
                .prices
                .iter()
                .map(|(p, w, price)| ((*p, *w), price.clone()))
                .collect(),
            intent: Intent::Take,
        }
    }

    fn on_shortage(&self) -> OnShortage {
        if self.error_on_shortage {
            OnShortage::Error
        } else {
            OnShortage::Reject
        }
    }

    fn who(&self) -> crate::audit::Who {
        crate::audit::Who {
            role: self.role.clone(),
            actor: self.actor.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// The worker's answer to one submitted order.
#[derive(serde::Serialize, serde::Deserialize, Clone)]
pub enum Answer {
    /// What wms_place_order would have returned.
    Row {
        order_id: Option<i64>,
        status: String,
        detail: Value,
    },
    /// What it would have raised.
    Error(crate::errors::Relayed),
    /// An earlier order of the batch has the same idempotency key: this
    /// one goes into the next batch, which sees that order committed.
    Again,
    /// Another transaction holds its key or one of its items: it waits
    /// for a later batch (at most its caller's wms.lock_timeout).
    Busy,
}

impl From<WmsResult<Outcome>> for Answer {
    fn from(result: WmsResult<Outcome>) -> Answer {
        match result {
            Ok(o) => Answer::Row {
                order_id: o.order_id,
                status: o.status,
                detail: o.detail,
            },
            Err(e) => Answer::Error(e.into()),
        }
    }
}

/// An order for the worker, checked as wms_place_order checks it.
fn submission(
    request: OrderRequest<'_>,
    key: Option<&str>,
    on_shortage: OnShortage,
) -> WmsResult<Submitted> {
    check(&request, key)?;
    let count = request.lines.iter().count();
    if count > MAX_SUBMIT_LINES {
        return Err(WmsError::InvalidParameter {
            message: format!(
                "wms_submit_order takes at most {MAX_SUBMIT_LINES} lines, got {count} (wms_place_order takes more)"
            ),
        });
    }
    let who = crate::audit::who()?;
    Ok(Submitted {
        customer: request.customer.to_string(),
        lines: request.lines.iter().map(|((p, w), q)| (p, w, q)).collect(),
        prices: request
            .prices
            .iter()
            .map(|((p, w), price)| (*p, *w, price.clone()))
            .collect(),
        key: key.map(str::to_string),
        error_on_shortage: on_shortage == OnShortage::Error,
        role: who.role,
        actor: who.actor,
        request_id: who.request_id,
        notify: crate::gucs::NOTIFY.get(),
    })
}

static CHECK_LINES_AT_ONCE: Statement = Statement {
    sql: include_str!("../sql/queries/check_lines_at_once.sql"),
    params: &[],
};

static WORKER_CHECKS_AT_ONCE: Statement = Statement {
    sql: include_str!("../sql/queries/worker_checks_at_once.sql"),
    params: &[],
};

static INSERT_ORDERS: Statement = Statement {
    sql: include_str!("../sql/queries/insert_orders.sql"),
    params: &[
        TEXTARRAYOID,
        TEXTARRAYOID,
        JSONBARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        TEXTARRAYOID,
        TEXTOID,
    ],
};

/// Place a batch of submitted orders in the current transaction, in their
/// order, as wms_place_order would one after the other: replays first,
/// then every item locked once (the batch worker without waiting: an
/// order whose key or item another transaction holds is answered Busy, to
/// wait for a later batch; the waiting worker, `wait`, in their lines, as
/// wms_place_order does), each order decided on what the ones
/// before it left, and the Fulfilled ones written with one statement for
/// the orders and one for the stock. An order's own error (a key reused,
/// an unknown item, a shortage with on_shortage 'error') is its answer
/// alone. An Err fails the whole batch (nothing of it is written).
pub fn place_batch(batch: &[&Submitted], wait: bool) -> WmsResult<Vec<Answer>> {
    Spi::connect_mut(|client| {
        plans::prepare(
            client,
            &[
                &INSERT_ORDERS,
                &FIND_BY_KEY,
                &ORDER_LEDGER,
                &stock::TAKE_ONE,
                &WORKER_CHECKS_AT_ONCE,
            ],
        );
        stock::prepare_locking(client);
        plans::run(client, &WORKER_CHECKS_AT_ONCE, &[]);
        let requests: Vec<OrderRequest<'_>> = batch.iter().map(|s| s.request()).collect();
        // A batch of one order of one line with no key (no herd): the short
        // way of wms_place_order, its item's queue taken without waiting.
        if let ([one], [request], false) = (batch, &requests[..], wait) {
            if let (None, Some(line)) = (&one.key, single_line(&request.lines)) {
                if stock::try_join_free_queues(&request.lines).is_none() {
                    return Ok(vec![Answer::Busy]);
                }
                if let Some(outcome) =
                    take_short(client, request, line, &one.who(), one.notify, true)
                {
                    return Ok(vec![Ok(outcome).into()]);
                }
            }
        }
        let mut answers: Vec<Option<Answer>> = vec![None; batch.len()];
        // Keys: each once per batch, locked in order, then replayed.
        let mut keys: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, s) in batch.iter().enumerate() {
            if let Some(key) = s.key.as_deref() {
                if keys.contains_key(key) {
                    answers[i] = Some(Answer::Again);
                } else {
                    keys.insert(key, i);
                }
            }
        }
        for (key, &i) in &keys {
            if wait {
                stock::lock_key(key);
            } else if !stock::try_lock_key(key) {
                answers[i] = Some(Answer::Busy);
                continue;
            }
            if let Some(answer) = replay(client, key, &requests[i]).transpose() {
                answers[i] = Some(answer.into());
            }
        }
        let open: Vec<usize> = (0..batch.len()).filter(|&i| answers[i].is_none()).collect();
        let stock::BatchLocks {
            locked,
            unknown,
            busy,
        } = stock::lock_batch(
            client,
            open.iter()
                .flat_map(|&i| requests[i].lines.iter().map(|(item, _)| item)),
            wait,
        );
        // Decide in arrival order, on what the orders before left.
        let mut available: BTreeMap<ItemKey, i64> = BTreeMap::new();
        let mut fulfilled = Vec::new();
        for &i in &open {
            let lines = &requests[i].lines;
            if lines.iter().any(|(item, _)| busy.contains(&item)) {
                answers[i] = Some(Answer::Busy);
                continue;
            }
            if let Some(e) = lines.iter().find_map(|(item, _)| unknown.get(&item)) {
                answers[i] = Some(Answer::Error(e.clone().into()));
                continue;
            }
            let mut short = Vec::new();
            for (item, need) in lines.iter() {
                let left = *available
                    .entry(item)
                    .or_insert_with(|| locked.available(item));
                short.extend(stock::shortage(item, need, left));
            }
            if !short.is_empty() {
                answers[i] = Some(batch[i].on_shortage().refuse(short).into());
                continue;
            }
            for (item, need) in lines.iter() {
                *available.get_mut(&item).expect("entered above") -= need;
            }
            fulfilled.push(i);
        }
        if !fulfilled.is_empty() {
            let ids = insert_orders(client, batch, &requests, &fulfilled);
            let whos: Vec<crate::audit::Who> = fulfilled.iter().map(|&i| batch[i].who()).collect();
            let mut movements = Vec::new();
            for (k, &i) in fulfilled.iter().enumerate() {
                for (item, quantity) in requests[i].lines.iter() {
                    movements.push(stock::Movement {
                        item,
                        change: -quantity,
                        order_id: ids[k],
                        who: &whos[k],
                        notify: batch[i].notify,
                    });
                }
            }
            let moved = stock::apply_batch(client, &locked, &movements, SALE_REASON)?;
            let mut moved = moved.into_iter();
            for (k, &i) in fulfilled.iter().enumerate() {
                let filled: Vec<FilledLine> = requests[i]
                    .lines
                    .iter()
                    .zip(moved.by_ref())
                    .map(|((item, quantity), m)| FilledLine {
                        item,
                        quantity,
                        movement_id: m.movement_id,
                        on_hand_after: m.on_hand_after,
                    })
                    .collect();
                answers[i] =
                    Some(Ok(Outcome::placed(ids[k], FULFILLED.into(), &filled, false)).into());
            }
        }
        Ok(answers
            .into_iter()
            .map(|a| a.expect("every order of the batch is answered"))
            .collect())
    })
}

/// The lines of a batch's orders as INSERT_ORDERS takes them: the order's
/// place (from 1), product, warehouse, quantity, unit price.
type BatchLines = (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>, Vec<Option<String>>);

/// Write the Fulfilled orders of a batch with their lines and first
/// history rows: their ids, in the order of `fulfilled`.
fn insert_orders(
    client: &mut pgrx::spi::SpiClient<'_>,
    batch: &[&Submitted],
    requests: &[OrderRequest<'_>],
    fulfilled: &[usize],
) -> Vec<i64> {
    let mut orders: (Vec<&str>, Vec<Option<&str>>, Vec<Option<JsonB>>) = Default::default();
    let mut who: (Vec<&str>, Vec<Option<&str>>, Vec<Option<&str>>) = Default::default();
    let mut lines: BatchLines = Default::default();
    for (k, &i) in fulfilled.iter().enumerate() {
        let (s, r) = (&batch[i], &requests[i]);
        orders.0.push(&s.customer);
        orders.1.push(s.key.as_deref());
        orders
            .2
            .push(s.key.as_ref().map(|_| JsonB(r.fingerprint())));
        who.0.push(&s.role);
        who.1.push(s.actor.as_deref());
        who.2.push(s.request_id.as_deref());
        for (item, quantity) in r.lines.iter() {
            lines.0.push(k as i64 + 1);
            lines.1.push(item.0);
            lines.2.push(item.1);
            lines.3.push(quantity);
            lines.4.push(r.prices.get(&item).cloned());
        }
    }
    let ids: Vec<(i64, i64)> = plans::run(
        client,
        &INSERT_ORDERS,
        &[
            orders.0.into(),
            orders.1.into(),
            orders.2.into(),
            who.0.into(),
            who.1.into(),
            who.2.into(),
            lines.0.into(),
            lines.1.into(),
            lines.2.into(),
            lines.3.into(),
            lines.4.into(),
            history::PLACED.into(),
        ],
    )
    .map(|row| (col::<i64>(&row, 1), col::<i64>(&row, 2)))
    .collect();
    assert_eq!(
        ids.len(),
        fulfilled.len(),
        "wms: one row per order of the batch"
    );
    assert!(
        ids.iter().enumerate().all(|(k, (n, _))| *n == k as i64 + 1),
        "wms: the batch's orders come back in their order"
    );
    ids.into_iter().map(|(_, id)| id).collect()
}

/// Hand an order of one line to the order worker, which commits it with
/// the orders of other callers in one transaction (src/submit.rs).
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_submit_order(
    customer: Option<&str>,
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: default!(Option<i64>, 1),
    idempotency_key: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    crate::submit::ready("wms_submit_order");
    let submitted = one_line(customer, product_id, warehouse_id, quantity)
        .and_then(|request| submission(request, idempotency_key, OnShortage::Reject))
        .unwrap_or_else(|e| e.raise());
    answered(crate::submit::submit(&submitted))
}

/// Hand an order of several lines to the order worker, all or nothing.
#[pg_extern(name = "wms_submit_order", volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_submit_order_items(
    customer: Option<&str>,
    items: Option<Jsonb<'_>>,
    idempotency_key: default!(Option<&str>, "NULL"),
    on_shortage: default!(Option<&str>, "'reject'"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    crate::submit::ready("wms_submit_order");
    let submitted = items_form(customer, items.as_ref(), on_shortage)
        .and_then(|(request, on_shortage)| submission(request, idempotency_key, on_shortage))
        .unwrap_or_else(|e| e.raise());
    answered(crate::submit::submit(&submitted))
}

/// The worker's answer as the caller's result row, or its error raised.
fn answered(answer: Answer) -> TableIterator<'static, (Option<i64>, String, JsonB)> {
    match answer {
        Answer::Row {
            order_id,
            status,
            detail,
        } => TableIterator::once((order_id, status, JsonB(detail))),
        Answer::Error(e) => e.raise(),
        Answer::Again | Answer::Busy => {
            unreachable!("wms: the worker places a deferred order again")
        }
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{assert_sqlstate, count, item, items, on_hand, place, verify};
    use pgrx::prelude::*;
    use serde_json::json;

    fn written() -> [i64; 4] {
        [
            count("SELECT 1 FROM wms.customer_orders"),
            count("SELECT 1 FROM wms.order_items"),
            count("SELECT 1 FROM wms.stock_movements"),
            count("SELECT 1 FROM wms.order_status_history"),
        ]
    }

    #[pg_test]
    fn test_place_order_fulfilled() {
        let (p, w) = item("po", 5);
        let (order_id, status, detail) = place(&format!("'User-19', {p}, {w}, 2"));
        let order_id = order_id.expect("a Fulfilled order has an id");
        assert_eq!(status, "Fulfilled");
        assert_eq!(detail["lines"][0]["quantity"], json!(2));
        assert_eq!(detail["lines"][0]["on_hand_after"], json!(3));
        assert_eq!(detail["replayed"], json!(false));
        assert_eq!(on_hand(p, w), Some(3));
        assert_eq!(count(&format!("SELECT 1 FROM wms.customer_orders WHERE order_id = {order_id} AND customer_name = 'User-19' AND order_status = 'Fulfilled' AND idempotency_key IS NULL")), 1);
        assert_eq!(count(&format!("SELECT 1 FROM wms.order_items WHERE order_id = {order_id} AND product_id = {p} AND warehouse_id = {w} AND quantity = 2")), 1);
        assert_eq!(count(&format!("SELECT 1 FROM wms.stock_movements WHERE order_id = {order_id} AND quantity_change = -2 AND balance_after = 3 AND reason = 'Sale'")), 1);
        assert_eq!(count(&format!("SELECT 1 FROM wms.order_status_history WHERE order_id = {order_id} AND from_status IS NULL AND to_status = 'Fulfilled' AND changed_by = session_user")), 1);
        // quantity defaults to 1
        let (_, status, detail) = place(&format!("'User-20', {p}, {w}"));
        assert_eq!(
            (status.as_str(), &detail["lines"][0]["quantity"]),
            ("Fulfilled", &json!(1))
        );
        assert_eq!(on_hand(p, w), Some(2));
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_unavailable_writes_nothing() {
        let (p, w) = item("po", 3);
        let before = written();
        let (order_id, status, detail) = place(&format!("'c', {p}, {w}, 10"));
        assert_eq!((order_id, status.as_str()), (None, "Unavailable"));
        assert_eq!(
            detail,
            json!({"short": [{"product_id": p, "warehouse_id": w, "requested": 10, "available": 3}]})
        );
        assert_eq!(written(), before);
        assert_eq!(on_hand(p, w), Some(3));
    }

    #[pg_test]
    fn test_item_without_inventory_row_is_unavailable() {
        let (p, w) = item("po", 0);
        let (order_id, status, detail) = place(&format!("'c', {p}, {w}, 1"));
        assert_eq!((order_id, status.as_str()), (None, "Unavailable"));
        assert_eq!(detail["short"][0]["available"], json!(0));
        assert_eq!(count("SELECT 1 FROM wms.inventory"), 0);
    }

    #[pg_test]
    fn test_multi_line_all_or_nothing() {
        let (a, w) = item("a", 5);
        let b = Spi::get_one::<i64>("SELECT wms_add_product('b', 'b')")
            .unwrap()
            .unwrap();
        crate::testing::receive(b, w, 1);
        let before = written();
        let (_, status, detail) = place(&format!("'c', {}", items(&[(a, w, 2), (b, w, 2)])));
        assert_eq!(status, "Unavailable");
        // Only the short line is named.
        assert_eq!(
            detail,
            json!({"short": [{"product_id": b, "warehouse_id": w, "requested": 2, "available": 1}]})
        );
        assert_eq!(written(), before);
        assert_eq!((on_hand(a, w), on_hand(b, w)), (Some(5), Some(1)));

        let (order_id, status, detail) = place(&format!("'c', {}", items(&[(b, w, 1), (a, w, 2)])));
        assert_eq!(status, "Fulfilled");
        // Lines come back in lock order.
        assert_eq!(detail["lines"][0]["product_id"], json!(a.min(b)));
        assert_eq!((on_hand(a, w), on_hand(b, w)), (Some(3), Some(0)));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE order_id = {}",
                order_id.unwrap()
            )),
            2
        );
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_duplicate_lines_are_summed() {
        let (p, w) = item("dup", 3);
        let (_, status, detail) = place(&format!("'c', {}", items(&[(p, w, 2), (p, w, 2)])));
        assert_eq!(status, "Unavailable");
        assert_eq!(detail["short"][0]["requested"], json!(4));
        let (order_id, status, _) = place(&format!("'c', {}", items(&[(p, w, 1), (p, w, 2)])));
        assert_eq!(status, "Fulfilled");
        let order_id = order_id.unwrap();
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_items WHERE order_id = {order_id} AND quantity = 3"
            )),
            1
        );
        assert_eq!(count(&format!("SELECT 1 FROM wms.stock_movements WHERE order_id = {order_id} AND quantity_change = -3")), 1);
        assert_eq!(on_hand(p, w), Some(0));
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_on_shortage_error_raises_23514() {
        let (p, w) = item("err", 2);
        let msg = assert_sqlstate(
            &format!(
                "SELECT * FROM wms_place_order('c', {}, on_shortage => 'error')",
                items(&[(p, w, 5)])
            ),
            "23514",
        );
        assert_eq!(
            msg,
            format!(
                "insufficient stock for product {p} in warehouse {w}: requested 5, available 2"
            )
        );
        // 'reject' is the default and answers Unavailable
        let (_, status, _) = place(&format!(
            "'c', {}, on_shortage => 'reject'",
            items(&[(p, w, 5)])
        ));
        assert_eq!(status, "Unavailable");
        assert_eq!(on_hand(p, w), Some(2));
    }

    #[pg_test]
    fn test_idempotency_key_replays_and_conflicts() {
        let (p, w) = item("idem", 10);
        let (id1, s1, d1) = place(&format!("'c', {p}, {w}, 2, 'key-1'"));
        let (id2, s2, d2) = place(&format!("'c', {p}, {w}, 2, 'key-1'"));
        // The items form with the same content is the same request.
        let (id3, _, _) = place(&format!("'c', {}, 'key-1'", items(&[(p, w, 1), (p, w, 1)])));
        assert_eq!((id1, s1.as_str()), (id2, s2.as_str()));
        assert_eq!(id1, id3);
        assert_eq!(d1["lines"], d2["lines"]);
        assert_eq!(
            (d1["replayed"].clone(), d2["replayed"].clone()),
            (json!(false), json!(true))
        );
        assert_eq!(on_hand(p, w), Some(8));
        assert_eq!(
            count("SELECT 1 FROM wms.customer_orders WHERE idempotency_key = 'key-1'"),
            1
        );
        for other in [
            format!("'c', {p}, {w}, 3, 'key-1'"),
            format!("'someone else', {p}, {w}, 2, 'key-1'"),
        ] {
            let msg = assert_sqlstate(&format!("SELECT * FROM wms_place_order({other})"), "23505");
            assert_eq!(
                msg,
                "idempotency key \"key-1\" was already used with a different request"
            );
        }
        // An Unavailable answer records nothing, so the key stays free.
        let (_, status, _) = place(&format!("'c', {p}, {w}, 100, 'key-2'"));
        assert_eq!(status, "Unavailable");
        let (_, status, _) = place(&format!("'c', {p}, {w}, 1, 'key-2'"));
        assert_eq!(status, "Fulfilled");
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_orders_hold_their_items_queue() {
        // One unit stocked the way a bulk load does, not through the door,
        // so this transaction has not joined the item's queue yet.
        let (p, w) = item("queue", 0);
        Spi::run(&format!(
            "INSERT INTO wms.inventory (product_id, warehouse_id, quantity_on_hand) VALUES ({p}, {w}, 1); \
             INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, balance_after) \
             VALUES ({p}, {w}, 1, 'Purchase Order', 1)"
        ))
        .unwrap();
        // pg_locks shows the queue of each item a call changed, until the
        // end of the transaction: an advisory lock on (product, warehouse).
        let queues = || {
            count(&format!(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() \
                   AND classid = {p} AND objid = {w} AND objsubid = {} AND mode = 'ExclusiveLock' AND granted",
                crate::stock::QUEUE_LOCK_CLASS
            ))
        };
        assert_eq!(queues(), 0);
        // A backend's first order plans what it runs; on a cold backend
        // a refusal comes from the snapshot, and joins nothing either.
        let (r, rw) = item("queue-warm", 1);
        let (_, status, _) = place(&format!("'c', {r}, {rw}, 1"));
        assert_eq!(status, "Fulfilled");
        // The commonest order's statements are planned by a later call
        // that holds no lock yet; this transaction holds a queue now.
        assert!(!crate::plans::prepared(&crate::stock::ONE_LINE));
        // Refused (first in line, on what the row shows): it holds no
        // queue after the call.
        let (_, status, _) = place(&format!("'c', {p}, {w}, 2"));
        assert_eq!(status, "Unavailable");
        assert_eq!(queues(), 0);
        // A multi-line order short on its second line keeps the first
        // line's queue, as it holds that row's lock.
        let (q, w2) = item("queue-2", 5);
        let (_, status, _) = place(&format!(
            "'c', {}",
            crate::testing::items(&[(p, w, 1), (q, w2, 10)])
        ));
        assert_eq!(status, "Unavailable");
        assert_eq!(queues(), 1);
        let (_, status, _) = place(&format!("'c', {p}, {w}, 1"));
        assert_eq!(status, "Fulfilled");
        assert_eq!(queues(), 1);
    }

    #[pg_test]
    fn test_several_lines_after_a_call_that_locked() {
        // item() stocks through wms_receive: this transaction holds the
        // items' queues before the backend's first order.
        let (p, w) = item("look-a", 5);
        let (q, w2) = item("look-b", 5);
        let lines = |a: i64, b: i64| crate::testing::items(&[(p, w, a), (q, w2, b)]);
        let (_, status, _) = place(&format!("'c', {}", lines(1, 9)));
        assert_eq!(status, "Unavailable");
        // Its look at the snapshot read the items one at a time, with the
        // statement planned before locking, rather than plan another one
        // while the queues are held.
        assert!(!crate::stock::several_peek_planned());
        let (_, status, _) = place(&format!("'c', {}", lines(1, 5)));
        assert_eq!(status, "Fulfilled");
        assert!(!crate::stock::several_peek_planned());
        let on_hand = |p: i64, w: i64| {
            Spi::get_one::<i64>(&format!(
                "SELECT quantity_on_hand FROM wms.inventory WHERE product_id = {p} AND warehouse_id = {w}"
            ))
            .unwrap()
            .unwrap()
        };
        assert_eq!((on_hand(p, w), on_hand(q, w2)), (4, 0));
    }

    #[pg_test]
    fn test_items_form_by_name_without_cast() {
        let (p, w) = item("named", 1);
        let (_, status, _) = place(&format!(
            "'c', items => '[{{\"product_id\":{p},\"warehouse_id\":{w},\"quantity\":1}}]'"
        ));
        assert_eq!(status, "Fulfilled");
    }

    fn total(order_id: i64) -> Option<String> {
        Spi::get_one::<String>(&format!(
            "SELECT total::text FROM wms.customer_orders WHERE order_id = {order_id}"
        ))
        .unwrap()
    }

    fn priced(lines: &[(i64, i64, i64, &str)]) -> String {
        let v: Vec<String> = lines
            .iter()
            .map(|(p, w, q, price)| {
                format!(r#"{{"product_id": {p}, "warehouse_id": {w}, "quantity": {q}, "unit_price": {price}}}"#)
            })
            .collect();
        format!("'[{}]'::jsonb", v.join(", "))
    }

    /// Prices are kept exactly; the total is set only when every line has one.
    #[pg_test]
    fn test_prices_and_totals() {
        let (p, w) = item("price-a", 100);
        let b = Spi::get_one::<i64>("SELECT wms_add_product('price-b', 'b')")
            .unwrap()
            .unwrap();
        crate::testing::receive(b, w, 100);
        let (id, _, _) = place(&format!(
            "'c', {}",
            priced(&[(p, w, 2, "2.50"), (b, w, 4, "0.1")])
        ));
        let id = id.unwrap();
        assert_eq!(total(id).as_deref(), Some("5.40"));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_items WHERE order_id = {id} AND unit_price = 2.5"
            )),
            1
        );
        // A line without a price: no total.
        let mixed = format!(
            r#"'[{{"product_id": {p}, "warehouse_id": {w}, "quantity": 1, "unit_price": 3}}, {{"product_id": {b}, "warehouse_id": {w}, "quantity": 1}}]'"#
        );
        let (id, _, _) = place(&format!("'c', {mixed}"));
        assert_eq!(total(id.unwrap()), None);
        // A reservation carries its prices too.
        let r = crate::testing::reserve(&format!("'c', {}", priced(&[(p, w, 3, "19.99")])));
        assert_eq!(total(r.0.unwrap()).as_deref(), Some("59.97"));
        for bad in [
            "-1",
            "\"3\"",
            "1234567890123456",
            "0.0000001",
            "null",
            "1e400",
        ] {
            let message = assert_sqlstate(
                &format!(
                    "SELECT * FROM wms_place_order('c', {})",
                    priced(&[(p, w, 1, bad)])
                ),
                "22023",
            );
            assert!(message.contains("unit_price"), "{bad}: {message}");
        }
        assert_sqlstate(
            &format!(
                "SELECT * FROM wms_place_order('c', {})",
                priced(&[(p, w, 1, "1"), (p, w, 1, "2")])
            ),
            "22023",
        );
        // The same line twice at one price is one line.
        let (id, _, _) = place(&format!(
            "'c', {}",
            priced(&[(p, w, 1, "1"), (p, w, 2, "1.0")])
        ));
        assert_eq!(total(id.unwrap()).as_deref(), Some("3.0"));
        assert!(verify().is_empty());
    }

    /// The price is part of the request a key is compared with; 19.990 and
    /// 19.99 are the same price; a request without prices matches as before.
    #[pg_test]
    fn test_price_is_part_of_the_request() {
        let (p, w) = item("price-key", 100);
        let first = place(&format!("'c', {}, 'pk-1'", priced(&[(p, w, 1, "19.99")])));
        let again = place(&format!("'c', {}, 'pk-1'", priced(&[(p, w, 1, "19.990")])));
        assert_eq!(
            (first.0, again.2["replayed"].clone()),
            (again.0, json!(true))
        );
        assert_sqlstate(
            &format!(
                "SELECT * FROM wms_place_order('c', {}, 'pk-1')",
                priced(&[(p, w, 1, "20")])
            ),
            "23505",
        );
        assert_sqlstate(
            &format!(
                "SELECT * FROM wms_place_order('c', {}, 'pk-1')",
                items(&[(p, w, 1)])
            ),
            "23505",
        );
        let plain = place(&format!("'c', {}, 'pk-2'", items(&[(p, w, 1)])));
        let plain_again = place(&format!("'c', {p}, {w}, 1, 'pk-2'"));
        assert_eq!(plain.0, plain_again.0);
        assert_eq!(on_hand(p, w), Some(98));
    }
}
