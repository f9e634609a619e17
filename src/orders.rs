//! Placing orders: validate, lock, check, write, all in the caller's
//! transaction. An Unavailable answer writes nothing.

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Map, Value};

use crate::errors::{not_blank, positive_quantity, required, Shortage, WmsError, WmsResult};
use crate::plans::{self, col, opt_col, Statement};
use crate::stock::{self, Applied, Cause, Change, ItemKey, Lines, Missing};

/// More lines than this in one order is refused (22023).
pub const MAX_ORDER_LINES: usize = 1000;

/// Ledger reason of the rows an order writes.
const SALE_REASON: &str = "Sale";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnShortage {
    /// Answer Unavailable and write nothing.
    Reject,
    /// Raise 23514.
    Error,
}

impl OnShortage {
    fn parse(value: &str) -> WmsResult<Self> {
        match value {
            "reject" => Ok(OnShortage::Reject),
            "error" => Ok(OnShortage::Error),
            other => Err(WmsError::InvalidParameter {
                message: format!("on_shortage must be 'reject' or 'error', got '{other}'"),
            }),
        }
    }
}

/// What a caller asked for, normalised: identical requests compare equal
/// however their lines were written.
struct OrderRequest<'a> {
    customer: &'a str,
    lines: Lines,
}

impl OrderRequest<'_> {
    /// Stored with an idempotency key; a retry must match it exactly.
    fn fingerprint(&self) -> Value {
        let items: Vec<Value> = self.lines.iter().map(|((p, w), q)| json!([p, w, q])).collect();
        json!({ "operation": "place_order", "customer": self.customer, "items": items })
    }
}

/// One row of `(order_id, status, detail)`.
pub struct Outcome {
    order_id: Option<i64>,
    status: &'static str,
    detail: Value,
}

impl Outcome {
    fn into_row(self) -> TableIterator<'static, (Option<i64>, String, JsonB)> {
        TableIterator::once((self.order_id, self.status.to_string(), JsonB(self.detail)))
    }

    /// A Fulfilled answer; a replay is built from the ledger, so it carries
    /// exactly what the first answer did.
    fn fulfilled(order_id: i64, filled: &[FilledLine], replayed: bool) -> Outcome {
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
            status: "Fulfilled",
            detail: json!({ "lines": lines, "replayed": replayed }),
        }
    }
}

struct FilledLine {
    item: ItemKey,
    quantity: i64,
    movement_id: i64,
    on_hand_after: i64,
}

/// Parse the items argument: a non-empty array of
/// `{"product_id": int, "warehouse_id": int, "quantity": int}` objects.
fn parse_items(items: &Value) -> WmsResult<Lines> {
    let invalid = |message: String| WmsError::InvalidParameter { message };
    let array = items.as_array().ok_or_else(|| {
        invalid(format!(
            "items must be a JSON array of {{\"product_id\", \"warehouse_id\", \"quantity\"}} objects, got {}",
            json_type(items)
        ))
    })?;
    if array.is_empty() {
        return Err(invalid("items must not be empty".into()));
    }
    if array.len() > MAX_ORDER_LINES {
        return Err(invalid(format!(
            "an order may have at most {MAX_ORDER_LINES} lines, got {}",
            array.len()
        )));
    }
    let mut lines = Lines::default();
    for (i, entry) in array.iter().enumerate() {
        let object = entry
            .as_object()
            .ok_or_else(|| invalid(format!("items[{i}] must be a JSON object, got {}", json_type(entry))))?;
        if let Some(unknown) = object
            .keys()
            .find(|k| !matches!(k.as_str(), "product_id" | "warehouse_id" | "quantity"))
        {
            return Err(invalid(format!(
                "items[{i}] has unknown key \"{unknown}\" (expected product_id, warehouse_id, quantity)"
            )));
        }
        let product_id = json_bigint(object, i, "product_id")?;
        let warehouse_id = json_bigint(object, i, "warehouse_id")?;
        let quantity = positive_quantity(json_bigint(object, i, "quantity")?, &format!("items[{i}].quantity"))?;
        lines.add((product_id, warehouse_id), quantity)?;
    }
    Ok(lines)
}

