//! The one way the extension runs SQL, in two forms: [`run`] for the
//! statements of the functions that write, each parsed and planned once
//! per backend and kept (`SPI_keepplan`) for the backend's lifetime (or
//! [`start`]ed before a wait and [`finish`]ed after it, so that the wait's
//! end finds the executor ready); and [`rows`] for the functions that only
//! read, which plan with their arguments' values and run read-only (no
//! transaction id). The texts are
//! in `sql/queries/`, with the vocabulary's placeholders filled in
//! (`crate::vocabulary::expand`).
//!
//! Kept statements have a generic plan, built when they are prepared: a
//! caller prepares what it will run before it takes any lock (see
//! [`prepare`]), so no backend plans while it holds an item's queue, not
//! even on its first call (PostgreSQL would otherwise plan each statement
//! afresh on its first five executions). They are planned, and run, with
//! enable_seqscan off (`NoSeqScan`).
//!
//! Every function a statement calls, here and in `sql/`, is named with its
//! schema (`pg_catalog.unnest`, `pg_catalog.now()`, ...). PostgreSQL
//! resolves an unqualified name through search_path and takes the closest
//! signature: a look-alike such as `public.unnest(text[])` beats
//! `pg_catalog.unnest(anyarray)` wherever `public` is in the path, and runs
//! with the rights of whoever runs the statement (the extension's owner).
//! On top of that the API functions and the expiry worker pin search_path
//! to `pg_catalog, pg_temp`, so operators and types resolve in pg_catalog
//! before any other schema.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::marker::PhantomData;

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{self, BuiltinOid};
use pgrx::spi::SpiClient;
use pgrx::{FromDatum, IntoDatum};

/// A statement and the types of its parameters.
pub struct Statement {
    pub sql: &'static str,
    pub params: &'static [BuiltinOid],
}

/// A kept plan and its text: they live as long as the backend.
#[derive(Clone, Copy)]
struct Kept(pg_sys::SPIPlanPtr, *const c_char);

thread_local! {
    // Keyed by the address of the statement's text: every Statement is a
    // `static`, so the address identifies it.
    static KEPT: RefCell<HashMap<usize, Kept>> = RefCell::new(HashMap::new());
}

/// A library serves the schema of its own version only: between the
/// install of a new package and `ALTER EXTENSION wms UPDATE`, every call
/// is refused (55000, with the way out as hint) rather than run against
/// tables it was not written for. Checked at the start of every API
/// function (`access::enter`, which reads the owner from the same row),
/// before every read-only statement and before a statement is prepared:
/// one index lookup in pg_extension, with no cache, so a backend sees an
/// update the moment it commits.
pub fn require_current_schema() {
    if let Err(schema) = current_schema() {
        crate::errors::WmsError::SchemaVersion { schema }.raise()
    }
}

/// Ok when the extension in this database is of the library's version;
/// otherwise the version it is (`(none)` when it is not installed).
pub fn current_schema() -> Result<(), String> {
    match extension_row() {
        Some((version, _)) if version == env!("CARGO_PKG_VERSION") => Ok(()),
        Some((version, _)) => Err(version),
        None => Err("(none)".into()),
    }
}

/// The role that owns the extension in this database; raises as
/// [`require_current_schema`] does when the schema is of another version.
pub fn current_schema_owner() -> pg_sys::Oid {
    match extension_row() {
        Some((version, owner)) if version == env!("CARGO_PKG_VERSION") => owner,
        other => crate::errors::WmsError::SchemaVersion {
            schema: other.map_or_else(|| "(none)".into(), |(version, _)| version),
        }
        .raise(),
    }
}

