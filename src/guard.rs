//! The extension's tables change shape only through its own scripts: an
//! event trigger (sql/guard.sql) refuses any other DDL on them, and asks
//! [`updating_extension`] whether the extension's script is running.

use pgrx::prelude::*;

/// Whether the script of this extension is running (CREATE EXTENSION wms,
/// ALTER EXTENSION wms UPDATE), and not that of another one.
/// In schema wms, next to the event trigger that calls it.
#[pg_extern(sql = "CREATE FUNCTION wms.updating_extension() RETURNS boolean \
                   LANGUAGE c VOLATILE PARALLEL SAFE AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';")]
fn updating_extension() -> bool {
    // SAFETY: flags PostgreSQL sets around an extension script, read on
    // the backend's own thread; the name is a valid C string.
    unsafe {
        pg_sys::creating_extension
            && pg_sys::CurrentExtensionObject == pg_sys::get_extension_oid(c"wms".as_ptr(), true)
    }
}
