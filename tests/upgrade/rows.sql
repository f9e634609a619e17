-- Every row of every table of wms, as a digest per table with its count:
-- taken before and after ALTER EXTENSION wms UPDATE, and compared.
\pset format unaligned
\pset tuples_only on
SELECT t, n, d FROM (
    SELECT 'products' AS t, pg_catalog.count(*) AS n, pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) AS d FROM wms.products x
    UNION ALL SELECT 'warehouses', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.warehouses x
    UNION ALL SELECT 'inventory', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.inventory x
    UNION ALL SELECT 'customer_orders', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.customer_orders x
    UNION ALL SELECT 'order_items', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.order_items x
    UNION ALL SELECT 'order_transitions', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.order_transitions x
    UNION ALL SELECT 'stock_movements', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.stock_movements x
    UNION ALL SELECT 'order_status_history', pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(x::text, '|' ORDER BY x::text)) FROM wms.order_status_history x
) r ORDER BY t;