/// pg_extension.extversion and extowner of wms in this database, read
/// from the catalog as get_extension_oid() reads it (by its name index),
/// in the transaction's catalog snapshot.
fn extension_row() -> Option<(String, pg_sys::Oid)> {
    // SAFETY: in a transaction (every caller is a function call or the
    // worker's transaction); the relation, scan and tuple are used only
    // between their open and close, and the version is copied out first.
    unsafe {
        let rel = pg_sys::table_open(
            pg_sys::ExtensionRelationId,
            pg_sys::AccessShareLock as pg_sys::LOCKMODE,
        );
        let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
        pg_sys::ScanKeyInit(
            &mut key,
            pg_sys::Anum_pg_extension_extname as pg_sys::AttrNumber,
            pg_sys::BTEqualStrategyNumber as pg_sys::StrategyNumber,
            pg_sys::RegProcedure::from(pg_sys::F_NAMEEQ),
            pg_sys::Datum::from(c"wms".as_ptr()),
        );
        let scan = pg_sys::systable_beginscan(
            rel,
            pg_sys::Oid::from(pg_sys::ExtensionNameIndexId),
            true,
            std::ptr::null_mut(),
            1,
            &mut key,
        );
        let tuple = pg_sys::systable_getnext(scan);
        let version = (!tuple.is_null()).then(|| {
            let natts = pg_sys::Natts_pg_extension as usize;
            let mut values = vec![pg_sys::Datum::from(0); natts];
            let mut nulls = vec![false; natts];
            pg_sys::heap_deform_tuple(
                tuple,
                (*rel).rd_att,
                values.as_mut_ptr(),
                nulls.as_mut_ptr(),
            );
            let i = pg_sys::Anum_pg_extension_extversion as usize - 1;
            let o = pg_sys::Anum_pg_extension_extowner as usize - 1;
            (
                String::from_datum(values[i], nulls[i]).unwrap_or_default(),
                pg_sys::Oid::from_datum(values[o], nulls[o]).unwrap_or(pg_sys::InvalidOid),
            )
        });
        pg_sys::systable_endscan(scan);
        pg_sys::table_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        version
    }
}

/// enable_seqscan off while it lives (then as it was, on error as well):
/// while a kept statement is planned, and while it runs, since the
/// foreign-key checks it fires plan their own lookups then (on their
/// first calls in a backend).
///
/// Every one of these statements and checks finds its rows by key.
/// Planned while a table is tiny (a new database, a single hot item), a
/// plan would read the table whole instead, and keep doing so for the
/// backend's lifetime as dead row versions pile up under load: a hot
/// item's page then holds thousands of them. (The one check kept for
/// commit, an order line's foreign key to its inventory row, runs outside
/// any of them: docs/design.md, "A turn at an item".)
struct NoSeqScan(bool);

impl NoSeqScan {
    fn new() -> Self {
        // SAFETY: this backend's own setting, read and restored by Drop.
        unsafe {
            let was = pg_sys::enable_seqscan;
            pg_sys::enable_seqscan = false;
            NoSeqScan(was)
        }
    }
}

impl Drop for NoSeqScan {
    fn drop(&mut self) {
        // SAFETY: see new().
        unsafe { pg_sys::enable_seqscan = self.0 }
    }
}

fn kept(stmt: &'static Statement) -> Kept {
    let key = stmt.sql.as_ptr() as usize;
    if let Some(plan) = KEPT.with(|k| k.borrow().get(&key).copied()) {
        return plan;
    }
    require_current_schema();
    let sql = CString::new(crate::vocabulary::expand(stmt.sql).as_bytes())
        .expect("statement text has no NUL");
    let mut oids: Vec<pg_sys::Oid> = stmt.params.iter().map(|o| o.value()).collect();
    // SAFETY: called inside an SPI connection (every caller holds a
    // SpiClient); errors are raised by PostgreSQL and unwind.
    let plan = unsafe {
        let plan = pg_sys::SPI_prepare_cursor(
            sql.as_ptr(),
            oids.len() as i32,
            oids.as_mut_ptr(),
            pg_sys::CURSOR_OPT_GENERIC_PLAN as i32,
        );
        if plan.is_null() {
            let code = pg_sys::SPI_result;
            panic!(
                "wms: cannot prepare statement (SPI code {code}):\n{}",
                stmt.sql
            );
        }
        assert_eq!(pg_sys::SPI_keepplan(plan), 0, "wms: SPI_keepplan failed");
        // Build the generic plan now, and leave it in the plan's cache.
        let _restore = NoSeqScan::new();
        let generic = pg_sys::SPI_plan_get_cached_plan(plan);
        if !generic.is_null() {
            pg_sys::ReleaseCachedPlan(generic, pg_sys::CurrentResourceOwner);
        }
        plan
    };
    // The text stays with the plan, for the executor (error positions).
    let plan = Kept(plan, sql.into_raw());
    KEPT.with(|k| k.borrow_mut().insert(key, plan));
    plan
}

