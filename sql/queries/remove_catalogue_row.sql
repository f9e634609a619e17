-- Remove product $1 or warehouse $2 with its inventory rows (which have
-- no history: checked under their locks before); its key and name.
WITH items AS (
      DELETE FROM wms.inventory WHERE product_id = $1 OR warehouse_id = $2
  ), product AS (
      DELETE FROM wms.products WHERE product_id = $1 RETURNING sku AS key, name
  ), warehouse AS (
      DELETE FROM wms.warehouses WHERE warehouse_id = $2 RETURNING code AS key, name
  )
  SELECT key, name FROM product UNION ALL SELECT key, name FROM warehouse
