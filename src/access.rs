//! Who may do what, where. A role holds capabilities (`sell`, `stock`,
//! `report`, `admin`), each in one warehouse or in every warehouse, rows of
//! `wms.grants` written by [`wms_grant`] and [`wms_revoke`]. A member of a
//! role (with INHERIT) has what the role has; superusers and members of
//! the extension's owner have everything. The caller is the role that
//! calls (as `SET ROLE` left it), not the owner the functions run as.
//!
//! Two layers, both needed: EXECUTE on a function (which wms_grant gives
//! with the capability, [`FUNCTIONS`]), and the capability in every
//! warehouse the call touches, checked here before the call writes
//! anything ([`require`]); reads return only the warehouses the caller may
//! see ([`visible`]).
//!
//! A backend reads the grants once and keeps what it read for each caller,
//! until wms.grants or a role membership changes: every change of the
//! table runs its trigger, which sends a relation invalidation to every
//! backend (`wms.invalidate_grants`), and PostgreSQL's own invalidation of
//! pg_auth_members and pg_authid covers memberships and roles. The grants
//! are read with the latest snapshot, as PostgreSQL reads its catalogs, so
//! what a backend keeps is never older than the invalidations it has seen.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::prelude::*;
use pgrx::FromDatum;

use crate::audit;
use crate::errors::{bounded, required, writable, Text, WmsError, WmsResult};
use crate::plans::{self, Statement};

/// What a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Place, reserve, move and return orders; availability; catalogue reads.
    Sell,
    /// Receive, count, transfer; availability; catalogue reads.
    Stock,
    /// Analytics, reports, verify, audit; availability; catalogue reads.
    Report,
    /// All of these, the catalogue, reorder policies, expiry and grants.
    Admin,
}

use Capability::*;

impl Capability {
    const ALL: [Capability; 4] = [Sell, Stock, Report, Admin];

    pub fn name(self) -> &'static str {
        match self {
            Sell => "sell",
            Stock => "stock",
            Report => "report",
            Admin => "admin",
        }
    }

    fn parse(text: &str) -> WmsResult<Self> {
        bounded(text, "capability", Text::Key)?;
        Self::ALL
            .into_iter()
            .find(|c| c.name() == text)
            .ok_or_else(|| WmsError::InvalidParameter {
                message: format!(
                    "capability must be one of sell, stock, report, admin, got \"{text}\""
                ),
            })
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The API functions each capability gives EXECUTE on, every form of
/// each; `admin` gives all of them. A test checks the list against the
/// functions the extension has.
pub const FUNCTIONS: &[(&str, &[Capability])] = &[
    ("wms_place_order", &[Sell]),
    ("wms_submit_order", &[Sell]),
    ("wms_reserve", &[Sell]),
    ("wms_fulfill_order", &[Sell]),
    ("wms_cancel_order", &[Sell]),
    ("wms_set_order_status", &[Sell]),
    ("wms_return_order", &[Sell]),
    ("wms_order", &[Sell, Report]),
    ("wms_available_to_sell", &[Sell, Stock, Report]),
    ("wms_products", &[Sell, Stock, Report]),
    ("wms_inventory", &[Sell, Stock, Report]),
    ("wms_receive", &[Stock]),
    ("wms_adjust", &[Stock]),
    ("wms_transfer", &[Stock]),
    ("wms_verify", &[Report]),
    ("wms_stock_as_of", &[Report]),
    ("wms_sales_rolling_average", &[Report]),
    ("wms_reorder_hints", &[Report]),
    ("wms_stock_by_warehouse", &[Report]),
    ("wms_movements", &[Report]),
    ("wms_movement_summary", &[Report]),
    ("wms_orders", &[Report]),
    ("wms_audit", &[Report]),
    ("wms_add_product", &[]),
    ("wms_add_warehouse", &[]),
    ("wms_update_product", &[]),
    ("wms_update_warehouse", &[]),
    ("wms_remove_product", &[]),
    ("wms_remove_warehouse", &[]),
    ("wms_set_reorder_policy", &[]),
    ("wms_expire_reservations", &[]),
    ("wms_grant", &[]),
    ("wms_revoke", &[]),
];

/// The functions a role holding `caps` needs EXECUTE on.
fn functions_of(caps: &[Capability]) -> Vec<&'static str> {
    FUNCTIONS
        .iter()
        .filter(|(_, with)| caps.iter().any(|c| *c == Admin || with.contains(c)))
        .map(|(name, _)| *name)
        .collect()
}

/// The warehouses where a caller has a capability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    every: bool,
    warehouses: Vec<i64>,
}

impl Scope {
    fn add(&mut self, warehouse_id: Option<i64>) {
        match warehouse_id {
            None => self.every = true,
            Some(w) => {
                if let Err(at) = self.warehouses.binary_search(&w) {
                    self.warehouses.insert(at, w)
                }
            }
        }
    }

    pub fn covers(&self, warehouse_id: i64) -> bool {
        self.every || self.warehouses.binary_search(&warehouse_id).is_ok()
    }

    fn is_empty(&self) -> bool {
        !self.every && self.warehouses.is_empty()
    }