/// The kept plan of `stmt`, to run with `args`, one per parameter.
fn kept_for(stmt: &'static Statement, args: &[DatumWithOid<'_>]) -> Kept {
    assert_eq!(
        args.len(),
        stmt.params.len(),
        "wms: wrong number of arguments for:\n{}",
        stmt.sql
    );
    kept(stmt)
}

/// Whether every one of `stmts` is planned and kept in this backend
/// already (after a connection's first calls).
pub fn prepared(stmts: &[&'static Statement]) -> bool {
    KEPT.with(|k| {
        let kept = k.borrow();
        stmts
            .iter()
            .all(|stmt| kept.contains_key(&(stmt.sql.as_ptr() as usize)))
    })
}

/// Parse and plan statements now, so that a caller about to take locks
/// does not do it while holding them.
pub fn prepare(_client: &SpiClient<'_>, stmts: &[&'static Statement]) {
    for stmt in stmts {
        kept(stmt);
    }
}

/// One row of a statement's result, valid while the SPI connection is.
pub struct Row<'conn> {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
    _conn: PhantomData<&'conn ()>,
}

/// The rows a statement returned.
pub struct Rows<'conn> {
    table: *mut pg_sys::SPITupleTable,
    next: usize,
    _conn: PhantomData<&'conn ()>,
}

impl<'conn> Rows<'conn> {
    /// The result of the statement SPI just ran.
    fn of_last() -> Self {
        Rows {
            // SAFETY: set by the SPI call that just returned.
            table: unsafe { pg_sys::SPI_tuptable },
            next: 0,
            _conn: PhantomData,
        }
    }
}

impl<'conn> Iterator for Rows<'conn> {
    type Item = Row<'conn>;

    fn next(&mut self) -> Option<Row<'conn>> {
        if self.table.is_null() {
            return None;
        }
        // SAFETY: the table stays allocated until SPI_finish, which the
        // 'conn lifetime outlives; `next` is bounded by numvals.
        unsafe {
            let table = &*self.table;
            if self.next >= table.numvals as usize {
                return None;
            }
            let tuple = *table.vals.add(self.next);
            self.next += 1;
            Some(Row {
                tuple,
                desc: table.tupdesc,
                _conn: PhantomData,
            })
        }
    }
}

/// Datums and null flags of arguments, as SPI takes them.
fn datums(args: &[DatumWithOid<'_>]) -> (Vec<pg_sys::Datum>, Vec<c_char>) {
    args.iter()
        .map(|a| match a.datum() {
            Some(d) => (d.sans_lifetime(), b' ' as c_char),
            None => (pg_sys::Datum::from(0usize), b'n' as c_char),
        })
        .unzip()
}

/// Run a kept statement. It runs as a writer, so each one sees a fresh
/// snapshot under READ COMMITTED (what a waiter on a lock needs in order
/// to see the winner's committed rows).
pub fn run<'conn>(
    _client: &mut SpiClient<'conn>,
    stmt: &'static Statement,
    args: &[DatumWithOid<'_>],
) -> Rows<'conn> {
    let plan = kept_for(stmt, args);
    let (mut values, nulls) = datums(args);
    let _restore = NoSeqScan::new();
    // SAFETY: inside an SPI connection, with one value and flag per parameter.
    let rc = unsafe {
        pg_sys::SPI_tuptable = std::ptr::null_mut();
        pg_sys::SPI_execute_plan(plan.0, values.as_mut_ptr(), nulls.as_ptr(), false, 0)
    };
    if rc < 0 {
        panic!("wms: statement failed (SPI code {rc}):\n{}", stmt.sql);
    }
    Rows::of_last()
}

