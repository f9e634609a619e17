WITH o AS (
      UPDATE wms.customer_orders SET order_status = $2, updated_at = pg_catalog.now()
       WHERE order_id = ANY($1) RETURNING order_id
  ), settled AS (
      UPDATE wms.order_items SET holding = false WHERE order_id = ANY($1) AND holding
  )
  INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason)
  SELECT order_id, $3, $2, $4 FROM o
