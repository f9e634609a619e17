//! The business vocabulary, written once: the order statuses the library
//! itself names, what entering a status does to stock, the answer that
//! writes nothing, the ledger reasons of a sale and a return, the reasons
//! the status history records, and the rule of a live hold. The DDL states
//! some of them again, and tests check that it agrees: the statuses and
//! their effects in `wms.order_statuses` (`sql/schema.sql`), the live-hold
//! rule in the view `wms.available_to_sell` (`sql/views.sql`).
//! Every other status, and every move, is data (`wms.order_statuses`,
//! `wms.order_transitions`).

/// A reservation: its lines hold their stock (created by wms_reserve).
pub const PENDING: &str = "Pending";
/// An order whose stock left on hand (created by wms_place_order, or a
/// reservation fulfilled).
pub const FULFILLED: &str = "Fulfilled";
/// An order that ended without taking stock (wms_cancel_order, the sweep).
pub const CANCELLED: &str = "Cancelled";

/// What entering a status does to the stock of the order's lines
/// (`wms.order_statuses.stock_effect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The lines hold their stock, as a reservation does.
    Hold,
    /// The stock leaves on hand: one outbound ledger row per line.
    Take,
    /// What the lines hold is released.
    Release,
    /// Nothing.
    None,
}

impl Effect {
    /// The effect the table names (its CHECK allows these four).
    pub fn parse(text: &str) -> Effect {
        match text {
            "hold" => Effect::Hold,
            "take" => Effect::Take,
            "release" => Effect::Release,
            _ => Effect::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Hold => "hold",
            Effect::Take => "take",
            Effect::Release => "release",
            Effect::None => "none",
        }
    }
}

/// The answer to an order that is short: no order, nothing written.
pub const UNAVAILABLE: &str = "Unavailable";

/// Ledger reason of the rows a sale writes (placed, fulfilled, shipped:
/// every status that takes).
pub const SALE_REASON: &str = "Sale";
/// Ledger reason of the rows a restocked return writes.
pub const RETURN_REASON: &str = "Return";

/// The rule of a live hold, as SQL over the order row `o`: true when the
/// order is a reservation past its expiry. Its lines' stock is then no
/// longer held, swept or not, and an order that needs it takes it back; a
/// Pending order is live while this is not true (no expiry, or not yet),
/// and a settled order holds nothing. It is plain SQL rather than a
/// function of the schema so that the library runs on the schema of every
/// version it can be updated from, and so that the sweep still finds its
/// orders through `customer_orders_pending_expiry_idx`.
pub const HOLD_EXPIRED: &str = "(o.order_status = {pending} AND o.expires_at <= pg_catalog.now())";

/// The words a statement in `sql/queries/` may name by placeholder;
/// [`expand`] writes each as an SQL literal.
const PLACEHOLDERS: [(&str, &str); 4] = [
    ("{pending}", PENDING),
    ("{fulfilled}", FULFILLED),
    ("{cancelled}", CANCELLED),
    ("{return_reason}", RETURN_REASON),
];

/// A statement's text with the vocabulary's placeholders filled in: the
/// live-hold rule (`{hold_expired}`), the statuses and the return reason.
pub fn expand(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('{') {
        return sql.into();
    }
    let mut text = sql.replace("{hold_expired}", HOLD_EXPIRED);
    for (placeholder, status) in PLACEHOLDERS {
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
            ("{return_reason}", super::RETURN_REASON),
        ] {
            assert_eq!(super::expand(placeholder), format!("'{status}'"));
        }
        let rule = super::expand("{hold_expired}");
        assert!(!rule.contains('{'), "{rule}");
        assert!(rule.contains("'Pending'"), "{rule}");
    }

    /// The statuses the library names are in wms.order_statuses with the
    /// effect it relies on: reservations hold, placed orders are taken and
    /// terminal, cancelled ones release and are terminal.
    #[pg_test]
    fn test_statuses_match_the_schema() {
        for (status, effect, terminal) in [
            (super::PENDING, super::Effect::Hold, false),
            (super::FULFILLED, super::Effect::Take, true),
            (super::CANCELLED, super::Effect::Release, true),
        ] {
            let row = Spi::get_two_with_args::<String, bool>(
                "SELECT stock_effect, terminal FROM wms.order_statuses WHERE status = $1",
                &[status.into()],
            )
            .unwrap();
            assert_eq!(
                (super::Effect::parse(&row.0.unwrap()), row.1.unwrap()),
                (effect, terminal),
                "{status}"
            );
        }
        for effect in ["hold", "take", "release", "none"] {
            assert_eq!(super::Effect::parse(effect).as_str(), effect);
        }
    }

    /// The view counts a holding line exactly while the rule says its hold
    /// is live: reservations without expiry, expiring later, just expired
    /// and long expired; a Confirmed order past its (cleared) expiry; and
    /// settled orders, whose lines no longer hold.
    #[pg_test]
    fn test_view_applies_the_live_hold_rule() {
        let (p, w) = crate::testing::item("rule", 100);
        for (status, expires, holding) in [
            ("Pending", "NULL", true),
            ("Pending", "now() + interval '1 hour'", true),
            ("Pending", "now()", true),
            ("Pending", "now() - interval '1 day'", true),
            ("Confirmed", "now() - interval '1 day'", true),
            ("Fulfilled", "NULL", false),
            ("Cancelled", "now() - interval '1 day'", false),
        ] {
            Spi::run(&format!(
                "WITH o AS (INSERT INTO wms.customer_orders (customer_name, order_status, expires_at) \
                            VALUES ('rule', '{status}', {expires}) RETURNING order_id) \
                 INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding) \
                 SELECT order_id, {p}, {w}, 1, {holding} FROM o"
            ))
            .unwrap();
        }
        let rule = Spi::get_one::<i64>(&format!(
            "SELECT count(*) FROM wms.order_items oi JOIN wms.customer_orders o USING (order_id) \
              WHERE oi.product_id = {p} AND oi.warehouse_id = {w} AND oi.holding \
                AND NOT COALESCE({}, false)",
            super::expand("{hold_expired}")
        ));
        let view = Spi::get_one::<i64>(&format!(
            "SELECT allocated FROM wms.available_to_sell WHERE product_id = {p} AND warehouse_id = {w}"
        ));
        assert_eq!(rule, Ok(Some(3)));
        assert_eq!(view, rule);
    }
}
