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

/// The status history's row trigger: a row is never changed, and removed
/// only by the transaction that wrote it, before any other could see it
/// (an order taken back in its own call, [`crate::stock::take_one_in_line`]);
/// anything else is refused with 42501, as the other append-only tables'
/// trigger (`wms.refuse_change`) refuses it. Fires BEFORE UPDATE OR DELETE,
/// FOR EACH ROW, in every session_replication_role (sql/guard.sql).
#[pg_trigger(sql = "CREATE FUNCTION wms.history_append_only() RETURNS trigger \
                    LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';")]
fn history_append_only<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, std::convert::Infallible> {
    let deleting = matches!(trigger.op(), Ok(PgTriggerOperation::Delete));
    let row = trigger.trigger_data().tg_trigtuple;
    // SAFETY: PostgreSQL calls a row trigger with the row it fires for in
    // tg_trigtuple, a valid heap tuple for the duration of the call; its
    // header's xmin is read, nothing is written. A frozen row's xmin reads
    // as FrozenTransactionId, never this transaction's, whatever its raw
    // xmin was.
    let written_here = deleting
        && !row.is_null()
        && unsafe {
            pg_sys::TransactionIdIsCurrentTransactionId(pg_sys::HeapTupleHeaderGetXmin(
                (*row).t_data,
            ))
        };
    if !written_here {
        crate::errors::WmsError::AppendOnly {
            table: "order_status_history",
            operation: if deleting { "DELETE" } else { "UPDATE" },
        }
        .raise();
    }
    Ok(trigger.old())
}
