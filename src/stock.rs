//! The one door for stock: every change of on hand or reserved passes
//! through [`lock_items`] (or, for an order's lines, [`lock_lines`]) and
//! then [`apply`]; a batch of submitted orders through [`lock_batch`] and
//! [`apply_batch`]; the commonest order (one line, no key) may take the
//! short way of [`take_one`], its queue held, which locks and changes the
//! row in one statement.
//!
//! Lock order, written once:
//! 1. the idempotency key, when there is one ([`lock_key`]);
//! 2. the queue lock of each item ([`join_queues`]), in tag order (an
//!    order first tries them without waiting, [`try_join_free_queues`],
//!    in the same order, and leaves them all if one is busy);
//! 3. the inventory rows, one at a time in ascending (product_id,
//!    warehouse_id) order, each at most once per call.
//!
//! Any two wms calls request the locks they share in the same order, so
//! they wait behind each other instead of deadlocking. That holds for one
//! call: locks are kept to the end of the transaction, so two
//! transactions that each make several calls can still take the same
//! items in opposite orders and deadlock (40P01, retryable). Every wait is
//! bounded by `wms.lock_timeout` ([`bounded_wait`]). wms_grant and
//! wms_revoke take one lock only, that of the grants ([`lock_grants`]).
//! A call holds the
//! queues of all its items before it touches a row, so wms calls never
//! pile up on a row lock (PostgreSQL wakes every waiter of a row lock when
//! it is released, and that herd is what collapses throughput on a hot
//! item); only a writer outside wms can make a call wait on a row.

use std::collections::BTreeMap;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::spi::SpiClient;

use crate::catalogue;
use crate::errors::{Shortage, WmsError, WmsResult};
use crate::gucs;
use crate::plans::{self, col, opt_col, Statement};

/// (product_id, warehouse_id): one inventory row.
pub type ItemKey = (i64, i64);

/// Quantities per item, summed and kept in lock order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lines(BTreeMap<ItemKey, i64>);

impl Lines {
    /// Add `quantity` (already checked positive) of an item to the lines.
    pub fn add(&mut self, item: ItemKey, quantity: i64) -> WmsResult<()> {
        let total = self.0.entry(item).or_insert(0);
        *total = total
            .checked_add(quantity)
            .ok_or_else(|| WmsError::OutOfRange {
                message: format!(
                    "total quantity of product {} in warehouse {} does not fit in bigint",
                    item.0, item.1
                ),
            })?;
        Ok(())
    }

    pub fn single(item: ItemKey, quantity: i64) -> Self {
        Lines(BTreeMap::from([(item, quantity)]))
    }

    /// Lines in lock order.
    pub fn iter(&self) -> impl Iterator<Item = (ItemKey, i64)> + '_ {
        self.0.iter().map(|(k, q)| (*k, *q))
    }

    /// The three parallel arrays (product_id, warehouse_id, quantity) a statement takes.
    pub fn columns(&self) -> (Vec<i64>, Vec<i64>, Vec<i64>) {
        let mut cols = (Vec::new(), Vec::new(), Vec::new());
        for ((p, w), q) in self.iter() {
            cols.0.push(p);
            cols.1.push(w);
            cols.2.push(q);
        }
        cols
    }
}

/// An inventory row as it stands under this transaction's lock, or as a
/// snapshot sees it.
#[derive(Debug, Clone, Copy)]
pub struct LockedItem {
    pub on_hand: i64,
    pub reserved: i64,
    /// The part of `reserved` held by reservations that have expired: it
    /// does not count against availability, and the door releases it when
    /// a change needs it.
    pub expired: i64,
}

impl LockedItem {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved + self.expired
    }
}

/// What to do when an item has no inventory row yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Create it with zero stock and lock it (inbound movements).
    Create,
    /// Leave it out: it has nothing available (outbound movements).
    Skip,
}

/// Rows this transaction holds locked; only [`lock_items`] and
/// [`lock_lines`] make one, so [`apply`] cannot be reached without taking
/// the locks first.
#[derive(Default)]
pub struct Locked {
    rows: BTreeMap<ItemKey, LockedItem>,
    /// Lines ([`lock_lines`]) that are short of stock; when there is one,
    /// the items after it were read, not locked.
    short: Vec<Shortage>,
}

impl Locked {
    /// Whether it holds any row lock.
    pub fn holds_rows(&self) -> bool {
        !self.rows.is_empty()
    }

    /// The lines short of stock, each with what is available.
    pub fn short(&self) -> &[Shortage] {
        &self.short
    }

    /// The locked row of an item; `None` when it has no inventory row (skipped).
    pub fn get(&self, item: ItemKey) -> Option<LockedItem> {
        self.rows.get(&item).copied()
    }

    pub fn available(&self, item: ItemKey) -> i64 {
        self.get(item).map_or(0, |r| r.available())
    }
}

/// Sets an integer setting of this backend while it lives, and puts the
/// old value back when dropped (on error as well). Only for settings read
/// when a wait begins, around code that runs no other code of the caller.
struct Setting {
    var: *mut i32,
    was: i32,
}

impl Setting {
    /// # Safety
    /// `var` is one of this backend's own integer settings.
    unsafe fn set(var: *mut i32, value: i32) -> Setting {
        // SAFETY: see the contract; single-threaded backend.
        unsafe {
            let was = *var;
            *var = value;
            Setting { var, was }
        }
    }
}

impl Drop for Setting {
    fn drop(&mut self) {
        // SAFETY: the same variable `set` wrote.
        unsafe { *self.var = self.was }
    }
}

/// Run `f` with PostgreSQL's lock_timeout set to `wms.lock_timeout` (when
/// that is not 0), then put the caller's setting back. A wait past it
/// raises 55P03, which aborts the call with nothing written.
pub fn bounded_wait<R>(f: impl FnOnce() -> R) -> R {
    let ms = gucs::LOCK_TIMEOUT_MS.get();
    // SAFETY: LockTimeout is read by the lock manager when a wait starts.
    let _restore = (ms > 0).then(|| unsafe { Setting::set(&raw mut pg_sys::LockTimeout, ms) });
    f()
}

