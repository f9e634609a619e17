-- Warehouse $1 gets code $2 and name $3 where they are not NULL (its row
-- locked first): its row after and before; none for an unknown warehouse.
WITH old AS (
      SELECT warehouse_id, code, name FROM wms.warehouses WHERE warehouse_id = $1 FOR UPDATE
  )
  UPDATE wms.warehouses w SET code = COALESCE($2, old.code), name = COALESCE($3, old.name)
    FROM old
   WHERE w.warehouse_id = old.warehouse_id
  RETURNING w.warehouse_id, w.code, w.name, old.code, old.name
