-- Warehouse $1 gets code $2 and name $3 where they are not NULL; its row
-- (none for an unknown warehouse).
UPDATE wms.warehouses SET code = COALESCE($2, code), name = COALESCE($3, name)
 WHERE warehouse_id = $1
RETURNING warehouse_id, code, name