static LOCK_ROW: Statement = Statement {
    sql: include_str!("../sql/queries/lock_row.sql"),
    params: &[INT8OID, INT8OID, INT8OID],
};

static TRY_LOCK_ROW: Statement = Statement {
    sql: include_str!("../sql/queries/try_lock_row.sql"),
    params: &[INT8OID, INT8OID],
};

static CREATE_ROW: Statement = Statement {
    sql: include_str!("../sql/queries/create_row.sql"),
    params: &[INT8OID, INT8OID],
};

/// Raise 23503 unless both the product and the warehouse exist, on a fresh
/// snapshot (what a waiter that found no row needs).
pub fn check_item_exists(
    client: &mut SpiClient<'_>,
    (product_id, warehouse_id): ItemKey,
) -> WmsResult<()> {
    let row = plans::run(
        client,
        &catalogue::KNOWN,
        &[product_id.into(), warehouse_id.into()],
    )
    .next()
    .expect("EXISTS returns one row");
    catalogue::known(&row, Some(product_id), Some(warehouse_id))
}

// Inventory rows of items as the statement's snapshot sees them, without
// a lock: on hand, reserved, and the part of reserved held by expired,
// unreleased reservations (stable while the row is locked: reserving needs
// that lock).
static PEEK: Statement = Statement {
    sql: concat!(
        include_str!("../sql/queries/peek_row.sql"),
        include_str!("../sql/queries/peek.sql")
    ),
    params: &[INT8ARRAYOID, INT8ARRAYOID],
};

// PEEK of one item, found by its key. A call's looks under its own locks
// are at one item, so only this one is planned before locking; PEEK is
// planned by the look at an order of several lines before it queues.
static PEEK_ONE: Statement = Statement {
    sql: concat!(
        include_str!("../sql/queries/peek_row.sql"),
        include_str!("../sql/queries/peek_one.sql")
    ),
    params: &[INT8OID, INT8OID],
};

/// The inventory rows of `items` that exist, as a fresh snapshot sees them.
fn peek(
    client: &mut SpiClient<'_>,
    items: impl Iterator<Item = ItemKey>,
) -> BTreeMap<ItemKey, LockedItem> {
    let (products, warehouses): (Vec<i64>, Vec<i64>) = items.unzip();
    let item = |row: plans::Row<'_>| {
        (
            (col(&row, 1), col(&row, 2)),
            LockedItem {
                on_hand: col(&row, 3),
                reserved: col(&row, 4),
                expired: col(&row, 5),
            },
        )
    };
    // Several items while an earlier call of this transaction holds its
    // locks, on a backend that has not planned PEEK: one item at a time
    // (PEEK_ONE is planned with what locking runs), so that nothing is
    // planned while a queue is held.
    if products.len() == 1 || (holds_locks() && !plans::prepared(&[&PEEK])) {
        let mut seen = BTreeMap::new();
        for (p, w) in products.into_iter().zip(warehouses) {
            seen.extend(plans::run(client, &PEEK_ONE, &[p.into(), w.into()]).map(item));
        }
        seen
    } else {
        plans::run(client, &PEEK, &[products.into(), warehouses.into()])
            .map(item)
            .collect()
    }
}

/// Whether this backend has planned the look at several items (tests).
#[cfg(any(test, feature = "pg_test"))]
pub fn several_peek_planned() -> bool {
    plans::prepared(&[&PEEK])
}

/// What a fresh snapshot shows of an order's lines.
pub struct Seen {
    /// The lines short of stock.
    pub short: Vec<Shortage>,
    /// Whether no line's row has reservations.
    pub unreserved: bool,
}

/// The lines that a fresh snapshot shows short of stock, read without
/// waiting for any lock: an order can be refused on them alone (the
/// stock it lacks was not there when it looked), so on sell-out buyers
/// are answered at once instead of queueing. An item with no inventory
/// row has nothing available; an unknown one raises 23503. `short` is
/// empty when every line looks available.
pub fn short_in_snapshot(client: &mut SpiClient<'_>, lines: &Lines) -> WmsResult<Seen> {
    let rows = peek(client, lines.iter().map(|(item, _)| item));
    let mut seen = Seen {
        short: Vec::new(),
        unreserved: true,
    };
    for (item, need) in lines.iter() {
        let available = match rows.get(&item) {
            Some(row) => {
                seen.unreserved &= row.reserved == 0;
                row.available()
            }
            None => {
                check_item_exists(client, item)?;
                0
            }
        };
        seen.short.extend(shortage(item, need, available));
    }
    Ok(seen)
}

/// The shortage of a line that needs `requested` of an item with
/// `available`; `None` when there is enough.
pub fn shortage(
    (product_id, warehouse_id): ItemKey,
    requested: i64,
    available: i64,
) -> Option<Shortage> {
    (available < requested).then_some(Shortage {
        product_id,
        warehouse_id,
        requested,
        available,
    })
}

static RELEASE_EXPIRED: Statement = Statement {
    sql: include_str!("../sql/queries/release_expired.sql"),
    params: &[INT8OID, INT8OID],
};

/// `objsubid` of the queue locks in pg_locks ("WM"). SQL's advisory lock
/// functions only make tags with objsubid 1 or 2 (their two key forms),
/// so no role can take or hold a lock of the extension from SQL.
pub const QUEUE_LOCK_CLASS: u16 = 0x574d;

/// `objsubid` of the idempotency-key locks in pg_locks ("KY").
pub const KEY_LOCK_CLASS: u16 = 0x4b59;

/// `objsubid` of the lock of wms.grants' writers ("GR").
const GRANTS_LOCK_CLASS: u16 = 0x4752;

