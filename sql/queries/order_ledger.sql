SELECT product_id, warehouse_id, -quantity_change, movement_id, balance_after
   FROM wms.stock_movements WHERE order_id = $1 AND quantity_change < 0
  ORDER BY product_id, warehouse_id, movement_id
