INSERT INTO wms.products (sku, name) VALUES ($1, $2)
  ON CONFLICT (sku) DO NOTHING RETURNING product_id
