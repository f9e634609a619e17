SELECT order_id FROM wms.customer_orders
  WHERE wms.hold_expired(order_status, expires_at) AND order_id > $2
  ORDER BY order_id LIMIT $1
