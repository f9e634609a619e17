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

thread_local! {
    /// The order whose rows this backend's [`taking_back`] removes now.
    static TAKING_BACK: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Run `remove`, the statement that removes order `order_id` again when
/// its turn found the units gone ([`crate::stock::take_one_in_line`]):
/// while it runs, and only then, the history's trigger lets that order's
/// rows go, if this transaction wrote them.
pub fn taking_back<T>(order_id: i64, remove: impl FnOnce() -> T) -> T {
    struct Done;
    impl Drop for Done {
        // Also when `remove` raises an error, which unwinds through here.
        fn drop(&mut self) {
            TAKING_BACK.with(|t| t.set(None));
        }
    }
    TAKING_BACK.with(|t| t.set(Some(order_id)));
    let _done = Done;
    remove()
}

/// The status history's row trigger: a row is never changed, and removed
/// only by wms taking back an order in the call that wrote it
/// ([`taking_back`]), a row this transaction wrote and no other could
/// see; anything else is refused with 42501, as the other append-only
/// tables' trigger (`wms.refuse_change`) refuses it, and so is any use of
/// the function but BEFORE UPDATE OR DELETE, FOR EACH ROW, on
/// wms.order_status_history (sql/guard.sql).
#[pg_trigger(sql = "CREATE FUNCTION wms.history_append_only() RETURNS trigger \
                    LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';")]
fn history_append_only<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, std::convert::Infallible> {
    let op = trigger.op();
    let on_history = matches!(trigger.level(), PgTriggerLevel::Row)
        && matches!(trigger.when(), Ok(PgTriggerWhen::Before))
        && trigger.table_schema().is_ok_and(|s| s == "wms")
        && trigger
            .table_name()
            .is_ok_and(|t| t == "order_status_history");
    let taken_back = on_history
        && matches!(op, Ok(PgTriggerOperation::Delete))
        && TAKING_BACK.with(|t| t.get()).is_some_and(|order_id| {
            trigger
                .old()
                .and_then(|row| row.get_by_name::<i64>("order_id").ok().flatten())
                == Some(order_id)
        })
        && {
            let row = trigger.trigger_data().tg_trigtuple;
            // SAFETY: a BEFORE DELETE row trigger gets the row it fires
            // for in tg_trigtuple, a heap tuple of this heap table, valid
            // for the call; its header's xmin is read, nothing is written.
            // A frozen row's xmin reads as FrozenTransactionId, never this
            // transaction's, whatever its raw xmin was.
            !row.is_null()
                && unsafe {
                    pg_sys::TransactionIdIsCurrentTransactionId(pg_sys::HeapTupleHeaderGetXmin(
                        (*row).t_data,
                    ))
                }
        };
    if !taken_back {
        crate::errors::WmsError::AppendOnly {
            table: format!(
                "{}.{}",
                trigger.table_schema().unwrap_or_default(),
                trigger.table_name().unwrap_or_default()
            ),
            operation: match op {
                Ok(PgTriggerOperation::Insert) => "INSERT",
                Ok(PgTriggerOperation::Update) => "UPDATE",
                Ok(PgTriggerOperation::Delete) => "DELETE",
                _ => "TRUNCATE",
            },
        }
        .raise();
    }
    Ok(trigger.old())
}
