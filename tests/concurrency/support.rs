//! Helpers shared by several scenario modules (and by `hardening`).

use std::collections::HashMap;
use std::time::Duration;

use postgres::error::SqlState;

pub fn items_json(lines: &[(i64, i64, i64)]) -> String {
    let items: Vec<String> = lines
        .iter()
        .map(|(p, w, q)| format!(r#"{{"product_id":{p},"warehouse_id":{w},"quantity":{q}}}"#))
        .collect();
    format!("[{}]", items.join(","))
}

/// Run `sql`, which must give up waiting with 55P03 ("busy, retry");
/// how long it waited.
pub fn lock_timeout_after(
    client: &mut impl postgres::GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Duration {
    let started = std::time::Instant::now();
    let err = client
        .query_one(sql, params)
        .expect_err("the call waits for a lock another transaction holds");
    let waited = started.elapsed();
    assert_eq!(err.code(), Some(&SqlState::LOCK_NOT_AVAILABLE), "{err}");
    waited
}

/// How many backends got each status back (every backend must answer).
pub fn count_statuses(results: Vec<Result<String, postgres::Error>>) -> HashMap<String, i64> {
    let mut by_status: HashMap<String, i64> = HashMap::new();
    for r in results {
        *by_status.entry(r.expect("no backend fails")).or_default() += 1;
    }
    by_status
}
