//! The order lifecycle after creation: every move between statuses, with
//! its effect on stock, and the expiry of reservations. Which statuses and
//! moves exist, and what entering a status does to stock, is data
//! (wms.order_statuses, wms.order_transitions); every move is recorded in
//! wms.order_status_history. Returns are in returns.rs.
//!
//! Lock order, as everywhere: inventory rows in (product_id, warehouse_id)
//! order (stock.rs), then order rows in order_id order.

use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

use crate::errors::{bounded, not_blank_text, required, writable, Text, WmsError, WmsResult};
use crate::plans::{self, col, Statement};
use crate::stock::{self, Cause, Change, ItemKey, Locked, Missing};
use crate::vocabulary::{history, Effect, CANCELLED, FULFILLED, PENDING, SALE_REASON};

/// Most orders one wms_expire_reservations() call handles; it is called again.
pub const EXPIRY_BATCH: i64 = 1000;

/// A line of an order: item, quantity, whether it still holds stock,
/// whether its stock was taken, and how much of it came back.
pub struct Line {
    pub item: ItemKey,
    pub quantity: i64,
    pub holding: bool,
    pub taken: bool,
    pub returned: i64,
}

static ORDER_LINES: Statement = Statement {
    sql: include_str!("../sql/queries/order_lines.sql"),
    params: &[INT8OID],
};

static LOCK_ORDER: Statement = Statement {
    sql: include_str!("../sql/queries/lock_order.sql"),
    params: &[INT8OID],
};

static ORDER_EXISTS: Statement = Statement {
    sql: include_str!("../sql/queries/order_exists.sql"),
    params: &[INT8OID],
};

static TRANSITION: Statement = Statement {
    sql: include_str!("../sql/queries/transition.sql"),
    params: &[TEXTOID, TEXTOID],
};

static STATUS_EFFECT: Statement = Statement {
    sql: include_str!("../sql/queries/status_effect.sql"),
    params: &[TEXTOID],
};

static SET_STATUS: Statement = Statement {
    sql: include_str!("../sql/queries/set_status.sql"),
    params: &[
        INT8ARRAYOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
    ],
};

static EXPIRED_ORDERS: Statement = Statement {
    sql: include_str!("../sql/queries/expired_orders.sql"),
    params: &[INT8OID, INT8OID],
};

// The sweep's lock of an order: never waits (see expire_reservations).
static TRY_LOCK_ORDER: Statement = Statement {
    sql: include_str!("../sql/queries/try_lock_order.sql"),
    params: &[INT8OID],
};

pub fn order_lines(client: &mut pgrx::spi::SpiClient<'_>, order_id: i64) -> Vec<Line> {
    plans::run(client, &ORDER_LINES, &[order_id.into()])
        .map(|row| Line {
            item: (col(&row, 1), col(&row, 2)),
            quantity: col(&row, 3),
            holding: col(&row, 4),
            taken: col(&row, 5),
            returned: col(&row, 6),
        })
        .collect()
}

/// The warehouses of `items`.
pub fn warehouses_of(items: &[ItemKey]) -> Vec<i64> {
    items.iter().map(|(_, w)| *w).collect()
}

/// 23503 unless the order exists (read without a lock).
pub fn require_order(client: &mut pgrx::spi::SpiClient<'_>, order_id: i64) -> WmsResult<()> {
    match plans::run(client, &ORDER_EXISTS, &[order_id.into()]).next() {
        Some(_) => Ok(()),
        None => Err(WmsError::UnknownOrder { order_id }),
    }
}

/// Lock an order's row (after its inventory rows); its status and whether
/// its reservation has expired.
pub fn lock_order(
    client: &mut pgrx::spi::SpiClient<'_>,
    order_id: i64,
) -> WmsResult<(String, bool)> {
    stock::bounded_wait(|| order_row(client, &LOCK_ORDER, order_id))
        .ok_or(WmsError::UnknownOrder { order_id })
}