    /// For a statement's filter: `None` for every warehouse, else the list.
    pub fn filter(&self) -> Option<Vec<i64>> {
        (!self.every).then(|| self.warehouses.clone())
    }

    pub fn every(&self) -> bool {
        self.every
    }
}

/// What a caller may do: a scope per capability (admin's rows counted in
/// each).
#[derive(Debug, Clone, Default)]
struct Rights {
    of: [Scope; 4],
}

impl Rights {
    fn everything() -> Self {
        let every = Scope {
            every: true,
            warehouses: Vec::new(),
        };
        Rights {
            of: std::array::from_fn(|_| every.clone()),
        }
    }

    fn add(&mut self, capability: Capability, warehouse_id: Option<i64>) {
        for c in Capability::ALL {
            if c == capability || capability == Admin {
                self.of[c.index()].add(warehouse_id);
            }
        }
    }

    /// Where the caller has one of `capabilities`.
    fn union(&self, capabilities: &[Capability]) -> Scope {
        let mut scope = Scope::default();
        for c in capabilities {
            let of = &self.of[c.index()];
            scope.every |= of.every;
            for w in &of.warehouses {
                scope.add(Some(*w));
            }
        }
        scope
    }
}

thread_local! {
    static RIGHTS: RefCell<HashMap<pg_sys::Oid, Rights>> = RefCell::new(HashMap::new());
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C-unwind" fn forget_relation(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    // Any relation: wms.grants' oid changes with the extension (dropped and
    // created again), and relation invalidations are few enough.
    RIGHTS.with(|r| r.borrow_mut().clear());
}

unsafe extern "C-unwind" fn forget_roles(_arg: pg_sys::Datum, _cache: i32, _hash: u32) {
    RIGHTS.with(|r| r.borrow_mut().clear());
}

/// Register, once per backend, the invalidation callbacks that empty the
/// cache.
fn watch() {
    if WATCHING.with(Cell::get) {
        return;
    }
    // SAFETY: callbacks live as long as the backend (static functions);
    // registered once per backend, well below PostgreSQL's limits.
    unsafe {
        pg_sys::CacheRegisterRelcacheCallback(Some(forget_relation), pg_sys::Datum::from(0));
        // Memberships, roles (superuser, INHERIT), and database owners
        // (pg_database_owner's member).
        for cache in [
            pg_sys::SysCacheIdentifier::AUTHMEMROLEMEM,
            pg_sys::SysCacheIdentifier::AUTHOID,
            pg_sys::SysCacheIdentifier::DATABASEOID,
        ] {
            pg_sys::CacheRegisterSyscacheCallback(
                cache as i32,
                Some(forget_roles),
                pg_sys::Datum::from(0),
            );
        }
    }
    WATCHING.with(|w| w.set(true));
}

thread_local! {
    /// The caller of the API function running, and the extension's owner
    /// it runs as.
    static CALLER: Cell<Option<(pg_sys::Oid, pg_sys::Oid)>> = const { Cell::new(None) };
}

/// While it lives, the call runs as the extension's owner, and
/// [`caller`] is the role that called. Every API function takes it first,
/// before it reads anything: the functions are SECURITY INVOKER, so that
/// the caller is PostgreSQL's current user when the function is entered
/// (the role `SET ROLE` chose, or the owner of a SECURITY DEFINER function
/// that calls, as PostgreSQL's own privilege checks see it), and they then
/// switch to the owner as SECURITY DEFINER would. A function that forgot
/// would run as its caller and reach no table (42501).
#[must_use = "the call runs as the owner only while the guard lives"]
pub struct AsOwner {
    user: pg_sys::Oid,
    context: i32,
    caller: Option<(pg_sys::Oid, pg_sys::Oid)>,
}

/// Switch to the extension's owner for the rest of the call (see
/// [`AsOwner`]); 55000 when the schema is of another version.
pub fn enter() -> AsOwner {
    let (mut user, mut context) = (pg_sys::InvalidOid, 0);
    // SAFETY: the backend's own user state.
    unsafe { pg_sys::GetUserIdAndSecContext(&mut user, &mut context) };
    let owner = plans::current_schema_owner();
    let caller = CALLER.with(|c| c.replace(Some((user, owner))));
    // SAFETY: as fmgr_security_definer does; restored by Drop, and by
    // PostgreSQL when the (sub)transaction aborts.
    unsafe {
        pg_sys::SetUserIdAndSecContext(owner, context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32)
    };
    AsOwner {
        user,
        context,
        caller,
    }
}

impl Drop for AsOwner {
    fn drop(&mut self) {
        // SAFETY: puts back what enter() found.
        unsafe { pg_sys::SetUserIdAndSecContext(self.user, self.context) };
        CALLER.with(|c| c.set(self.caller));
    }
}

/// The role that called the current API function (see [`AsOwner`]); the
/// current user outside one (the expiry worker: the owner).
pub fn caller() -> pg_sys::Oid {
    CALLER
        .with(Cell::get)
        .map(|(caller, _)| caller)
        // SAFETY: the backend's own user state.
        .unwrap_or_else(|| unsafe { pg_sys::GetUserId() })
}

