//! The scenarios, in the order they run; each lives in its topic's module.
//! Each creates its own products and warehouses, so they never see each
//! other's stock; `wms_verify()` covers the whole database.

use crate::flash_sale::{flash_sale_four_processes, flash_sale_scenario};
use crate::idempotency::{
    idempotency_conflict_race, idempotency_race, key_taken_outside_wms, repeatable_read_conflicts,
    reserve_idempotency_race,
};
use crate::locks::lock_timeout;
use crate::notify::{listen_sees_committed_changes, low_stock_alerts};
use crate::operations::dump_and_restore_while_orders_run;
use crate::privileges::{application_role, store_managers_and_viewer};
use crate::reservations::{
    expiry_worker_sweeps, fulfil_cancel_expire_race, reserve_vs_place_order,
};
use crate::scale_out::writes_stay_in_their_warehouses;
use crate::seeds::{fifty_reserve_five, two_hundred_clients_whole_workflow};
use crate::stock::{opposite_orders, opposite_transfers, receipts_with_orders};
use crate::submit::{
    submit_bad_orders_are_answered_alone, submit_beside_place_order_on_one_item, submit_flash_sale,
    submit_idempotency_across_batches, submit_notifies_as_its_caller_says,
    submit_waits_are_bounded, submit_worker_terminated_under_load,
};
use crate::Scenario;

pub const ALL: &[(&str, Scenario)] = &[
    ("flash_sale_20_buyers_5_units", |db| {
        flash_sale_scenario(db, "fs20", 20, 5)
    }),
    ("flash_sale_200_buyers_100_units", |db| {
        flash_sale_scenario(db, "fs200", 200, 100)
    }),
    ("flash_sale_1000_buyers_100_units", |db| {
        flash_sale_scenario(db, "fs1000", 1000, 100)
    }),
    (
        "flash_sale_shared_by_4_processes",
        flash_sale_four_processes,
    ),
    ("submit_flash_sale_1000_buyers_100_units", submit_flash_sale),
    (
        "submit_bad_orders_are_answered_alone",
        submit_bad_orders_are_answered_alone,
    ),
    (
        "submit_same_key_across_batches",
        submit_idempotency_across_batches,
    ),
    (
        "submit_worker_terminated_under_load",
        submit_worker_terminated_under_load,
    ),
    ("submit_waits_are_bounded", submit_waits_are_bounded),
    (
        "submit_beside_place_order_on_one_item",
        submit_beside_place_order_on_one_item,
    ),
    (
        "submit_notifies_as_its_caller_says",
        submit_notifies_as_its_caller_says,
    ),
    ("multi_line_orders_in_opposite_orders", opposite_orders),
    ("receipts_concurrent_with_orders", receipts_with_orders),
    ("same_idempotency_key_from_many_backends", idempotency_race),
    (
        "same_idempotency_key_different_requests",
        idempotency_conflict_race,
    ),
    (
        "repeatable_read_conflicts_are_40001",
        repeatable_read_conflicts,
    ),
    ("key_taken_outside_wms_calls", key_taken_outside_wms),
    (
        "reserve_vs_place_order_on_the_last_units",
        reserve_vs_place_order,
    ),
    ("fulfil_cancel_expire_race", fulfil_cancel_expire_race),
    ("transfers_in_opposite_directions", opposite_transfers),
    (
        "listen_sees_exactly_the_committed_changes",
        listen_sees_committed_changes,
    ),
    (
        "same_idempotency_key_reservations",
        reserve_idempotency_race,
    ),
    ("lock_timeout_is_55p03", lock_timeout),
    (
        "dump_and_restore_while_orders_run",
        dump_and_restore_while_orders_run,
    ),
    ("application_role_and_hostile_search_path", application_role),
    (
        "store_managers_and_viewer_at_once",
        store_managers_and_viewer,
    ),
    ("expiry_worker_sweeps_by_itself", expiry_worker_sweeps),
    (
        "expiry_worker_restarts_and_resists_lookalikes",
        crate::hardening::lookalike_functions,
    ),
    (
        "expiry_worker_skips_a_busy_item",
        crate::hardening::worker_skips_busy_items,
    ),
    (
        "sql_advisory_locks_block_no_key",
        crate::hardening::sql_advisory_locks_block_nothing,
    ),
    (
        "lock_timeout_defaults_to_5s",
        crate::hardening::default_lock_timeout,
    ),
    (
        "deadlock_between_two_transactions",
        crate::hardening::deadlock_between_transactions,
    ),
    ("wms_notify_off_sends_nothing", crate::hardening::notify_off),
    ("errors_carry_no_backtrace", crate::hardening::no_backtraces),
    (
        "writes_stay_in_their_warehouses",
        writes_stay_in_their_warehouses,
    ),
    ("flash_sale_100_buyers_100_units", |db| {
        flash_sale_scenario(db, "fs100", 100, 100)
    }),
    ("fifty_backends_reserve_five_units", fifty_reserve_five),
    ("low_stock_alerts_once_per_crossing", low_stock_alerts),
    (
        "two_hundred_clients_whole_workflow",
        two_hundred_clients_whole_workflow,
    ),
];