/// How long a wait in a queue goes before PostgreSQL checks it for a
/// deadlock, unless deadlock_timeout is longer (milliseconds).
const QUEUE_DEADLOCK_TIMEOUT_MS: i32 = 10_000;

/// The queue lock of an item: an advisory lock on (product_id,
/// warehouse_id), each truncated to 32 bits (ids that differ only above
/// that share a queue, which costs waiting, never correctness).
fn queue_tag((p, w): (u32, u32)) -> pg_sys::LOCKTAG {
    advisory_tag(p, w, QUEUE_LOCK_CLASS)
}

/// An advisory lock tag of this database in one of the extension's classes.
fn advisory_tag(high: u32, low: u32, class: u16) -> pg_sys::LOCKTAG {
    pg_sys::LOCKTAG {
        // SAFETY: set once at backend start, before any function call.
        locktag_field1: unsafe { pg_sys::MyDatabaseId }.to_u32(),
        locktag_field2: high,
        locktag_field3: low,
        locktag_field4: class,
        locktag_type: pg_sys::LockTagType::LOCKTAG_ADVISORY as u8,
        locktag_lockmethodid: pg_sys::USER_LOCKMETHOD as u8,
    }
}

thread_local! {
    /// The local transaction id of the last transaction of this backend
    /// that took a key or queue lock (0: none yet).
    static LOCKING_LXID: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// This transaction takes (or may take) wms locks, kept to its end.
fn mark_locking() {
    // SAFETY: this backend's own PGPROC, set for its whole life.
    let lxid = unsafe { (*pg_sys::MyProc).lxid };
    LOCKING_LXID.with(|l| l.set(lxid));
}

/// Whether the current transaction has taken a key or queue lock of a wms
/// call (it keeps them until it ends). wms_submit_order refuses to wait
/// for the order worker then: the worker could be waiting for them.
pub fn holds_locks() -> bool {
    // SAFETY: as in mark_locking.
    let lxid = unsafe { (*pg_sys::MyProc).lxid };
    LOCKING_LXID.with(|l| l.get()) == lxid
}

/// What [`lock_batch`] got: the rows locked, the items whose product or
/// warehouse does not exist (with the error), and those another
/// transaction holds (their queue or row).
#[derive(Default)]
pub struct BatchLocks {
    pub locked: Locked,
    pub unknown: BTreeMap<ItemKey, WmsError>,
    pub busy: std::collections::BTreeSet<ItemKey>,
}

/// Lock every item of a batch of orders (wms_submit_order) once, in lock
/// order (its queue, then its row), without waiting: an item another
/// transaction holds is left busy, for the orders naming it to wait for
/// a later batch, so that one held item never holds up the batch. With
/// `wait` (the waiting worker), in line at each item instead, bounded by
/// `wms.lock_timeout`. An item without a row is left out (nothing
/// available).
pub fn lock_batch(
    client: &mut SpiClient<'_>,
    items: impl IntoIterator<Item = ItemKey>,
    wait: bool,
) -> BatchLocks {
    plans::prepare(client, &[&TRY_LOCK_ROW, &LOCK_ROW, &PEEK_ONE, &APPLY]);
    let mut items: Vec<ItemKey> = items.into_iter().collect();
    items.sort_unstable();
    items.dedup();
    mark_locking();
    let mut got = BatchLocks::default();
    if wait {
        // In line at every item, as wms_place_order waits (bounded).
        return bounded_wait(|| {
            join_queues(&items);
            for item in items {
                match lock_row(client, item, i64::MIN) {
                    Some(row) => {
                        got.locked.rows.insert(item, row);
                    }
                    None => {
                        if let Err(e) = check_item_exists(client, item) {
                            got.unknown.insert(item, e);
                        }
                    }
                }
            }
            got
        });
    }
    for item in items {
        let (p, w) = item;
        if try_lock(&queue_tag((p as u32, w as u32)))
            == pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL
        {
            got.busy.insert(item);
            continue;
        }
        match locked_row(client, &TRY_LOCK_ROW, item, &[p.into(), w.into()]) {
            Some(row) => {
                got.locked.rows.insert(item, row);
            }
            None if peek(client, [item].into_iter()).is_empty() => {
                if let Err(e) = check_item_exists(client, item) {
                    got.unknown.insert(item, e);
                }
            }
            None => {
                got.busy.insert(item);
            }
        }
    }
    got
}

/// Take the lock of an idempotency key until the end of the transaction
/// (step 1 of the lock order), waiting at most `wms.lock_timeout`. The tag
/// holds a 64-bit FNV-1a hash of the key: keys that share a hash share a
/// lock, which costs waiting, never correctness.
pub fn lock_key(key: &str) {
    let tag = key_tag(key);
    mark_locking();
    bounded_wait(|| {
        // SAFETY: a valid tag; an error (timeout, deadlock, cancel) is
        // raised by the lock manager and unwinds like any other.
        unsafe { pg_sys::LockAcquire(&tag, pg_sys::ExclusiveLock as i32, false, false) };
    });
}

/// Take the lock of wms.grants' writers (wms_grant, wms_revoke) until the
/// end of the transaction, waiting at most `wms.lock_timeout`: one change
/// of the grants at a time, so the EXECUTE privileges each one derives from
/// the rows left are never computed from rows another is changing.
/// The advisory lock of an idempotency key (FNV-1a of its bytes).
fn key_tag(key: &str) -> pg_sys::LOCKTAG {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    advisory_tag((hash >> 32) as u32, hash as u32, KEY_LOCK_CLASS)
}

/// Take the lock of an idempotency key if it is free (the order worker's
/// way: a key another transaction holds waits for a later batch).
pub fn try_lock_key(key: &str) -> bool {
    mark_locking();
    try_lock(&key_tag(key)) != pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL
}

/// Take an advisory lock of this transaction (exclusive) if it can be
/// had without waiting: OK, held already, or not available.
fn try_lock(tag: &pg_sys::LOCKTAG) -> pg_sys::LockAcquireResult::Type {
    // SAFETY: a valid tag; with dontWait the lock manager never waits.
    unsafe { pg_sys::LockAcquire(tag, pg_sys::ExclusiveLock as i32, false, true) }
}

pub fn lock_grants() {
    let tag = advisory_tag(0, 0, GRANTS_LOCK_CLASS);
    bounded_wait(|| {
        // SAFETY: as in lock_key.
        unsafe { pg_sys::LockAcquire(&tag, pg_sys::ExclusiveLock as i32, false, false) };
    });
}

/// Join the queues of `items` until the end of the transaction, in the
/// order of their tags. The lock manager grants a queue to one waiter at
/// a time, in arrival order, so a wms call reaches an inventory row only
/// when the call before it has committed, and never waits on the row
/// lock of another wms call. Waits honour lock_timeout.
///
/// Waits that are a deadlock are still found, after
/// [`QUEUE_DEADLOCK_TIMEOUT_MS`] rather than deadlock_timeout: a thousand
/// callers on one item would otherwise each run PostgreSQL's deadlock
/// check after a second, and each check walks the whole queue while it
/// holds every lock-manager lock, stalling the server for seconds.
fn join_queues(items: &[ItemKey]) {
    mark_locking();
    // SAFETY: this backend's setting, around waits that run no other code.
    let _restore = unsafe {
        let configured = pg_sys::DeadlockTimeout;
        Setting::set(
            &raw mut pg_sys::DeadlockTimeout,
            configured.max(QUEUE_DEADLOCK_TIMEOUT_MS),
        )
    };
    for key in queue_keys(items) {
        // SAFETY: a valid tag; an error (timeout, deadlock, cancel) is
        // raised by the lock manager and unwinds like any other.
        unsafe {
            pg_sys::LockAcquire(&queue_tag(key), pg_sys::ExclusiveLock as i32, false, false);
        }
    }
}

/// The queues of `items`, in the order they are joined.
fn queue_keys(items: &[ItemKey]) -> Vec<(u32, u32)> {
    let mut keys: Vec<(u32, u32)> = items.iter().map(|&(p, w)| (p as u32, w as u32)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Join the queues of `items` only where nobody holds or waits for them;
/// false at the first that is busy (those joined before it stay joined
/// until the end of the transaction).
fn try_join_queues(items: &[ItemKey]) -> bool {
    mark_locking();
    queue_keys(items)
        .into_iter()
        .all(|key| try_lock(&queue_tag(key)) != pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL)
}

/// The queues a call joined without waiting, and only those: the ones the
/// transaction held already are not in it.
pub struct Joined(Vec<(u32, u32)>);

/// Join the queues of `lines` if each is free (nobody holds it or waits
/// for it), without waiting: the queues joined, or `None` when one is busy
/// (having left again those it had just joined). A caller that gets them
/// is first in line: it needs no look at a snapshot before it queues,
/// since there is no queue to spare it.
pub fn try_join_free_queues(lines: &Lines) -> Option<Joined> {
    mark_locking();
    let items: Vec<ItemKey> = lines.iter().map(|(item, _)| item).collect();
    let mut joined = Joined(Vec::new());
    for key in queue_keys(&items) {
        match try_lock(&queue_tag(key)) {
            pg_sys::LockAcquireResult::LOCKACQUIRE_NOT_AVAIL => {
                leave_queues(joined);
                return None;
            }
            pg_sys::LockAcquireResult::LOCKACQUIRE_OK => joined.0.push(key),
            // Held by this transaction already: stays held.
            _ => {}
        }
    }
    Some(joined)
}

/// Leave the queues `joined` before the transaction ends: a call that
/// changed and locked nothing (refused for want of stock) holds no queue
/// after it. Never while it holds a row lock: no wms call waits on the row
/// of another.
pub fn leave_queues(joined: Joined) {
    for key in joined.0 {
        let tag = queue_tag(key);
        // Every hold of it is this call's (joined here, then again when the
        // rows were locked): all of them go.
        // SAFETY: a lock this call acquired itself (LOCKACQUIRE_OK), released
        // only while held.
        unsafe {
            // A call holds a queue at most a few times: bounded all the same.
            for _ in 0..16 {
                if !pg_sys::LockHeldByMe(&tag, pg_sys::ExclusiveLock as i32)
                    || !pg_sys::LockRelease(&tag, pg_sys::ExclusiveLock as i32, false)
                {
                    break;
                }
            }
        }
    }
}

/// What locking and changing stock runs.
const LOCKING: [&Statement; 3] = [&LOCK_ROW, &PEEK_ONE, &APPLY];

/// Plan what locking and changing stock runs, before any lock is taken.
pub fn prepare_locking(client: &SpiClient<'_>) {
    plans::prepare(client, &LOCKING);
}

/// Whether this backend has planned what locking and changing stock runs.
pub fn locking_prepared() -> bool {
    plans::prepared(&LOCKING)
}

/// Lock an item's row if it has at least `need` available before expired
/// holds are counted (`i64::MIN`: whatever it has).
fn lock_row(client: &mut SpiClient<'_>, (p, w): ItemKey, need: i64) -> Option<LockedItem> {
    locked_row(
        client,
        &LOCK_ROW,
        (p, w),
        &[p.into(), w.into(), need.into()],
    )
}

/// The row of `item` that `stmt` locked (on hand, reserved), with its
/// expired holds.
fn locked_row(
    client: &mut SpiClient<'_>,
    stmt: &'static Statement,
    (p, w): ItemKey,
    args: &[DatumWithOid<'_>],
) -> Option<LockedItem> {
    let (on_hand, reserved) = plans::run(client, stmt, args)
        .next()
        .map(|row| (col::<i64>(&row, 1), col::<i64>(&row, 2)))?;
    let expired = if reserved > 0 {
        peek(client, [(p, w)].into_iter())[&(p, w)].expired
    } else {
        0
    };
    Some(LockedItem {
        on_hand,
        reserved,
        expired,
    })
}

/// Lock the inventory rows of `items` in lock order (see the module doc).
/// An unknown product or warehouse raises 23503 before anything is written.
pub fn lock_items(
    client: &mut SpiClient<'_>,
    items: impl IntoIterator<Item = ItemKey>,
    missing: Missing,
) -> WmsResult<Locked> {
    lock(
        client,
        items.into_iter().map(|item| (item, i64::MIN)),
        missing,
    )
}

/// Lock the rows of `items` like [`lock_items`], but without waiting for
/// anyone: `None` as soon as another transaction holds an item's queue or
/// row. Items without an inventory row are left out.
pub fn try_lock_items(
    client: &mut SpiClient<'_>,
    items: impl IntoIterator<Item = ItemKey>,
) -> WmsResult<Option<Locked>> {
    plans::prepare(client, &[&TRY_LOCK_ROW, &PEEK_ONE, &APPLY]);
    let mut items: Vec<ItemKey> = items.into_iter().collect();
    items.sort_unstable();
    items.dedup();
    if !try_join_queues(&items) {
        return Ok(None);
    }
    let mut locked = Locked::default();
    for item in items {
        match locked_row(client, &TRY_LOCK_ROW, item, &[item.0.into(), item.1.into()]) {
            Some(row) => {
                locked.rows.insert(item, row);
            }
            // Skipped: locked by another transaction, or no row at all.
            None if peek(client, [item].into_iter()).is_empty() => {}
            None => return Ok(None),
        }
    }
    Ok(Some(locked))
}

/// Lock the rows of an order's lines while each has its quantity
/// available. At the first short line the order cannot go ahead: that
/// line and the ones after it are read, not locked, so that a buyer who
/// comes too late holds no row lock and writes nothing (its transaction
/// gets no xid, and its commit waits for no WAL flush, unless the call
/// wrote and removed an order before, [`take_one_in_line`]). Items
/// without a row are short, unknown ones raise 23503.
pub fn lock_lines(client: &mut SpiClient<'_>, lines: &Lines) -> WmsResult<Locked> {
    lock(client, lines.iter(), Missing::Skip)
}

fn lock(
    client: &mut SpiClient<'_>,
    needs: impl Iterator<Item = (ItemKey, i64)>,
    missing: Missing,
) -> WmsResult<Locked> {
    prepare_locking(client);
    let mut needs: Vec<(ItemKey, i64)> = needs.collect();
    needs.sort_unstable();
    needs.dedup_by_key(|(item, _)| *item);
    bounded_wait(|| lock_sorted(client, needs, missing))
}

fn lock_sorted(
    client: &mut SpiClient<'_>,
    needs: Vec<(ItemKey, i64)>,
    missing: Missing,
) -> WmsResult<Locked> {
    let items: Vec<ItemKey> = needs.iter().map(|(item, _)| *item).collect();
    join_queues(&items);
    let mut locked = Locked::default();
    for (item, need) in needs {
        let going_ahead = locked.short.is_empty();
        if going_ahead {
            if let Some(row) = lock_row(client, item, need) {
                locked.rows.insert(item, row);
                continue;
            }
        }
        // Not enough before expired holds are counted, or not going ahead.
        let available = match peek(client, [item].into_iter()).get(&item) {
            Some(seen) => seen.available(),
            None => {
                check_item_exists(client, item)?;
                if missing == Missing::Create && going_ahead {
                    // A concurrent creator of the same row makes this
                    // wait for its commit; the lock below then sees it.
                    plans::run(client, &CREATE_ROW, &[item.0.into(), item.1.into()]);
                    let row = lock_row(client, item, need);
                    locked
                        .rows
                        .insert(item, row.expect("inventory row exists after create"));
                    continue;
                }
                0
            }
        };
        if let Some(short) = shortage(item, need, available) {
            locked.short.push(short);
        } else if going_ahead {
            // Enough once expired holds are counted: lock it as it is.
            if let Some(row) = lock_row(client, item, i64::MIN) {
                locked.rows.insert(item, row);
            }
        }
    }
    Ok(locked)
}

/// One change of one locked row.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    pub item: ItemKey,
    pub on_hand: i64,
    pub reserved: i64,
    /// Of a release (`reserved` < 0), what expired holds held: the row
    /// counts it among its expired holds until now.
    pub expired: i64,
}

/// Why a set of changes happens: stored on each ledger row.
pub struct Cause<'a> {
    pub reason: &'a str,
    pub order_id: Option<i64>,
    pub reference: Option<&'a str>,
}

/// A row after a change, with the ledger row that records it (if on hand moved).
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    /// The item's reorder point, when this change took its available stock
    /// from above it to at or below it.
    pub low_stock: Option<i64>,
    pub item: ItemKey,
    pub on_hand: i64,
    pub available: i64,
    pub movement_id: Option<i64>,
}

static APPLY: Statement = Statement {
    sql: include_str!("../sql/queries/apply.sql"),
    params: &[
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        TEXTOID,
        INT8OID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
        TEXTOID,
    ],
};

/// The door: apply `changes` to rows locked by [`lock_items`], writing one
/// ledger row per item whose on hand moves, in the same statement as the
/// inventory update. A change that would leave a row negative, or reserved
/// above on hand, is refused here before anything is written.
pub fn apply(
    client: &mut SpiClient<'_>,
    locked: &Locked,
    changes: &[Change],
    cause: &Cause<'_>,
) -> WmsResult<Vec<Applied>> {
    let mut cols: [Vec<i64>; 4] = Default::default();
    // Expired holds each row keeps after the change (not counted as reserved).
    let mut still_expired: BTreeMap<ItemKey, i64> = BTreeMap::new();
    // What each row had available before the change (for low-stock alerts).
    let mut available_before: BTreeMap<ItemKey, i64> = BTreeMap::new();
    for change in changes {
        let row = locked.get(change.item).unwrap_or_else(|| {
            panic!(
                "wms: stock change for {:?} without its row lock",
                change.item
            )
        });
        let (p, w) = change.item;
        let out_of_range = || WmsError::OutOfRange {
            message: format!(
                "quantity on hand of product {p} in warehouse {w} would not fit in bigint"
            ),
        };
        let on_hand = row
            .on_hand
            .checked_add(change.on_hand)
            .ok_or_else(out_of_range)?;
        let mut reserved = row
            .reserved
            .checked_add(change.reserved)
            .ok_or_else(out_of_range)?;
        let mut reserved_change = change.reserved;
        let mut expired = row.expired;
        if reserved > on_hand && row.expired > 0 {
            // The change needs stock that expired reservations still hold:
            // release them (their orders stay Pending until swept or
            // cancelled, and can no longer be fulfilled).
            let released: i64 = plans::run(client, &RELEASE_EXPIRED, &[p.into(), w.into()])
                .map(|r| col::<i64>(&r, 1))
                .sum();
            assert_eq!(
                released, row.expired,
                "wms: expired reservations changed under the row lock"
            );
            reserved -= released;
            reserved_change -= released;
            expired = 0;
        }
        still_expired.insert(change.item, (expired - change.expired).max(0));
        available_before.insert(change.item, row.available());
        if on_hand < 0 || reserved < 0 || reserved > on_hand {
            // What the change takes from what is available.
            return Err(WmsError::InsufficientStock {
                shortages: vec![Shortage {
                    product_id: p,
                    warehouse_id: w,
                    requested: change.reserved - change.on_hand,
                    available: row.available(),
                }],
            });
        }
        for (col, v) in cols.iter_mut().zip([p, w, change.on_hand, reserved_change]) {
            col.push(v);
        }
    }
    let [products, warehouses, on_hand, reserved] = cols;
    let who = crate::audit::who()?;
    let applied: Vec<Applied> = plans::run(
        client,
        &APPLY,
        &[
            products.into(),
            warehouses.into(),
            on_hand.into(),
            reserved.into(),
            cause.reason.into(),
            cause.order_id.into(),
            cause.reference.into(),
            who.role.as_str().into(),
            who.actor.as_deref().into(),
            who.request_id.as_deref().into(),
        ],
    )
    .map(|row| {
        let item = (col(&row, 1), col(&row, 2));
        let on_hand: i64 = col(&row, 3);
        let reserved: i64 = col(&row, 4);
        let available = on_hand - reserved + still_expired.get(&item).copied().unwrap_or(0);
        let reorder_point: i64 = col(&row, 6);
        let before = available_before.get(&item).copied().unwrap_or(available);
        Applied {
            item,
            on_hand,
            available,
            movement_id: opt_col(&row, 5),
            // Crossed from above the reorder point to at or below it.
            low_stock: (reorder_point > 0 && before > reorder_point && available <= reorder_point)
                .then_some(reorder_point),
        }
    })
    .collect();
    assert_eq!(
        applied.len(),
        changes.len(),
        "wms: every locked row is updated exactly once"
    );
    if gucs::NOTIFY.get() {
        announce(&applied);
    }
    Ok(applied)
}

/// One ledger row of a batch of orders: a line taken from stock.
pub struct Movement<'a> {
    pub item: ItemKey,
    /// Negative: taken.
    pub change: i64,
    pub order_id: i64,
    pub who: &'a crate::audit::Who,
    /// Its caller's `wms.notify`: whether the change is announced.
    pub notify: bool,
}

