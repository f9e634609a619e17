-- After peek_row.sql: the inventory row of product $1 in warehouse $2, if
-- there is one, by its key alone (no arrays to unnest and join).
  FROM wms.inventory i
 WHERE i.product_id = $1 AND i.warehouse_id = $2
