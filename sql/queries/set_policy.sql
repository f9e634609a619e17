UPDATE wms.inventory SET reorder_point = $3, safety_stock = $4
  WHERE product_id = $1 AND warehouse_id = $2
