-- The inventory rows of product $1, or of warehouse $2.
SELECT product_id, warehouse_id FROM wms.inventory
 WHERE product_id = $1 OR warehouse_id = $2
 ORDER BY product_id, warehouse_id
