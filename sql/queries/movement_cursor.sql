SELECT movement_time FROM wms.stock_movements WHERE movement_id = $1