/// The extension's owner, as enter() found it (read again outside a call).
fn owner() -> pg_sys::Oid {
    CALLER
        .with(Cell::get)
        .map(|(_, owner)| owner)
        .unwrap_or_else(plans::current_schema_owner)
}

/// A role's name, as PostgreSQL prints it.
pub fn role_name(role: pg_sys::Oid) -> String {
    // SAFETY: in a transaction; noerr, so a dropped role gives NULL.
    unsafe {
        let name = pg_sys::GetUserNameFromId(role, true);
        if name.is_null() {
            return format!("{}", role.to_u32());
        }
        std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned()
    }
}

/// What `caller` may do, from the cache or read now.
fn rights(caller: pg_sys::Oid) -> Rights {
    // What other backends committed reaches this one now, also inside a
    // transaction that holds every lock it needs already.
    // SAFETY: in a transaction.
    unsafe { pg_sys::AcceptInvalidationMessages() };
    let owner = owner();
    // SAFETY: catalog reads in a transaction.
    let owner =
        unsafe { pg_sys::superuser_arg(caller) || pg_sys::has_privs_of_role(caller, owner) };
    if owner {
        return Rights::everything();
    }
    watch();
    if let Some(r) = RIGHTS.with(|r| r.borrow().get(&caller).cloned()) {
        return r;
    }
    // SAFETY: in a transaction, see read_grants.
    let (rights, keep) = unsafe { read_grants(caller) };
    if keep {
        RIGHTS.with(|r| r.borrow_mut().insert(caller, rights.clone()));
    }
    rights
}

/// Read wms.grants whole and keep the rows `caller` has the privileges of;
/// also whether the result may be kept (not in parallel mode, where only
/// the query's snapshot may be used).
unsafe fn read_grants(caller: pg_sys::Oid) -> (Rights, bool) {
    let mut rights = Rights::default();
    let keep = scan_grants(|role, capability, warehouse_id| {
        if pg_sys::has_privs_of_role(caller, role) {
            rights.add(capability, warehouse_id);
        }
    });
    (rights, keep)
}

/// wms.grants' oid, InvalidOid when it is missing.
unsafe fn grants_relid() -> pg_sys::Oid {
    let schema = pg_sys::get_namespace_oid(c"wms".as_ptr(), false);
    pg_sys::get_relname_relid(c"grants".as_ptr(), schema)
}

/// Every row of wms.grants, read with the latest snapshot (the query's in
/// parallel mode), as (role, capability, warehouse_id); whether what was
/// read may be kept.
unsafe fn scan_grants(mut each: impl FnMut(pg_sys::Oid, Capability, Option<i64>)) -> bool {
    let relid = grants_relid();
    assert!(
        relid != pg_sys::InvalidOid,
        "wms: table wms.grants is missing"
    );
    let rel = pg_sys::table_open(relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
    let parallel = pg_sys::IsInParallelMode();
    let snapshot = if parallel {
        pg_sys::GetActiveSnapshot()
    } else {
        pg_sys::RegisterSnapshot(pg_sys::GetLatestSnapshot())
    };
    let scan = pg_sys::systable_beginscan(
        rel,
        pg_sys::InvalidOid,
        false,
        snapshot,
        0,
        std::ptr::null_mut(),
    );
    let natts = (*(*rel).rd_att).natts as usize;
    let mut values = vec![pg_sys::Datum::from(0); natts];
    let mut nulls = vec![false; natts];
    loop {
        let tuple = pg_sys::systable_getnext(scan);
        if tuple.is_null() {
            break;
        }
        pg_sys::heap_deform_tuple(
            tuple,
            (*rel).rd_att,
            values.as_mut_ptr(),
            nulls.as_mut_ptr(),
        );
        // role regrole, capability text, warehouse_id bigint (sql/schema.sql).
        let role = pg_sys::Oid::from_datum(values[0], nulls[0]).expect("role is NOT NULL");
        let capability = String::from_datum(values[1], nulls[1]).expect("capability is NOT NULL");
        if let Ok(capability) = Capability::parse(&capability) {
            each(role, capability, i64::from_datum(values[2], nulls[2]));
        }
    }
    pg_sys::systable_endscan(scan);
    if !parallel {
        pg_sys::UnregisterSnapshot(snapshot);
    }
    pg_sys::table_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
    !parallel
}

/// The capabilities `role` holds itself, as committed now (whatever the
/// transaction's snapshot), this transaction's own changes included.
fn held_by(role: pg_sys::Oid) -> Vec<Capability> {
    let mut held = Vec::new();
    // SAFETY: in a transaction.
    unsafe {
        scan_grants(|r, capability, _| {
            if r == role && !held.contains(&capability) {
                held.push(capability)
            }
        })
    };
    held
}

/// Where a refused call wanted to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Warehouse(i64),
    /// A warehouse of an order's lines.
    Order(i64),
    Everywhere,
    Anywhere,
}

fn refused(capability: Option<Capability>, place: Place) -> WmsError {
    WmsError::NotPermitted {
        role: role_name(caller()),
        capability: capability.map(Capability::name),
        place,
    }
}

/// 42501 for a read of an order with a line in a warehouse the caller
/// may not see.
pub fn refuse_order(order_id: i64) -> WmsError {
    refused(None, Place::Order(order_id))
}

