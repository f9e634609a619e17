SELECT 1 FROM wms.customer_orders WHERE order_id = $1
