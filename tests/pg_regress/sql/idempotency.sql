-- An idempotency key names one request: reused with another request it is
-- refused (23505); reused with the same request it replays the first answer
-- and writes nothing.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- 'order-1' was alice ordering 3 widgets from the north
SELECT * FROM wms_place_order('alice', 1, 1, 4, 'order-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('mallory', 1, 1, 3, 'order-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('alice', 2, 1, 3, 'order-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('alice', '[{"product_id": 1, "warehouse_id": 1, "quantity": 3},
                                         {"product_id": 2, "warehouse_id": 1, "quantity": 1}]'::jsonb, 'order-1');
\echo :LAST_ERROR_SQLSTATE
-- a reservation is a different request from an order
SELECT * FROM wms_reserve('alice', '[{"product_id": 1, "warehouse_id": 1, "quantity": 3}]', idempotency_key => 'order-1');
\echo :LAST_ERROR_SQLSTATE
-- 'hold-1' was bob reserving 5 widgets for 1 day
SELECT * FROM wms_reserve('bob', '[{"product_id": 1, "warehouse_id": 1, "quantity": 5}]', '2 days', 'hold-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('bob', '[{"product_id": 1, "warehouse_id": 1, "quantity": 5}]'::jsonb, 'hold-1');
\echo :LAST_ERROR_SQLSTATE
-- keys compare exactly
BEGIN;
SELECT order_id > 1 AS a_new_order, status FROM wms_place_order('alice', 1, 1, 3, 'ORDER-1');
ROLLBACK;

-- the same request replays: the same order, written once
SELECT order_id, status, detail -> 'replayed' AS replayed,
       detail -> 'lines' -> 0 -> 'movement_id' AS movement_id
  FROM wms_place_order('alice', 1, 1, 3, 'order-1');
SELECT order_id, status, detail -> 'replayed' AS replayed
  FROM wms_place_order('alice', '[{"product_id": 1, "warehouse_id": 1, "quantity": 2},
                                  {"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb, 'order-1');
SELECT order_id, status FROM wms_reserve('bob', '[{"product_id": 1, "warehouse_id": 1, "quantity": 5}]', '1 day', 'hold-1');

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
