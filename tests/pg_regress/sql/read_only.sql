-- Every function that writes refuses to run in a read-only transaction
-- (25006) before it does anything; the functions that only read work there.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

BEGIN TRANSACTION READ ONLY;
SELECT wms_add_product('SKU-9', 'Read-only widget');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_add_warehouse('WH-9', 'Read-only warehouse');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_receive(1, 1, 10);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_place_order('carol', 1, 1, 1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_set_order_status(2, 'Confirmed');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_return_order(1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
-- even a request that would be answered Unavailable, or replayed
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_place_order('carol', 1, 1, 1000);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_place_order('alice', 1, 1, 3, 'order-1');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_fulfill_order(2);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_cancel_order(2, 'customer changed their mind');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_expire_reservations();
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_adjust(1, 1, 90, 'count');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_transfer(1, 1, 2, 1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_set_reorder_policy(1, 1, 10, 5);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- a session whose transactions are read-only by default
SET default_transaction_read_only = on;
SELECT * FROM wms_place_order('carol', 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
-- reading works
SELECT wms_available_to_sell(1) AS widget_available;
SELECT product_id, warehouse_id, available, suggested_quantity FROM wms_reorder_hints(1);
SELECT count(*) AS problems FROM wms_verify();
SELECT product_id, warehouse_id, on_hand, allocated, available
  FROM wms.available_to_sell ORDER BY product_id, warehouse_id;
RESET default_transaction_read_only;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