fn json_bigint(object: &Map<String, Value>, i: usize, key: &str) -> WmsResult<i64> {
    let value = object.get(key).ok_or_else(|| WmsError::InvalidParameter {
        message: format!("items[{i}].{key} is missing"),
    })?;
    if let Some(v) = value.as_i64() {
        return Ok(v);
    }
    match value {
        Value::Number(n) if n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => {
            Err(WmsError::OutOfRange { message: format!("items[{i}].{key} is out of range for bigint: {n}") })
        }
        other => Err(WmsError::InvalidParameter {
            message: format!("items[{i}].{key} must be an integer, got {}", json_type_and_value(other)),
        }),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_type_and_value(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Array(_) | Value::Object(_) => json_type(value).into(),
        other => format!("{} {other}", json_type(other)),
    }
}

// Lock class of idempotency keys in the two-int advisory lock space ("WMS").
static LOCK_KEY: Statement = Statement {
    sql: "SELECT pg_advisory_xact_lock(5721427, hashtext($1))",
    params: &[TEXTOID],
};

static FIND_BY_KEY: Statement = Statement {
    sql: "SELECT order_id, order_status, request FROM wms.customer_orders WHERE idempotency_key = $1",
    params: &[TEXTOID],
};

static ORDER_LEDGER: Statement = Statement {
    sql: "SELECT product_id, warehouse_id, -quantity_change, movement_id, balance_after \
            FROM wms.stock_movements WHERE order_id = $1 \
           ORDER BY product_id, warehouse_id, movement_id",
    params: &[INT8OID],
};

// The order, its lines and its first status-history row in one statement.
// ON CONFLICT turns a key taken by a transaction this snapshot cannot see
// (REPEATABLE READ or stricter) into a serialization failure to retry.
static INSERT_ORDER: Statement = Statement {
    sql: "WITH o AS ( \
              INSERT INTO wms.customer_orders (customer_name, order_status, idempotency_key, request) \
              VALUES ($1, $2, $3, $4) \
              ON CONFLICT (idempotency_key) DO NOTHING \
              RETURNING order_id, order_status \
          ), items AS ( \
              INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity) \
              SELECT o.order_id, l.product_id, l.warehouse_id, l.quantity \
                FROM o, unnest($5::bigint[], $6::bigint[], $7::bigint[]) AS l(product_id, warehouse_id, quantity) \
          ), history AS ( \
              INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason) \
              SELECT order_id, NULL, order_status, $8 FROM o \
          ) \
          SELECT order_id FROM o",
    params: &[TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TEXTOID],
};

/// The answer already given for `key`, if an order holds it. The same key
/// with a different request raises 23505.
fn replay(client: &mut pgrx::spi::SpiClient<'_>, key: &str, request: &Value) -> WmsResult<Option<Outcome>> {
    let Some((order_id, stored)) = plans::run(client, &FIND_BY_KEY, &[key.into()])
        .next()
        .map(|row| (col::<i64>(&row, 1), opt_col::<JsonB>(&row, 3).map(|j| j.0)))
    else {
        return Ok(None);
    };
    if stored.as_ref() != Some(request) {
        return Err(WmsError::IdempotencyKeyReused { key: key.to_string() });
    }
    let filled: Vec<FilledLine> = plans::run(client, &ORDER_LEDGER, &[order_id.into()])
        .map(|row| FilledLine {
            item: (col(&row, 1), col(&row, 2)),
            quantity: col(&row, 3),
            movement_id: col(&row, 4),
            on_hand_after: col(&row, 5),
        })
        .collect();
    Ok(Some(Outcome::fulfilled(order_id, &filled, true)))
}

fn place_order(request: OrderRequest<'_>, key: Option<&str>, on_shortage: OnShortage) -> WmsResult<Outcome> {
    not_blank(request.customer, "customer")?;
    if let Some(key) = key {
        not_blank(key, "idempotency_key")?;
    }
    let fingerprint = request.fingerprint();
    Spi::connect_mut(|client| {
        // Lock order: the key first, then inventory rows (stock.rs).
        if let Some(key) = key {
            plans::run(client, &LOCK_KEY, &[key.into()]);
            if let Some(outcome) = replay(client, key, &fingerprint)? {
                return Ok(outcome);
            }
        }

        let locked = stock::lock_items(client, request.lines.iter().map(|(item, _)| item), Missing::Skip)?;
        let shortages: Vec<Shortage> = request
            .lines
            .iter()
            .filter(|&(item, quantity)| locked.available(item) < quantity)
            .map(|((product_id, warehouse_id), requested)| Shortage {
                product_id,
                warehouse_id,
                requested,
                available: locked.available((product_id, warehouse_id)),
            })
            .collect();
        if !shortages.is_empty() {
            return match on_shortage {
                OnShortage::Reject => Ok(Outcome {
                    order_id: None,
                    status: "Unavailable",
                    detail: json!({ "short": shortages }),
                }),
                OnShortage::Error => Err(WmsError::InsufficientStock { shortages }),
            };
        }

        let (products, warehouses, quantities) = request.lines.columns();
        let inserted = plans::run(
            client,
            &INSERT_ORDER,
            &[
                request.customer.into(),
                "Fulfilled".into(),
                key.into(),
                key.map(|_| JsonB(fingerprint.clone())).into(),
                products.into(),
                warehouses.into(),
                quantities.into(),
                "placed".into(),
            ],
        )
        .next()
        .map(|row| col::<i64>(&row, 1));
        let Some(order_id) = inserted else {
            // Only reachable when the key was inserted outside wms calls
            // (they all hold the key's lock); its order is committed now.
            let key = key.expect("a conflict needs a key");
            return replay(client, key, &fingerprint)?
                .ok_or_else(|| WmsError::IdempotencyKeyReused { key: key.to_string() });
        };

        let changes: Vec<Change> = request
            .lines
            .iter()
            .map(|(item, quantity)| Change { item, on_hand: -quantity, reserved: 0 })
            .collect();
        let applied = stock::apply(
            client,
            &locked,
            &changes,
            &Cause { reason: SALE_REASON, order_id: Some(order_id), reference: None },
        )?;
        let filled: Vec<FilledLine> = applied
            .iter()
            .zip(request.lines.iter())
            .map(|(a, (_, quantity)): (&Applied, _)| FilledLine {
                item: a.item,
                quantity,
                movement_id: a.movement_id.expect("an outbound change writes a ledger row"),
                on_hand_after: a.on_hand,
            })
            .collect();
        Ok(Outcome::fulfilled(order_id, &filled, false))
    })
}

/// Order `quantity` units of one product from one warehouse.
#[pg_extern(volatile, parallel_unsafe)]
fn wms_place_order(
    customer: Option<&str>,
    product_id: Option<i64>,
    warehouse_id: Option<i64>,
    quantity: default!(Option<i64>, 1),
    idempotency_key: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (name!(order_id, Option<i64>), name!(status, String), name!(detail, JsonB)),
> {
    let customer = required(customer, "customer");
    let item = (required(product_id, "product_id"), required(warehouse_id, "warehouse_id"));
    let quantity = required(quantity, "quantity");
    positive_quantity(quantity, "quantity")
        .and_then(|quantity| {
            let request = OrderRequest { customer, lines: Lines::single(item, quantity) };
            place_order(request, idempotency_key, OnShortage::Reject)
        })
        .unwrap_or_else(|e| e.raise())
        .into_row()
}

/// Order several lines at once, all or nothing.
#[pg_extern(name = "wms_place_order", volatile, parallel_unsafe)]
fn wms_place_order_items(
    customer: Option<&str>,
    items: Option<JsonB>,
    idempotency_key: default!(Option<&str>, "NULL"),
    on_shortage: default!(Option<&str>, "'reject'"),
) -> TableIterator<
    'static,
    (name!(order_id, Option<i64>), name!(status, String), name!(detail, JsonB)),
> {
    let customer = required(customer, "customer");
    let items = required(items, "items");
    let on_shortage = required(on_shortage, "on_shortage");
    OnShortage::parse(on_shortage)
        .and_then(|on_shortage| {
            let request = OrderRequest { customer, lines: parse_items(&items.0)? };
            place_order(request, idempotency_key, on_shortage)
        })
        .unwrap_or_else(|e| e.raise())
        .into_row()
}
