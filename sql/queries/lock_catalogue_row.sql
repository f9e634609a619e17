-- Lock product $1 or warehouse $2 (after its inventory rows): no inventory
-- row can be added for it meanwhile. Whether it exists.
SELECT EXISTS (SELECT 1 FROM wms.products WHERE product_id = $1 FOR UPDATE)
    OR EXISTS (SELECT 1 FROM wms.warehouses WHERE warehouse_id = $2 FOR UPDATE)
