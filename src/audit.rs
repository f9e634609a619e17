//! Who did what: the database role that called (as `SET ROLE` left it, not
//! the extension's owner the functions run as), the end user and the
//! request the application names (`wms.actor`, `wms.request_id`). Every
//! ledger row and status-history row carries them; catalogue and policy
//! changes and returns are rows of `wms.audit_log`; `wms_audit()` reads
//! all of it as one trail.

use pgrx::datum::TimestampWithTimeZone;
use pgrx::pg_sys::BuiltinOid::*;
use pgrx::prelude::*;
use pgrx::JsonB;

use crate::errors::{bounded, Text, WmsError, WmsResult};
use crate::gucs;
use crate::plans::{self, col, opt_col, Statement};

/// Who a call acts as.
pub struct Who {
    /// The calling role (the outer user: `SET ROLE` counts, SECURITY
    /// DEFINER does not).
    pub role: String,
    /// `wms.actor`, if set.
    pub actor: Option<String>,
    /// `wms.request_id`, if set.
    pub request_id: Option<String>,
}

/// A text setting as set, NULL when unset or empty, 22023 when too long.
fn setting(value: Option<std::ffi::CString>, name: &str) -> WmsResult<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let value = value.to_string_lossy().into_owned();
    if value.is_empty() {
        return Ok(None);
    }
    bounded(&value, name, Text::Key)?;
    Ok(Some(value))
}

/// The caller of the current wms function, with the application's names.
pub fn who() -> WmsResult<Who> {
    let role = crate::access::role_name(crate::access::caller());
    Ok(Who {
        role,
        actor: setting(gucs::ACTOR.get(), "wms.actor")?,
        request_id: setting(gucs::REQUEST_ID.get(), "wms.request_id")?,
    })
}

pub static RECORD: Statement = Statement {
    sql: include_str!("../sql/queries/audit_record.sql"),
    params: &[
        TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, JSONBOID, JSONBOID,
    ],
};

/// One catalogue or policy change, or a return, in the trail.
pub struct Event<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub old: Option<serde_json::Value>,
    pub new: Option<serde_json::Value>,
}

/// Write `event` to `wms.audit_log`, as `who`.
pub fn record(client: &mut pgrx::spi::SpiClient<'_>, who: &Who, event: Event<'_>) {
    plans::run(
        client,
        &RECORD,
        &[
            who.role.as_str().into(),
            who.actor.as_deref().into(),
            who.request_id.as_deref().into(),
            event.action.into(),
            event.object_type.into(),
            event.object_id.into(),
            event.old.map(JsonB).into(),
            event.new.map(JsonB).into(),
        ],
    );
}

const AUDIT_SQL: &str = include_str!("../sql/queries/audit.sql");
const AUDIT_CURSOR_SQL: &str = include_str!("../sql/queries/audit_cursor.sql");

/// The kinds of object the trail names.
const OBJECT_TYPES: [&str; 6] = ["stock", "order", "product", "warehouse", "policy", "grant"];

/// The whole trail in [from, to), in order, a page at a time: stock
/// movements, order status changes, returns, catalogue and policy changes.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
#[pg_extern(stable, parallel_safe)]
#[search_path(pg_catalog, pg_temp)]
fn wms_audit(
    from_time: Option<TimestampWithTimeZone>,
    to_time: Option<TimestampWithTimeZone>,
    object_type: default!(Option<&str>, "NULL"),
    object_id: default!(Option<i64>, "NULL"),
    after_audit_id: default!(Option<i64>, "NULL"),
    page_size: default!(Option<i32>, 100),
) -> TableIterator<
    'static,
    (
        name!(audit_id, i64),
        name!(at, TimestampWithTimeZone),
        name!(db_role, String),
        name!(actor, Option<String>),
        name!(request_id, Option<String>),
        name!(action, String),
        name!(object_type, String),
        name!(object_id, Option<i64>),
        name!(old_value, Option<JsonB>),
        name!(new_value, Option<JsonB>),
    ),
