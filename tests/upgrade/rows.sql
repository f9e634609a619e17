-- Every row of every table of wms, as a digest per table with its count:
-- taken before and after ALTER EXTENSION wms UPDATE, and compared. Columns
-- a later version added are left out (after.sql checks what they hold);
-- the order_transitions rows are those every version ships, and after.sql
-- checks them.
\pset format unaligned
\pset tuples_only on
SELECT t, n, d FROM (
    SELECT 'products' AS t, pg_catalog.count(*) AS n, pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) AS d FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.products y) x
    UNION ALL SELECT 'warehouses', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.warehouses y) x
    UNION ALL SELECT 'inventory', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.inventory y) x
    UNION ALL SELECT 'customer_orders', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.customer_orders y) x
    UNION ALL SELECT 'order_items', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.order_items y) x
    UNION ALL SELECT 'stock_movements', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.stock_movements y) x
    UNION ALL SELECT 'order_status_history', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x.r::text, '|' ORDER BY x.r::text)) FROM (SELECT pg_catalog.to_jsonb(y) OPERATOR(pg_catalog.-) '{total,unit_price,taken,returned,end_user,request_id}'::text[] AS r FROM wms.order_status_history y) x
) r ORDER BY t;