/// The status of the order `stmt` locked, and whether it has expired.
fn order_row(
    client: &mut pgrx::spi::SpiClient<'_>,
    stmt: &'static Statement,
    order_id: i64,
) -> Option<(String, bool)> {
    plans::run(client, stmt, &[order_id.into()])
        .next()
        .map(|row| (col::<String>(&row, 1), col::<bool>(&row, 2)))
}

/// How a move is asked for: by a status change, or by a return.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum By {
    Move,
    Return,
}

/// The effect of entering `to` from `from`, if wms.order_transitions lets
/// `by` make that move; 55000 otherwise.
pub fn check_transition(
    client: &mut pgrx::spi::SpiClient<'_>,
    order_id: i64,
    from: &str,
    to: &str,
    by: By,
) -> WmsResult<Effect> {
    let found = plans::run(client, &TRANSITION, &[from.into(), to.into()])
        .next()
        .map(|row| (col::<bool>(&row, 1), col::<String>(&row, 2)));
    match found {
        Some((by_return, effect)) if by_return == (by == By::Return) => Ok(Effect::parse(&effect)),
        Some((true, _)) => Err(WmsError::MoveByReturnOnly {
            order_id,
            from: from.into(),
            to: to.into(),
        }),
        _ => Err(WmsError::ForbiddenTransition {
            order_id,
            from: from.into(),
            to: to.into(),
        }),
    }
}

pub fn set_status(
    client: &mut pgrx::spi::SpiClient<'_>,
    orders: &[i64],
    from: &str,
    to: &str,
    reason: Option<&str>,
    effect: Effect,
) -> WmsResult<()> {
    let who = crate::audit::who()?;
    plans::run(
        client,
        &SET_STATUS,
        &[
            orders.to_vec().into(),
            to.into(),
            from.into(),
            reason.into(),
            effect.as_str().into(),
            who.role.as_str().into(),
            who.actor.as_deref().into(),
            who.request_id.as_deref().into(),
        ],
    );
    Ok(())
}

/// What entering a status with `effect` does to the stock of each line
/// still holding some; `expired`: the order is a reservation past its
/// expiry, whose holds its rows count as expired.
fn stock_changes(lines: &[Line], effect: Effect, expired: bool) -> Vec<Change> {
    match effect {
        Effect::Take | Effect::Release => lines
            .iter()
            .filter(|l| l.holding)
            .map(|l| Change {
                item: l.item,
                on_hand: if effect == Effect::Take {
                    -l.quantity
                } else {
                    0
                },
                reserved: -l.quantity,
                expired: if expired { l.quantity } else { 0 },
            })
            .collect(),
        Effect::Hold | Effect::None => Vec::new(),
    }
}

/// Move one order to status `to`, with the stock effect of entering it.
fn transition(order_id: i64, to: &str, reason: Option<&str>) -> WmsResult<serde_json::Value> {
    Spi::connect_mut(|client| {
        require_order(client, order_id)?;
        plans::prepare(client, &[&LOCK_ORDER, &TRANSITION, &SET_STATUS]);
        // Which rows to lock; read again under the locks, where it is stable.
        let items: Vec<ItemKey> = order_lines(client, order_id)
            .iter()
            .map(|l| l.item)
            .collect();
        // An order's lines never change: checked before any lock.
        crate::access::require(crate::access::Capability::Sell, &warehouses_of(&items))?;
        let locked: Locked = stock::lock_items(client, items, Missing::Skip)?;
        let (from, expired) = lock_order(client, order_id)?;
        let effect = check_transition(client, order_id, &from, to, By::Move)?;
        let lines = order_lines(client, order_id);
        // Holding on or taking needs every line's hold live. A line that no
        // longer holds was taken back after its reservation expired (perhaps
        // judged by a later clock than this transaction's).
        // What wms.order_transitions' check keeps out, checked again on the
        // order itself: no effect on taken stock but none, and held stock
        // is never left in a status without effect.
        let taken = lines.iter().any(|l| l.taken);
        let held = lines.iter().any(|l| l.holding);
        if (taken && effect != Effect::None) || (held && effect == Effect::None) {
            return Err(WmsError::ForbiddenTransition {
                order_id,
                from,
                to: to.into(),
            });
        }
        if matches!(effect, Effect::Hold | Effect::Take)
            && (expired || lines.iter().any(|l| !l.holding))
        {
            return Err(WmsError::ReservationExpired { order_id });
        }
        let applied = stock::apply(
            client,
            &locked,
            &stock_changes(&lines, effect, expired),
            &Cause {
                reason: SALE_REASON,
                order_id: Some(order_id),
                reference: None,
            },
        )?;
        set_status(client, &[order_id], &from, to, reason, effect)?;
        let lines: Vec<_> = applied
            .iter()
            .map(|a| {
                json!({
                    "product_id": a.item.0,
                    "warehouse_id": a.item.1,
                    "movement_id": a.movement_id,
                    "on_hand_after": a.on_hand,
                })
            })
            .collect();
        Ok(json!({ "from": from, "lines": lines }))
    })
}