/// Column `ordinal` (1-based) of a row, which the statement guarantees is NOT NULL.
pub fn col<T: FromDatum + IntoDatum>(row: &Row<'_>, ordinal: usize) -> T {
    opt_col(row, ordinal).unwrap_or_else(|| panic!("wms: unexpected NULL in column {ordinal}"))
}

/// Column `ordinal` (1-based) of a row, a jsonb, as PostgreSQL wrote it
/// (see [`crate::jsonb::JsonbDatum`]); `None` when NULL.
pub fn jsonb_col(row: &Row<'_>, ordinal: usize) -> Option<crate::jsonb::JsonbDatum> {
    // SAFETY: as in opt_col; the type is checked before the datum is read.
    unsafe {
        let natts = (*row.desc).natts as usize;
        assert!(
            (1..=natts).contains(&ordinal),
            "wms: no column {ordinal} in a row of {natts}"
        );
        assert_eq!(
            pg_sys::SPI_gettypeid(row.desc, ordinal as i32),
            pg_sys::JSONBOID,
            "wms: column {ordinal} is not jsonb"
        );
        let mut isnull = false;
        let datum = pg_sys::SPI_getbinval(row.tuple, row.desc, ordinal as i32, &mut isnull);
        (!isnull).then(|| crate::jsonb::JsonbDatum::transfer(datum))
    }
}

/// Column `ordinal` (1-based) of a row, possibly NULL.
pub fn opt_col<T: FromDatum + IntoDatum>(row: &Row<'_>, ordinal: usize) -> Option<T> {
    // SAFETY: the row and its descriptor belong to a live SPI result; the
    // ordinal is checked against the descriptor, the type by try_from_datum.
    unsafe {
        let natts = (*row.desc).natts as usize;
        assert!(
            (1..=natts).contains(&ordinal),
            "wms: no column {ordinal} in a row of {natts}"
        );
        let mut isnull = false;
        let datum = pg_sys::SPI_getbinval(row.tuple, row.desc, ordinal as i32, &mut isnull);
        let oid = pg_sys::SPI_gettypeid(row.desc, ordinal as i32);
        T::try_from_datum(datum, isnull, oid)
            .unwrap_or_else(|e| panic!("wms: cannot read column {ordinal}: {e}"))
    }
}

