SELECT EXISTS (SELECT 1 FROM wms.order_transitions WHERE from_status = $1 AND to_status = $2)
