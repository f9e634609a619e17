-- Where a page of wms_orders that ended at order $1 ends, in each sort's key.
SELECT created_at, COALESCE(total, -1) FROM wms.customer_orders WHERE order_id = $1