fn transition_row(
    order_id: i64,
    to: &str,
    reason: Option<&str>,
) -> TableIterator<'static, (Option<i64>, String, JsonB)> {
    let detail = transition(order_id, to, reason).unwrap_or_else(|e| e.raise());
    TableIterator::once((Some(order_id), to.to_string(), JsonB(detail)))
}

/// Any move wms.order_transitions lists (moves by return aside), with the
/// stock effect of the status entered.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_set_order_status(
    order_id: Option<i64>,
    status: Option<&str>,
    reason: default!(Option<&str>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_set_order_status");
    let order_id = required(order_id, "order_id");
    let status = required(status, "status");
    let checked = bounded(status, "status", Text::Key).and_then(|status| match reason {
        Some(reason) => not_blank_text(reason, "reason", Text::Prose).map(|_| status),
        None => Ok(status),
    });
    let status = checked.unwrap_or_else(|e| e.raise());
    let known = Spi::connect_mut(|client| {
        plans::run(client, &STATUS_EFFECT, &[status.into()])
            .next()
            .is_some()
    });
    if !known {
        WmsError::UnknownStatus {
            status: status.into(),
        }
        .raise()
    }
    transition_row(order_id, status, reason)
}

/// Pending -> Fulfilled: the reserved stock leaves on hand, with its ledger rows.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_fulfill_order(
    order_id: Option<i64>,
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_fulfill_order");
    transition_row(
        required(order_id, "order_id"),
        FULFILLED,
        Some(history::FULFILLED),
    )
}

/// To Cancelled (from Pending or Confirmed): what the order holds is released.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_cancel_order(
    order_id: Option<i64>,
    reason: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(order_id, Option<i64>),
        name!(status, String),
        name!(detail, JsonB),
    ),
> {
    let _owner = crate::access::enter();
    writable("wms_cancel_order");
    let order_id = required(order_id, "order_id");
    let reason = required(reason, "reason");
    not_blank_text(reason, "reason", Text::Prose).unwrap_or_else(|e| e.raise());
    transition_row(order_id, CANCELLED, Some(reason))
}

/// What one batch of the sweep did.
pub struct Swept {
    /// Orders cancelled.
    pub cancelled: i32,
    /// Expired orders looked at (at most [`EXPIRY_BATCH`]).
    pub examined: i64,
    /// The last of them, where the next batch starts.
    pub last: Option<i64>,
}