/// What a movement of a batch wrote: its ledger row, the balance after it.
#[derive(Debug, Clone, Copy)]
pub struct Moved {
    pub movement_id: i64,
    pub on_hand_after: i64,
}

static APPLY_BATCH: Statement = Statement {
    sql: include_str!("../sql/queries/apply_batch.sql"),
    params: &[
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        TEXTOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
        INT8ARRAYOID,
    ],
};

/// The door for a batch of orders (wms_submit_order): every movement, in
/// the batch's order, on rows [`lock_batch`] locked, with one ledger row
/// each and one update of each inventory row, in one statement.
pub fn apply_batch(
    client: &mut SpiClient<'_>,
    locked: &Locked,
    movements: &[Movement<'_>],
    reason: &str,
) -> WmsResult<Vec<Moved>> {
    // Per item: on hand as the movements go, and what was there first.
    let mut running: BTreeMap<ItemKey, (i64, LockedItem)> = BTreeMap::new();
    // Product, warehouse, change, balance after, order: one per movement.
    let mut cols: [Vec<i64>; 5] = Default::default();
    let (mut roles, mut actors, mut requests) = (Vec::new(), Vec::new(), Vec::new());
    let mut applied = Vec::with_capacity(movements.len());
    for m in movements {
        let row = locked
            .get(m.item)
            .unwrap_or_else(|| panic!("wms: stock change for {:?} without its row lock", m.item));
        let (on_hand, first) = running.entry(m.item).or_insert((row.on_hand, row));
        let before = *on_hand - first.reserved + first.expired;
        let after = on_hand.checked_add(m.change).filter(|v| *v >= 0);
        let Some(after) = after.filter(|v| v - first.reserved + first.expired >= 0) else {
            return Err(WmsError::InsufficientStock {
                shortages: vec![Shortage {
                    product_id: m.item.0,
                    warehouse_id: m.item.1,
                    requested: -m.change,
                    available: before,
                }],
            });
        };
        *on_hand = after;
        for (col, v) in cols
            .iter_mut()
            .zip([m.item.0, m.item.1, m.change, after, m.order_id])
        {
            col.push(v);
        }
        roles.push(m.who.role.clone());
        actors.push(m.who.actor.clone());
        requests.push(m.who.request_id.clone());
        applied.push((before, after - first.reserved + first.expired));
    }
    // Each row once: its on hand change, and the expired reservations it
    // releases when what is left no longer covers them.
    let mut items: (Vec<i64>, Vec<i64>, Vec<i64>, Vec<i64>) = Default::default();
    for (&(p, w), &(on_hand, first)) in &running {
        let mut reserved_change = 0;
        if first.reserved > on_hand && first.expired > 0 {
            let released: i64 = plans::run(client, &RELEASE_EXPIRED, &[p.into(), w.into()])
                .map(|r| col::<i64>(&r, 1))
                .sum();
            assert_eq!(
                released, first.expired,
                "wms: expired reservations changed under the row lock"
            );
            reserved_change = -released;
        }
        items.0.push(p);
        items.1.push(w);
        items.2.push(on_hand - first.on_hand);
        items.3.push(reserved_change);
    }
    let balances = cols[3].clone();
    let [products, warehouses, changes, after, orders] = cols;
    let written: Vec<(i64, i64, i64)> = plans::run(
        client,
        &APPLY_BATCH,
        &[
            products.into(),
            warehouses.into(),
            changes.into(),
            after.into(),
            orders.into(),
            roles.into(),
            actors.into(),
            requests.into(),
            reason.into(),
            items.0.into(),
            items.1.into(),
            items.2.into(),
            items.3.into(),
        ],
    )
    .map(|row| {
        (
            col::<i64>(&row, 1),
            col::<i64>(&row, 2),
            col::<i64>(&row, 3),
        )
    })
    .collect();
    assert_eq!(
        written.len(),
        movements.len(),
        "wms: every movement of a batch has its ledger row"
    );
    let mut moved = vec![None; movements.len()];
    let mut announced = Vec::with_capacity(movements.len());
    for (n, movement_id, reorder_point) in written {
        let i = (n - 1) as usize;
        let (before, available) = applied[i];
        moved[i] = Some(Moved {
            movement_id,
            on_hand_after: balances[i],
        });
        if !movements[i].notify {
            continue;
        }
        announced.push(Applied {
            item: movements[i].item,
            on_hand: balances[i],
            available,
            movement_id: Some(movement_id),
            low_stock: (reorder_point > 0 && before > reorder_point && available <= reorder_point)
                .then_some(reorder_point),
        });
    }
    // Each movement as its caller's wms.notify says.
    announce(&announced);
    Ok(moved
        .into_iter()
        .map(|m| m.expect("wms: one ledger row per movement"))
        .collect())
}

/// What [`take_one`] wrote: the order, its ledger row, on hand after.
pub struct TakenOne {
    pub order_id: i64,
    pub movement_id: i64,
    pub on_hand_after: i64,
}

impl TakenOne {
    /// The events of `quantity` units taken from `item` (whose row has no
    /// reservation: available is on hand), with its `reorder_point`, when
    /// `notify`.
    fn announce(&self, item: ItemKey, quantity: i64, reorder_point: i64, notify: bool) {
        if !notify {
            return;
        }
        let after = self.on_hand_after;
        announce(&[Applied {
            item,
            on_hand: after,
            available: after,
            movement_id: Some(self.movement_id),
            low_stock: (reorder_point > 0
                && after + quantity > reorder_point
                && after <= reorder_point)
                .then_some(reorder_point),
        }]);
    }
}

/// The order that goes with the line [`take_one`] takes.
pub struct OneOrder<'a> {
    pub customer: &'a str,
    pub unit_price: Option<&'a str>,
    pub history_reason: &'a str,
    pub who: &'a crate::audit::Who,
    /// Whether the change is announced (its caller's `wms.notify`).
    pub notify: bool,
}

