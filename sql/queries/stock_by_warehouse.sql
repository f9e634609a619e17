-- wms_stock_by_warehouse($1 warehouse or NULL for all; $2 the warehouses
-- the caller may see, NULL for all): per warehouse,
-- how many products it has in stock and the units on hand, allocated to
-- live reservations and available, summed over its items as
-- wms.available_to_sell counts them; warehouses holding nothing give zeros.
SELECT w.warehouse_id, w.code, w.name,
       pg_catalog.count(a.product_id) FILTER (WHERE a.on_hand > 0) AS products_in_stock,
       COALESCE(pg_catalog.sum(a.on_hand), 0) AS on_hand,
       COALESCE(pg_catalog.sum(a.allocated), 0) AS allocated,
       COALESCE(pg_catalog.sum(a.available), 0) AS available
  FROM wms.warehouses w
  LEFT JOIN wms.available_to_sell a ON a.warehouse_id = w.warehouse_id
 WHERE ($1::bigint IS NULL OR w.warehouse_id = $1)
   AND ($2::bigint[] IS NULL OR w.warehouse_id = ANY ($2))
 GROUP BY w.warehouse_id, w.code, w.name
 ORDER BY w.warehouse_id