/// Cancel the Pending orders whose reservation has expired (reason
/// 'expired'), one at a time, up to a batch of those after order `after`.
///
/// The sweep never waits for a lock: an order whose item queues, rows or
/// own row another transaction holds is left for the next sweep
/// ([`stock::try_lock_items`]). So it never holds one item's locks while
/// it waits for another's, and buyers of items nobody else touches are
/// never kept waiting behind a busy one. The locks of an order it skipped
/// are kept until the sweep's commit, which waits for nothing either.
pub fn expire_reservations(after: i64) -> WmsResult<Swept> {
    Spi::connect_mut(|client| {
        let candidates: Vec<i64> = plans::run(
            client,
            &EXPIRED_ORDERS,
            &[EXPIRY_BATCH.into(), after.into()],
        )
        .map(|row| col::<i64>(&row, 1))
        .collect();
        let mut swept = Swept {
            cancelled: 0,
            examined: candidates.len() as i64,
            last: candidates.last().copied(),
        };
        let Some(&first) = candidates.first() else {
            return Ok(swept);
        };
        let effect = check_transition(client, first, PENDING, CANCELLED, By::Move)?;
        for order_id in candidates {
            let items: Vec<ItemKey> = order_lines(client, order_id)
                .iter()
                .map(|l| l.item)
                .collect();
            let Some(locked) = stock::try_lock_items(client, items)? else {
                continue;
            };
            // Busy, or fulfilled or cancelled meanwhile: nothing to do now.
            let Some((status, is_expired)) = order_row(client, &TRY_LOCK_ORDER, order_id) else {
                continue;
            };
            if status != PENDING || !is_expired {
                continue;
            }
            let changes = stock_changes(&order_lines(client, order_id), effect, true);
            stock::apply(
                client,
                &locked,
                &changes,
                &Cause {
                    reason: history::EXPIRED,
                    order_id: None,
                    reference: None,
                },
            )?;
            set_status(
                client,
                &[order_id],
                PENDING,
                CANCELLED,
                Some(history::EXPIRED),
                effect,
            )?;
            swept.cancelled += 1;
        }
        Ok(swept)
    })
}

