-- A NULL in any argument where a value is needed raises 22004 and changes
-- nothing; no function answers NULL silently.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

SELECT wms_add_product(NULL, 'name');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_product('SKU-9', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse(NULL, 'name');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse('WH-9', NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT wms_receive(NULL, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_place_order(NULL, 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', NULL::bigint, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_place_order(NULL, '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', NULL::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb,
                              on_shortage => NULL);
\echo :LAST_ERROR_SQLSTATE
-- a JSON null inside items is not a NULL argument but a bad item (22023)
SELECT * FROM wms_place_order('carol', '[{"product_id": null, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_reserve(NULL, '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_fulfill_order(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(NULL, 'customer changed their mind');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(2, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT wms_adjust(NULL, 1, 10, 'count');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, NULL, 10, 'count');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, NULL, 'count');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, 10, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_transfer(NULL, 1, 2, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, NULL, 2, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, 1, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT wms_available_to_sell(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_available_to_sell(NULL, 1);
\echo :LAST_ERROR_SQLSTATE
-- a NULL warehouse is the documented "all warehouses", not an error
SELECT wms_available_to_sell(1, NULL) AS widget_everywhere;

SELECT wms_set_reorder_policy(NULL, 1, 10, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, NULL, 10, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, 1, NULL, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, 1, 10, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT wms_stock_as_of(NULL, 1, now());
\echo :LAST_ERROR_SQLSTATE
SELECT wms_stock_as_of(1, NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT wms_stock_as_of(1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 30, 1, NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_movements(NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements(now(), NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements(now(), now(), page_size => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movement_summary(NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movement_summary(now(), NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders(NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders(now(), NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders(now(), now(), page_size => NULL);
\echo :LAST_ERROR_SQLSTATE
-- NULL filters are the documented "all", not errors
SELECT product_id, warehouse_id, on_hand, available, suggested_quantity
  FROM wms_reorder_hints(NULL, NULL);
SELECT warehouse_id, code, on_hand FROM wms_stock_by_warehouse(NULL);
SELECT order_id, order_status FROM wms_orders('-infinity', 'infinity', NULL, NULL);

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
