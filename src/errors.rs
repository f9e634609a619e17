//! Every failure a wms function reports, and the SQLSTATE a client branches on.
//!
//! README.md's SQLSTATE table is checked against [`WmsError::CATALOGUE`] by a test.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WmsError {
    /// A NULL where a value is needed (never a silent NULL result).
    NullArgument {
        argument: &'static str,
    },
    /// Non-positive quantity, empty or malformed items, unknown option, blank text.
    InvalidParameter {
        message: String,
    },
    /// A quantity or a sum of quantities outside bigint.
    OutOfRange {
        message: String,
    },
    UnknownProduct {
        product_id: i64,
    },
    UnknownWarehouse {
        warehouse_id: i64,
    },
    UnknownOrder {
        order_id: i64,
    },
    /// Removing a product or warehouse that has history.
    HasHistory {
        what: String,
        why: &'static str,
    },
    /// A status change the order_transitions table does not allow.
    ForbiddenTransition {
        order_id: i64,
        from: String,
        to: String,
    },
    /// A move listed as made by a return only, asked for as a status change.
    MoveByReturnOnly {
        order_id: i64,
        from: String,
        to: String,
    },
    /// A status wms.order_statuses does not list.
    UnknownStatus {
        status: String,
    },
    /// A return of an order whose stock was not taken (or all came back).
    NotReturnable {
        order_id: i64,
        status: String,
    },
    /// A return of more than a line took, counting what came back already.
    ReturnExceedsTaken {
        order_id: i64,
        product_id: i64,
        warehouse_id: i64,
        taken: i64,
        returned: i64,
        requested: i64,
    },
    /// Fulfilling (or confirming, shipping) a reservation after it expired.
    ReservationExpired {
        order_id: i64,
    },
    /// A catalogue key (SKU, warehouse code) that already exists.
    DuplicateKey {
        message: String,
    },
    /// Not enough available stock, with on_shortage => 'error'.
    InsufficientStock {
        shortages: Vec<Shortage>,
    },
    /// A cycle count below what live reservations hold.
    BelowReserved {
        product_id: i64,
        warehouse_id: i64,
        counted: i64,
        reserved: i64,
    },
    /// An idempotency key reused with a different request.
    IdempotencyKeyReused {
        key: String,
    },
    /// The schema in the database is of another version than the library
    /// (a package installed, ALTER EXTENSION wms UPDATE not yet run).
    SchemaVersion {
        schema: String,
    },
    /// wms_grant or wms_revoke of a role that does not exist (an oid).
    UnknownRole {
        role: u32,
    },
    /// A caller without the capability in a warehouse the call touches.
    NotPermitted {
        role: String,
        /// `None`: no capability at all (catalogue reads, availability).
        capability: Option<&'static str>,
        place: crate::access::Place,
    },
    /// A function that writes, called in a read-only transaction.
    ReadOnlyTransaction {
        function: &'static str,
        /// On a hot standby, where every transaction is read-only.
        standby: bool,
    },
    /// wms_submit_order without wms in shared_preload_libraries.
    NotPreloaded,
    /// wms_submit_order in a transaction that holds wms locks already.
    SubmitHoldingLocks,
    /// wms_submit_order waited wms.submit_timeout; `taken`: the worker had
    /// the order already, so its outcome is unknown.
    SubmitTimedOut {
        waited_ms: i32,
        taken: bool,
    },
    /// The order worker ended while it had the order.
    SubmitWorkerLost,
    /// A submitted order's key or item was held by other transactions for
    /// longer than its caller's wms.lock_timeout.
    SubmitBusy {
        waited_ms: i64,
    },
    /// No background worker could be started for the order queue.
    NoWorkerSlot,
    /// UPDATE or DELETE of a row of an append-only table (the status
    /// history's trigger, src/guard.rs; the others' is wms.refuse_change).
    /// `table` is schema-qualified.
    AppendOnly {
        table: String,
        operation: &'static str,
    },
}

/// One order line that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shortage {
    pub product_id: i64,
    pub warehouse_id: i64,
    pub requested: i64,
    pub available: i64,
}

