SELECT o.order_status, COALESCE({hold_expired}, false) FROM wms.customer_orders o
  WHERE o.order_id = $1 FOR UPDATE
