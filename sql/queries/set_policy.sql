-- Item ($1, $2) gets reorder point $3 and safety stock $4 (its row locked
-- before); the policy before and after.
WITH old AS (
      SELECT reorder_point, safety_stock FROM wms.inventory
       WHERE product_id = $1 AND warehouse_id = $2
  )
  UPDATE wms.inventory i SET reorder_point = $3, safety_stock = $4
    FROM old
   WHERE i.product_id = $1 AND i.warehouse_id = $2
  RETURNING old.reorder_point, old.safety_stock
