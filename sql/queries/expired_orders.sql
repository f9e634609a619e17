SELECT o.order_id FROM wms.customer_orders o
  WHERE {hold_expired} AND o.order_id > $2
  ORDER BY o.order_id LIMIT $1
