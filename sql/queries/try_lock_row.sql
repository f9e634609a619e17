SELECT quantity_on_hand, quantity_reserved FROM wms.inventory
  WHERE product_id = $1 AND warehouse_id = $2 FOR NO KEY UPDATE SKIP LOCKED
