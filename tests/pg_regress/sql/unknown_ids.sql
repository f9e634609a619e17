-- Unknown products, warehouses and orders (23503), forbidden transitions
-- (55000), stock that is not there (23514), existing catalogue keys (23505).
-- Each refused call changes nothing.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- unknown product or warehouse, in every function that takes one
SELECT wms_receive(99, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 99, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 99, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 99, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1},
                                         {"product_id": 99, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 0, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', -1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 99, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 99, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(99, 1, 1, 'count');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 99, 1, 'count');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(99, 1, 2, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 99, 2, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 99, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_available_to_sell(99);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_available_to_sell(1, 99);
\echo :LAST_ERROR_SQLSTATE

-- a known product that was never stocked is not an error: nothing available
SELECT * FROM wms_place_order('carol', 3, 1, 1);
SELECT wms_available_to_sell(3) AS never_stocked;
SELECT wms_available_to_sell(3, 1) AS never_stocked_north;
-- nor is transferring it away: there is nothing to take (23514)
SELECT * FROM wms_transfer(3, 1, 2, 1);
\echo :LAST_ERROR_SQLSTATE
-- but a count records what it finds, even there (undone)
BEGIN;
SELECT wms_adjust(3, 1, 2, 'count') AS found;
ROLLBACK;

-- unknown orders
SELECT * FROM wms_fulfill_order(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(99, 'customer changed their mind');
\echo :LAST_ERROR_SQLSTATE

-- forbidden transitions: order 1 is Fulfilled
SELECT * FROM wms_fulfill_order(1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(1, 'too late');
\echo :LAST_ERROR_SQLSTATE
-- nor once order 2 is Cancelled (undone)
BEGIN;
SELECT order_id, status FROM wms_cancel_order(2, 'customer changed their mind');
SELECT * FROM wms_fulfill_order(2);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SELECT order_id, status FROM wms_cancel_order(2, 'customer changed their mind');
SELECT * FROM wms_cancel_order(2, 'twice');
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- stock that is not there
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 93}]'::jsonb,
                              on_shortage => 'error');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, 93);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, 4, 'count');
\echo :LAST_ERROR_SQLSTATE
-- the same shortages answered as results, with on_shortage 'reject'
SELECT * FROM wms_place_order('carol', 1, 1, 93);
SELECT order_id, status, expires_at
  FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 93}]');

-- catalogue keys already taken
SELECT wms_add_product('SKU-1', 'Another widget');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse('WH-2', 'Another south');
\echo :LAST_ERROR_SQLSTATE

SELECT wms_set_reorder_policy(99, 1, 10, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, 99, 10, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reorder_hints(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reorder_hints(NULL, 99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_stock_by_warehouse(99);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_stock_as_of(99, 1, now());
\echo :LAST_ERROR_SQLSTATE
SELECT wms_stock_as_of(1, 99, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 30, 99);
\echo :LAST_ERROR_SQLSTATE
-- a page cursor that names no order or ledger row
SELECT * FROM wms_orders('-infinity', 'infinity', after_order_id => 99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements('-infinity', 'infinity', after_movement_id => 99);
\echo :LAST_ERROR_SQLSTATE
-- unknown ids as report filters are not errors: nothing matches
SELECT count(*) AS none FROM wms_movements('-infinity', 'infinity', product_id => 99);
SELECT count(*) AS none FROM wms_movement_summary('-infinity', 'infinity', 99, 99);

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
