INSERT INTO wms.inventory (product_id, warehouse_id) VALUES ($1, $2)
  ON CONFLICT (product_id, warehouse_id) DO NOTHING
