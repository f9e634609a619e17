-- Product $1 gets SKU $2 and name $3 where they are not NULL (its row
-- locked first): its row after and before; none for an unknown product.
WITH old AS (
      SELECT product_id, sku, name FROM wms.products WHERE product_id = $1 FOR UPDATE
  )
  UPDATE wms.products p SET sku = COALESCE($2, old.sku), name = COALESCE($3, old.name)
    FROM old
   WHERE p.product_id = old.product_id
  RETURNING p.product_id, p.sku, p.name, old.sku, old.name