/// Ok when the caller has `capability` in every warehouse of `warehouses`;
/// else 42501 naming the first one it lacks.
pub fn require(capability: Capability, warehouses: &[i64]) -> WmsResult<()> {
    let rights = rights(caller());
    let scope = &rights.of[capability.index()];
    match warehouses.iter().find(|w| !scope.covers(**w)) {
        Some(w) => Err(refused(Some(capability), Place::Warehouse(*w))),
        None if scope.is_empty() => Err(refused(Some(capability), Place::Anywhere)),
        None => Ok(()),
    }
}

/// Ok when the caller has `capability` for every warehouse, present and
/// future (NULL warehouse in wms.grants).
pub fn require_everywhere(capability: Capability) -> WmsResult<()> {
    if rights(caller()).of[capability.index()].every {
        Ok(())
    } else {
        Err(refused(Some(capability), Place::Everywhere))
    }
}

/// The warehouses the caller may see with `capability` (any capability
/// when `None`: catalogue reads and availability); 42501 when none.
pub fn visible(capability: Option<Capability>) -> WmsResult<Scope> {
    let rights = rights(caller());
    let scope = match capability {
        Some(c) => rights.of[c.index()].clone(),
        None => rights.union(&Capability::ALL),
    };
    if scope.is_empty() {
        Err(refused(capability, Place::Anywhere))
    } else {
        Ok(scope)
    }
}

/// The warehouses where the caller has one of `capabilities`; 42501 when
/// none.
pub fn visible_with(capabilities: &[Capability]) -> WmsResult<Scope> {
    let scope = rights(caller()).union(capabilities);
    if scope.is_empty() {
        Err(refused(None, Place::Anywhere))
    } else {
        Ok(scope)
    }
}

/// For a report of `capability` with an optional warehouse argument: 42501
/// unless the caller may see that warehouse, and the scope its rows are
/// kept to.
pub fn report_scope(capability: Option<Capability>, warehouse_id: Option<i64>) -> Scope {
    let scope = visible(capability).unwrap_or_else(|e| e.raise());
    if let Some(w) = warehouse_id {
        if !scope.covers(w) {
            refused(capability, Place::Warehouse(w)).raise()
        }
    }
    scope
}

/// Tell every backend, at commit, that wms.grants changed (and this one at
/// once, and again if the transaction rolls back).
#[pg_extern(sql = "CREATE FUNCTION wms.invalidate_grants() RETURNS void \
                   LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';")]
fn invalidate_grants() {
    // SAFETY: in a transaction: the table exists (its trigger called).
    unsafe {
        let relid = grants_relid();
        if relid != pg_sys::InvalidOid {
            pg_sys::CacheInvalidateRelcacheByRelid(relid);
        }
    }
    RIGHTS.with(|r| r.borrow_mut().clear());
}

static ADD_GRANT: Statement = Statement {
    sql: include_str!("../sql/queries/grant_add.sql"),
    params: &[OIDOID, TEXTOID, INT8OID, TEXTOID],
};
static REMOVE_GRANT: Statement = Statement {
    sql: include_str!("../sql/queries/grant_remove.sql"),
    params: &[OIDOID, TEXTOID, INT8OID],
};
static FORGET_DROPPED_ROLES: Statement = Statement {
    sql: include_str!("../sql/queries/grant_orphans.sql"),
    params: &[],
};
static EXECUTE_STATEMENT: Statement = Statement {
    sql: include_str!("../sql/queries/grant_execute.sql"),
    params: &[TEXTARRAYOID, OIDOID, BOOLOID],
};

/// A grant's row as the trail shows it.
fn grant_value(
    role: pg_sys::Oid,
    capability: Capability,
    warehouse_id: Option<i64>,
) -> serde_json::Value {
    serde_json::json!({
        "role": role_name(role),
        "capability": capability.name(),
        "warehouse_id": warehouse_id,
    })
}

/// Who may change a grant of `warehouse_id`: admin there (admin in every
/// warehouse for a grant of every warehouse).
fn require_admin_of(warehouse_id: Option<i64>) -> WmsResult<()> {
    match warehouse_id {
        Some(w) => require(Admin, &[w]),
        None => require_everywhere(Admin),
    }
}

/// Run GRANT (or REVOKE) EXECUTE on `functions` for `role`.
fn set_execute(
    client: &mut pgrx::spi::SpiClient<'_>,
    functions: &[&str],
    role: pg_sys::Oid,
    grant: bool,
) {
    if functions.is_empty() {
        return;
    }
    let statement = plans::run(
        client,
        &EXECUTE_STATEMENT,
        &[functions.to_vec().into(), role.into(), grant.into()],
    )
    .next()
    .and_then(|row| plans::opt_col::<String>(&row, 1));
    if let Some(statement) = statement {
        client
            .update(&statement, None, &[])
            .unwrap_or_else(|e| panic!("wms: {statement}: {e}"));
    }
}

