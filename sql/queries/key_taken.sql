-- Whether SKU ($1) or warehouse code ($2) belongs to another product or
-- warehouse than $3.
SELECT EXISTS (SELECT 1 FROM wms.products WHERE sku = $1 AND product_id <> $3)
    OR EXISTS (SELECT 1 FROM wms.warehouses WHERE code = $2 AND warehouse_id <> $3)