pub static TAKE_ONE: Statement = Statement {
    sql: include_str!("../sql/queries/take_one.sql"),
    params: &[
        INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
    ],
};

/// The door's short way for the commonest order, one line taken with no
/// idempotency key, on a backend whose statements are planned: with the
/// item's queue held, one statement takes the units from the row (its
/// lock), writes the order, its line, history and ledger rows, and sends
/// the events [`apply`] would. `None`, with nothing written, when the row
/// lacks the units or has reservations: the caller goes the general way.
pub fn take_one(
    client: &mut SpiClient<'_>,
    item: ItemKey,
    quantity: i64,
    order: &OneOrder<'_>,
) -> Option<TakenOne> {
    let (p, w) = item;
    // SAFETY: this backend's own lock table.
    let queued = unsafe {
        pg_sys::LockHeldByMe(
            &queue_tag((p as u32, w as u32)),
            pg_sys::ExclusiveLock as i32,
        )
    };
    assert!(queued, "wms: take_one without the item's queue");
    take(
        client,
        &TAKE_ONE,
        item,
        quantity,
        order,
        vec![
            order.customer.into(),
            order.unit_price.into(),
            order.history_reason.into(),
        ],
    )
}

/// Run `stmt`, one of the short ways' statements that take the units in
/// the item's turn: its arguments are the item and quantity, `middle`,
/// then who, and the ledger's reason; it
/// returns the order, the ledger row, on hand after and the reorder point.
/// Sends the events when the order says so.
fn take(
    client: &mut SpiClient<'_>,
    stmt: &'static Statement,
    item: ItemKey,
    quantity: i64,
    order: &OneOrder<'_>,
    middle: Vec<DatumWithOid<'_>>,
) -> Option<TakenOne> {
    let args = take_args(item, quantity, order, middle);
    bounded_wait(|| {
        plans::run(client, stmt, &args)
            .next()
            .map(|row| taken(&row, item, quantity, order))
    })
}