fn change_grant(
    role: pg_sys::Oid,
    capability: &str,
    warehouse_id: Option<i64>,
    grant: bool,
) -> WmsResult<bool> {
    let capability = Capability::parse(capability)?;
    // regrole takes any number as an oid, unchecked.
    // SAFETY: a catalog lookup in a transaction.
    if unsafe { pg_sys::GetUserNameFromId(role, true) }.is_null() {
        return Err(WmsError::UnknownRole {
            role: role.to_u32(),
        });
    }
    // Who may: refused before anything is read, and checked again under
    // the lock below.
    require_admin_of(warehouse_id)?;
    if let Some(w) = warehouse_id {
        crate::catalogue::ensure_known(None, Some(w))?;
    }
    let who = audit::who()?;
    Spi::connect_mut(|client| {
        plans::prepare(
            client,
            &[
                &ADD_GRANT,
                &REMOVE_GRANT,
                &FORGET_DROPPED_ROLES,
                &EXECUTE_STATEMENT,
                &audit::RECORD,
            ],
        );
        // One change of the grants at a time; who may make it is decided
        // under the lock, on what is committed (a revocation of the
        // caller's own admin that was waited for counts).
        crate::stock::lock_grants();
        require_admin_of(warehouse_id)?;
        plans::run(client, &FORGET_DROPPED_ROLES, &[]);
        let (name, by) = (capability.name(), who.role.as_str());
        let changed = if grant {
            let args = [role.into(), name.into(), warehouse_id.into(), by.into()];
            plans::run(client, &ADD_GRANT, &args).next().is_some()
        } else {
            let args = [role.into(), name.into(), warehouse_id.into()];
            plans::run(client, &REMOVE_GRANT, &args).next().is_some()
        };
        if grant {
            // EXECUTE on what this capability needs, and nothing more.
            set_execute(client, &functions_of(&[capability]), role, true);
        } else if changed {
            // EXECUTE on what the role's remaining capabilities do not need.
            let needed = functions_of(&held_by(role));
            let unneeded: Vec<&str> = functions_of(&[capability])
                .into_iter()
                .filter(|f| !needed.contains(f))
                .collect();
            set_execute(client, &unneeded, role, false);
        }
        if changed {
            let value = Some(grant_value(role, capability, warehouse_id));
            audit::record(
                client,
                &who,
                audit::Event {
                    action: if grant { "grant" } else { "revoke" },
                    object_type: "grant",
                    object_id: Some(i64::from(role.to_u32())),
                    old: if grant { None } else { value.clone() },
                    new: if grant { value } else { None },
                },
            );
        }
        Ok(changed)
    })
}

/// A `regrole` argument: a role, given by name or oid.
pub struct RegRole(pg_sys::Oid);

impl FromDatum for RegRole {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _: pg_sys::Oid,
    ) -> Option<Self> {
        // SAFETY: a regrole datum is an oid.
        (!is_null)
            .then(|| RegRole(unsafe { pg_sys::Oid::from_datum(datum, false) }.expect("not null")))
    }
}

// SAFETY: pgrx passes an argument of the declared type, regrole.
unsafe impl<'fcx> ArgAbi<'fcx> for RegRole {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: as above.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        // SAFETY: as above.
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

// SAFETY: the SQL type is regrole, an oid.
unsafe impl SqlTranslatable for RegRole {
    const TYPE_IDENT: &'static str = <pg_sys::Oid as SqlTranslatable>::TYPE_IDENT;
    const TYPE_ORIGIN: TypeOrigin = <pg_sys::Oid as SqlTranslatable>::TYPE_ORIGIN;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> =
        Ok(SqlMappingRef::literal("regrole"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("regrole")));
}

/// Give `role` `capability` ('sell', 'stock', 'report' or 'admin') in one
/// warehouse, or in every warehouse when `warehouse_id` is NULL, with
/// EXECUTE on the functions it needs; true when the role did not have it.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_grant(
    role: Option<RegRole>,
    capability: Option<&str>,
    warehouse_id: default!(Option<i64>, "NULL"),
) -> bool {
    let _owner = crate::access::enter();
    writable("wms_grant");
    change_grant(
        required(role, "role").0,
        required(capability, "capability"),
        warehouse_id,
        true,
    )
    .unwrap_or_else(|e| e.raise())
}

