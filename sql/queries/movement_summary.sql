-- wms_movement_summary($1 from, $2 to, $3 product, $4 warehouse, each
-- filter NULL for all; $5 the warehouses the caller may see, NULL for all): per reason, the ledger rows recorded in [$1, $2)
-- and the units they brought in and took out.
SELECT m.reason,
       pg_catalog.count(*) AS movements,
       COALESCE(pg_catalog.sum(m.quantity_change) FILTER (WHERE m.quantity_change > 0), 0) AS units_in,
       COALESCE(-pg_catalog.sum(m.quantity_change) FILTER (WHERE m.quantity_change < 0), 0) AS units_out
  FROM wms.stock_movements m
 WHERE m.movement_time >= $1 AND m.movement_time < $2
   AND ($3::bigint IS NULL OR m.product_id = $3)
   AND ($4::bigint IS NULL OR m.warehouse_id = $4)
   AND ($5::bigint[] IS NULL OR m.warehouse_id = ANY ($5))
 GROUP BY m.reason
 ORDER BY m.reason
