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
        plans::prepare(
            client,
            &[&RETURN_MOVE, &RECORD_RETURN, &crate::audit::RECORD],
        );
        let who = crate::audit::who()?;
        // The order's items, as every move locks them (an order's lines
        // never change items; what is not one of them is refused below,
        // under the order's lock).
        let items: Vec<ItemKey> = lifecycle::order_lines(client, order_id)
            .iter()
            .map(|l| l.item)
            .collect();
        crate::access::require(
            crate::access::Capability::Sell,
            &lifecycle::warehouses_of(&items),
        )?;
        let locked: Locked = stock::lock_items(client, items, Missing::Skip)?;
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
                    expired: 0,
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
                who.role.as_str().into(),
            ],
        );
        // In the audit trail, restocked or not.
        crate::audit::record(
            client,
            &who,
            crate::audit::Event {
                action: "return",
                object_type: "order",
                object_id: Some(order_id),
                old: None,
                new: Some(json!({
                    "lines": back
                        .iter()
                        .map(|(item, quantity)| json!({
                            "product_id": item.0,
                            "warehouse_id": item.1,
                            "quantity": quantity,
                        }))
                        .collect::<Vec<_>>(),
                    "restocked": restock,
                    "reason": reason,
                })),
            },
        );
        // Everything back: every line took, and has all of it back now.
        let complete = lines.iter().all(|l| {
            let now = back.iter().find(|b| b.0 == l.item).map_or(0, |b| b.1);
            l.taken && l.returned + now == l.quantity
        });
        let status = if complete {
            let effect = lifecycle::check_transition(client, order_id, &status, &to, By::Return)?;
            debug_assert_eq!(effect, Effect::None);
            lifecycle::set_status(client, &[order_id], &status, &to, Some(reason), effect)?;
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
#[pg_extern(volatile, parallel_unsafe)]
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
    let _owner = crate::access::enter();
    writable("wms_return_order");
    let order_id = required(order_id, "order_id");
    let restock = required(restock, "restock");
    let reason = required(reason, "reason");
    not_blank_text(reason, "reason", Text::Prose).unwrap_or_else(|e| e.raise());
    let wanted: Wanted = items.map(|items| {
        let (lines, prices): (_, Prices) = parse_items(&items, false).unwrap_or_else(|e| e.raise());
        debug_assert!(prices.is_empty());
        lines.iter().collect()
    });
    let (status, detail) =
        return_order(order_id, wanted, restock, reason).unwrap_or_else(|e| e.raise());
    TableIterator::once((Some(order_id), status, JsonB(detail)))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{assert_sqlstate, count, item, items, on_hand, place, verify};
    use pgrx::prelude::*;

    fn returned(order_id: i64, args: &str) -> (String, serde_json::Value) {
        let (status, detail) = Spi::get_two::<String, pgrx::JsonB>(&format!(
            "SELECT status, detail FROM wms_return_order({order_id}{args})"
        ))
        .unwrap();
        (status.unwrap(), detail.unwrap().0)
    }

    fn status(order_id: i64) -> String {
        Spi::get_one::<String>(&format!(
            "SELECT order_status FROM wms.customer_orders WHERE order_id = {order_id}"
        ))
        .unwrap()
        .unwrap()
    }

    /// Everything back and restocked: one inbound ledger row per line,
    /// reason 'Return', referencing the order; the order is Returned.
    #[pg_test]
    fn test_whole_return_restocks() {
        let (p, w) = item("ret-a", 10);
        let q = Spi::get_one::<i64>("SELECT wms_add_product('ret-b', 'b')")
            .unwrap()
            .unwrap();
        crate::testing::receive(q, w, 10);
        let (id, st, _) = place(&format!(
            "'c', {}",
            crate::testing::items(&[(p, w, 2), (q, w, 3)])
        ));
        assert_eq!(st, "Fulfilled");
        let id = id.unwrap();
        let (st, detail) = returned(id, "");
        assert_eq!(
            (st.as_str(), &detail["complete"]),
            ("Returned", &serde_json::json!(true))
        );
        assert_eq!((on_hand(p, w), on_hand(q, w)), (Some(10), Some(10)));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE order_id = {id} AND reason = 'Return' AND quantity_change > 0"
            )),
            2
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_returns WHERE order_id = {id} AND movement_id IS NOT NULL"
            )),
            2
        );
        assert_eq!(
            count(&format!("SELECT 1 FROM wms.order_status_history WHERE order_id = {id} AND from_status = 'Fulfilled' AND to_status = 'Returned' AND reason = 'Return'")),
            1
        );
        // Nothing is left to return.
        assert_sqlstate(&format!("SELECT * FROM wms_return_order({id})"), "55000");
        assert!(verify().is_empty());
    }

    /// Partial returns add up, restocked or not; never more than was taken.
    #[pg_test]
    fn test_partial_returns_add_up() {
        let (p, w) = item("ret-part", 10);
        let (id, _, _) = place(&format!("'c', {p}, {w}, 3"));
        let id = id.unwrap();
        let one = items(&[(p, w, 1)]);
        let (st, detail) = returned(id, &format!(", {one}, reason => 'wrong size'"));
        assert_eq!(
            (st.as_str(), &detail["complete"]),
            ("Fulfilled", &serde_json::json!(false))
        );
        assert_eq!(on_hand(p, w), Some(8));
        let three = items(&[(p, w, 3)]);
        assert_eq!(
            assert_sqlstate(&format!("SELECT * FROM wms_return_order({id}, {three})"), "23514"),
            format!("order {id} took 3 of product {p} in warehouse {w} and 1 came back already: 3 more cannot be returned")
        );
        let (st, _) = returned(id, ", NULL, false, 'damaged'");
        assert_eq!(st, "Returned");
        // The damaged two are recorded, not restocked.
        assert_eq!(on_hand(p, w), Some(8));
        assert_eq!(
            count(&format!("SELECT 1 FROM wms.order_returns WHERE order_id = {id} AND movement_id IS NULL AND quantity = 2 AND reason = 'damaged'")),
            1
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_items WHERE order_id = {id} AND returned = 3"
            )),
            1
        );
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_only_taken_stock_comes_back() {
        let (p, w) = item("ret-no", 10);
        let id = crate::testing::reserve(&format!("'c', {}", items(&[(p, w, 2)])))
            .0
            .unwrap();
        assert_eq!(
            assert_sqlstate(&format!("SELECT * FROM wms_return_order({id})"), "55000"),
            format!("order {id} is Pending: only an order whose stock was taken, and has not all come back, can be returned")
        );
        let (placed, _, _) = place(&format!("'c', {p}, {w}, 2"));
        let placed = placed.unwrap();
        let other = items(&[(p + 1000, w, 1)]);
        assert_sqlstate(
            &format!("SELECT * FROM wms_return_order({placed}, {other})"),
            "23514",
        );
        assert_sqlstate("SELECT * FROM wms_return_order(-5)", "23503");
        assert_sqlstate(
            &format!("SELECT * FROM wms_return_order({placed}, reason => ' ')"),
            "22023",
        );
        assert_sqlstate(
            &format!("SELECT * FROM wms_return_order({placed}, restock => NULL)"),
            "22004",
        );
        assert_sqlstate(
            &format!(
                r#"SELECT * FROM wms_return_order({placed}, '[{{"product_id": {p}, "warehouse_id": {w}, "quantity": 1, "unit_price": 1}}]')"#
            ),
            "22023",
        );
        assert_eq!(
            (status(placed), on_hand(p, w)),
            ("Fulfilled".into(), Some(8))
        );
        assert!(verify().is_empty());
    }
}
