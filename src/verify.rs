//! wms_verify(): every invariant of the ledger and the inventory, checked
//! in one statement (one snapshot). Empty when all hold.

use pgrx::prelude::*;

const VERIFY_SQL: &str = include_str!("../sql/verify.sql");

#[pg_extern(stable, parallel_safe)]
fn wms_verify() -> TableIterator<
    'static,
    (
        name!(check_name, String),
        name!(product_id, Option<i64>),
        name!(warehouse_id, Option<i64>),
        name!(expected, Option<i64>),
        name!(actual, Option<i64>),
    ),
> {
    let rows: Vec<_> = Spi::connect(|client| {
        client
            .select(VERIFY_SQL, None, &[])
            .unwrap_or_else(|e| panic!("wms: verify query failed: {e}"))
            .map(|row| {
                (
                    row.get::<String>(1).ok().flatten().expect("check_name is never NULL"),
                    row.get::<i64>(2).ok().flatten(),
                    row.get::<i64>(3).ok().flatten(),
                    row.get::<i64>(4).ok().flatten(),
                    row.get::<i64>(5).ok().flatten(),
                )
            })
            .collect()
    });
    TableIterator::new(rows)
}
