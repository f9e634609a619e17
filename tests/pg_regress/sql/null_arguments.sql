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
-- a NULL warehouse is the documented "all warehouses", not an error
SELECT wms_available_to_sell(1, NULL) AS widget_everywhere;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