> {
    let _owner = crate::access::enter();
    let (from, to) = crate::reports::range(from_time, to_time);
    if let Some(object_type) = object_type {
        bounded(object_type, "object_type", Text::Key).unwrap_or_else(|e| e.raise());
        if !OBJECT_TYPES.contains(&object_type) {
            WmsError::InvalidParameter {
                message: format!(
                    "object_type must be one of {}, got \"{object_type}\"",
                    OBJECT_TYPES.join(", ")
                ),
            }
            .raise()
        }
    }
    let limit = crate::reports::page_size(page_size);
    let scope = crate::access::report_scope(Some(crate::access::Capability::Report), None);
    let after_at = after_audit_id.map(|id| {
        plans::rows(AUDIT_CURSOR_SQL, &[id.into()], "audit cursor", |r| {
            col::<TimestampWithTimeZone>(r, 1)
        })
        .pop()
        .unwrap_or_else(|| {
            WmsError::InvalidParameter {
                message: format!("after_audit_id {id} is not in the audit trail"),
            }
            .raise()
        })
    });
    TableIterator::new(plans::rows(
        AUDIT_SQL,
        &[
            from.into(),
            to.into(),
            object_type.into(),
            object_id.into(),
            after_at.into(),
            after_audit_id.into(),
            limit.into(),
            scope.filter().into(),
        ],
        "audit",
        |r| {
            (
                col(r, 1),
                col(r, 2),
                col(r, 3),
                opt_col(r, 4),
                opt_col(r, 5),
                col(r, 6),
                col(r, 7),
                opt_col(r, 8),
                opt_col(r, 9),
                opt_col(r, 10),
            )
        },
    ))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use crate::testing::{assert_sqlstate, item, place};
    use pgrx::prelude::*;

    type Line = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );

    fn trail(filter: &str) -> Vec<Line> {
        Spi::connect(|c| {
            c.select(
                &format!(
                    "SELECT action, object_type, db_role, actor, request_id \
                       FROM wms_audit(now() - interval '1 hour', 'infinity'{filter})"
                ),
                None,
                &[],
            )
            .unwrap()
            .map(|r| {
                (
                    r.get::<String>(1).unwrap().unwrap(),
                    r.get::<String>(2).unwrap().unwrap(),
                    r.get::<String>(3).unwrap(),
                    r.get::<String>(4).unwrap(),
                    r.get::<String>(5).unwrap(),
                )
            })
            .collect()
        })
    }

    /// Every change, in order, with the role, the end user and the request.
    #[pg_test]
    fn test_audit_trail() {
        Spi::run("SET LOCAL wms.actor = 'alice@example.com'").unwrap();
        Spi::run("SET LOCAL wms.request_id = 'req-1'").unwrap();
        let (p, w) = item("AUD-1", 5);
        let (order, _, _) = place(&format!("'c', {p}, {w}, 2"));
        Spi::run(&format!(
            "SELECT * FROM wms_update_product({p}, name => 'Renamed')"
        ))
        .unwrap();
        Spi::run(&format!("SELECT wms_set_reorder_policy({p}, {w}, 2, 1)")).unwrap();
        let role = Spi::get_one::<String>("SELECT current_user::text").unwrap();
        let who = |a: &str, t: &str| {
            (
                a.to_string(),
                t.to_string(),
                role.clone(),
                Some("alice@example.com".to_string()),
                Some("req-1".to_string()),
            )
        };
        assert_eq!(
            trail(""),
            vec![
                who("add", "product"),
                who("add", "warehouse"),
                who("movement", "stock"),
                who("status", "order"),
                who("movement", "stock"),
                who("update", "product"),
                who("set", "policy"),
            ]
        );
        let row = Spi::get_two::<pgrx::JsonB, pgrx::JsonB>(&format!(
            "SELECT old_value, new_value FROM wms_audit(now() - interval '1 hour', 'infinity', 'product', {p}) \
              WHERE action = 'update'"
        ))
        .unwrap();
        assert_eq!(
            row.0.unwrap().0,
            serde_json::json!({"sku": "AUD-1", "name": "AUD-1 name"})
        );
        assert_eq!(
            row.1.unwrap().0,
            serde_json::json!({"sku": "AUD-1", "name": "Renamed"})
        );
        let sale = Spi::get_two::<pgrx::JsonB, pgrx::JsonB>(&format!(
            "SELECT old_value, new_value FROM wms_audit(now() - interval '1 hour', 'infinity', 'stock', {p}) \
              WHERE new_value->>'reason' = 'Sale'"
        ))
        .unwrap();
        assert_eq!(sale.0.unwrap().0["on_hand"], 5);
        assert_eq!(sale.1.unwrap().0["on_hand"], 3);
        assert_eq!(trail(&format!(", 'order', {}", order.unwrap())).len(), 1);
        // Paged by key, one at a time, the same trail.
        let all: Vec<i64> = Spi::connect(|c| {
            c.select(
                "SELECT audit_id FROM wms_audit(now() - interval '1 hour', 'infinity')",
                None,
                &[],
            )
            .unwrap()
            .map(|r| r.get::<i64>(1).unwrap().unwrap())
            .collect()
        });
        let mut paged = Vec::new();
        let mut after = "NULL".to_string();
        while let Some(id) = Spi::get_one::<i64>(&format!(
            "SELECT audit_id FROM wms_audit(now() - interval '1 hour', 'infinity', after_audit_id => {after}, page_size => 1)"
        ))
        .ok()
        .flatten()
        {
            paged.push(id);
            after = id.to_string();
        }
        assert_eq!(paged, all);
        // The role is the caller's, as SET ROLE left it, not the owner's.
        Spi::run("CREATE ROLE wms_audit_clerk").unwrap();
        Spi::run("SELECT wms_grant('wms_audit_clerk', 'stock')").unwrap();
        Spi::run("SET LOCAL ROLE wms_audit_clerk").unwrap();
        Spi::run(&format!("SELECT wms_receive({p}, {w}, 1)")).unwrap();
        Spi::run("RESET ROLE").unwrap();
        assert_eq!(
            Spi::get_one::<String>(&format!(
                "SELECT actor FROM wms.stock_movements WHERE product_id = {p} ORDER BY movement_id DESC LIMIT 1"
            )),
            Ok(Some("wms_audit_clerk".into()))
        );
        // The trail is append-only; a name too long is refused up front.
        assert_sqlstate("UPDATE wms.audit_log SET db_role = 'x'", "42501");
        assert_sqlstate("DELETE FROM wms.audit_log", "42501");
        Spi::run("SET LOCAL wms.actor = ''").unwrap();
        Spi::run(&format!("SET LOCAL wms.request_id = '{}'", "r".repeat(256))).unwrap();
        assert_sqlstate(&format!("SELECT wms_receive({p}, {w}, 1)"), "22023");
        assert_sqlstate("SELECT * FROM wms_audit(now(), now(), 'thing')", "22023");
        assert_sqlstate(
            "SELECT * FROM wms_audit(now(), now(), after_audit_id => 7)",
            "22023",
        );
    }

    /// A return is in the trail, restocked or not, with who made it.
    #[pg_test]
    fn test_returns_in_the_trail() {
        Spi::run("SET LOCAL wms.actor = 'bob@example.com'").unwrap();
        let (p, w) = item("AUD-R", 5);
        let (order, _, _) = place(&format!("'c', {p}, {w}, 2"));
        let order = order.unwrap();
        Spi::run(&format!(
            "SELECT * FROM wms_return_order({order}, restock => false, reason => 'damaged')"
        ))
        .unwrap();
        let returned = Spi::get_two::<String, pgrx::JsonB>(&format!(
            "SELECT actor, new_value FROM wms_audit(now() - interval '1 hour', 'infinity', 'order', {order}) \
              WHERE action = 'return'"
        ))
        .unwrap();
        assert_eq!(returned.0.as_deref(), Some("bob@example.com"));
        let new = returned.1.unwrap().0;
        assert_eq!(
            (&new["restocked"], &new["reason"]),
            (&false.into(), &"damaged".into())
        );
        assert_eq!(new["lines"][0]["quantity"], 2);
        assert_eq!(
            Spi::get_one::<bool>(&format!(
                "SELECT returned_by = current_user::text FROM wms.order_returns WHERE order_id = {order}"
            )),
            Ok(Some(true))
        );
    }
}