/// Run a read-only statement in the caller's snapshot (no kept plan: the
/// analytics and reports plan with their arguments' values) and turn each
/// row into `T`; `what` names it in the error. The functions that only
/// read go through here: read-only SPI assigns no transaction id, so they
/// work on a hot standby and in a parallel worker.
pub fn rows<T>(
    sql: &str,
    args: &[DatumWithOid<'_>],
    what: &str,
    row: impl Fn(&Row<'_>) -> T,
) -> Vec<T> {
    let text =
        CString::new(crate::vocabulary::expand(sql).as_bytes()).expect("statement text has no NUL");
    let mut types: Vec<pg_sys::Oid> = args.iter().map(|a| a.oid()).collect();
    let (mut values, nulls) = datums(args);
    pgrx::spi::Spi::connect(|_client| {
        require_current_schema();
        // SAFETY: inside the SPI connection just opened, with one type,
        // value and flag per argument. Like pgrx's own select, it runs
        // read-only (in the caller's snapshot) until the transaction has
        // written something, and then sees those writes.
        let rc = unsafe {
            // In a parallel worker a statement must not advance the command
            // counter, so it always runs read-only there.
            let read_only = pg_sys::IsInParallelMode()
                || pg_sys::GetCurrentTransactionIdIfAny() == pg_sys::InvalidTransactionId;
            pg_sys::SPI_tuptable = std::ptr::null_mut();
            pg_sys::SPI_execute_with_args(
                text.as_ptr(),
                args.len() as i32,
                types.as_mut_ptr(),
                values.as_mut_ptr(),
                nulls.as_ptr(),
                read_only,
                0,
            )
        };
        if rc < 0 {
            panic!("wms: {what} query failed (SPI code {rc})");
        }
        Rows::of_last().map(|r| row(&r)).collect()
    })
}

/// A kept statement whose executor was started before its caller waits
/// ([`start`]), to be run after the wait ([`finish`]): the plan taken from
/// the cache, the executor's state built, the result relations' CHECK
/// constraints read from their text and prepared. What is left for the
/// wait's end is the statement's own work on the rows.
pub struct Started<'conn> {
    stmt: &'static Statement,
    query: *mut pg_sys::QueryDesc,
    plan: *mut pg_sys::CachedPlan,
    owner: pg_sys::ResourceOwner,
    rows: Box<Catcher>,
    _conn: PhantomData<&'conn ()>,
}

/// Start a kept statement (see [`Started`]) in a snapshot of now; only a
/// statement whose scans begin when it runs (index and sequential scans,
/// as every kept statement's are) may be started, since [`finish`] runs it
/// in a snapshot taken then.
pub fn start<'conn>(
    _client: &mut SpiClient<'conn>,
    stmt: &'static Statement,
    args: &[DatumWithOid<'_>],
) -> Started<'conn> {
    let plan = kept_for(stmt, args);
    let _restore = NoSeqScan::new();
    // SAFETY: inside an SPI connection, in a transaction: the steps
    // PostgreSQL's SPI takes for a statement (_SPI_execute_plan, then
    // _SPI_pquery up to ExecutorStart), with the statement's one plan.
    // Everything acquired belongs to the current resource owner and
    // memory context, so an error before `finish` leaves nothing behind
    // that the abort does not release.
    unsafe {
        let owner = pg_sys::CurrentResourceOwner;
        let cached = pg_sys::SPI_plan_get_cached_plan(plan.0);
        assert!(!cached.is_null(), "wms: no plan for:\n{}", stmt.sql);
        let list = (*cached).stmt_list;
        assert!(
            !list.is_null() && (*list).length == 1,
            "wms: not one statement:\n{}",
            stmt.sql
        );
        let planned = (*(*list).elements).ptr_value as *mut pg_sys::PlannedStmt;
        assert!(
            scans_begin_at_run(planned),
            "wms: a bitmap scan reads the snapshot of its start:\n{}",
            stmt.sql
        );
        let params = pg_sys::makeParamList(args.len() as i32);
        (*params).numParams = args.len() as i32;
        let slots = (*params).params.as_mut_slice(args.len());
        let (values, nulls) = datums(args);
        let each = values.into_iter().zip(nulls).zip(stmt.params);
        for (slot, ((value, null), oid)) in slots.iter_mut().zip(each) {
            *slot = pg_sys::ParamExternData {
                value,
                isnull: null == b'n' as c_char,
                pflags: pg_sys::PARAM_FLAG_CONST as u16,
                ptype: oid.value(),
            };
        }
        let mut rows = Box::new(Catcher::new());
        pg_sys::CommandCounterIncrement();
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        let query = pg_sys::CreateQueryDesc(
            planned,
            plan.1,
            pg_sys::GetActiveSnapshot(),
            std::ptr::null_mut(),
            &mut rows.dest,
            params,
            std::ptr::null_mut(),
            0,
        );
        pg_sys::ExecutorStart(query, 0);
        prepare_checks((*query).estate);
        pg_sys::PopActiveSnapshot();
        Started {
            stmt,
            query,
            plan: cached,
            owner,
            rows,
            _conn: PhantomData,
        }
    }
}

