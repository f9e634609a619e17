//! The expiry sweep as a background worker: with `shared_preload_libraries
//! = 'wms'`, one worker per database named in `wms.expiry_databases` calls
//! the sweep every `wms.expiry_interval`. Without preload nothing runs here
//! and wms_expire_reservations() can be called from any scheduler.

use std::ffi::CString;
use std::time::Duration;

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;

use crate::lifecycle::{expire_reservations, EXPIRY_BATCH};
use crate::plans::{self, Statement};

static EXPIRY_INTERVAL_MS: GucSetting<i32> = GucSetting::<i32>::new(60_000);
static EXPIRY_DATABASES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// Settings every backend knows.
pub fn define_gucs() {
    GucRegistry::define_int_guc(
        c"wms.expiry_interval",
        c"How often the wms expiry worker cancels expired reservations.",
        c"Used only when wms is in shared_preload_libraries and wms.expiry_databases names databases.",
        &EXPIRY_INTERVAL_MS,
        100,
        i32::MAX,
        GucContext::Sighup,
        GucFlags::UNIT_MS,
    );
}

/// At postmaster start (preload only): the database list, read once, and
/// one worker per database in it.
pub fn register_workers() {
    // A postmaster-level setting can only be defined while preloading.
    GucRegistry::define_string_guc(
        c"wms.expiry_databases",
        c"Comma-separated databases in which a wms expiry worker runs.",
        c"Read at server start; needs wms in shared_preload_libraries.",
        &EXPIRY_DATABASES,
        GucContext::Postmaster,
        GucFlags::default(),
    );
    let databases = EXPIRY_DATABASES
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

static EXTENSION_INSTALLED: Statement = Statement {
    sql: "SELECT 1 FROM pg_extension WHERE extname = $1",
    params: &[TEXTOID],
};

/// One sweep in its own transaction; 0 where the extension is not installed.
fn sweep() -> i32 {
    BackgroundWorker::transaction(|| {
        Spi::connect_mut(|client| {
            let installed = plans::run(client, &EXTENSION_INSTALLED, &["wms".into()])
                .next()
                .is_some();
            if installed {
                expire_reservations().unwrap_or_else(|e| e.raise())
            } else {
                0
            }
        })
    })
}

#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn wms_expiry_worker_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    let database = BackgroundWorker::get_extra().to_string();
    BackgroundWorker::connect_worker_to_spi(Some(&database), None);
    log!("wms expiry worker started in database \"{database}\"");
    while BackgroundWorker::wait_latch(Some(Duration::from_millis(EXPIRY_INTERVAL_MS.get() as u64)))
    {
        if BackgroundWorker::sighup_received() {
            unsafe { pg_sys::ProcessConfigFile(pg_sys::GucContext::PGC_SIGHUP) };
        }
        // A full batch means more may be waiting.
        loop {
            let cancelled = sweep();
            if cancelled > 0 {
                log!("wms expiry worker cancelled {cancelled} expired reservations in \"{database}\"");
            }
            if (cancelled as i64) < EXPIRY_BATCH {
                break;
            }
        }
    }
    log!("wms expiry worker for \"{database}\" is exiting");
}
