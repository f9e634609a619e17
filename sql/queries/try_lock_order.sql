SELECT order_status, COALESCE(wms.hold_expired(order_status, expires_at), false) FROM wms.customer_orders
  WHERE order_id = $1 FOR UPDATE SKIP LOCKED
