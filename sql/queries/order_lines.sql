SELECT product_id, warehouse_id, quantity, holding, taken, returned FROM wms.order_items
  WHERE order_id = $1 ORDER BY product_id, warehouse_id