/// A SQLSTATE wms reports: its code, condition name and when it is raised.
/// [`WmsError::CATALOGUE`] lists them all; it is README.md's table, and a
/// test compares the two.
pub struct ErrorKind {
    pub code: PgSqlErrorCode,
    #[cfg_attr(not(feature = "pg_test"), allow(dead_code))]
    pub sqlstate: &'static str,
    #[cfg_attr(not(feature = "pg_test"), allow(dead_code))]
    pub condition: &'static str,
    #[cfg_attr(not(feature = "pg_test"), allow(dead_code))]
    pub when: &'static str,
}

use PgSqlErrorCode::*;

const NULL_VALUE: ErrorKind = ErrorKind {
    code: ERRCODE_NULL_VALUE_NOT_ALLOWED,
    sqlstate: "22004",
    condition: "null_value_not_allowed",
    when: "an argument is NULL where a value is needed",
};
const INVALID_PARAMETER: ErrorKind = ErrorKind {
    code: ERRCODE_INVALID_PARAMETER_VALUE,
    sqlstate: "22023",
    condition: "invalid_parameter_value",
    when: "non-positive quantity, empty or malformed items, bad unit_price, unknown on_shortage, sort or order status, blank text",
};
const OUT_OF_RANGE: ErrorKind = ErrorKind {
    code: ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
    sqlstate: "22003",
    condition: "numeric_value_out_of_range",
    when: "a quantity or a sum of quantities does not fit in bigint",
};
const FOREIGN_KEY: ErrorKind = ErrorKind {
    code: ERRCODE_FOREIGN_KEY_VIOLATION,
    sqlstate: "23503",
    condition: "foreign_key_violation",
    when: "unknown product, warehouse or order; removing a product or warehouse that has ledger rows or order lines",
};
const UNIQUE: ErrorKind = ErrorKind {
    code: ERRCODE_UNIQUE_VIOLATION,
    sqlstate: "23505",
    condition: "unique_violation",
    when: "idempotency key reused with a different request; SKU or warehouse code already exists",
};
const CHECK: ErrorKind = ErrorKind {
    code: ERRCODE_CHECK_VIOLATION,
    sqlstate: "23514",
    condition: "check_violation",
    when: "insufficient stock with on_shortage => 'error', or for a transfer; a count below what is reserved; a return of more than was taken; a move of wms.order_transitions whose stock effect makes no sense",
};
const PREREQUISITE: ErrorKind = ErrorKind {
    code: ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
    sqlstate: "55000",
    condition: "object_not_in_prerequisite_state",
    when: "a move wms.order_transitions does not list (e.g. cancel a Shipped order), or one only a return makes; fulfil or confirm an expired reservation; return an order whose stock was not taken; a schema older than the library (run ALTER EXTENSION wms UPDATE); wms_submit_order without wms in shared_preload_libraries, or in a transaction that holds wms locks",
};
const READ_ONLY: ErrorKind = ErrorKind {
    code: ERRCODE_READ_ONLY_SQL_TRANSACTION,
    sqlstate: "25006",
    condition: "read_only_sql_transaction",
    when: "a function that writes, called in a READ ONLY transaction or on a standby",
};
/// Raised by the capability checks (src/access.rs), by PostgreSQL (no
/// EXECUTE) and by the append-only triggers (sql/schema.sql).
const INSUFFICIENT_PRIVILEGE: ErrorKind = ErrorKind {
    code: ERRCODE_INSUFFICIENT_PRIVILEGE,
    sqlstate: "42501",
    condition: "insufficient_privilege",
    when: "a role without EXECUTE, or without the capability (wms_grant) in a warehouse the call touches; UPDATE, DELETE or TRUNCATE of the ledger (stock_movements), the order status history or the returns, by anyone; UPDATE of wms.order_statuses, DELETE of a status in use; DDL on the extension's tables outside ALTER EXTENSION wms UPDATE",
};
/// Raised by PostgreSQL itself (its lock_timeout, set from wms.lock_timeout).
const LOCK_NOT_AVAILABLE: ErrorKind = ErrorKind {
    code: ERRCODE_LOCK_NOT_AVAILABLE,
    sqlstate: "55P03",
    condition: "lock_not_available",
    when: "waited longer than wms.lock_timeout (default 5 s) for an item's queue, an inventory row or an idempotency key, or wms_submit_order's order was still queued after wms.submit_timeout, or its item or key held that long by another transaction (server busy: retry; nothing written)",
};
/// Raised by PostgreSQL's deadlock detector.
const DEADLOCK: ErrorKind = ErrorKind {
    code: ERRCODE_T_R_DEADLOCK_DETECTED,
    sqlstate: "40P01",
    condition: "deadlock_detected",
    when: "a transaction of several wms calls took the same items as another in the opposite order (retry the transaction)",
};
/// Raised by PostgreSQL: statement_timeout, pg_cancel_backend.
const CANCELED: ErrorKind = ErrorKind {
    code: ERRCODE_QUERY_CANCELED,
    sqlstate: "57014",
    condition: "query_canceled",
    when: "the call was cancelled, or ran past the caller's statement_timeout; nothing written (wms_submit_order: the order may be committed, call again with its idempotency key)",
};
/// Raised by PostgreSQL at commit, not by the call.
const NOTIFY_QUEUE_FULL: ErrorKind = ErrorKind {
    code: ERRCODE_PROGRAM_LIMIT_EXCEEDED,
    sqlstate: "54000",
    condition: "program_limit_exceeded",
    when: "at commit, when PostgreSQL's notification queue is full and wms.notify is on (docs/design.md, Stock events)",
};
/// Raised by PostgreSQL when its shared lock table is full.
const OUT_OF_LOCKS: ErrorKind = ErrorKind {
    code: ERRCODE_OUT_OF_MEMORY,
    sqlstate: "53200",
    condition: "out_of_memory",
    when: "the shared lock table is full: a transaction changed many thousands of items (docs/operations.md, Privileges: the shared lock table)",
};
const UNDEFINED_OBJECT: ErrorKind = ErrorKind {
    code: ERRCODE_UNDEFINED_OBJECT,
    sqlstate: "42704",
    condition: "undefined_object",
    when: "wms_grant or wms_revoke of a role that does not exist",
};
const COMPLETION_UNKNOWN: ErrorKind = ErrorKind {
    code: ERRCODE_T_R_STATEMENT_COMPLETION_UNKNOWN,
    sqlstate: "40003",
    condition: "statement_completion_unknown",
    when: "wms_submit_order: the order worker had the order when the wait ended (wms.submit_timeout) or the worker stopped; the order may be committed (call again with the same idempotency key)",
};
const INSUFFICIENT_RESOURCES: ErrorKind = ErrorKind {
    code: ERRCODE_INSUFFICIENT_RESOURCES,
    sqlstate: "53000",
    condition: "insufficient_resources",
    when: "wms_submit_order: no background worker could be started for the order queue (max_worker_processes)",
};
/// Raised by the extension script (sql/schema.sql).
const FEATURE_NOT_SUPPORTED: ErrorKind = ErrorKind {
    code: ERRCODE_FEATURE_NOT_SUPPORTED,
    sqlstate: "0A000",
    condition: "feature_not_supported",
    when: "CREATE EXTENSION wms in a database whose encoding is not UTF8",
};
/// Raised by PostgreSQL itself, not by a [`WmsError`].
const SERIALIZATION: ErrorKind = ErrorKind {
    code: ERRCODE_T_R_SERIALIZATION_FAILURE,
    sqlstate: "40001",
    condition: "serialization_failure",
    when: "REPEATABLE READ or SERIALIZABLE caller whose snapshot predates a concurrent change of the same inventory row or idempotency key (retry)",
};