/// Run a statement [`start`] started, in a snapshot taken now (under READ
/// COMMITTED what a statement run now would see), to its end; its rows.
pub fn finish<'conn>(
    _client: &mut SpiClient<'conn>,
    started: Started<'conn>,
) -> std::vec::IntoIter<Row<'conn>> {
    let _restore = NoSeqScan::new();
    let Started {
        stmt,
        query,
        plan,
        owner,
        rows,
        ..
    } = started;
    // SAFETY: the query `start` began in this transaction and resource
    // owner, not run yet; its scans open when it runs, so the snapshot
    // put in place of the start's is the one they read.
    unsafe {
        let estate = (*query).estate;
        // The active snapshot is a copy of its own (PushActiveSnapshot
        // copies the transaction's, which a command counter update would
        // change under REPEATABLE READ), registered as SPI's would be.
        pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
        let now = pg_sys::RegisterSnapshot(pg_sys::GetActiveSnapshot());
        pg_sys::UnregisterSnapshot((*estate).es_snapshot);
        (*estate).es_snapshot = now;
        pg_sys::ExecutorRun(query, pg_sys::ScanDirection::ForwardScanDirection, 0, true);
        pg_sys::ExecutorFinish(query);
        pg_sys::ExecutorEnd(query);
        pg_sys::FreeQueryDesc(query);
        pg_sys::PopActiveSnapshot();
        pg_sys::ReleaseCachedPlan(plan, owner);
    }
    let desc = rows.desc;
    assert!(
        rows.tuples.is_empty() || !desc.is_null(),
        "wms: rows without a descriptor from:\n{}",
        stmt.sql
    );
    rows.tuples
        .iter()
        .map(|&tuple| Row {
            tuple,
            desc,
            _conn: PhantomData,
        })
        .collect::<Vec<_>>()
        .into_iter()
}

/// Whether every scan of a plan begins when the plan runs, so that the
/// snapshot [`finish`] puts in place is the one it reads: bitmap scans
/// take theirs when the executor starts (index, sequential and the other
/// scans of the kept statements, when they first fetch).
///
/// # Safety
/// `planned` is a valid plan.
unsafe fn scans_begin_at_run(planned: *mut pg_sys::PlannedStmt) -> bool {
    /// The plans of a List of them.
    unsafe fn each(list: *mut pg_sys::List) -> Vec<*mut pg_sys::Plan> {
        // SAFETY: a List of plans, as the caller found it.
        unsafe {
            if list.is_null() {
                return Vec::new();
            }
            (0..(*list).length as usize)
                .map(|i| (*(*list).elements.add(i)).ptr_value as *mut pg_sys::Plan)
                .collect()
        }
    }
    // SAFETY: see the contract; plan nodes are read by their tags.
    unsafe {
        let mut todo = each((*planned).subplans);
        todo.push((*planned).planTree);
        while let Some(plan) = todo.pop() {
            if plan.is_null() {
                continue;
            }
            match (*plan).type_ {
                pg_sys::NodeTag::T_BitmapHeapScan
                | pg_sys::NodeTag::T_BitmapIndexScan
                | pg_sys::NodeTag::T_BitmapAnd
                | pg_sys::NodeTag::T_BitmapOr => return false,
                pg_sys::NodeTag::T_Append => {
                    todo.extend(each((*(plan as *mut pg_sys::Append)).appendplans))
                }
                pg_sys::NodeTag::T_MergeAppend => {
                    todo.extend(each((*(plan as *mut pg_sys::MergeAppend)).mergeplans))
                }
                pg_sys::NodeTag::T_SubqueryScan => {
                    todo.push((*(plan as *mut pg_sys::SubqueryScan)).subplan)
                }
                _ => {}
            }
            todo.push((*plan).lefttree);
            todo.push((*plan).righttree);
        }
        true
    }
}

