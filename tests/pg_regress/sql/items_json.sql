-- items must be a non-empty JSON array of objects with exactly the keys
-- product_id, warehouse_id and quantity, all integers, at most 1000 lines;
-- on_shortage is 'reject' or 'error'. Anything else: 22023, nothing changed.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- empty, or not an array of objects
SELECT * FROM wms_place_order('carol', '[]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '{}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '{"product_id": 1, "warehouse_id": 1, "quantity": 1}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 'null'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '"1,1,1"'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[1, 2, 3]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[[1, 1, 1]]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[]');
\echo :LAST_ERROR_SQLSTATE

-- missing, unknown and misspelt keys
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "price": 9}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- wrong types: a string, a fraction, a boolean, an object, null
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": "2"}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": "1", "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 2.5}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- a fraction is refused even when it is whole
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1.0}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": true, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": {"id": 1}, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": null}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- a bad line after good ones refuses the whole order
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1},
                                         {"product_id": 2, "warehouse_id": 1, "quantity": 1},
                                         {"product_id": 2, "warehouse_id": 1, "quantity": "x"}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- text that is not JSON never reaches wms: PostgreSQL refuses the jsonb
-- argument itself (22P02)
SELECT * FROM wms_place_order('carol', '[{"product_id": 1,'::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- an absurd number of lines: at most 1000
SELECT * FROM wms_place_order('carol',
    (SELECT jsonb_agg(jsonb_build_object('product_id', 1, 'warehouse_id', 1, 'quantity', 1))
       FROM generate_series(1, 1001)));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol',
    (SELECT jsonb_agg(jsonb_build_object('product_id', 1, 'warehouse_id', 1, 'quantity', 1))
       FROM generate_series(1, 100000)));
\echo :LAST_ERROR_SQLSTATE
-- 1000 lines is allowed (summed into one line per item; undone)
BEGIN;
SELECT status, detail -> 'lines' -> 0 ->> 'quantity' AS gadgets
  FROM wms_place_order('carol',
    (SELECT jsonb_agg(jsonb_build_object('product_id', 2, 'warehouse_id', 2, 'quantity', 1))
       FROM generate_series(1, 1000)));
ROLLBACK;

-- on_shortage
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb,
                              on_shortage => 'ignore');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb,
                              on_shortage => 'REJECT');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb,
                              on_shortage => '');
\echo :LAST_ERROR_SQLSTATE

-- blank text
SELECT * FROM wms_place_order('   ', 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, 1, '');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_product('', 'Nameless');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_product('  ', 'Nameless');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse('', 'Nameless');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 1, ' ');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(2, '');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(2, ' ');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, 90, '');
\echo :LAST_ERROR_SQLSTATE

-- reservation lifetimes: positive, at most 100 years
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '0');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '-1 hour');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '1 day -25 hours');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '101 years');
\echo :LAST_ERROR_SQLSTATE
-- even one that would end past the last timestamptz
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '300000 years');
\echo :LAST_ERROR_SQLSTATE

-- a transfer needs two different warehouses
SELECT * FROM wms_transfer(1, 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