impl WmsError {
    #[cfg_attr(not(feature = "pg_test"), allow(dead_code))]
    pub const CATALOGUE: &'static [ErrorKind] = &[
        NULL_VALUE,
        INVALID_PARAMETER,
        OUT_OF_RANGE,
        FOREIGN_KEY,
        UNIQUE,
        CHECK,
        PREREQUISITE,
        READ_ONLY,
        INSUFFICIENT_PRIVILEGE,
        UNDEFINED_OBJECT,
        LOCK_NOT_AVAILABLE,
        SERIALIZATION,
        DEADLOCK,
        CANCELED,
        NOTIFY_QUEUE_FULL,
        OUT_OF_LOCKS,
        INSUFFICIENT_RESOURCES,
        COMPLETION_UNKNOWN,
        FEATURE_NOT_SUPPORTED,
    ];

    fn kind(&self) -> &'static ErrorKind {
        match self {
            WmsError::NullArgument { .. } => &NULL_VALUE,
            WmsError::InvalidParameter { .. } | WmsError::UnknownStatus { .. } => {
                &INVALID_PARAMETER
            }
            WmsError::OutOfRange { .. } => &OUT_OF_RANGE,
            WmsError::UnknownProduct { .. }
            | WmsError::UnknownWarehouse { .. }
            | WmsError::UnknownOrder { .. }
            | WmsError::HasHistory { .. } => &FOREIGN_KEY,
            WmsError::ForbiddenTransition { .. }
            | WmsError::MoveByReturnOnly { .. }
            | WmsError::NotReturnable { .. }
            | WmsError::ReservationExpired { .. }
            | WmsError::SchemaVersion { .. }
            | WmsError::NotPreloaded
            | WmsError::SubmitHoldingLocks => &PREREQUISITE,
            WmsError::SubmitTimedOut { taken: false, .. } | WmsError::SubmitBusy { .. } => {
                &LOCK_NOT_AVAILABLE
            }
            WmsError::SubmitTimedOut { taken: true, .. } | WmsError::SubmitWorkerLost => {
                &COMPLETION_UNKNOWN
            }
            WmsError::NoWorkerSlot => &INSUFFICIENT_RESOURCES,
            WmsError::DuplicateKey { .. } | WmsError::IdempotencyKeyReused { .. } => &UNIQUE,
            WmsError::InsufficientStock { .. }
            | WmsError::BelowReserved { .. }
            | WmsError::ReturnExceedsTaken { .. } => &CHECK,
            WmsError::ReadOnlyTransaction { .. } => &READ_ONLY,
            WmsError::NotPermitted { .. } | WmsError::AppendOnly { .. } => &INSUFFICIENT_PRIVILEGE,
            WmsError::UnknownRole { .. } => &UNDEFINED_OBJECT,
        }
    }

    fn message(&self) -> String {
        match self {
            WmsError::NullArgument { argument } => {
                format!("argument \"{argument}\" must not be NULL")
            }
            WmsError::InvalidParameter { message }
            | WmsError::OutOfRange { message }
            | WmsError::DuplicateKey { message } => message.clone(),
            WmsError::UnknownProduct { product_id } => {
                format!("product {product_id} does not exist")
            }
            WmsError::UnknownWarehouse { warehouse_id } => {
                format!("warehouse {warehouse_id} does not exist")
            }
            WmsError::UnknownOrder { order_id } => format!("order {order_id} does not exist"),
            WmsError::HasHistory { what, why } => {
                format!("{what} has {why}: it cannot be removed, its history is kept")
            }
            WmsError::ForbiddenTransition { order_id, from, to } => {
                format!("order {order_id} is {from} and cannot become {to}")
            }
            WmsError::MoveByReturnOnly { order_id, from, to } => {
                format!("order {order_id} is {from} and becomes {to} only by a return")
            }
            WmsError::UnknownStatus { status } => {
                format!("unknown order status \"{status}\"")
            }
            WmsError::NotReturnable { order_id, status } => format!(
                "order {order_id} is {status}: only an order whose stock was taken, and has not all come back, can be returned"
            ),
            WmsError::ReturnExceedsTaken {
                order_id,
                product_id,
                warehouse_id,
                taken,
                returned,
                requested,
            } => format!(
                "order {order_id} took {taken} of product {product_id} in warehouse {warehouse_id} and {returned} came back already: {requested} more cannot be returned"
            ),
            WmsError::ReservationExpired { order_id } => {
                format!("the reservation of order {order_id} has expired")
            }
            WmsError::BelowReserved {
                product_id,
                warehouse_id,
                counted,
                reserved,
            } => format!(
                "counted quantity {counted} of product {product_id} in warehouse {warehouse_id} is below the {reserved} reserved"
            ),
            WmsError::InsufficientStock { shortages } => {
                let s = &shortages[0];
                let more = match shortages.len() {
                    1 => String::new(),
                    n => format!(" (and {} more short lines)", n - 1),
                };
                format!(
                    "insufficient stock for product {} in warehouse {}: requested {}, available {}{more}",
                    s.product_id, s.warehouse_id, s.requested, s.available
                )
            }
            WmsError::IdempotencyKeyReused { key } => {
                format!("idempotency key \"{key}\" was already used with a different request")
            }
            WmsError::SchemaVersion { schema } => format!(
                "the wms schema of this database is version {schema}, its library is version {}",
                env!("CARGO_PKG_VERSION")
            ),
            WmsError::UnknownRole { role } => format!("role with oid {role} does not exist"),
            WmsError::NotPermitted {
                role,
                capability,
                place,
            } => {
                use crate::access::Place;
                let lacks = match capability {
                    Some(c) => format!("lacks capability {c}"),
                    None => "has no capability".into(),
                };
                let place = match place {
                    Place::Warehouse(w) => format!("in warehouse {w}"),
                    Place::Order(o) => format!("in a warehouse of order {o}"),
                    Place::Everywhere => "in every warehouse".into(),
                    Place::Anywhere => "in any warehouse".into(),
                };
                format!("role \"{role}\" {lacks} {place}")
            }
            WmsError::ReadOnlyTransaction {
                function,
                standby: false,
            } => format!("{function} writes and cannot run in a read-only transaction"),
            WmsError::ReadOnlyTransaction {
                function,
                standby: true,
            } => format!("{function} writes and cannot run on a standby"),
            WmsError::NotPreloaded => {
                "wms_submit_order needs wms in shared_preload_libraries".into()
            }
            WmsError::SubmitHoldingLocks => "wms_submit_order cannot wait for the order worker in a transaction that holds wms locks (an earlier wms call of this transaction took them)".into(),
            WmsError::SubmitTimedOut { waited_ms, taken: false } => format!(
                "wms_submit_order waited {waited_ms} ms (wms.submit_timeout) for the order worker: the order was withdrawn, nothing was written"
            ),
            WmsError::SubmitTimedOut { waited_ms, taken: true } => format!(
                "wms_submit_order waited {waited_ms} ms (wms.submit_timeout) for the order worker's answer: the order may have been committed"
            ),
            WmsError::SubmitWorkerLost => {
                "the wms order worker stopped while it had the order: it may have been committed".into()
            }
            WmsError::SubmitBusy { waited_ms } => format!(
                "the order waited {waited_ms} ms (wms.lock_timeout) for an item or idempotency key another transaction holds: nothing was written"
            ),
            WmsError::NoWorkerSlot => {
                "no background worker could be started for wms_submit_order".into()
            }
            WmsError::AppendOnly { table, operation } => {
                format!("{table} is append-only: {operation} is not allowed")
            }
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            WmsError::InsufficientStock { shortages } => {
                Some(serde_json::json!({ "short": shortages }).to_string())
            }
            _ => None,
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            WmsError::IdempotencyKeyReused { .. } => {
                Some("Use a new idempotency key for a new request.")
            }
            WmsError::ReservationExpired { .. } => {
                Some("An expired reservation holds no stock; reserve again or place a new order.")
            }
            WmsError::BelowReserved { .. } => {
                Some("Cancel or fulfil reservations of the item first.")
            }
            WmsError::InsufficientStock { .. } => {
                Some("Call with on_shortage => 'reject' to get an Unavailable result instead of an error.")
            }
            WmsError::SchemaVersion { .. } => Some("Run ALTER EXTENSION wms UPDATE in this database."),
            WmsError::MoveByReturnOnly { .. } => Some("Call wms_return_order."),
            WmsError::NotPermitted { .. } => {
                Some("wms.grants lists who has what; an admin gives it with wms_grant(role, capability, warehouse_id).")
            }
            WmsError::UnknownStatus { .. } => {
                Some("wms.order_statuses lists the statuses an order can have.")
            }
            WmsError::ReadOnlyTransaction { standby: true, .. } => {
                Some("Send writes to the primary; a standby answers the functions that only read.")
            }
            WmsError::NotPreloaded => Some(
                "Add wms to shared_preload_libraries and restart the server, or call wms_place_order.",
            ),
            WmsError::SubmitHoldingLocks => Some(
                "Call wms_submit_order in its own transaction, or wms_place_order in this one.",
            ),
            WmsError::SubmitTimedOut { taken: true, .. } | WmsError::SubmitWorkerLost => Some(
                "Call again with the same idempotency key: it answers the committed order, or places it.",
            ),
            WmsError::NoWorkerSlot => Some("Raise max_worker_processes."),
            WmsError::AppendOnly { .. } => {
                Some("Correct stock with a new movement (wms_adjust, wms_receive).")
            }
            _ => None,
        }
    }

    /// Raise the error as a PostgreSQL ERROR: the caller's transaction (or
    /// savepoint) is aborted, so nothing the call wrote survives.
    pub fn raise(self) -> ! {
        let mut report = ErrorReport::new(self.kind().code, self.message(), "wms");
        if let Some(detail) = self.detail() {
            report = report.set_detail(detail);
        }
        if let Some(hint) = self.hint() {
            report = report.set_hint(hint);
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    }
}

