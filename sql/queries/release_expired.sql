UPDATE wms.order_items oi SET holding = false
    FROM wms.customer_orders o
   WHERE o.order_id = oi.order_id AND oi.product_id = $1 AND oi.warehouse_id = $2
     AND oi.holding AND {hold_expired}
  RETURNING oi.quantity