/// The arguments of a statement that takes the units ([`take`]).
fn take_args<'a>(
    (p, w): ItemKey,
    quantity: i64,
    order: &OneOrder<'a>,
    middle: Vec<DatumWithOid<'a>>,
) -> Vec<DatumWithOid<'a>> {
    let mut args: Vec<DatumWithOid<'a>> = vec![p.into(), w.into(), quantity.into()];
    args.extend(middle);
    args.extend([
        order.who.role.as_str().into(),
        order.who.actor.as_deref().into(),
        order.who.request_id.as_deref().into(),
        crate::vocabulary::SALE_REASON.into(),
    ]);
    args
}

/// What a statement that took the units returned ([`take`]), its events
/// sent when the order says so.
fn taken(row: &plans::Row<'_>, item: ItemKey, quantity: i64, order: &OneOrder<'_>) -> TakenOne {
    let taken = TakenOne {
        order_id: col(row, 1),
        movement_id: col(row, 2),
        on_hand_after: col(row, 3),
    };
    taken.announce(item, quantity, col(row, 4), order.notify);
    taken
}

static WRITE_ONE: Statement = Statement {
    sql: include_str!("../sql/queries/write_one.sql"),
    params: &[
        INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
    ],
};

static TAKE_WRITTEN: Statement = Statement {
    sql: include_str!("../sql/queries/take_written.sql"),
    params: &[
        INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
    ],
};

