//! Statements the extension runs through SPI, each parsed and planned once
//! per backend and kept (`SPI_keepplan`) for the backend's lifetime.

use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{BuiltinOid, PgOid};
use pgrx::spi::{OwnedPreparedStatement, SpiClient, SpiHeapTupleData, SpiTupleTable};
use pgrx::{FromDatum, IntoDatum};

/// A statement and the types of its parameters.
pub struct Statement {
    pub sql: &'static str,
    pub params: &'static [BuiltinOid],
}

thread_local! {
    // Keyed by the address of the statement's text: every Statement is a
    // `static`, so the address identifies it. Plans live as long as the
    // backend, so leaking them is their natural lifetime.
    static KEPT: RefCell<HashMap<usize, &'static OwnedPreparedStatement>> = RefCell::new(HashMap::new());
}

fn kept(client: &SpiClient<'_>, stmt: &'static Statement) -> &'static OwnedPreparedStatement {
    let key = stmt.sql.as_ptr() as usize;
    if let Some(plan) = KEPT.with(|k| k.borrow().get(&key).copied()) {
        return plan;
    }
    let oids: Vec<PgOid> = stmt.params.iter().map(|o| PgOid::BuiltIn(*o)).collect();
    let plan = client
        .prepare_mut(stmt.sql, &oids)
        .unwrap_or_else(|e| panic!("wms: cannot prepare statement: {e}\n{}", stmt.sql))
        .keep();
    let plan: &'static OwnedPreparedStatement = Box::leak(Box::new(plan));
    KEPT.with(|k| k.borrow_mut().insert(key, plan));
    plan
}

/// Plan statements now, so that a caller about to take row locks does not
/// parse and plan while holding them (a backend's first call).
pub fn prepare(client: &SpiClient<'_>, stmts: &[&'static Statement]) {
    for stmt in stmts {
        kept(client, stmt);
    }
}

/// Run a kept statement. Statements are prepared as writers, so each one
/// sees a fresh snapshot under READ COMMITTED (what a waiter on a lock
/// needs in order to see the winner's committed rows).
pub fn run<'conn>(
    client: &mut SpiClient<'conn>,
    stmt: &'static Statement,
    args: &[DatumWithOid<'_>],
) -> SpiTupleTable<'conn> {
    let plan = kept(client, stmt);
    client
        .update(plan, None, args)
        .unwrap_or_else(|e| panic!("wms: statement failed: {e}\n{}", stmt.sql))
}

/// Column `ordinal` (1-based) of a row, which the statement guarantees is NOT NULL.
pub fn col<T: FromDatum + IntoDatum>(row: &SpiHeapTupleData<'_>, ordinal: usize) -> T {
    opt_col(row, ordinal).unwrap_or_else(|| panic!("wms: unexpected NULL in column {ordinal}"))
}

/// Column `ordinal` (1-based) of a row, possibly NULL.
pub fn opt_col<T: FromDatum + IntoDatum>(row: &SpiHeapTupleData<'_>, ordinal: usize) -> Option<T> {
    row.get::<T>(ordinal)
        .unwrap_or_else(|e| panic!("wms: cannot read column {ordinal}: {e}"))
}

/// Run a read-only statement in the caller's snapshot (no kept plan: the
/// analytics and reports plan with their arguments' values) and turn each
/// row into `T`; `what` names it in the error.
pub fn rows<T>(
    sql: &str,
    args: &[DatumWithOid<'_>],
    what: &str,
    row: impl Fn(&SpiHeapTupleData<'_>) -> T,
) -> Vec<T> {
    pgrx::spi::Spi::connect(|client| {
        client
            .select(sql, None, args)
            .unwrap_or_else(|e| panic!("wms: {what} query failed: {e}"))
            .map(|r| row(&r))
            .collect()
    })
}
