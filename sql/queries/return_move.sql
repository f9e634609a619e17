-- The move a return makes from status $1 once everything is back.
SELECT to_status FROM wms.order_transitions WHERE from_status = $1 AND by_return
