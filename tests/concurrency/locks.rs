//! Bounded waits: a call behind a held row lock or idempotency key gives up
//! with 55P03 after wms.lock_timeout.

use std::time::Duration;

use crate::support::lock_timeout_after;
use crate::Db;

/// A buyer behind a held row lock gives up after wms.lock_timeout with
/// 55P03 ("busy, retry", not "sold out"), writes nothing, and the caller's
/// own lock_timeout is left as it was.
pub fn lock_timeout(db: &mut Db) {
    let (p, w) = db.item("busy", 5);
    let mut holder = db.config.connect(postgres::NoTls).expect("holder");
    let mut tx = holder.transaction().unwrap();
    tx.query_one(
        "SELECT * FROM wms_place_order('holder', $1::bigint, $2::bigint)",
        &[&p, &w],
    )
    .unwrap();

    let mut buyer = db.config.connect(postgres::NoTls).expect("buyer");
    buyer.batch_execute("SET wms.lock_timeout = 200").unwrap();
    let waited = lock_timeout_after(
        &mut buyer,
        "SELECT * FROM wms_place_order('buyer', $1::bigint, $2::bigint)",
        &[&p, &w],
    );
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "waited {waited:?}"
    );
    // The same for an idempotency key held by an unfinished call.
    let mut keyed = holder_key_call(db, w);
    lock_timeout_after(
        &mut buyer,
        "SELECT * FROM wms_place_order('buyer', $1::bigint, $2::bigint, 1, 'busy-key')",
        &[&p, &w],
    );
    keyed.batch_execute("ROLLBACK").unwrap();
    tx.commit().unwrap();
    let orders: i64 = buyer
        .query_one(
            "SELECT count(*) FROM wms.customer_orders WHERE customer_name = 'buyer'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orders, 0, "a timed-out call writes nothing");
    // With the row free the same call goes through, and the session's own
    // lock_timeout is what it was before the call.
    let mut btx = buyer.transaction().unwrap();
    btx.batch_execute("SET LOCAL lock_timeout = '7s'").unwrap();
    let status: String = btx
        .query_one(
            "SELECT status FROM wms_place_order('buyer', $1::bigint, $2::bigint)",
            &[&p, &w],
        )
        .unwrap()
        .get(0);
    let setting: String = btx.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    btx.commit().unwrap();
    assert_eq!((status.as_str(), setting.as_str()), ("Fulfilled", "7s"));
    assert_eq!(db.on_hand(p, w), 3);
    db.assert_verified();
}

/// A session inside a transaction holding the idempotency key 'busy-key'.
fn holder_key_call(db: &mut Db, w: i64) -> postgres::Client {
    let mut client = db.config.connect(postgres::NoTls).expect("key holder");
    client.batch_execute("BEGIN").unwrap();
    let q = db.product("busy-key");
    client
        .query_one("SELECT wms_receive($1, $2, 1)", &[&q, &w])
        .unwrap();
    client
        .query_one(
            "SELECT * FROM wms_place_order('holder', $1::bigint, $2::bigint, 1, 'busy-key')",
            &[&q, &w],
        )
        .unwrap();
    client
}