/// Read and prepare the CHECK constraints of each result relation of a
/// started query, as PostgreSQL does at the first row it checks
/// (ExecRelCheck, into the query's memory): done by [`start`], before the
/// wait, instead of in the statement's run.
///
/// # Safety
/// `estate` is a started query's, before it runs.
unsafe fn prepare_checks(estate: *mut pg_sys::EState) {
    // SAFETY: see the contract; the lists and descriptors are the
    // executor's and the relation cache's, read as ExecRelCheck reads them.
    unsafe {
        let list = (*estate).es_opened_result_relations;
        if list.is_null() {
            return;
        }
        let old = pg_sys::MemoryContextSwitchTo((*estate).es_query_cxt);
        for i in 0..(*list).length as usize {
            let info = (*(*list).elements.add(i)).ptr_value as *mut pg_sys::ResultRelInfo;
            let constr = (*(*(*info).ri_RelationDesc).rd_att).constr;
            if constr.is_null() || (*constr).num_check == 0 || !(*info).ri_ConstraintExprs.is_null()
            {
                continue;
            }
            let n = (*constr).num_check as usize;
            let exprs = pg_sys::palloc(n * std::mem::size_of::<*mut pg_sys::ExprState>())
                as *mut *mut pg_sys::ExprState;
            for c in 0..n {
                let expr =
                    pg_sys::stringToNode((*(*constr).check.add(c)).ccbin) as *mut pg_sys::Expr;
                *exprs.add(c) = pg_sys::ExecPrepareExpr(expr, estate);
            }
            (*info).ri_ConstraintExprs = exprs;
        }
        pg_sys::MemoryContextSwitchTo(old);
    }
}

/// Where a started query's rows go: copied, with their descriptor, into
/// the memory of the SPI connection that started it.
#[repr(C)]
struct Catcher {
    /// First, so that PostgreSQL's pointer to it is one to the Catcher.
    dest: pg_sys::DestReceiver,
    memory: pg_sys::MemoryContext,
    desc: pg_sys::TupleDesc,
    tuples: Vec<pg_sys::HeapTuple>,
}

impl Catcher {
    fn new() -> Self {
        Catcher {
            dest: pg_sys::DestReceiver {
                receiveSlot: Some(catch_row),
                rStartup: Some(catch_start),
                rShutdown: Some(catch_nothing),
                rDestroy: Some(catch_nothing),
                mydest: pg_sys::CommandDest::DestNone,
            },
            // SAFETY: the SPI connection's memory, current while it is open.
            memory: unsafe { pg_sys::CurrentMemoryContext },
            desc: std::ptr::null_mut(),
            tuples: Vec::with_capacity(1),
        }
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn catch_start(
    dest: *mut pg_sys::DestReceiver,
    _operation: std::ffi::c_int,
    desc: pg_sys::TupleDesc,
) {
    // SAFETY: `dest` is the first field of a live Catcher (see Catcher).
    unsafe {
        let me = &mut *(dest as *mut Catcher);
        let old = pg_sys::MemoryContextSwitchTo(me.memory);
        me.desc = pg_sys::CreateTupleDescCopy(desc);
        pg_sys::MemoryContextSwitchTo(old);
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn catch_row(
    slot: *mut pg_sys::TupleTableSlot,
    dest: *mut pg_sys::DestReceiver,
) -> bool {
    // SAFETY: as in catch_start; the slot holds a row of the query's.
    unsafe {
        let me = &mut *(dest as *mut Catcher);
        let old = pg_sys::MemoryContextSwitchTo(me.memory);
        let copy = (*(*slot).tts_ops)
            .copy_heap_tuple
            .expect("every slot type copies its row");
        let tuple = copy(slot);
        pg_sys::MemoryContextSwitchTo(old);
        me.tuples.push(tuple);
    }
    true
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn catch_nothing(_dest: *mut pg_sys::DestReceiver) {}
