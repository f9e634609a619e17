//! The expiry sweep as a background worker: with `shared_preload_libraries
//! = 'wms'`, one worker per database named in `wms.expiry_databases` calls
//! the sweep every `wms.expiry_interval`. Without preload nothing runs here
//! and wms_expire_reservations() can be called from any scheduler.
//!
//! The worker connects as the bootstrap superuser (a worker cannot name a
//! role before it knows the database's extension owner), pins search_path
//! to `pg_catalog, pg_temp` before it runs anything, and runs each sweep as
//! the extension's owner in a security-restricted operation, the way
//! PostgreSQL runs maintenance commands as a table's owner. It starts once
//! recovery has finished: a standby has no worker until it is promoted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;

use crate::errors::WmsError;
use crate::gucs;
use crate::lifecycle::{expire_reservations, EXPIRY_BATCH};
use crate::plans::{self, col, Statement};

/// At postmaster start (preload only): the database list, read once, and
/// one worker per database in it.
pub fn register_workers() {
    gucs::define_preloaded();
    let databases = gucs::EXPIRY_DATABASES
        .get()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for database in databases
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        BackgroundWorkerBuilder::new(&format!("wms expiry worker for {database}"))
            .set_type("wms expiry worker")
            .set_library("wms")
            .set_function("wms_expiry_worker_main")
            .set_extra(database)
            .enable_spi_access()
            .set_restart_time(Some(Duration::from_secs(10)))
            .load();
    }
}

static EXTENSION_OWNER: Statement = Statement {
    sql: include_str!("../sql/queries/extension_owner.sql"),
    params: &[TEXTOID],
};

/// The current user while it lives; the saved one when dropped.
pub(crate) struct AsUser {
    user: pg_sys::Oid,
    context: i32,
}

impl AsUser {
    /// Become `owner`, in a security-restricted operation (no SET ROLE, no
    /// temporary objects), as PostgreSQL does for maintenance commands.
    pub(crate) fn become_(owner: pg_sys::Oid) -> AsUser {
        let mut saved = AsUser {
            user: pg_sys::InvalidOid,
            context: 0,
        };
        // SAFETY: this backend's own user state, restored by Drop (and by
        // transaction abort, should an error come first).
        unsafe {
            pg_sys::GetUserIdAndSecContext(&mut saved.user, &mut saved.context);
            pg_sys::SetUserIdAndSecContext(
                owner,
                saved.context
                    | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32
                    | pg_sys::SECURITY_RESTRICTED_OPERATION as i32,
            );
        }
        saved
    }
}

impl Drop for AsUser {
    fn drop(&mut self) {
        // SAFETY: puts back what become_ saved.
        unsafe { pg_sys::SetUserIdAndSecContext(self.user, self.context) }
    }
}

/// One batch of the sweep in its own transaction, as the extension's
/// owner, examining the expired orders after `after`: how many it
/// cancelled and the last order it examined (`None`: the batch was not
/// full, or the extension is not installed here).
fn sweep(after: i64) -> (i32, Option<i64>) {
    BackgroundWorker::transaction(|| {
        let owner = Spi::connect_mut(|client| {
            // Not installed, or of another version than this library (a new
            // package, ALTER EXTENSION wms UPDATE not yet run): nothing to
            // do until it is.
            if let Err(schema) = plans::current_schema() {
                if schema != "(none)" {
                    warn_once(&SAID_SCHEMA, &format!(
                        "wms expiry worker: the wms schema is version {schema}, its library {}: expired reservations are swept once ALTER EXTENSION wms UPDATE has run",
                        env!("CARGO_PKG_VERSION")
                    ));
                }
                return None;
            }
            plans::run(client, &EXTENSION_OWNER, &["wms".into()])
                .next()
                .map(|row| col::<pg_sys::Oid>(&row, 1))
        });
        let Some(owner) = owner else {
            return (0, None);
        };
        let _owner = AsUser::become_(owner);
        let swept = match expire_reservations(after) {
            Ok(swept) => swept,
            // A DBA took the sweep's move out of wms.order_transitions:
            // expired reservations stay Pending (they hold nothing).
            Err(WmsError::ForbiddenTransition { from, to, .. }) => {
                warn_once(&SAID_NO_MOVE, &format!(
                    "wms expiry worker: {from} -> {to} is not in wms.order_transitions, so expired reservations are not cancelled"
                ));
                return (0, None);
            }
            Err(e) => e.raise(),
        };
        let next = (swept.examined >= EXPIRY_BATCH).then_some(swept.last);
        (swept.cancelled, next.flatten())
    })
}

/// Whether the worker said why it cannot sweep: the schema is of another
/// version, the sweep's move is missing.
static SAID_SCHEMA: AtomicBool = AtomicBool::new(false);
static SAID_NO_MOVE: AtomicBool = AtomicBool::new(false);

/// A warning said once per worker and reason: what keeps it from sweeping.
fn warn_once(said: &AtomicBool, message: &str) {
    if !said.swap(true, Ordering::Relaxed) {
        warning!("{message}");
    }
}

/// Set a setting for the whole life of the worker.
pub(crate) fn pin(name: &std::ffi::CStr, value: &std::ffi::CStr) {
    // SAFETY: valid setting names and values; an error is raised as usual.
    unsafe {
        pg_sys::SetConfigOption(
            name.as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_SUSET,
            pg_sys::GucSource::PGC_S_OVERRIDE,
        )
    }
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn wms_expiry_worker_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let database = BackgroundWorker::get_extra().to_string();
    BackgroundWorker::connect_worker_to_spi(Some(&database), None);
    // Before any statement: nothing the sweep calls can be looked up in a
    // schema somebody else controls. The sweep takes its locks without
    // waiting (lifecycle.rs); lock_timeout bounds any other wait.
    pin(c"search_path", c"pg_catalog, pg_temp");
    pin(c"lock_timeout", c"1s");
    log!("wms expiry worker started in database \"{database}\"");
    while BackgroundWorker::wait_latch(Some(Duration::from_millis(
        gucs::EXPIRY_INTERVAL_MS.get() as u64
    ))) {
        if BackgroundWorker::sighup_received() {
            // SAFETY: the documented way for a worker to reload its settings.
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
        }
        // A full batch means more may be waiting after its last order.
        let mut after = 0;
        while !BackgroundWorker::sigterm_received() {
            let (cancelled, next) = sweep(after);
            if cancelled > 0 {
                log!("wms expiry worker cancelled {cancelled} expired reservations in \"{database}\"");
            }
            match next {
                Some(last) => after = last,
                None => break,
            }
        }
    }
    // Terminated (pg_terminate_backend, or the server stopping): a non-zero
    // exit makes the postmaster start the worker again unless it is stopping.
    log!("wms expiry worker for \"{database}\" is exiting");
    // SAFETY: ends this process the way PostgreSQL's own workers do.
    unsafe { pg_sys::proc_exit(1) }
}
