//! The business vocabulary, written once: the order statuses, the answer
//! that writes nothing, the ledger reason of a sale, the reasons the status
//! history records, and the rule of a live hold. The DDL states two of them
//! again, and tests check that it agrees: the statuses in the tables' CHECK
//! constraints (`sql/schema.sql`), the live-hold rule in the view
//! `wms.available_to_sell` (`sql/views.sql`).

/// An order that holds its lines' stock (a reservation).
pub const PENDING: &str = "Pending";
/// An order whose stock left on hand.
pub const FULFILLED: &str = "Fulfilled";
/// An order that ended without taking stock.
pub const CANCELLED: &str = "Cancelled";
/// Every status an order can have, in the order of the schema's CHECK.
pub const STATUSES: [&str; 3] = [PENDING, FULFILLED, CANCELLED];

/// The answer to an order that is short: no order, nothing written.
pub const UNAVAILABLE: &str = "Unavailable";

/// Ledger reason of the rows a sale writes (placed or fulfilled).
pub const SALE_REASON: &str = "Sale";

/// The rule of a live hold, as SQL over the order row `o`: true when the
/// order is a reservation past its expiry. Its lines' stock is then no
/// longer held, swept or not, and an order that needs it takes it back; a
/// Pending order is live while this is not true (no expiry, or not yet),
/// and a settled order holds nothing. It is plain SQL rather than a
/// function of the schema so that the library runs on the schema of every
/// version it can be updated from, and so that the sweep still finds its
/// orders through `customer_orders_pending_expiry_idx`.
pub const HOLD_EXPIRED: &str = "(o.order_status = {pending} AND o.expires_at <= pg_catalog.now())";

/// The statuses a statement in `sql/queries/` may name by placeholder;
/// [`expand`] writes each as an SQL literal.
const STATUS_PLACEHOLDERS: [(&str, &str); 3] = [
    ("{pending}", PENDING),
    ("{fulfilled}", FULFILLED),
    ("{cancelled}", CANCELLED),
];

/// A statement's text with the vocabulary's placeholders filled in: the
/// live-hold rule (`{hold_expired}`) and the statuses.
pub fn expand(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('{') {
        return sql.into();
    }
    let mut text = sql.replace("{hold_expired}", HOLD_EXPIRED);
    for (placeholder, status) in STATUS_PLACEHOLDERS {
        text = text.replace(placeholder, &format!("'{status}'"));
    }
    text.into()
}

/// Status history reasons.
pub mod history {
    /// An order placed (and fulfilled at once).
    pub const PLACED: &str = "placed";
    /// A reservation created.
    pub const RESERVED: &str = "reserved";
    /// A reservation fulfilled.
    pub const FULFILLED: &str = "fulfilled";
    /// A reservation cancelled by the sweep once it expired.
    pub const EXPIRED: &str = "expired";
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// Each status placeholder is its constant, quoted; no placeholder is
    /// left over in any expanded text.
    #[pg_test]
    fn test_placeholders_are_the_vocabulary() {
        for (placeholder, status) in [
            ("{pending}", super::PENDING),
            ("{fulfilled}", super::FULFILLED),
            ("{cancelled}", super::CANCELLED),
        ] {
            assert_eq!(super::expand(placeholder), format!("'{status}'"));
        }
        let rule = super::expand("{hold_expired}");
        assert!(!rule.contains('{'), "{rule}");
        assert!(rule.contains("'Pending'"), "{rule}");
    }

    /// The statuses here are the ones the tables accept, in the same order.
    #[pg_test]
    fn test_statuses_match_the_schema() {
        for constraint in [
            "customer_orders_status_check",
            "order_status_history_from_check",
            "order_status_history_to_check",
        ] {
            let def = Spi::get_one_with_args::<String>(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
                &[constraint.into()],
            )
            .unwrap()
            .unwrap();
            let listed: Vec<&str> = def.split('\'').skip(1).step_by(2).collect();
            assert_eq!(listed, super::STATUSES, "{constraint}: {def}");
        }
    }

    /// The view counts a reservation's lines exactly while the rule says
    /// its hold is live: reservations without expiry, expiring later, just
    /// expired and long expired, and settled orders.
    #[pg_test]
    fn test_view_applies_the_live_hold_rule() {
        let (p, w) = crate::testing::item("rule", 100);
        for (status, expires) in [
            ("Pending", "NULL"),
            ("Pending", "now() + interval '1 hour'"),
            ("Pending", "now()"),
            ("Pending", "now() - interval '1 day'"),
            ("Fulfilled", "NULL"),
            ("Cancelled", "now() - interval '1 day'"),
        ] {
            Spi::run(&format!(
                "WITH o AS (INSERT INTO wms.customer_orders (customer_name, order_status, expires_at) \
                            VALUES ('rule', '{status}', {expires}) RETURNING order_id) \
                 INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding) \
                 SELECT order_id, {p}, {w}, 1, true FROM o"
            ))
            .unwrap();
        }
        let rule = Spi::get_one::<i64>(&format!(
            "SELECT count(*) FROM wms.order_items oi JOIN wms.customer_orders o USING (order_id) \
              WHERE oi.product_id = {p} AND oi.warehouse_id = {w} AND oi.holding \
                AND o.order_status = 'Pending' AND NOT COALESCE({}, false)",
            super::expand("{hold_expired}")
        ));
        let view = Spi::get_one::<i64>(&format!(
            "SELECT allocated FROM wms.available_to_sell WHERE product_id = {p} AND warehouse_id = {w}"
        ));
        assert_eq!(rule, Ok(Some(2)));
        assert_eq!(view, rule);
    }
}
