//! wms_submit_order: orders handed to a worker that commits them in
//! batches. With `shared_preload_libraries = 'wms'`, shared memory holds a
//! queue of [`SLOTS`] slots. A caller checks its order as wms_place_order
//! would (arguments, capability), puts it in a free slot and sleeps on its
//! latch. One worker per database (a dynamic background worker, started by
//! the first caller that finds none) takes every queued order of its
//! database, at most [`BATCH_MAX`], in arrival order, places them in one
//! transaction (orders::place_batch: each item locked once, the rows
//! written with one statement for the orders and one for the stock),
//! commits durably and wakes each caller with its answer. While it works,
//! the next batch queues up: the more callers, the larger the batch.
//!
//! Every wait has a bound: a caller waits at most `wms.submit_timeout`;
//! an order still queued then is withdrawn (55P03, nothing written), one
//! the worker had is answered 40003 (its outcome is unknown: call again
//! with the same idempotency key). A batch that fails is placed again one
//! order at a time, so an order's error is its answer alone. A worker that
//! stops answers the orders it had with 40003 on its way out; a caller
//! that goes away has its order withdrawn, or its answer dropped.
//!
//! The worker connects as the bootstrap superuser (it knows no other role
//! before it knows the database), pins search_path and lock_timeout, and
//! places each batch as the extension's owner in a security-restricted
//! operation, as the expiry worker sweeps. Each order carries its caller's
//! role, wms.actor and wms.request_id into the ledger.

use std::mem::size_of;
use std::ptr::null_mut;
use std::time::Duration;

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::errors::{writable, Relayed, WmsError};
use crate::gucs;
use crate::orders::{Answer, Submitted};

/// Orders that can wait at once, across databases.
const SLOTS: usize = 256;
/// An order as its caller sends it (orders::MAX_SUBMIT_LINES lines fit).
const REQUEST_BYTES: usize = 16 * 1024;
/// An answer: the row wms_place_order returns, or an error.
const ANSWER_BYTES: usize = 24 * 1024;
/// Workers at once: a batch worker and a waiting worker for each of 16
/// databases.
const WORKERS: usize = 32;
/// Orders placed in one transaction at most.
pub const BATCH_MAX: usize = 64;
/// A worker with nothing to do for this long ends; the next caller starts
/// another.
const IDLE_EXIT: Duration = Duration::from_secs(60);
/// A worker asked for and not up after this long is asked for again.
const START_GRACE_US: i64 = 10_000_000;
/// Slots one database may fill, so that others always find some.
const SLOTS_PER_DATABASE: usize = SLOTS * 3 / 4;
/// A busy order is taken again after this long.
const BUSY_RETRY_US: i64 = 5_000;
/// A busy order goes to the waiting worker after this long: the batch
/// worker never waits, and a lock PostgreSQL hands from waiter to waiter
/// is never free for a conditional request.
const SLOW_AFTER_US: i64 = 20_000;
/// The waiting worker stops waiting this long before its first caller's
/// wait ends, so that the order is withdrawn rather than left in doubt.
const WAIT_MARGIN_US: i64 = 50_000;
const BATCH_WORKER: u32 = 0;
const WAITING_WORKER: u32 = 1;
/// How long past its wait a caller waits for the answer to an order the
/// worker has (a batch takes no lock without its bound; this is for one
/// held up by a writer outside wms).
const WITHDRAW_GRACE_US: i64 = 1_000_000;

const FREE: u32 = 0;
const QUEUED: u32 = 1;
const TAKEN: u32 = 2;
const DONE: u32 = 3;
/// Taken by the worker, its caller gone: freed when the worker answers.
const ABANDONED: u32 = 4;

#[repr(C)]
struct Slot {
    state: u32,
    /// pgprocno of the calling backend.
    caller: i32,
    database: u32,
    request_len: u32,
    answer_len: u32,
    /// Arrival order.
    ticket: u64,
    /// The generation of the worker that took it.
    taken_by: u64,
    /// Busy (another transaction holds its key or item): not taken again
    /// before this time, and answered 55P03 once it has waited its
    /// caller's wms.lock_timeout (`busy_bound_us`) since `busy_since`.
    not_before: i64,
    busy_since: i64,
    busy_bound_us: i64,
    /// Its caller's wait has ended: answered withdrawn rather than queued
    /// again. The caller's wms.submit_timeout, for that answer.
    withdraw: u32,
    timeout_ms: i32,
    /// Which worker takes it: 0 the batch worker, 1 the waiting worker
    /// (busy for SLOW_AFTER_US: it waits in its items' lines).
    waiting: u32,
    /// When its caller's wait ends.
    deadline: i64,
}

