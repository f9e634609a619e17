SELECT order_id, order_status, request, expires_at FROM wms.customer_orders WHERE idempotency_key = $1
