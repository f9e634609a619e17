WITH change AS (
      SELECT * FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::bigint[]),
                          pg_catalog.unnest($3::bigint[]), pg_catalog.unnest($4::bigint[]))
          AS c(product_id, warehouse_id, on_hand_change, reserved_change)
  ), updated AS (
      UPDATE wms.inventory i
         SET quantity_on_hand = i.quantity_on_hand + c.on_hand_change,
             quantity_reserved = i.quantity_reserved + c.reserved_change,
             updated_at = pg_catalog.now()
        FROM change c
       WHERE i.product_id = c.product_id AND i.warehouse_id = c.warehouse_id
      RETURNING i.product_id, i.warehouse_id, i.quantity_on_hand, i.quantity_reserved, c.on_hand_change,
                i.reorder_point
  ), ledger AS (
      INSERT INTO wms.stock_movements
             (product_id, warehouse_id, quantity_change, reason, order_id, reference, balance_after,
              actor, end_user, request_id)
      SELECT product_id, warehouse_id, on_hand_change, $5, $6, $7, quantity_on_hand, $8, $9, $10
        FROM updated WHERE on_hand_change <> 0
      RETURNING movement_id, product_id, warehouse_id
  )
  SELECT u.product_id, u.warehouse_id, u.quantity_on_hand, u.quantity_reserved, l.movement_id,
         u.reorder_point
    FROM updated u LEFT JOIN ledger l
         ON l.product_id = u.product_id AND l.warehouse_id = u.warehouse_id
   ORDER BY u.product_id, u.warehouse_id
