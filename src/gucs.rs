//! Every setting (GUC) of the extension, defined here and nowhere else
//! (README.md, "Settings").

use std::ffi::CString;

use pgrx::guc::{GucContext, GucFlags, GucRegistry, GucSetting};

/// `wms.lock_timeout`: how long a wms call waits for a lock (0: no limit).
pub static LOCK_TIMEOUT_MS: GucSetting<i32> = GucSetting::<i32>::new(5_000);

/// `wms.notify`: whether stock changes send `NOTIFY wms_stock` (and
/// `wms_low_stock` when available stock falls to the reorder point).
pub static NOTIFY: GucSetting<bool> = GucSetting::<bool>::new(true);

/// `wms.actor`: the end user a session's calls act for (the audit trail).
pub static ACTOR: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `wms.request_id`: the application's request id (the audit trail).
pub static REQUEST_ID: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// `wms.submit_timeout`: how long wms_submit_order waits for its answer.
pub static SUBMIT_TIMEOUT_MS: GucSetting<i32> = GucSetting::<i32>::new(30_000);

/// `wms.expiry_interval`: how often the expiry worker sweeps.
pub static EXPIRY_INTERVAL_MS: GucSetting<i32> = GucSetting::<i32>::new(60_000);

/// `wms.expiry_databases`: where expiry workers run (preload only).
pub static EXPIRY_DATABASES: GucSetting<Option<CString>> = GucSetting::<Option<CString>>::new(None);

/// The settings every backend knows.
pub fn define() {
    GucRegistry::define_int_guc(
        c"wms.lock_timeout",
        c"How long a wms call waits for an item's queue, an inventory row or an idempotency key.",
        c"Past it the call fails with 55P03 (lock_not_available) and writes nothing; 0 waits without limit.",
        &LOCK_TIMEOUT_MS,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_bool_guc(
        c"wms.notify",
        c"Whether committed stock changes are announced with NOTIFY wms_stock (and falls to the reorder point with NOTIFY wms_low_stock).",
        c"Off: no notification is sent, so a full notification queue cannot make a wms call fail.",
        &NOTIFY,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"wms.actor",
        c"The end user on whose behalf wms calls are made, recorded with every change they write.",
        c"At most 255 characters; set it per transaction (SET LOCAL) behind a pooler.",
        &ACTOR,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"wms.request_id",
        c"The application's request id, recorded with every change wms calls write.",
        c"At most 255 characters; set it per transaction (SET LOCAL) behind a pooler.",
        &REQUEST_ID,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"wms.submit_timeout",
        c"How long wms_submit_order waits for the order worker's answer.",
        c"Past it an order still queued is withdrawn (55P03, nothing written) and one the worker has is answered 40003 (it may be committed).",
        &SUBMIT_TIMEOUT_MS,
        1,
        3_600_000,
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
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

/// The settings only a preloaded library has: a postmaster-level setting
/// can only be defined while preloading.
pub fn define_preloaded() {
    GucRegistry::define_string_guc(
        c"wms.expiry_databases",
        c"Comma-separated databases in which a wms expiry worker runs.",
        c"Read at server start; needs wms in shared_preload_libraries.",
        &EXPIRY_DATABASES,
        GucContext::Postmaster,
        GucFlags::default(),
    );
}
