-- The fixture every file of the suite starts from: two warehouses, three
-- products, stock (one row near the top of bigint), a Fulfilled order and a
-- live reservation. Ids are the first of each identity sequence.
\set VERBOSITY terse
CREATE EXTENSION wms CASCADE;
SELECT wms_add_product('SKU-1', 'Widget') AS widget,
       wms_add_product('SKU-2', 'Gadget') AS gadget,
       wms_add_product('SKU-3', 'Never stocked') AS never_stocked;
SELECT wms_add_warehouse('WH-1', 'North') AS north,
       wms_add_warehouse('WH-2', 'South') AS south;
SELECT wms_receive(1, 1, 100) AS widget_north,
       wms_receive(2, 1, 50) AS gadget_north,
       wms_receive(2, 2, 9223372036854775800) AS gadget_south;
SELECT order_id, status FROM wms_place_order('alice', 1, 1, 3, 'order-1');
SELECT order_id, status
  FROM wms_reserve('bob', '[{"product_id": 1, "warehouse_id": 1, "quantity": 5}]', '1 day', 'hold-1');

-- Every row of every wms table, as (table, rows, digest): each file takes
-- it before its bad calls and compares it after them.
CREATE FUNCTION regress_contents()
RETURNS TABLE (table_name name, row_count bigint, digest text)
LANGUAGE plpgsql AS $$
DECLARE
    t name;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'wms' AND c.relkind = 'r' ORDER BY c.relname
    LOOP
        table_name := t;
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text), ''''))
                          FROM wms.%I r', t)
           INTO row_count, digest;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The tables whose rows differ from those in the temp table "before"
-- (taken from regress_contents() at the start of the file): none, when
-- the file's calls changed nothing.
CREATE FUNCTION regress_changes()
RETURNS TABLE (table_name name, rows_before bigint, rows_after bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT table_name, b.row_count, a.row_count
      FROM pg_temp.before b FULL JOIN regress_contents() a USING (table_name)
     WHERE a.digest IS DISTINCT FROM b.digest;
END
$$;

-- The tables and the fixture's rows in them.
SELECT table_name, row_count FROM regress_contents();
SELECT product_id, warehouse_id, quantity_on_hand, quantity_reserved
  FROM wms.inventory ORDER BY product_id, warehouse_id;
SELECT * FROM wms_verify();
