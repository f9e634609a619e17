-- What entering status $1 does to stock; no row for an unknown status.
SELECT stock_effect FROM wms.order_statuses WHERE status = $1