static UNWRITE_ONE: Statement = Statement {
    sql: include_str!("../sql/queries/unwrite_one.sql"),
    params: &[INT8OID],
};

/// What the short ways for one line run ([`take_one`], [`take_one_in_line`]).
pub const ONE_LINE: [&Statement; 4] = [&TAKE_ONE, &WRITE_ONE, &TAKE_WRITTEN, &UNWRITE_ONE];

/// [`take_one`] for a caller that is not in line at the item yet: it
/// writes the order, its line and its history row first, then joins the
/// item's queue (bounded), and in its turn takes the units and writes the
/// ledger row and the events. Callers on one item take their turns one
/// after another, each turn lasting until its commit; what is written
/// before the queue is written while others have their turns, so a turn is
/// shorter. `None` when the row lacks the units or has reservations in its
/// turn: the order, its line and its history row are removed again
/// (written and removed in this transaction, no one else ever saw them;
/// the history's trigger lets this removal alone through,
/// [`crate::guard::taking_back`]) and the caller,
/// in line now, goes the general way.
pub fn take_one_in_line(
    client: &mut SpiClient<'_>,
    item: ItemKey,
    quantity: i64,
    order: &OneOrder<'_>,
) -> Option<TakenOne> {
    let (p, w) = item;
    // Bounded too: the line's check is at commit, unless the caller's
    // SET CONSTRAINTS made it immediate; then it share-locks the inventory
    // row, which a writer outside wms may hold.
    let order_id: i64 = bounded_wait(|| {
        plans::run(
            client,
            &WRITE_ONE,
            &[
                p.into(),
                w.into(),
                quantity.into(),
                order.customer.into(),
                order.unit_price.into(),
                order.history_reason.into(),
                order.who.role.as_str().into(),
                order.who.actor.as_deref().into(),
                order.who.request_id.as_deref().into(),
            ],
        )
        .next()
        .map(|row| col(&row, 1))
        .expect("wms: an INSERT ... VALUES writes its row")
    });
    // The turn's statement is started now, its plan and constraints made
    // ready while others have their turns; in the turn it only runs, in a
    // snapshot taken then (plans::start).
    let args = take_args(item, quantity, order, vec![order_id.into()]);
    // Bounded as the statement's run is: starting it takes the locks of
    // its tables and indexes.
    let started = bounded_wait(|| plans::start(client, &TAKE_WRITTEN, &args));
    bounded_wait(|| join_queues(&[item]));
    let taken = bounded_wait(|| {
        plans::finish(client, started)
            .next()
            .map(|row| taken(&row, item, quantity, order))
    });
    if taken.is_none() {
        crate::guard::taking_back(order_id, || {
            plans::run(client, &UNWRITE_ONE, &[order_id.into()]);
        });
    }
    taken
}

