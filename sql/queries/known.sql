SELECT $1::bigint IS NULL OR EXISTS (SELECT 1 FROM wms.products WHERE product_id = $1),
  $2::bigint IS NULL OR EXISTS (SELECT 1 FROM wms.warehouses WHERE warehouse_id = $2)
