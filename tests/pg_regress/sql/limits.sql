-- No input makes unbounded work or an internal error. Every text argument
-- has a maximum length: 255 characters for identifiers (SKU, warehouse
-- code, idempotency key, reference, status, on_shortage), 2000 for words
-- (names, reasons); longer is 22023 before anything is read or written.
-- jsonb items of any depth and numbers of any size are 22023 or 22003. A
-- rolling average's window must lie in the dates a timestamptz holds.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- identifiers: 255 characters are accepted (undone), 256 are not
BEGIN;
SELECT wms_add_product(repeat('s', 255), 'Long SKU') > 0 AS added;
SELECT status FROM wms_place_order('carol', 1, 1, 1, repeat('k', 255));
ROLLBACK;
SELECT wms_add_product(repeat('s', 256), 'Long SKU');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_product(repeat('é', 256), 'Long SKU in characters');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse(repeat('c', 256), 'Long code');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, 1, repeat('k', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', 1, 1, 1, repeat('k', 1048576));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]', '1 hour', repeat('k', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 1, 'Purchase Order', repeat('r', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb,
                              on_shortage => repeat('x', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', repeat('x', 256));
\echo :LAST_ERROR_SQLSTATE

-- words: 2000 characters are accepted (undone), 2001 are not
BEGIN;
SELECT wms_receive(1, 1, 1, repeat('r', 2000)) AS widget_north;
ROLLBACK;
SELECT wms_add_product('SKU-LONG', repeat('n', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_warehouse('WH-LONG', repeat('n', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order(repeat('c', 2001), 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order(repeat('c', 10485760), 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve(repeat('c', 2001), '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 1, repeat('r', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(2, repeat('r', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT wms_adjust(1, 1, 90, repeat('r', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_transfer(1, 1, 2, 1, repeat('r', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_movements('-infinity', 'infinity', repeat('r', 2001));
\echo :LAST_ERROR_SQLSTATE

-- items nested deeper than any JSON library's limit, at every place
SELECT * FROM wms_place_order('carol', (repeat('[', 300) || repeat(']', 300))::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', ('[' || repeat('{"a": ', 300) || '1' || repeat('}', 300) || ']')::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol',
    ('[{"product_id": ' || repeat('[', 300) || repeat(']', 300) || ', "warehouse_id": 1, "quantity": 1}]')::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol',
    ('[{"product_id": 1, "warehouse_id": 1, "quantity": ' || repeat('{"q": ', 300) || '1' || repeat('}', 300) || '}]')::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- numbers past bigint and past any float: 22003; tiny fractions: 22023
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1e400}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": -1e400, "warehouse_id": 1, "quantity": 1}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1e-400}]'::jsonb);
\echo :LAST_ERROR_SQLSTATE
-- a number written with an exponent is the integer it denotes (undone)
BEGIN;
SELECT status, detail -> 'lines' -> 0 ->> 'quantity' AS quantity
  FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 2e0}]'::jsonb);
ROLLBACK;
-- a huge string or key is named in a message of bounded length
SELECT * FROM wms_place_order('carol', ('[{"product_id": "' || repeat('p', 100000) || '", "warehouse_id": 1, "quantity": 1}]')::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', ('[{"' || repeat('k', 100000) || '": 1, "product_id": 1, "warehouse_id": 1, "quantity": 1}]')::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- rolling-average windows: not infinite, not outside timestamptz's dates
SELECT * FROM wms_sales_rolling_average(1, 30, NULL, 'infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 30, NULL, '-infinity');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 30, NULL, '294276-12-31');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 30, NULL, '5874897-12-31');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_sales_rolling_average(1, 3660, NULL, '4700-01-01 BC');
\echo :LAST_ERROR_SQLSTATE
-- the widest windows that fit are answered, in time zones up to a week
-- away from UTC (POSIX zones go up to 167 hours)
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 3, NULL, '294276-12-22');
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 1, NULL, '4714-12-02 BC');
SET TimeZone = 'UTC+167';
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 3, NULL, '294276-12-22');
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 1, NULL, '4714-12-02 BC');
SET TimeZone = '<+167>-167';
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 3, NULL, '294276-12-22');
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 1, NULL, '4714-12-02 BC');
SELECT * FROM wms_sales_rolling_average(1, 1, NULL, '294276-12-23');
\echo :LAST_ERROR_SQLSTATE
RESET TimeZone;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