/// `NOTIFY wms_stock` for each changed row (the callers check `wms.notify`).
/// Notifications are delivered at commit, so a rolled-back change
/// announces nothing.
fn announce(applied: &[Applied]) {
    let payloads: Vec<String> = applied
        .iter()
        .map(|a| {
            serde_json::json!({
                "product_id": a.item.0,
                "warehouse_id": a.item.1,
                "on_hand": a.on_hand,
                "available": a.available,
                "movement_id": a.movement_id,
            })
            .to_string()
        })
        .collect();
    // Low stock: once per crossing of the reorder point, downwards.
    let low: Vec<String> = applied
        .iter()
        .filter_map(|a| {
            a.low_stock.map(|reorder_point| {
                serde_json::json!({
                    "product_id": a.item.0,
                    "warehouse_id": a.item.1,
                    "available": a.available,
                    "reorder_point": reorder_point,
                })
                .to_string()
            })
        })
        .collect();
    for (channel, payloads) in [(STOCK_CHANNEL, payloads), (LOW_STOCK_CHANNEL, low)] {
        for payload in payloads {
            notify(channel, &payload);
        }
    }
}

/// `pg_notify(channel, payload)`, called directly: queued for delivery at
/// commit.
fn notify(channel: &str, payload: &str) {
    use pgrx::IntoDatum;
    // SAFETY: pg_notify (a built-in, found without a catalog lookup) reads
    // two non-NULL text arguments and returns void, not NULL; the datums
    // are palloc'd copies that outlive the call.
    unsafe {
        pg_sys::OidFunctionCall2Coll(
            pg_sys::Oid::from(pg_sys::F_PG_NOTIFY),
            pg_sys::InvalidOid,
            channel.into_datum().expect("text is never NULL"),
            payload.into_datum().expect("text is never NULL"),
        );
    }
}

/// The channel of every committed stock change.
const STOCK_CHANNEL: &str = "wms_stock";
/// The channel of an item whose available stock fell to its reorder point.
const LOW_STOCK_CHANNEL: &str = "wms_low_stock";
