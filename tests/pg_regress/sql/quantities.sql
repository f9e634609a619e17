-- Zero and negative quantities are refused (22023); quantities at the top
-- of bigint are accepted as requests, and any sum that would leave bigint
-- is refused (22003). Each refused call changes nothing.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- zero and negative
SELECT wms_receive(1, 1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, -5);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 0}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 2},
                                         {"product_id": 1, "warehouse_id": 1, "quantity": -1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": -3}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, -1, 'count');
\echo :LAST_ERROR_SQLSTATE

-- the largest bigint is a valid request: Unavailable, nothing written
SELECT * FROM wms_place_order('carol', 1, 1, 9223372036854775807);
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 9223372036854775807}]'::jsonb);
SELECT order_id, status, expires_at
  FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 9223372036854775807}]');

-- one past it cannot even be passed (PostgreSQL refuses the cast, 22003),
-- nor written in items
SELECT * FROM wms_place_order('carol', 1, 1, 9223372036854775808::bigint);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 9223372036854775808}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1e30}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 9223372036854775808, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": -1e30, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- sums that would leave bigint
-- two lines of the same item summing past the maximum
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 4611686018427387904},
                                         {"product_id": 1, "warehouse_id": 1, "quantity": 4611686018427387904}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 9223372036854775807},
                                     {"product_id": 1, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
-- a receipt on top of what is on hand (gadget in the south: 9223372036854775800)
SELECT wms_receive(2, 2, 8);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 9223372036854775807);
\echo :LAST_ERROR_SQLSTATE
-- a transfer into a warehouse that is nearly full of the item
SELECT * FROM wms_transfer(2, 1, 2, 10);
\echo :LAST_ERROR_SQLSTATE
-- a receipt that lands exactly on the maximum is fine (then undone)
BEGIN;
SELECT wms_receive(2, 2, 7) AS gadget_south;
ROLLBACK;

-- a reorder policy below zero
SELECT wms_set_reorder_policy(1, 1, -1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, 1, 0, -1);
\echo :LAST_ERROR_SQLSTATE
-- windows, ranges and pages out of bounds
SELECT * FROM wms_sales_rolling_average(1, 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 3661);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements('2026-02-01', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movement_summary('2026-02-01', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('2026-02-01', '2026-01-01');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements('-infinity', 'infinity', page_size => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', page_size => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', page_size => 10001);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', 'Lost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', 'fulfilled');
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