pub type WmsResult<T> = Result<T, WmsError>;

/// An error raised in one process and reported by another: the order
/// worker's answer to a wms_submit_order call.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Relayed {
    code: i32,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
}

impl From<WmsError> for Relayed {
    fn from(e: WmsError) -> Relayed {
        Relayed {
            code: e.kind().code as i32,
            message: e.message(),
            detail: e.detail(),
            hint: e.hint().map(str::to_string),
        }
    }
}

impl Relayed {
    /// What PostgreSQL raised (a lock timeout, a deadlock, a constraint).
    pub fn caught(report: &pgrx::pg_sys::panic::ErrorReportWithLevel) -> Relayed {
        Relayed {
            code: report.sql_error_code() as i32,
            message: report.message().to_string(),
            detail: report.detail().map(str::to_string),
            hint: report.hint().map(str::to_string),
        }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// Its SQLSTATE, as PostgreSQL packs it.
    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn raise(self) -> ! {
        let mut report = ErrorReport::new(PgSqlErrorCode::from(self.code), self.message, "wms");
        if let Some(detail) = self.detail {
            report = report.set_detail(detail);
        }
        if let Some(hint) = self.hint {
            report = report.set_hint(hint);
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    }
}

/// Errors never carry a Rust backtrace to the client, whatever
/// RUST_BACKTRACE is in the server's environment. pgrx appends the
/// backtrace its panic hook captures (`Backtrace::capture`) to the DETAIL
/// of every error that passes through Rust, PostgreSQL's own included.
/// The standard library reads the environment once, at the first capture,
/// for this library alone: that first capture is made here, at load, with
/// capture switched off, and the environment is then put back as it was.
pub fn no_backtraces() {
    let saved = std::env::var_os("RUST_LIB_BACKTRACE");
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    let _ = std::backtrace::Backtrace::capture();
    match saved {
        Some(value) => std::env::set_var("RUST_LIB_BACKTRACE", value),
        None => std::env::remove_var("RUST_LIB_BACKTRACE"),
    }
}

/// Unwrap a required argument or raise 22004.
pub fn required<T>(value: Option<T>, argument: &'static str) -> T {
    value.unwrap_or_else(|| WmsError::NullArgument { argument }.raise())
}

/// Raise 25006 before a function that writes does anything in a read-only
/// transaction (PostgreSQL would refuse its first lock or write anyway, but
/// deep inside the call).
pub fn writable(function: &'static str) {
    // The schema's version was checked by access::enter(), just before.
    // wms.actor and wms.request_id are recorded with what the call writes:
    // too long, the call is refused before it starts.
    if let Err(e) = crate::audit::who() {
        e.raise()
    }
    // SAFETY: backend-global state, read on the backend's own thread.
    if unsafe { pgrx::pg_sys::XactReadOnly } {
        let standby = unsafe { pgrx::pg_sys::RecoveryInProgress() };
        WmsError::ReadOnlyTransaction { function, standby }.raise()
    }
}

/// A quantity that must be > 0.
pub fn positive_quantity(value: i64, argument: &str) -> WmsResult<i64> {
    if value > 0 {
        Ok(value)
    } else {
        Err(WmsError::InvalidParameter {
            message: format!("{argument} must be greater than zero, got {value}"),
        })
    }
}

/// What a text argument holds, and so how long it may be: every text
/// argument has a limit, checked before anything is read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// An identifier: SKU, warehouse code, idempotency key, reference,
    /// status, option, a reason to filter by.
    Key,
    /// Words a person wrote: a customer or catalogue name, a reason.
    Prose,
}

impl Text {
    /// The most characters the argument may have (docs/reference.md, "API").
    pub const fn max_chars(self) -> usize {
        match self {
            Text::Key => 255,
            Text::Prose => 2000,
        }
    }
}

/// Text of at most `kind`'s length (22023 otherwise).
pub fn bounded<'a>(value: &'a str, argument: &str, kind: Text) -> WmsResult<&'a str> {
    let max = kind.max_chars();
    // A character takes at least one byte: most text is decided by its length.
    if value.len() > max {
        let chars = value.chars().count();
        if chars > max {
            return Err(WmsError::InvalidParameter {
                message: format!("{argument} must be at most {max} characters, got {chars}"),
            });
        }
    }
    Ok(value)
}

