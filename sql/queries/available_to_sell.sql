-- wms_available_to_sell($1 product, $2 warehouse or NULL for all, $3 the
-- warehouses the caller may see, NULL for all): the wms.available_to_sell
-- view's available, summed.
SELECT COALESCE(pg_catalog.sum(available), 0)::bigint
  FROM wms.available_to_sell
 WHERE product_id = $1 AND ($2::bigint IS NULL OR warehouse_id = $2)
   AND ($3::bigint[] IS NULL OR warehouse_id = ANY ($3))
