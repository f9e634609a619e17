-- Product $1 gets SKU $2 and name $3 where they are not NULL; its row
-- (none for an unknown product).
UPDATE wms.products SET sku = COALESCE($2, sku), name = COALESCE($3, name)
 WHERE product_id = $1
RETURNING product_id, sku, name