/// Take back what [`wms_grant`] gave (the same role, capability and
/// warehouse), and EXECUTE on the functions the role's remaining
/// capabilities do not need; true when the role had it.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_revoke(
    role: Option<RegRole>,
    capability: Option<&str>,
    warehouse_id: default!(Option<i64>, "NULL"),
) -> bool {
    let _owner = crate::access::enter();
    writable("wms_revoke");
    change_grant(
        required(role, "role").0,
        required(capability, "capability"),
        warehouse_id,
        false,
    )
    .unwrap_or_else(|e| e.raise())
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{error_of, ids, item, items, receive};
    use pgrx::prelude::*;

    /// The SQLSTATE `sql` fails with as `role` (SET ROLE), None when it
    /// succeeds.
    fn as_role(role: &str, sql: &str) -> Option<String> {
        error_of("SELECT 1");
        Spi::run(&format!("SET LOCAL ROLE {role}")).unwrap();
        let state =
            Spi::get_one_with_args::<Vec<String>>("SELECT pg_temp.wms_error_of($1)", &[sql.into()])
                .unwrap()
                .map(|v| v[0].clone());
        Spi::run("RESET ROLE").unwrap();
        state
    }

    /// The bigints `sql` returns as `role`.
    fn ids_as(role: &str, sql: &str) -> Vec<i64> {
        Spi::run(&format!("SET LOCAL ROLE {role}")).unwrap();
        let ids = ids(sql);
        Spi::run("RESET ROLE").unwrap();
        ids
    }

    fn grant(role: &str, capability: &str, warehouse: Option<i64>) -> bool {
        Spi::get_one_with_args::<bool>(
            "SELECT wms_grant($1::regrole, $2, $3)",
            &[role.into(), capability.into(), warehouse.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn revoke(role: &str, capability: &str, warehouse: Option<i64>) -> bool {
        Spi::get_one_with_args::<bool>(
            "SELECT wms_revoke($1::regrole, $2, $3)",
            &[role.into(), capability.into(), warehouse.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn two_stores() -> (i64, i64, i64) {
        let (p, w1) = item("acc-1", 10);
        let w2 = Spi::get_one::<i64>("SELECT wms_add_warehouse('acc-2', 'store 2')")
            .unwrap()
            .unwrap();
        receive(p, w2, 10);
        Spi::run("CREATE ROLE acc_manager; CREATE ROLE acc_viewer").unwrap();
        (p, w1, w2)
    }

    /// A store manager works in its store and nowhere else; what it may
    /// not do is refused with 42501 and writes nothing.
    #[pg_test]
    fn test_store_manager_is_scoped_to_its_store() {
        let (p, w1, w2) = two_stores();
        for capability in ["stock", "sell", "report"] {
            assert!(grant("acc_manager", capability, Some(w1)));
        }
        assert!(!grant("acc_manager", "sell", Some(w1)), "already held");
        let m = "acc_manager";
        assert_eq!(
            as_role(m, &format!("SELECT wms_receive({p}, {w1}, 5)")),
            None
        );
        let ledger = crate::testing::count("SELECT 1 FROM wms.stock_movements");
        for sql in [
            format!("SELECT wms_receive({p}, {w2}, 5)"),
            format!("SELECT wms_adjust({p}, {w2}, 0, 'count')"),
            format!("SELECT * FROM wms_transfer({p}, {w1}, {w2}, 1)"),
            format!("SELECT * FROM wms_transfer({p}, {w2}, {w1}, 1)"),
            format!("SELECT * FROM wms_place_order('c', {p}, {w2}, 1)"),
            format!(
                "SELECT * FROM wms_place_order('c', {})",
                items(&[(p, w1, 1), (p, w2, 1)])
            ),
            format!("SELECT * FROM wms_reserve('c', {})", items(&[(p, w2, 1)])),
            format!("SELECT wms_available_to_sell({p}, {w2})"),
            format!("SELECT * FROM wms_stock_by_warehouse({w2})"),
            format!("SELECT * FROM wms_inventory({p}, {w2})"),
            format!("SELECT wms_stock_as_of({p}, {w2}, now())"),
            format!("SELECT wms_set_reorder_policy({p}, {w1}, 1, 1)"),
            "SELECT wms_add_product('acc-x', 'x')".into(),
            format!("SELECT * FROM wms_update_warehouse({w1}, name => 'mine')"),
            "SELECT wms_expire_reservations()".into(),
            format!("SELECT wms_grant('acc_viewer', 'report', {w1})"),
        ] {
            assert_eq!(as_role(m, &sql).as_deref(), Some("42501"), "{sql}");
        }
        assert_eq!(
            crate::testing::count("SELECT 1 FROM wms.stock_movements"),
            ledger,
            "nothing written"
        );
        // An order of store 2 is neither moved nor read by store 1's manager.
        let other = Spi::get_one::<i64>(&format!(
            "SELECT order_id FROM wms_reserve('c2', {})",
            items(&[(p, w2, 2)])
        ))
        .unwrap()
        .unwrap();
        let mine = Spi::get_one::<i64>(&format!(
            "SELECT order_id FROM wms_reserve('c1', {})",
            items(&[(p, w1, 2)])
        ))
        .unwrap()
        .unwrap();
        for sql in [
            format!("SELECT * FROM wms_cancel_order({other}, 'x')"),
            format!("SELECT * FROM wms_fulfill_order({other})"),
            format!("SELECT * FROM wms_set_order_status({other}, 'Confirmed')"),
            format!("SELECT wms_order({other})"),
        ] {
            assert_eq!(as_role(m, &sql).as_deref(), Some("42501"), "{sql}");
        }
        assert_eq!(
            as_role(m, &format!("SELECT * FROM wms_fulfill_order({mine})")),
            None
        );
        // Reads show store 1 only.
        assert_eq!(
            ids_as(m, "SELECT warehouse_id FROM wms_stock_by_warehouse()"),
            vec![w1]
        );
        assert_eq!(
            ids_as(m, &format!("SELECT warehouse_id FROM wms_inventory({p})")),
            vec![w1]
        );
        assert_eq!(
            ids_as(m, &format!("SELECT wms_available_to_sell({p})")),
            vec![13]
        );
        assert_eq!(
            ids_as(m, "SELECT on_hand::bigint FROM wms_products('acc-1')"),
            vec![13]
        );
        let orders = ids_as(
            m,
            "SELECT order_id FROM wms_orders(now() - interval '1 hour', 'infinity')",
        );
        assert!(
            orders.contains(&mine) && !orders.contains(&other),
            "{orders:?}"
        );
        let warehouses = ids_as(
            m,
            "SELECT DISTINCT warehouse_id FROM wms_movements(now() - interval '1 hour', 'infinity')",
        );
        assert_eq!(warehouses, vec![w1]);
        let orders_in_trail = ids_as(
            m,
            "SELECT DISTINCT object_id FROM wms_audit(now() - interval '1 hour', 'infinity', 'order')",
        );
        assert!(
            orders_in_trail.contains(&mine) && !orders_in_trail.contains(&other),
            "{orders_in_trail:?}"
        );
        assert!(ids_as(m, "SELECT COALESCE(warehouse_id, 0) FROM wms_verify()").is_empty());
        // The viewer reads every store and changes nothing.
        assert!(grant("acc_viewer", "report", None));
        let v = "acc_viewer";
        let all = ids_as(v, "SELECT warehouse_id FROM wms_stock_by_warehouse()");
        assert!(all.contains(&w1) && all.contains(&w2));
        for sql in [
            format!("SELECT wms_receive({p}, {w1}, 1)"),
            format!("SELECT * FROM wms_place_order('v', {p}, {w1}, 1)"),
            format!("SELECT * FROM wms_cancel_order({other}, 'x')"),
        ] {
            assert_eq!(as_role(v, &sql).as_deref(), Some("42501"), "{sql}");
        }
        assert_eq!(as_role(v, &format!("SELECT wms_order({other})")), None);
        assert!(crate::testing::verify().is_empty());
    }

    /// Members have what their role has (INHERIT), or after SET ROLE;
    /// revoking takes it back, EXECUTE with it when nothing else needs it.
    #[pg_test]
    fn test_membership_set_role_and_revocation() {
        let (p, w1, w2) = two_stores();
        Spi::run(
            "CREATE ROLE acc_clerk IN ROLE acc_manager; \
             CREATE ROLE acc_temp NOINHERIT IN ROLE acc_manager",
        )
        .unwrap();
        grant("acc_manager", "stock", Some(w1));
        grant("acc_manager", "stock", Some(w2));
        let receive_in = |w: i64| format!("SELECT wms_receive({p}, {w}, 1)");
        assert_eq!(as_role("acc_clerk", &receive_in(w1)), None);
        assert_eq!(
            as_role("acc_temp", &receive_in(w1)).as_deref(),
            Some("42501"),
            "NOINHERIT: not without SET ROLE"
        );
        // SET ROLE from acc_temp to acc_manager: the caller is acc_manager.
        Spi::run("SET LOCAL ROLE acc_temp").unwrap();
        Spi::run("SET LOCAL ROLE acc_manager").unwrap();
        Spi::run(&receive_in(w1)).unwrap();
        Spi::run("RESET ROLE").unwrap();
        assert_eq!(
            Spi::get_one::<String>(&format!(
                "SELECT actor FROM wms.stock_movements WHERE product_id = {p} ORDER BY movement_id DESC LIMIT 1"
            )),
            Ok(Some("acc_manager".into()))
        );
        // Revoked in store 1: store 2 stays, and with it EXECUTE.
        assert!(revoke("acc_manager", "stock", Some(w1)));
        assert!(
            !revoke("acc_manager", "stock", Some(w1)),
            "not held any more"
        );
        assert_eq!(
            as_role("acc_clerk", &receive_in(w1)).as_deref(),
            Some("42501")
        );
        assert_eq!(as_role("acc_clerk", &receive_in(w2)), None);
        let has_execute = || {
            Spi::get_one::<bool>(
                "SELECT has_function_privilege('acc_manager', 'wms_receive(bigint, bigint, bigint, text, text)', 'EXECUTE')",
            )
            .unwrap()
            .unwrap()
        };
        assert!(has_execute());
        assert!(revoke("acc_manager", "stock", Some(w2)));
        assert!(!has_execute(), "no capability left that needs it");
        assert_eq!(
            as_role("acc_clerk", &receive_in(w2)).as_deref(),
            Some("42501")
        );
        // wms.grants lists who has what; the trail has each change.
        grant("acc_viewer", "report", None);
        assert_eq!(
            Spi::get_one::<String>(
                "SELECT string_agg(format('%s %s %s', role, capability, coalesce(warehouse_id::text, 'all')), ', ') \
                   FROM wms.grants WHERE role::text LIKE 'acc\\_%'"
            ),
            Ok(Some("acc_viewer report all".into()))
        );
        let changes = Spi::get_one::<i64>(
            "SELECT count(*) FROM wms_audit(now() - interval '1 hour', 'infinity', 'grant') \
              WHERE db_role = current_user AND (new_value ->> 'role' LIKE 'acc\\_%' OR old_value ->> 'role' LIKE 'acc\\_%')",
        )
        .unwrap()
        .unwrap();
        assert_eq!(changes, 5, "three grants and two revokes");
    }

    /// The caller is the role the call is made with: inside a SECURITY
    /// DEFINER function, its owner, whoever calls it (a superuser too).
    #[pg_test]
    fn test_the_caller_of_a_definer_function_is_its_owner() {
        let (p, w1, w2) = two_stores();
        grant("acc_manager", "stock", Some(w1));
        Spi::run(
            "CREATE FUNCTION public.acc_receive(p bigint, w bigint) RETURNS bigint \
               LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public \
               AS $$ SELECT wms_receive(p, w, 1) $$; \
             ALTER FUNCTION public.acc_receive(bigint, bigint) OWNER TO acc_manager",
        )
        .unwrap();
        assert_eq!(
            error_of(&format!("SELECT public.acc_receive({p}, {w2})"))
                .map(|e| e.0)
                .as_deref(),
            Some("42501"),
            "a superuser's call through acc_manager's function has acc_manager's rights"
        );
        assert_eq!(
            error_of(&format!("SELECT public.acc_receive({p}, {w1})")),
            None
        );
        assert_eq!(
            Spi::get_one::<String>(&format!(
                "SELECT actor FROM wms.stock_movements WHERE product_id = {p} ORDER BY movement_id DESC LIMIT 1"
            )),
            Ok(Some("acc_manager".into()))
        );
        // Called by a role without the capability, it still acts as its owner.
        assert_eq!(
            as_role(
                "acc_viewer",
                &format!("SELECT public.acc_receive({p}, {w1})")
            ),
            None
        );
        assert_eq!(
            as_role("acc_viewer", &format!("SELECT wms_receive({p}, {w1}, 1)")).as_deref(),
            Some("42501")
        );
    }

    /// An admin of one store grants in that store only; bad arguments are
    /// refused with their SQLSTATE.
    #[pg_test]
    fn test_grant_arguments_and_scoped_admin() {
        let (_, w1, w2) = two_stores();
        grant("acc_manager", "admin", Some(w1));
        let m = "acc_manager";
        assert_eq!(
            as_role(m, &format!("SELECT wms_grant('acc_viewer', 'sell', {w1})")),
            None
        );
        for sql in [
            format!("SELECT wms_grant('acc_viewer', 'sell', {w2})"),
            "SELECT wms_grant('acc_viewer', 'sell')".into(),
            format!("SELECT wms_grant('acc_manager', 'admin', {w2})"),
            format!("SELECT wms_revoke('acc_viewer', 'sell', {w2})"),
        ] {
            assert_eq!(as_role(m, &sql).as_deref(), Some("42501"), "{sql}");
        }
        for (sql, state) in [
            (
                format!("SELECT wms_grant('acc_viewer', 'steal', {w1})"),
                "22023",
            ),
            (
                format!(
                    "SELECT wms_grant('acc_viewer', '{}', {w1})",
                    "x".repeat(300)
                ),
                "22023",
            ),
            ("SELECT wms_grant(NULL, 'sell')".into(), "22004"),
            ("SELECT wms_grant('acc_viewer', NULL)".into(), "22004"),
            ("SELECT wms_grant('acc_viewer', 'sell', 0)".into(), "23503"),
            ("SELECT wms_grant('acc_nobody', 'sell')".into(), "42704"),
        ] {
            assert_eq!(error_of(&sql).map(|e| e.0).as_deref(), Some(state), "{sql}");
        }
        // Removing a warehouse takes its grants with it.
        let w3 = Spi::get_one::<i64>("SELECT wms_add_warehouse('acc-3', 'empty')")
            .unwrap()
            .unwrap();
        grant("acc_viewer", "report", Some(w3));
        Spi::run(&format!("SELECT wms_remove_warehouse({w3})")).unwrap();
        assert_eq!(
            crate::testing::count(&format!(
                "SELECT 1 FROM wms.grants WHERE warehouse_id = {w3}"
            )),
            0
        );
    }

    /// No function of the extension is SECURITY DEFINER: one would see
    /// its owner as the caller, who has every capability.
    #[pg_test]
    fn test_no_function_is_security_definer() {
        let definers = crate::testing::count(
            "SELECT 1 FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' \
               JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'wms' WHERE p.prosecdef",
        );
        let functions = crate::testing::count(
            "SELECT 1 FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' \
               JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'wms'",
        );
        assert!(functions > 30, "{functions} functions found");
        assert_eq!(definers, 0);
    }

    /// Every API function is in FUNCTIONS, and FUNCTIONS names no other.
    #[pg_test]
    fn test_every_function_has_its_capabilities() {
        let mut api: Vec<String> = Spi::connect(|c| {
            c.select(
                "SELECT DISTINCT p.proname::text FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid \
                   JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'wms' \
                  WHERE d.deptype = 'e' AND p.proname LIKE 'wms\\_%' AND p.pronamespace = e.extnamespace \
                  ORDER BY 1",
                None,
                &[],
            )
            .unwrap()
            .map(|r| r.get::<String>(1).unwrap().unwrap())
            .collect()
        });
        api.retain(|f| f != "wms_test_panic");
        let mut listed: Vec<String> = super::FUNCTIONS
            .iter()
            .map(|(f, _)| f.to_string())
            .collect();
        listed.sort();
        assert_eq!(api, listed);
    }
}
