-- Every function that only reads runs through read-only SPI and assigns
-- no transaction id, so it works on a hot standby (where assigning one is
-- an error) and inside a parallel worker. Each call below runs in a
-- transaction of its own (autocommit); after it, the transaction still
-- has no id.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();
CREATE FUNCTION pg_temp.xid_after(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN coalesce(pg_current_xact_id_if_assigned()::text, 'none');
END
$$;
SELECT pg_temp.xid_after('SELECT wms_available_to_sell(1)') AS available;
SELECT pg_temp.xid_after('SELECT wms_available_to_sell(1, 1)') AS available_in;
SELECT pg_temp.xid_after('SELECT wms_stock_as_of(1, 1, now())') AS stock_as_of;
SELECT pg_temp.xid_after('SELECT * FROM wms_sales_rolling_average(1, 7)') AS rolling_average;
SELECT pg_temp.xid_after('SELECT * FROM wms_reorder_hints()') AS reorder_hints;
SELECT pg_temp.xid_after('SELECT * FROM wms_stock_by_warehouse()') AS stock_by_warehouse;
SELECT pg_temp.xid_after('SELECT * FROM wms_movements(''-infinity'', ''infinity'', after_movement_id => 1)') AS movements;
SELECT pg_temp.xid_after('SELECT * FROM wms_movement_summary(''-infinity'', ''infinity'')') AS movement_summary;
SELECT pg_temp.xid_after('SELECT * FROM wms_orders(''-infinity'', ''infinity'', after_order_id => 1)') AS orders;
SELECT pg_temp.xid_after('SELECT * FROM wms_orders(''-infinity'', ''infinity'', after_order_id => 2, sort => ''newest'')') AS orders_newest;
SELECT pg_temp.xid_after('SELECT * FROM wms_orders(''-infinity'', ''infinity'', min_total => 0, sort => ''highest_value'')') AS orders_by_value;
SELECT pg_temp.xid_after('SELECT wms_order(1)') AS order_whole;
SELECT pg_temp.xid_after('SELECT * FROM wms_products(''widget'')') AS products;
SELECT pg_temp.xid_after('SELECT * FROM wms_inventory(1)') AS inventory;
SELECT pg_temp.xid_after('SELECT * FROM wms_audit(''-infinity'', ''infinity'')') AS audit;
SELECT pg_temp.xid_after('SELECT * FROM wms_verify()') AS verify;
SELECT pg_temp.xid_after('SELECT * FROM wms.available_to_sell') AS view;

-- The same calls in parallel workers: force_parallel_mode runs each of
-- these statements in one.
SET force_parallel_mode = on;
SELECT wms_available_to_sell(1) AS widget_available;
SELECT wms_available_to_sell(1, 1) AS widget_north;
SELECT wms_stock_as_of(1, 1, now()) AS widget_north_now;
SELECT count(*) AS days FROM wms_sales_rolling_average(1, 7);
SELECT count(*) AS hints FROM wms_reorder_hints();
SELECT count(*) AS warehouses FROM wms_stock_by_warehouse();
SELECT count(*) AS movements FROM wms_movements('-infinity', 'infinity', after_movement_id => 1);
SELECT count(*) AS reasons FROM wms_movement_summary('-infinity', 'infinity');
SELECT count(*) AS orders FROM wms_orders('-infinity', 'infinity', after_order_id => 1);
SELECT count(*) AS orders_newest FROM wms_orders('-infinity', 'infinity', after_order_id => 2, sort => 'newest');
SELECT count(*) AS orders_by_value FROM wms_orders('-infinity', 'infinity', sort => 'highest_value');
SELECT wms_order(1)->'order'->>'status' AS order_whole;
SELECT count(*) AS products FROM wms_products('widget');
SELECT count(*) AS inventory FROM wms_inventory(1);
SELECT count(*) > 0 AS audit FROM wms_audit('-infinity', 'infinity');
SELECT count(*) AS problems FROM wms_verify();
RESET force_parallel_mode;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
