-- The move from $1 to $2, if wms.order_transitions lists it: whether only
-- a return makes it, and what entering $2 does to stock.
SELECT t.by_return, s.stock_effect
  FROM wms.order_transitions t
  JOIN wms.order_statuses s ON s.status = t.to_status
 WHERE t.from_status = $1 AND t.to_status = $2