/// Text of at most `kind`'s length that is not empty or only whitespace.
pub fn not_blank_text<'a>(value: &'a str, argument: &str, kind: Text) -> WmsResult<&'a str> {
    not_blank(bounded(value, argument, kind)?, argument)
}

/// Text that must not be empty or only whitespace.
pub fn not_blank<'a>(value: &'a str, argument: &str) -> WmsResult<&'a str> {
    if value.trim().is_empty() {
        Err(WmsError::InvalidParameter {
            message: format!("{argument} must not be blank"),
        })
    } else {
        Ok(value)
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::WmsError;
    use pgrx::prelude::*;

    /// The five characters of a SQLSTATE packed by MAKE_SQLSTATE.
    fn sqlstate(code: pgrx::PgSqlErrorCode) -> String {
        let packed = code as i32;
        (0..5)
            .map(|i| (((packed >> (6 * i)) & 0x3F) as u8 + b'0') as char)
            .collect()
    }

    /// One of each variant; the match below stops compiling when a variant
    /// is added and not listed here.
    fn one_of_each() -> Vec<WmsError> {
        let all = vec![
            WmsError::NullArgument { argument: "x" },
            WmsError::InvalidParameter {
                message: String::new(),
            },
            WmsError::OutOfRange {
                message: String::new(),
            },
            WmsError::UnknownProduct { product_id: 1 },
            WmsError::UnknownWarehouse { warehouse_id: 1 },
            WmsError::UnknownOrder { order_id: 1 },
            WmsError::HasHistory {
                what: String::new(),
                why: "x",
            },
            WmsError::ForbiddenTransition {
                order_id: 1,
                from: String::new(),
                to: String::new(),
            },
            WmsError::MoveByReturnOnly {
                order_id: 1,
                from: String::new(),
                to: String::new(),
            },
            WmsError::UnknownStatus {
                status: String::new(),
            },
            WmsError::NotReturnable {
                order_id: 1,
                status: String::new(),
            },
            WmsError::ReturnExceedsTaken {
                order_id: 1,
                product_id: 1,
                warehouse_id: 1,
                taken: 1,
                returned: 0,
                requested: 2,
            },
            WmsError::SchemaVersion {
                schema: String::new(),
            },
            WmsError::ReservationExpired { order_id: 1 },
            WmsError::DuplicateKey {
                message: String::new(),
            },
            WmsError::InsufficientStock { shortages: vec![] },
            WmsError::BelowReserved {
                product_id: 1,
                warehouse_id: 1,
                counted: 0,
                reserved: 1,
            },
            WmsError::IdempotencyKeyReused { key: String::new() },
            WmsError::ReadOnlyTransaction {
                function: "f",
                standby: true,
            },
            WmsError::UnknownRole { role: 0 },
            WmsError::NotPreloaded,
            WmsError::SubmitHoldingLocks,
            WmsError::SubmitTimedOut {
                waited_ms: 1,
                taken: false,
            },
            WmsError::SubmitTimedOut {
                waited_ms: 1,
                taken: true,
            },
            WmsError::SubmitWorkerLost,
            WmsError::SubmitBusy { waited_ms: 1 },
            WmsError::NoWorkerSlot,
            WmsError::NotPermitted {
                role: String::new(),
                capability: Some("sell"),
                place: crate::access::Place::Warehouse(1),
            },
            WmsError::AppendOnly {
                table: "wms.order_status_history".into(),
                operation: "DELETE",
            },
        ];
        for e in &all {
            match e {
                WmsError::NullArgument { .. }
                | WmsError::InvalidParameter { .. }
                | WmsError::OutOfRange { .. }
                | WmsError::UnknownProduct { .. }
                | WmsError::UnknownWarehouse { .. }
                | WmsError::UnknownOrder { .. }
                | WmsError::HasHistory { .. }
                | WmsError::ForbiddenTransition { .. }
                | WmsError::MoveByReturnOnly { .. }
                | WmsError::UnknownStatus { .. }
                | WmsError::NotReturnable { .. }
                | WmsError::ReturnExceedsTaken { .. }
                | WmsError::SchemaVersion { .. }
                | WmsError::ReservationExpired { .. }
                | WmsError::DuplicateKey { .. }
                | WmsError::InsufficientStock { .. }
                | WmsError::BelowReserved { .. }
                | WmsError::IdempotencyKeyReused { .. }
                | WmsError::ReadOnlyTransaction { .. }
                | WmsError::NotPermitted { .. }
                | WmsError::UnknownRole { .. }
                | WmsError::NotPreloaded
                | WmsError::SubmitHoldingLocks
                | WmsError::SubmitTimedOut { .. }
                | WmsError::SubmitWorkerLost
                | WmsError::SubmitBusy { .. }
                | WmsError::NoWorkerSlot
                | WmsError::AppendOnly { .. } => {}
            }
        }
        all
    }

    #[pg_test]
    fn test_every_error_is_in_the_catalogue() {
        for e in one_of_each() {
            let kind = e.kind();
            assert!(
                WmsError::CATALOGUE
                    .iter()
                    .any(|k| k.sqlstate == kind.sqlstate),
                "{e:?} raises {}, which the catalogue (and README) lack",
                kind.sqlstate
            );
        }
    }

    /// Each catalogue entry's PostgreSQL error code is the SQLSTATE it documents.
    #[pg_test]
    fn test_catalogue_codes_are_their_sqlstates() {
        for kind in WmsError::CATALOGUE {
            assert_eq!(sqlstate(kind.code), kind.sqlstate, "{}", kind.condition);
        }
    }

    /// README.md's SQLSTATE table lists exactly the catalogue, in order.
    #[pg_test]
    fn test_readme_sqlstate_table_matches_the_catalogue() {
        let readme = include_str!("../README.md");
        let rows: Vec<(String, String, String)> = readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let state = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                let condition = cells.get(2)?.trim_matches('`');
                let when = cells.get(3)?;
                (state.len() == 5)
                    .then(|| (state.to_string(), condition.to_string(), when.to_string()))
            })
            .collect();
        let expected: Vec<(String, String, String)> = WmsError::CATALOGUE
            .iter()
            .map(|k| {
                (
                    k.sqlstate.to_string(),
                    k.condition.to_string(),
                    k.when.to_string(),
                )
            })
            .collect();
        assert_eq!(rows, expected);
    }
}
