-- Remove product $1 or warehouse $2 with its inventory rows (which have
-- no history: checked under their locks before).
WITH items AS (
      DELETE FROM wms.inventory WHERE product_id = $1 OR warehouse_id = $2
  ), product AS (
      DELETE FROM wms.products WHERE product_id = $1
  )
  DELETE FROM wms.warehouses WHERE warehouse_id = $2