/// A slot's order and answer, apart from the slots themselves, so that a
/// look over every slot's state reads a few pages, not one per slot.
#[repr(C)]
struct Body {
    request: [u8; REQUEST_BYTES],
    answer: [u8; ANSWER_BYTES],
}

#[repr(C)]
struct Worker {
    database: u32,
    /// 0: the batch worker, which never waits; 1: the waiting worker.
    kind: u32,
    /// pgprocno of the running worker, -1 when none.
    procno: i32,
    /// When a caller asked for one (0: nobody is waiting for a start).
    starting_since: i64,
    generation: u64,
}

#[repr(C)]
struct Queue {
    next_ticket: u64,
    next_generation: u64,
    workers: [Worker; WORKERS],
    slots: [Slot; SLOTS],
    bodies: [Body; SLOTS],
}

// Set in the postmaster at startup (fork copies them into every backend);
// null without preload.
static mut QUEUE: *mut Queue = null_mut();
static mut LOCK: *mut pg_sys::LWLock = null_mut();
static mut PREV_REQUEST: Option<unsafe extern "C-unwind" fn()> = None;
static mut PREV_STARTUP: Option<unsafe extern "C-unwind" fn()> = None;

const TRANCHE: &std::ffi::CStr = c"wms submit queue";

/// At preload: ask for the queue's shared memory and lock.
pub fn init() {
    // SAFETY: the postmaster, while preloading, single-threaded; the
    // previous hooks are chained.
    unsafe {
        PREV_REQUEST = pg_sys::shmem_request_hook;
        pg_sys::shmem_request_hook = Some(shmem_request);
        PREV_STARTUP = pg_sys::shmem_startup_hook;
        pg_sys::shmem_startup_hook = Some(shmem_startup);
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn shmem_request() {
    // SAFETY: PostgreSQL's shmem request phase.
    unsafe {
        if let Some(prev) = PREV_REQUEST {
            prev();
        }
        pg_sys::RequestAddinShmemSpace(size_of::<Queue>());
        pg_sys::RequestNamedLWLockTranche(TRANCHE.as_ptr(), 1);
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn shmem_startup() {
    // SAFETY: as PostgreSQL's own modules initialise shared memory, under
    // AddinShmemInitLock (MainLWLockArray[21]).
    unsafe {
        if let Some(prev) = PREV_STARTUP {
            prev();
        }
        let init_lock = &raw mut (*pg_sys::MainLWLockArray.add(21)).lock;
        pg_sys::LWLockAcquire(init_lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
        let mut found = false;
        let queue =
            pg_sys::ShmemInitStruct(TRANCHE.as_ptr(), size_of::<Queue>(), &mut found) as *mut Queue;
        if !found {
            std::ptr::write_bytes(queue as *mut u8, 0, size_of::<Queue>());
            for w in (*queue).workers.iter_mut() {
                w.procno = -1;
            }
        }
        QUEUE = queue;
        LOCK = &raw mut (*pg_sys::GetNamedLWLockTranche(TRANCHE.as_ptr())).lock;
        pg_sys::LWLockRelease(init_lock);
    }
}

/// The queue, under its lock while the guard lives.
struct Locked;

impl Locked {
    fn take() -> Locked {
        // SAFETY: LOCK is set whenever QUEUE is (checked by callers).
        unsafe { pg_sys::LWLockAcquire(LOCK, pg_sys::LWLockMode::LW_EXCLUSIVE) };
        Locked
    }

    #[allow(clippy::mut_from_ref)]
    fn queue(&self) -> &mut Queue {
        // SAFETY: the lock is held, so this process alone reads and
        // writes the queue; the reference dies with the guard.
        unsafe { &mut *QUEUE }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // SAFETY: taken by Locked::take.
        unsafe { pg_sys::LWLockRelease(LOCK) };
    }
}

fn my_procno() -> i32 {
    // SAFETY: this backend's own PGPROC.
    unsafe { (*pg_sys::MyProc).pgprocno }
}

fn now_us() -> i64 {
    // SAFETY: reads the clock.
    unsafe { pg_sys::GetCurrentTimestamp() }
}

/// Wake the process with PGPROC number `procno`.
fn wake(procno: i32) {
    if procno < 0 {
        return;
    }
    // SAFETY: a PGPROC of the shared array; setting the latch of a process
    // that has gone is harmless (a spurious wake-up).
    unsafe {
        let proc_ = (*pg_sys::ProcGlobal).allProcs.add(procno as usize);
        pg_sys::SetLatch(&raw mut (*proc_).procLatch);
    }
}

/// Sleep until the latch is set or `timeout` passes.
fn sleep(timeout: Duration) {
    // SAFETY: this backend's own latch.
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            (pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH) as i32,
            timeout.as_millis().max(1) as _,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
}

/// Checks before an order is built: the queue exists (55000 otherwise),
/// the transaction may write (25006), and it holds no wms lock the worker
/// could need (55000).
pub fn ready(function: &'static str) {
    // SAFETY: read-only look at a pointer set at startup.
    if unsafe { QUEUE.is_null() } {
        WmsError::NotPreloaded.raise()
    }
    writable(function);
    if crate::stock::holds_locks() {
        WmsError::SubmitHoldingLocks.raise()
    }
}

/// The worker entry of `database` of `kind`, or a free one for it;
/// whether a worker must be started (asked for now, by this caller).
fn worker_for(queue: &mut Queue, database: u32, kind: u32) -> Option<(usize, bool)> {
    let i = queue
        .workers
        .iter()
        .position(|w| w.database == database && w.kind == kind)
        .or_else(|| {
            queue
                .workers
                .iter()
                .position(|w| w.procno < 0 && w.starting_since == 0)
        })?;
    let w = &mut queue.workers[i];
    w.database = database;
    w.kind = kind;
    let now = now_us();
    let start = w.procno < 0 && (w.starting_since == 0 || now - w.starting_since > START_GRACE_US);
    if start {
        w.starting_since = now;
    }
    Some((i, start))
}

fn start_worker(database: pg_sys::Oid, kind: u32) -> bool {
    let name = if kind == WAITING_WORKER {
        "wms order worker (waiting)"
    } else {
        "wms order worker"
    };
    let arg = (u64::from(kind) << 32) | u64::from(database.to_u32());
    BackgroundWorkerBuilder::new(name)
        .set_type("wms order worker")
        .set_library("wms")
        .set_function("wms_submit_worker_main")
        .set_argument(Some(pg_sys::Datum::from(arg as usize)))
        .enable_spi_access()
        .set_restart_time(None)
        .load_dynamic()
        .is_ok()
}

/// A slot this backend filled, until it has the answer: dropped before
/// (an error, a cancel), it withdraws the order or leaves the answer to
/// be dropped.
struct Waiting {
    slot: usize,
    ticket: u64,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let locked = Locked::take();
        let s = &mut locked.queue().slots[self.slot];
        if s.ticket == self.ticket && s.caller == my_procno() {
            match s.state {
                QUEUED | DONE => s.state = FREE,
                TAKEN => s.state = ABANDONED,
                _ => {}
            }
        }
    }
}

thread_local! {
    static EXIT_HOOKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// On backend exit (FATAL too): whatever this backend left in the queue.
#[pg_guard]
unsafe extern "C-unwind" fn caller_exit(_code: i32, _arg: pg_sys::Datum) {
    let locked = Locked::take();
    let me = my_procno();
    for s in locked.queue().slots.iter_mut() {
        if s.caller == me {
            match s.state {
                QUEUED | DONE => s.state = FREE,
                TAKEN => s.state = ABANDONED,
                // FREE, or ABANDONED: its worker frees it.
                _ => {}
            }
        }
    }
}

/// Hand `order` to the worker and wait for its answer.
pub fn submit(order: &Submitted) -> Answer {
    let request = serde_json::to_vec(order).expect("an order serialises");
    if request.len() > REQUEST_BYTES {
        WmsError::InvalidParameter {
            message: format!(
                "the order takes {} bytes, more than the {REQUEST_BYTES} wms_submit_order can queue (wms_place_order takes it)",
                request.len()
            ),
        }
        .raise()
    }
    if !EXIT_HOOKED.with(|h| h.replace(true)) {
        // SAFETY: registers a callback for this backend's exit.
        unsafe { pg_sys::before_shmem_exit(Some(caller_exit), pg_sys::Datum::from(0)) };
    }
    // SAFETY: the backend's own database.
    let database = unsafe { pg_sys::MyDatabaseId };
    let timeout_ms = gucs::SUBMIT_TIMEOUT_MS.get();
    let deadline = now_us() + i64::from(timeout_ms) * 1000;
    let timed_out = |taken| WmsError::SubmitTimedOut {
        waited_ms: timeout_ms,
        taken,
    };
    let busy_bound_us = match gucs::LOCK_TIMEOUT_MS.get() {
        0 => i64::MAX,
        ms => i64::from(ms) * 1000,
    };
    // A free slot (this database may fill SLOTS_PER_DATABASE of them);
    // the worker to wake, or to start.
    let mut pause = Duration::from_millis(1);
    let (waiting, worker) = loop {
        let found = {
            let locked = Locked::take();
            let queue = locked.queue();
            let mine = queue
                .slots
                .iter()
                .filter(|s| s.state != FREE && s.database == database.to_u32())
                .count();
            let free = queue.slots.iter().position(|s| s.state == FREE);
            match free.filter(|_| mine < SLOTS_PER_DATABASE) {
                Some(i) => {
                    let Some((w, start)) = worker_for(queue, database.to_u32(), BATCH_WORKER)
                    else {
                        drop(locked);
                        WmsError::NoWorkerSlot.raise()
                    };
                    queue.next_ticket += 1;
                    let ticket = queue.next_ticket;
                    let s = &mut queue.slots[i];
                    s.state = QUEUED;
                    s.caller = my_procno();
                    s.database = database.to_u32();
                    s.ticket = ticket;
                    s.taken_by = 0;
                    s.not_before = 0;
                    s.busy_since = 0;
                    s.busy_bound_us = busy_bound_us;
                    s.withdraw = 0;
                    s.timeout_ms = timeout_ms;
                    s.waiting = BATCH_WORKER;
                    s.deadline = deadline;
                    s.answer_len = 0;
                    s.request_len = request.len() as u32;
                    queue.bodies[i].request[..request.len()].copy_from_slice(&request);
                    Some((
                        Waiting { slot: i, ticket },
                        (w, start, queue.workers[w].procno),
                    ))
                }
                None => None,
            }
        };
        if let Some(found) = found {
            break found;
        }
        if now_us() > deadline {
            timed_out(false).raise()
        }
        // The queue is full: look again, less often the longer it stays so.
        sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(16));
        pgrx::check_for_interrupts!();
    };
    let (entry, start, procno) = worker;
    if start {
        launch(entry, database, BATCH_WORKER, &waiting);
    }
    wake(procno);
    loop {
        // Until the wait ends, or its grace (an answer wakes it sooner).
        let now = now_us();
        let until = if now > deadline {
            deadline + WITHDRAW_GRACE_US
        } else {
            deadline
        };
        sleep(Duration::from_micros(
            (until - now).clamp(1_000, 100_000) as u64
        ));
        pgrx::check_for_interrupts!();
        let (answer, start) = {
            let locked = Locked::take();
            let queue = locked.queue();
            let s = &mut queue.slots[waiting.slot];
            match s.state {
                DONE => {
                    let answer: Result<Answer, _> = serde_json::from_slice(
                        &queue.bodies[waiting.slot].answer[..s.answer_len as usize],
                    );
                    s.state = FREE;
                    (Some(answer), None)
                }
                QUEUED => {
                    let kind = s.waiting;
                    (
                        None,
                        worker_for(queue, database.to_u32(), kind).map(|w| (w, kind)),
                    )
                }
                _ => (None, None),
            }
        };
        if let Some(answer) = answer {
            std::mem::forget(waiting);
            return answer.unwrap_or_else(|_| lost_answer());
        }
        match start {
            Some(((entry, true), kind)) => launch(entry, database, kind, &waiting),
            Some(((entry, false), _)) => {
                let locked = Locked::take();
                let procno = locked.queue().workers[entry].procno;
                drop(locked);
                wake(procno);
            }
            None => {}
        }
        let now = now_us();
        if now > deadline {
            // Decided under one hold of the lock: an order still queued is
            // withdrawn; one the worker has is marked to be withdrawn
            // instead of queued again, and its answer awaited for
            // WITHDRAW_GRACE_US more; past that its outcome is unknown.
            let outcome = {
                let locked = Locked::take();
                let s = &mut locked.queue().slots[waiting.slot];
                match s.state {
                    QUEUED => {
                        s.state = FREE;
                        Some(false)
                    }
                    TAKEN if now > deadline + WITHDRAW_GRACE_US => {
                        s.state = ABANDONED;
                        Some(true)
                    }
                    TAKEN => {
                        s.withdraw = 1;
                        None
                    }
                    _ => None,
                }
            };
            if let Some(taken) = outcome {
                std::mem::forget(waiting);
                timed_out(taken).raise()
            }
        }
    }
}

/// An answer that cannot be read (never written so): the order's outcome
/// is unknown to the caller.
fn lost_answer() -> Answer {
    Answer::Error(WmsError::SubmitWorkerLost.into())
}

/// Start the worker of `entry`. When PostgreSQL has no slot for it, an
/// order still queued is withdrawn with 53000; one taken meanwhile (by a
/// worker that came up late) is waited for as usual.
fn launch(entry: usize, database: pg_sys::Oid, kind: u32, waiting: &Waiting) {
    if start_worker(database, kind) {
        return;
    }
    let locked = Locked::take();
    let queue = locked.queue();
    queue.workers[entry].starting_since = 0;
    let s = &mut queue.slots[waiting.slot];
    if s.ticket == waiting.ticket && s.state == QUEUED {
        s.state = FREE;
        drop(locked);
        WmsError::NoWorkerSlot.raise()
    }
}

/// The generation of this process's worker entry, for its exit callback.
static mut MY_ENTRY: Option<(usize, u64)> = None;

/// On the worker's exit: its entry is free, and every order it had is
/// answered 40003 (it may have been committed).
#[pg_guard]
unsafe extern "C-unwind" fn worker_exit(_code: i32, _arg: pg_sys::Datum) {
    // SAFETY: this process's own static, set before the callback was.
    let Some((entry, generation)) = (unsafe { MY_ENTRY }) else {
        return;
    };
    // SAFETY: an error may have left the lock held.
    unsafe {
        if pg_sys::LWLockHeldByMe(LOCK) {
            pg_sys::LWLockRelease(LOCK);
        }
    }
    let lost = serde_json::to_vec(&Answer::Error(WmsError::SubmitWorkerLost.into()))
        .expect("an answer serialises");
    let locked = Locked::take();
    let queue = locked.queue();
    let w = &mut queue.workers[entry];
    if w.generation == generation {
        w.procno = -1;
    }
    for (s, body) in queue.slots.iter_mut().zip(queue.bodies.iter_mut()) {
        if s.taken_by == generation && matches!(s.state, TAKEN | ABANDONED) {
            if s.state == ABANDONED {
                s.state = FREE;
                continue;
            }
            body.answer[..lost.len()].copy_from_slice(&lost);
            s.answer_len = lost.len() as u32;
            s.state = DONE;
            wake(s.caller);
        }
    }
}

/// One order the worker took: its slot, and the order (or why it could
/// not be read).
struct Taken {
    slot: usize,
    ticket: u64,
    /// When the waiting worker must stop waiting for this order.
    wait_until: i64,
    order: Result<Submitted, String>,
}

/// The queued orders of `database` that may be taken now, oldest first,
/// at most BATCH_MAX, marked taken by `generation`; and when the next
/// busy one may be taken, if there is one.
fn take_batch(database: u32, kind: u32, generation: u64) -> (Vec<Taken>, Option<i64>) {
    let locked = Locked::take();
    let queue = locked.queue();
    let now = now_us();
    let ours = |s: &Slot| s.state == QUEUED && s.database == database && s.waiting == kind;
    let next_busy = queue
        .slots
        .iter()
        .filter(|s| ours(s) && s.not_before > now)
        .map(|s| s.not_before)
        .min();
    let mut queued: Vec<(u64, usize)> = queue
        .slots
        .iter()
        .enumerate()
        .filter(|(_, s)| ours(s) && s.not_before <= now)
        .map(|(i, s)| (s.ticket, i))
        .collect();
    queued.sort_unstable();
    queued.truncate(BATCH_MAX);
    let taken = queued
        .into_iter()
        .map(|(ticket, i)| {
            let s = &mut queue.slots[i];
            s.state = TAKEN;
            s.taken_by = generation;
            let busy_until = match s.busy_since {
                0 => i64::MAX,
                since => since.saturating_add(s.busy_bound_us),
            };
            Taken {
                slot: i,
                ticket,
                wait_until: s.deadline.min(busy_until) - WAIT_MARGIN_US,
                order: serde_json::from_slice(&queue.bodies[i].request[..s.request_len as usize])
                    .map_err(|e| e.to_string()),
            }
        })
        .collect();
    (taken, next_busy)
}

/// Give each caller its answer. An order answered Again is queued again
/// at once, one answered Busy after BUSY_RETRY_US, both keeping their
/// place in line; one Busy for longer than its caller's wms.lock_timeout
/// is answered 55P03. A slot is written only while it holds the order
/// this worker took (the same ticket, taken by this generation).
fn deliver(generation: u64, answers: Vec<(&Taken, Answer)>) {
    let now = now_us();
    let encode = |answer: &Answer| {
        let bytes = serde_json::to_vec(answer).expect("an answer serialises");
        if bytes.len() > ANSWER_BYTES {
            serde_json::to_vec(&lost_answer()).expect("an answer serialises")
        } else {
            bytes
        }
    };
    // Err(busy): queued again.
    let encoded: Vec<(&Taken, Result<Vec<u8>, bool>)> = answers
        .into_iter()
        .map(|(taken, answer)| {
            let bytes = match answer {
                Answer::Again => Err(false),
                Answer::Busy => Err(true),
                answer => Ok(encode(&answer)),
            };
            (taken, bytes)
        })
        .collect();
    let locked = Locked::take();
    let queue = locked.queue();
    for (taken, bytes) in encoded {
        let s = &mut queue.slots[taken.slot];
        if s.ticket != taken.ticket || s.taken_by != generation {
            continue;
        }
        match s.state {
            ABANDONED => {
                s.state = FREE;
                continue;
            }
            TAKEN => {}
            _ => continue,
        }
        let bytes = match bytes {
            Ok(bytes) => bytes,
            // Its caller's wait has ended: withdrawn, nothing written.
            Err(_) if s.withdraw != 0 => encode(&Answer::Error(
                WmsError::SubmitTimedOut {
                    waited_ms: s.timeout_ms,
                    taken: false,
                }
                .into(),
            )),
            Err(false) => {
                s.state = QUEUED;
                continue;
            }
            Err(true) => {
                if s.busy_since == 0 {
                    s.busy_since = now;
                }
                let waited = now - s.busy_since;
                if waited <= s.busy_bound_us {
                    s.state = QUEUED;
                    s.not_before = now + BUSY_RETRY_US;
                    if waited >= SLOW_AFTER_US && s.waiting == BATCH_WORKER {
                        // The waiting worker takes it from now on.
                        s.waiting = WAITING_WORKER;
                        s.not_before = 0;
                        let database = s.database;
                        if let Some(w) = queue
                            .workers
                            .iter()
                            .find(|w| w.database == database && w.kind == WAITING_WORKER)
                        {
                            wake(w.procno);
                        }
                    }
                    continue;
                }
                encode(&Answer::Error(
                    WmsError::SubmitBusy {
                        waited_ms: waited / 1000,
                    }
                    .into(),
                ))
            }
        };
        queue.bodies[taken.slot].answer[..bytes.len()].copy_from_slice(&bytes);
        s.answer_len = bytes.len() as u32;
        s.state = DONE;
        wake(s.caller);
    }
}

/// Place `orders` in one transaction as the extension's owner, committed
/// durably; an error rolls all of it back.
fn transaction(orders: &[&Submitted], wait: bool) -> Result<Vec<Answer>, Relayed> {
    let attempt = std::panic::AssertUnwindSafe(|| {
        // SAFETY: the worker's own transaction, begun and ended here.
        unsafe {
            pg_sys::SetCurrentStatementStartTimestamp();
            pg_sys::StartTransactionCommand();
            pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        }
        let owner = crate::plans::current_schema_owner();
        let placed = {
            let _owner = crate::expiry_worker::AsUser::become_(owner);
            crate::orders::place_batch(orders, wait)
        };
        // SAFETY: ends what was begun above.
        unsafe { pg_sys::PopActiveSnapshot() };
        match placed {
            Ok(answers) => {
                // SAFETY: as above; an error at commit is caught below.
                unsafe { pg_sys::CommitTransactionCommand() };
                Ok(answers)
            }
            Err(e) => {
                // SAFETY: as above.
                unsafe { pg_sys::AbortCurrentTransaction() };
                Err(Relayed::from(e))
            }
        }
    });
    PgTryBuilder::new(attempt)
        .catch_others(|caught| {
            // SAFETY: the transaction begun above, in error: abort it.
            unsafe { pg_sys::AbortCurrentTransaction() };
            Err(match &caught {
                pg_sys::panic::CaughtError::PostgresError(report)
                | pg_sys::panic::CaughtError::ErrorReport(report)
                | pg_sys::panic::CaughtError::RustPanic {
                    ereport: report, ..
                } => Relayed::caught(report),
            })
        })
        .execute()
}

/// Whether the caller of a taken order still waits for it.
fn still_wanted(generation: u64, t: &Taken) -> bool {
    let locked = Locked::take();
    let s = &locked.queue().slots[t.slot];
    s.ticket == t.ticket && s.taken_by == generation && s.state == TAKEN && s.withdraw == 0
}

/// A lock wait that ended the batch (a lock timeout, a deadlock): its
/// orders are busy, not wrong.
fn lock_failure(e: &Relayed) -> bool {
    use pgrx::PgSqlErrorCode::*;
    [ERRCODE_LOCK_NOT_AVAILABLE, ERRCODE_T_R_DEADLOCK_DETECTED]
        .iter()
        .any(|code| *code as i32 == e.code())
}

/// Answers for one batch: all at once, or, when that fails, each order
/// whose caller still waits in a transaction of its own, so that a
/// failure is the answer of the order that causes it.
fn place(generation: u64, kind: u32, batch: &[Taken]) -> Vec<(&Taken, Answer)> {
    let mut answers: Vec<(&Taken, Answer)> = Vec::with_capacity(batch.len());
    let mut readable: Vec<(&Taken, &Submitted)> = Vec::with_capacity(batch.len());
    for t in batch {
        match &t.order {
            Ok(order) => readable.push((t, order)),
            Err(e) => answers.push((
                t,
                Answer::Error(
                    WmsError::InvalidParameter {
                        message: format!("wms: unreadable order in the queue: {e}"),
                    }
                    .into(),
                ),
            )),
        }
    }
    if readable.is_empty() {
        return answers;
    }
    let orders: Vec<&Submitted> = readable.iter().map(|(_, o)| *o).collect();
    let wait = kind == WAITING_WORKER;
    if wait {
        // In its items' lines until just before its first caller's wait
        // ends (and never past the worker's own lock_timeout).
        let until = readable
            .iter()
            .map(|(t, _)| t.wait_until)
            .min()
            .unwrap_or(0);
        let ms = ((until - now_us()) / 1000).clamp(1, i64::from(i32::MAX)) as i32;
        let ms = ms.min(worker_lock_timeout_ms());
        let value = std::ffi::CString::new(format!("{ms}ms")).expect("digits");
        crate::expiry_worker::pin(c"wms.lock_timeout", &value);
    }
    match transaction(&orders, wait) {
        Ok(placed) => answers.extend(readable.iter().map(|(t, _)| *t).zip(placed)),
        // Held up by a lock: busy, taken again (by the waiting worker).
        Err(e) if lock_failure(&e) => {
            answers.extend(readable.iter().map(|(t, _)| (*t, Answer::Busy)))
        }
        Err(e) if readable.len() == 1 => answers.push((readable[0].0, Answer::Error(e))),
        Err(e) => {
            log!(
                "wms order worker: a batch of {} orders failed ({}), placing them one by one",
                readable.len(),
                e.message()
            );
            for (t, order) in readable {
                // One whose caller has gone is not placed (delivering to
                // it frees its slot).
                if !still_wanted(generation, t) {
                    answers.push((t, Answer::Again));
                    continue;
                }
                let answer = match transaction(&[order], wait) {
                    Ok(mut one) => one.pop().expect("one answer per order"),
                    Err(e) => Answer::Error(e),
                };
                answers.push((t, answer));
            }
        }
    }
    answers
}

/// The bound of the workers' lock waits: wms.lock_timeout as the server
/// sets it, 5 s when that is 0 (no wait without a bound).
fn worker_lock_timeout_ms() -> i32 {
    static AT_START: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    *AT_START.get_or_init(|| match gucs::LOCK_TIMEOUT_MS.get() {
        0 => 5_000,
        ms => ms,
    })
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn wms_submit_worker_main(arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let arg = arg.value() as u64;
    let database = pg_sys::Oid::from((arg & 0xffff_ffff) as u32);
    let kind = (arg >> 32) as u32;
    BackgroundWorker::connect_worker_to_spi_by_oid(Some(database), None);
    crate::expiry_worker::pin(c"search_path", c"pg_catalog, pg_temp");
    // Durable, whatever the database's default: a caller is told its
    // order is committed only once it is.
    crate::expiry_worker::pin(c"synchronous_commit", c"on");
    // What the database or role may have set otherwise: each batch is a
    // READ COMMITTED read-write transaction without a statement timeout;
    // it takes its locks without waiting, so lock_timeout bounds only a
    // wait for writers outside wms.
    crate::expiry_worker::pin(c"default_transaction_isolation", c"read committed");
    crate::expiry_worker::pin(c"default_transaction_read_only", c"off");
    crate::expiry_worker::pin(c"statement_timeout", c"0");
    let lock_timeout =
        std::ffi::CString::new(format!("{}ms", worker_lock_timeout_ms())).expect("digits");
    crate::expiry_worker::pin(c"lock_timeout", &lock_timeout);
    // Register, unless another worker serves this database already.
    let generation = {
        let locked = Locked::take();
        let queue = locked.queue();
        let entry = queue
            .workers
            .iter()
            .position(|w| w.database == database.to_u32() && w.kind == kind);
        match entry {
            Some(i) if queue.workers[i].procno < 0 => {
                queue.next_generation += 1;
                let generation = queue.next_generation;
                let w = &mut queue.workers[i];
                w.procno = my_procno();
                w.starting_since = 0;
                w.generation = generation;
                // SAFETY: this process's own static, read by worker_exit.
                unsafe { MY_ENTRY = Some((i, generation)) };
                Some(generation)
            }
            _ => None,
        }
    };
    let Some(generation) = generation else {
        return;
    };
    // SAFETY: registers a callback for this process's exit.
    unsafe { pg_sys::before_shmem_exit(Some(worker_exit), pg_sys::Datum::from(0)) };
    let mut idle_since = std::time::Instant::now();
    while !BackgroundWorker::sigterm_received() {
        if BackgroundWorker::sighup_received() {
            // SAFETY: the documented way for a worker to reload its settings.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
        }
        let (batch, next_busy) = take_batch(database.to_u32(), kind, generation);
        if batch.is_empty() {
            if idle_since.elapsed() > IDLE_EXIT && next_busy.is_none() {
                break;
            }
            // Until a caller wakes it, or a busy order may be tried again.
            let pause = next_busy.map_or(Duration::from_secs(1), |at| {
                Duration::from_micros((at - now_us()).clamp(1, 1_000_000) as u64)
            });
            sleep(pause);
            pgrx::check_for_interrupts!();
            continue;
        }
        deliver(generation, place(generation, kind, &batch));
        idle_since = std::time::Instant::now();
    }
    // worker_exit answers whatever is left taken; a caller whose order is
    // still queued starts the next worker.
    // SAFETY: ends this process the way PostgreSQL's own workers do.
    unsafe { pg_sys::proc_exit(0) }
}
