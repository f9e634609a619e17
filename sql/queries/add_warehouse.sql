INSERT INTO wms.warehouses (code, name) VALUES ($1, $2)
  ON CONFLICT (code) DO NOTHING RETURNING warehouse_id