#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_expire_reservations() -> i32 {
    let _owner = crate::access::enter();
    writable("wms_expire_reservations");
    crate::access::require_everywhere(crate::access::Capability::Admin)
        .unwrap_or_else(|e| e.raise());
    expire_reservations(0)
        .unwrap_or_else(|e| e.raise())
        .cancelled
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{
        assert_sqlstate, available, count, item, on_hand, place, reserve, verify,
    };
    use pgrx::prelude::*;

    fn items(p: i64, w: i64, q: i64) -> String {
        crate::testing::items(&[(p, w, q)])
    }

    fn reserved(p: i64, w: i64) -> i64 {
        Spi::get_one_with_args::<i64>(
            "SELECT quantity_reserved FROM wms.inventory WHERE product_id = $1 AND warehouse_id = $2",
            &[p.into(), w.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn status(order_id: i64) -> String {
        Spi::get_one_with_args::<String>(
            "SELECT order_status FROM wms.customer_orders WHERE order_id = $1",
            &[order_id.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn expire_now(order_id: i64) {
        Spi::run(&format!(
            "UPDATE wms.customer_orders SET expires_at = now() - interval '1 second' WHERE order_id = {order_id}"
        ))
        .unwrap();
    }

    #[pg_test]
    fn test_reserve_holds_stock() {
        let (p, w) = item("res", 10);
        let (id, st) = reserve(&format!("'c', {}", items(p, w, 3)));
        let id = id.unwrap();
        assert_eq!(st, "Pending");
        assert_eq!(
            (on_hand(p, w), reserved(p, w), available(p, Some(w))),
            (Some(10), 3, 7)
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.customer_orders WHERE order_id = {id} AND order_status = 'Pending' \
                 AND expires_at = now() + interval '10 minutes'"
            )),
            1
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE order_id = {id}"
            )),
            0
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_status_history WHERE order_id = {id} AND from_status IS NULL \
                 AND to_status = 'Pending' AND reason = 'reserved'"
            )),
            1
        );
        // A placed order cannot take what the reservation holds.
        let (_, st, detail) = place(&format!("'other', {p}, {w}, 8"));
        assert_eq!(
            (st.as_str(), &detail["short"][0]["available"]),
            ("Unavailable", &serde_json::json!(7))
        );
        // Nor can another reservation; Unavailable writes nothing.
        let before = count("SELECT 1 FROM wms.customer_orders");
        assert_eq!(
            reserve(&format!("'other', {}, '1 hour'", items(p, w, 8))),
            (None, "Unavailable".into())
        );
        assert_eq!(count("SELECT 1 FROM wms.customer_orders"), before);
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_fulfill_and_cancel() {
        let (p, w) = item("life", 10);
        let a = reserve(&format!("'a', {}", items(p, w, 3))).0.unwrap();
        let b = reserve(&format!("'b', {}", items(p, w, 2))).0.unwrap();
        Spi::run(&format!("SELECT * FROM wms_fulfill_order({a})")).unwrap();
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(7), 2));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE order_id = {a} AND quantity_change = -3 AND reason = 'Sale'"
            )),
            1
        );
        Spi::run(&format!(
            "SELECT * FROM wms_cancel_order({b}, 'customer changed mind')"
        ))
        .unwrap();
        assert_eq!(
            (on_hand(p, w), reserved(p, w), available(p, Some(w))),
            (Some(7), 0, 7)
        );
        assert_eq!(
            (status(a), status(b)),
            ("Fulfilled".into(), "Cancelled".into())
        );
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_status_history WHERE \
                 (order_id = {a} AND from_status = 'Pending' AND to_status = 'Fulfilled') OR \
                 (order_id = {b} AND from_status = 'Pending' AND to_status = 'Cancelled' AND reason = 'customer changed mind' \
                  AND changed_by = session_user)"
            )),
            2
        );
        assert!(verify().is_empty());
    }

    /// The state machine is the table: without the row, the change is refused.
    #[pg_test]
    fn test_transitions_are_data() {
        let (p, w) = item("data", 5);
        let id = reserve(&format!("'a', {}", items(p, w, 1))).0.unwrap();
        Spi::run("DELETE FROM wms.order_transitions WHERE from_status = 'Pending' AND to_status = 'Cancelled'").unwrap();
        assert_sqlstate(
            &format!("SELECT * FROM wms_cancel_order({id}, 'x')"),
            "55000",
        );
        assert_eq!(status(id), "Pending");
    }

    #[pg_test]
    fn test_reserve_idempotency() {
        let (p, w) = item("idem", 10);
        let first = reserve(&format!("'c', {}, '5 minutes', 'res-1'", items(p, w, 2)));
        let again = reserve(&format!("'c', {}, '5 minutes', 'res-1'", items(p, w, 2)));
        assert_eq!(first, again);
        assert_eq!(reserved(p, w), 2);
        assert_sqlstate(
            &format!(
                "SELECT * FROM wms_reserve('c', {}, '6 minutes', 'res-1')",
                items(p, w, 2)
            ),
            "23505",
        );
        assert_sqlstate(
            &format!("SELECT * FROM wms_place_order('c', {p}, {w}, 2, 'res-1')"),
            "23505",
        );
        // The replay reports the order's current status.
        Spi::run(&format!(
            "SELECT * FROM wms_fulfill_order({})",
            first.0.unwrap()
        ))
        .unwrap();
        assert_eq!(
            reserve(&format!("'c', {}, '5 minutes', 'res-1'", items(p, w, 2))).1,
            "Fulfilled"
        );
        assert!(verify().is_empty());
    }

    /// An expired reservation stops counting at once, before any sweep; an
    /// order that needs its stock releases it; the sweep then cancels it.
    #[pg_test]
    fn test_expired_reservation_never_counts() {
        let (p, w) = item("exp", 10);
        let id = reserve(&format!("'slow', {}", items(p, w, 4))).0.unwrap();
        assert_eq!(available(p, Some(w)), 6);
        expire_now(id);
        assert_eq!(available(p, Some(w)), 10);
        assert_eq!(
            Spi::get_one_with_args::<i64>(
                "SELECT available FROM wms.available_to_sell WHERE product_id = $1 AND warehouse_id = $2",
                &[p.into(), w.into()]
            ),
            Ok(Some(10))
        );
        assert_eq!(
            assert_sqlstate(&format!("SELECT * FROM wms_fulfill_order({id})"), "55000"),
            format!("the reservation of order {id} has expired")
        );
        // Taking all 10 releases the expired hold.
        let (_, st, _) = place(&format!("'fast', {p}, {w}, 10"));
        assert_eq!(st, "Fulfilled");
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(0), 0));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.order_items WHERE order_id = {id} AND NOT holding"
            )),
            1
        );
        assert!(verify().is_empty());
        // The sweep cancels the order; nothing is left to release.
        assert_eq!(
            Spi::get_one::<i32>("SELECT wms_expire_reservations()"),
            Ok(Some(1))
        );
        assert_eq!(status(id), "Cancelled");
        assert_eq!(count(&format!("SELECT 1 FROM wms.order_status_history WHERE order_id = {id} AND to_status = 'Cancelled' AND reason = 'expired'")), 1);
        assert_eq!(
            Spi::get_one::<i32>("SELECT wms_expire_reservations()"),
            Ok(Some(0))
        );
        assert!(verify().is_empty());
    }

    /// A reservation whose stock was taken back after it expired cannot be
    /// fulfilled even by a transaction whose clock says it has not expired.
    #[pg_test]
    fn test_taken_back_reservation_cannot_be_fulfilled() {
        let (p, w) = item("back", 10);
        let id = reserve(&format!("'slow', {}", items(p, w, 4))).0.unwrap();
        expire_now(id);
        let (_, st, _) = place(&format!("'fast', {p}, {w}, 10"));
        assert_eq!(st, "Fulfilled");
        // As a fulfil that started before expiry would see it.
        Spi::run(&format!("UPDATE wms.customer_orders SET expires_at = now() + interval '1 hour' WHERE order_id = {id}")).unwrap();
        assert_eq!(
            assert_sqlstate(&format!("SELECT * FROM wms_fulfill_order({id})"), "55000"),
            format!("the reservation of order {id} has expired")
        );
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(0), 0));
        // Cancelling it is still allowed and releases nothing more.
        Spi::run(&format!("SELECT * FROM wms_cancel_order({id}, 'gave up')")).unwrap();
        assert_eq!(reserved(p, w), 0);
        assert!(verify().is_empty());
    }

    fn set(order_id: i64, status: &str) -> String {
        Spi::get_one::<String>(&format!(
            "SELECT status FROM wms_set_order_status({order_id}, '{status}')"
        ))
        .unwrap()
        .unwrap()
    }

    /// Reservation to delivery: the stock stays held until Shipped takes
    /// it (one ledger row per line), confirming ends the expiry, and every
    /// move has its history row.
    #[pg_test]
    fn test_reservation_to_delivery() {
        let (p, w) = item("flow", 10);
        let id = reserve(&format!("'c', {}, '5 minutes'", items(p, w, 3)))
            .0
            .unwrap();
        assert_eq!(set(id, "Confirmed"), "Confirmed");
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.customer_orders WHERE order_id = {id} AND expires_at IS NULL"
            )),
            1
        );
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(10), 3));
        assert_eq!(set(id, "Processing"), "Processing");
        assert_eq!(available(p, Some(w)), 7);
        assert_eq!(set(id, "Shipped"), "Shipped");
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(7), 0));
        assert_eq!(
            count(&format!(
                "SELECT 1 FROM wms.stock_movements WHERE order_id = {id} AND quantity_change = -3 AND reason = 'Sale'"
            )),
            1
        );
        assert_eq!(set(id, "Delivered"), "Delivered");
        assert_eq!(on_hand(p, w), Some(7));
        let moves: Vec<String> = Spi::connect(|c| {
            c.select(
                &format!("SELECT COALESCE(from_status, '-') || '>' || to_status FROM wms.order_status_history WHERE order_id = {id} ORDER BY history_id"),
                None,
                &[],
            )
            .unwrap()
            .map(|r| r.get::<String>(1).unwrap().unwrap())
            .collect()
        });
        assert_eq!(
            moves,
            [
                "->Pending",
                "Pending>Confirmed",
                "Confirmed>Processing",
                "Processing>Shipped",
                "Shipped>Delivered"
            ]
        );
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_set_order_status_refusals() {
        let (p, w) = item("refuse", 10);
        let id = reserve(&format!("'c', {}", items(p, w, 1))).0.unwrap();
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_set_order_status({id}, 'Lost')"),
                "22023"
            ),
            "unknown order status \"Lost\""
        );
        assert_sqlstate(
            "SELECT * FROM wms_set_order_status(-1, 'Confirmed')",
            "23503",
        );
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_set_order_status({id}, 'Shipped')"),
                "55000"
            ),
            format!("order {id} is Pending and cannot become Shipped")
        );
        set(id, "Confirmed");
        set(id, "Processing");
        set(id, "Shipped");
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_cancel_order({id}, 'too late')"),
                "55000"
            ),
            format!("order {id} is Shipped and cannot become Cancelled")
        );
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_set_order_status({id}, 'Returned')"),
                "55000"
            ),
            format!("order {id} is Shipped and becomes Returned only by a return")
        );
        assert_sqlstate(
            &format!("SELECT * FROM wms_set_order_status({id}, NULL)"),
            "22004",
        );
        assert_sqlstate(
            &format!("SELECT * FROM wms_set_order_status({id}, repeat('x', 300))"),
            "22023",
        );
        assert_eq!(status(id), "Shipped");
        assert!(verify().is_empty());
    }

    /// Only Pending expires: a Confirmed order is never swept and its
    /// stock is never taken back; an expired reservation cannot be confirmed.
    #[pg_test]
    fn test_expiry_is_for_pending_only() {
        let (p, w) = item("conf", 4);
        let id = reserve(&format!("'c', {}, '1 second'", items(p, w, 4)))
            .0
            .unwrap();
        set(id, "Confirmed");
        Spi::run(&format!(
            "UPDATE wms.customer_orders SET expires_at = now() - interval '1 hour' WHERE order_id = {id}"
        ))
        .unwrap();
        assert_eq!(available(p, Some(w)), 0);
        assert_eq!(place(&format!("'other', {p}, {w}, 1")).1, "Unavailable");
        assert_eq!(
            Spi::get_one::<i32>("SELECT wms_expire_reservations()"),
            Ok(Some(0))
        );
        assert_eq!((status(id), reserved(p, w)), ("Confirmed".into(), 4));
        let late = reserve(&format!("'late', {}", items(p, w, 1)));
        assert_eq!(late, (None, "Unavailable".into()));
        Spi::run(&format!("SELECT * FROM wms_cancel_order({id}, 'x')")).unwrap();
        let (q, v) = item("conf2", 2);
        let late = reserve(&format!("'late', {}", items(q, v, 2))).0.unwrap();
        expire_now(late);
        assert_eq!(
            assert_sqlstate(
                &format!("SELECT * FROM wms_set_order_status({late}, 'Confirmed')"),
                "55000"
            ),
            format!("the reservation of order {late} has expired")
        );
        assert!(verify().is_empty());
    }

    /// A move whose stock effect makes no sense is refused when inserted;
    /// a DBA's status and moves that make sense are used like the others.
    #[pg_test]
    fn test_moves_are_checked_when_inserted() {
        for (row, says) in [
            (
                "('Shipped', 'Confirmed')",
                "entering Confirmed would hold it again",
            ),
            ("('Shipped', 'Fulfilled')", "would take it twice"),
            ("('Cancelled', 'Processing')", "Cancelled is terminal"),
            (
                "('Processing', 'Processing')",
                "does not move to the status it is in",
            ),
        ] {
            let message = assert_sqlstate(
                &format!("INSERT INTO wms.order_transitions (from_status, to_status) VALUES {row}"),
                "23514",
            );
            assert!(message.contains(says), "{row}: {message}");
        }
        let message = assert_sqlstate(
            "INSERT INTO wms.order_transitions VALUES ('Confirmed', 'Returned', true)",
            "23514",
        );
        assert!(
            message.contains("only an order whose stock was taken"),
            "{message}"
        );
        assert_sqlstate(
            "INSERT INTO wms.order_transitions VALUES ('Nowhere', 'Pending')",
            "23503",
        );
        assert_sqlstate(
            "UPDATE wms.order_statuses SET stock_effect = 'none' WHERE status = 'Shipped'",
            "42501",
        );
        assert_sqlstate(
            "DELETE FROM wms.order_statuses WHERE status = 'Pending'",
            "42501",
        );
        // A status of the DBA's: on hold, between confirmation and picking.
        Spi::run("INSERT INTO wms.order_statuses VALUES ('OnHold', 'hold', false)").unwrap();
        Spi::run(
            "INSERT INTO wms.order_transitions (from_status, to_status) VALUES ('Confirmed', 'OnHold'), ('OnHold', 'Processing')",
        )
        .unwrap();
        let (p, w) = item("hold", 5);
        let id = reserve(&format!("'c', {}", items(p, w, 2))).0.unwrap();
        set(id, "Confirmed");
        set(id, "OnHold");
        assert_eq!(reserved(p, w), 2);
        set(id, "Processing");
        set(id, "Shipped");
        assert_eq!((on_hand(p, w), reserved(p, w)), (Some(3), 0));
        assert_sqlstate(
            "DELETE FROM wms.order_statuses WHERE status = 'OnHold'",
            "42501",
        );
        // A status nothing reaches has no moves; a move whose removal would
        // strand a status is refused too.
        Spi::run("INSERT INTO wms.order_statuses VALUES ('Limbo', 'none', false)").unwrap();
        let message = assert_sqlstate(
            "INSERT INTO wms.order_transitions (from_status, to_status) VALUES ('Limbo', 'Cancelled')",
            "23514",
        );
        assert!(message.contains("no order can reach Limbo"), "{message}");
        let message = assert_sqlstate(
            "DELETE FROM wms.order_transitions WHERE from_status = 'Pending' AND to_status = 'Confirmed'",
            "23514",
        );
        assert!(
            message.contains("no order can reach Confirmed"),
            "{message}"
        );
        // Held stock never stops in a status without effect, nor in a
        // terminal one.
        let message = assert_sqlstate(
            "INSERT INTO wms.order_transitions (from_status, to_status) VALUES ('Confirmed', 'Limbo')",
            "23514",
        );
        assert!(
            message.contains("would neither hold nor take nor release"),
            "{message}"
        );
        assert_sqlstate(
            "INSERT INTO wms.order_statuses VALUES ('Parked', 'hold', true)",
            "23514",
        );
        // Only a return enters where returns go.
        Spi::run("INSERT INTO wms.order_statuses VALUES ('Dispatched', 'take', false)").unwrap();
        Spi::run("INSERT INTO wms.order_transitions (from_status, to_status) VALUES ('Processing', 'Dispatched')").unwrap();
        let message = assert_sqlstate(
            "INSERT INTO wms.order_transitions (from_status, to_status) VALUES ('Dispatched', 'Returned')",
            "23514",
        );
        assert!(message.contains("only a return moves into it"), "{message}");
        Spi::run("INSERT INTO wms.order_transitions VALUES ('Dispatched', 'Returned', true)")
            .unwrap();
        assert_sqlstate("TRUNCATE wms.order_transitions", "42501");
        assert_sqlstate("TRUNCATE wms.order_statuses CASCADE", "42501");
        assert!(verify().is_empty());
    }

    #[pg_test]
    fn test_expire_reservations_releases_stock() {
        let (a, w) = item("sweep-a", 10);
        let b = Spi::get_one::<i64>("SELECT wms_add_product('sweep-b', 'b')")
            .unwrap()
            .unwrap();
        crate::testing::receive(b, w, 10);
        let two = crate::testing::items(&[(a, w, 2), (b, w, 3)]);
        let x = reserve(&format!("'x', {two}")).0.unwrap();
        let y = reserve(&format!("'y', {}", items(b, w, 1))).0.unwrap();
        let live = reserve(&format!("'live', {}", items(a, w, 1))).0.unwrap();
        expire_now(x);
        expire_now(y);
        assert_eq!(
            Spi::get_one::<i32>("SELECT wms_expire_reservations()"),
            Ok(Some(2))
        );
        assert_eq!(
            (status(x), status(y), status(live)),
            ("Cancelled".into(), "Cancelled".into(), "Pending".into())
        );
        assert_eq!((reserved(a, w), reserved(b, w)), (1, 0));
        assert!(verify().is_empty());
    }
}
