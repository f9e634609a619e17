//! The business vocabulary, written once: the order statuses, the answer
//! that writes nothing, the ledger reason of a sale and the reasons the
//! status history records. The table constraints in `sql/schema.sql` list
//! the same statuses (a test compares them); the rule of a live hold is
//! SQL, `wms.hold_live` / `wms.hold_expired` in `sql/schema.sql`.

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
}
