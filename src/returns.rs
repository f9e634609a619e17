//! Returns: what comes back of an order whose stock was taken. Restocked,
//! it is received back into the warehouse it left, one inbound ledger row
//! per line (reason 'Return'); otherwise it is only recorded (damaged
//! goods). Every return is a row of wms.order_returns; once everything the
//! order took has come back, the order makes its move by return
//! (wms.order_transitions, by_return).
//!
//! Lock order, as everywhere: inventory rows, then the order's row.

use std::collections::BTreeMap;

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

use crate::errors::{not_blank_text, required, writable, Text, WmsError, WmsResult};
use crate::jsonb::Jsonb;
use crate::lifecycle::{self, By, Line};
use crate::orders::{parse_items, Prices};
use crate::plans::{self, col, Statement};
use crate::stock::{self, Cause, Change, ItemKey, Locked, Missing};
use crate::vocabulary::{Effect, RETURN_REASON};

static RETURN_MOVE: Statement = Statement {
    sql: include_str!("../sql/queries/return_move.sql"),
    params: &[TEXTOID],
};

static RECORD_RETURN: Statement = Statement {
    sql: include_str!("../sql/queries/record_return.sql"),
    params: &[
        INT8OID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        TEXTOID,
    ],
};

/// What comes back: per item, how many; `None` for everything not yet back.
type Wanted = Option<BTreeMap<ItemKey, i64>>;

/// The quantity of each line that comes back, checked against what the
/// line took and what came back already (23514 past it).
fn coming_back(order_id: i64, lines: &[Line], wanted: &Wanted) -> WmsResult<Vec<(ItemKey, i64)>> {
    let Some(wanted) = wanted else {
        return Ok(lines
            .iter()
            .filter(|l| l.taken && l.quantity > l.returned)
            .map(|l| (l.item, l.quantity - l.returned))
            .collect());
    };
    let mut back = Vec::with_capacity(wanted.len());
    for (&item, &quantity) in wanted {
        let line = lines.iter().find(|l| l.item == item);
        let (taken, returned) = match line {
            Some(l) if l.taken => (l.quantity, l.returned),
            Some(l) => (0, l.returned),
            None => (0, 0),
        };
        if quantity > taken - returned {
            return Err(WmsError::ReturnExceedsTaken {
                order_id,
                product_id: item.0,
                warehouse_id: item.1,
                taken,
                returned,
                requested: quantity,
            });
        }
        back.push((item, quantity));
    }
    Ok(back)
}

fn return_order(
    order_id: i64,
    wanted: Wanted,
    restock: bool,
    reason: &str,
) -> WmsResult<(String, serde_json::Value)> {
    Spi::connect_mut(|client| {
        lifecycle::require_order(client, order_id)?;
        // The rows a restock changes, locked before the order's row.
        let locked: Locked = if restock {
            let items: Vec<ItemKey> = match &wanted {
                Some(w) => w.keys().copied().collect(),
                None => lifecycle::order_lines(client, order_id)
                    .iter()
                    .map(|l| l.item)
                    .collect(),
            };
            stock::lock_items(client, items, Missing::Skip)?
        } else {
            stock::lock_items(client, Vec::new(), Missing::Skip)?
        };
        let (status, _) = lifecycle::lock_order(client, order_id)?;
        let Some(to) = plans::run(client, &RETURN_MOVE, &[status.as_str().into()])
            .next()
            .map(|row| col::<String>(&row, 1))
        else {
            return Err(WmsError::NotReturnable { order_id, status });
        };
        let lines = lifecycle::order_lines(client, order_id);
        let back = coming_back(order_id, &lines, &wanted)?;
        if back.is_empty() {
            return Err(WmsError::NotReturnable { order_id, status });
        }
        let movements: BTreeMap<ItemKey, (Option<i64>, i64)> = if restock {
            let changes: Vec<Change> = back
                .iter()
                .map(|&(item, quantity)| Change {
                    item,
                    on_hand: quantity,
                    reserved: 0,
                })
                .collect();
            stock::apply(
                client,
                &locked,
                &changes,
                &Cause {
                    reason: RETURN_REASON,
                    order_id: Some(order_id),
                    reference: None,
                },
            )?
            .into_iter()
            .map(|a| (a.item, (a.movement_id, a.on_hand)))
            .collect()
        } else {
            BTreeMap::new()
        };
        let movement = |item: &ItemKey| movements.get(item).and_then(|m| m.0);
        plans::run(
            client,
            &RECORD_RETURN,
            &[
                order_id.into(),
                back.iter().map(|b| b.0 .0).collect::<Vec<i64>>().into(),
                back.iter().map(|b| b.0 .1).collect::<Vec<i64>>().into(),
                back.iter().map(|b| b.1).collect::<Vec<i64>>().into(),
                back.iter()
                    .map(|b| movement(&b.0))
                    .collect::<Vec<Option<i64>>>()
                    .into(),
                reason.into(),
            ],
        );
        // Everything back: every line took, and has all of it back now.
        let complete = lines.iter().all(|l| {
            let now = back.iter().find(|b| b.0 == l.item).map_or(0, |b| b.1);
            l.taken && l.returned + now == l.quantity
        });
        let status = if complete {
            let effect = lifecycle::check_transition(client, order_id, &status, &to, By::Return)?;
            debug_assert_eq!(effect, Effect::None);
            lifecycle::set_status(client, &[order_id], &status, &to, Some(reason), effect);
            to
        } else {
            status
        };
        let lines: Vec<_> = back
            .iter()
            .map(|(item, quantity)| {
                json!({
                    "product_id": item.0,
                    "warehouse_id": item.1,
                    "quantity": quantity,
                    "movement_id": movement(item),
                    "on_hand_after": movements.get(item).map(|m| m.1),
                })
            })
            .collect();
        Ok((
            status,
            json!({ "lines": lines, "restocked": restock, "complete": complete }),
        ))
    })
}

/// Take back what an order took: all that has not come back yet, or the
/// `items` named; received back into stock with `restock`.
#[pg_extern(volatile, parallel_unsafe, security_definer)]
#[search_path(pg_catalog, pg_temp)]
fn wms_return_order(
    order_id: Option<i64>,
    items: default!(Option<Jsonb<'_>>, "NULL"),
    restock: default!(Option<bool>, true),
    reason: default!(Option<&str>, "'Return'"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    writable("wms_return_order");
    let order_id = required(order_id, "order_id");
    let restock = required(restock, "restock");
    let reason = required(reason, "reason");
    not_blank_text(reason, "reason", Text::Prose).unwrap_or_else(|e| e.raise());
    let wanted: Wanted = items.map(|items| {
        let (lines, prices): (_, Prices) =
            parse_items(&items, false).unwrap_or_else(|e| e.raise());
        debug_assert!(prices.is_empty());
        lines.iter().collect()
    });
    let (status, detail) =
        return_order(order_id, wanted, restock, reason).unwrap_or_else(|e| e.raise());
    TableIterator::once((Some(order_id), status, JsonB(detail)))
}
