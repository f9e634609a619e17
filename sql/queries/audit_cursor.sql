-- When the event of audit_id $1 happened: an audit_id is the event's own
-- id times four plus its kind (1 a ledger row, 2 a status change, 3 a row
-- of wms.audit_log). No row for an id that names none.
SELECT m.movement_time FROM wms.stock_movements m
 WHERE $1 % 4 = 1 AND m.movement_id = $1 / 4
UNION ALL
SELECT h.changed_at FROM wms.order_status_history h
 WHERE $1 % 4 = 2 AND h.history_id = $1 / 4
UNION ALL
SELECT a.at FROM wms.audit_log a
 WHERE $1 % 4 = 3 AND a.event_id = $1 / 4
