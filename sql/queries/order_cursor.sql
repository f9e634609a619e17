SELECT created_at FROM wms.customer_orders WHERE order_id = $1
