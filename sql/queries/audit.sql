-- wms_audit($1 from, $2 to, $3 object type or NULL for all, $4 object id
-- or NULL; $5, $6 the time and audit_id the previous page ended at, or
-- NULL; $7 page size): the trail in [$1, $2), by time then audit_id, from
-- three sources, each read in that order through an index and merged:
--   ledger rows        object 'stock' (the product), on hand before and after;
--   status changes     object 'order', the old and the new status;
--   wms.audit_log      returns ('order'), catalogue ('product', 'warehouse')
--                      and 'policy' changes.
-- An audit_id is the event's own id times four plus its kind (1, 2, 3):
-- at one time, an event of kind k comes after audit_id $6 exactly when its
-- id is above ($6 - k) / 4, so each source pages by its own index key.
SELECT * FROM (
    (SELECT m.movement_id * 4 + 1 AS audit_id, m.movement_time AS at, m.actor AS db_role,
            m.end_user, m.request_id, 'movement'::text AS action, 'stock'::text AS object_type,
            m.product_id AS object_id,
            pg_catalog.jsonb_build_object('warehouse_id', m.warehouse_id,
                                          'on_hand', m.balance_after - m.quantity_change) AS old_value,
            pg_catalog.jsonb_build_object('warehouse_id', m.warehouse_id, 'on_hand', m.balance_after,
                                          'change', m.quantity_change, 'reason', m.reason,
                                          'order_id', m.order_id, 'reference', m.reference,
                                          'movement_id', m.movement_id) AS new_value
       FROM wms.stock_movements m
      WHERE m.movement_time >= $1 AND m.movement_time < $2
        AND ($3::text IS NULL OR $3 = 'stock')
        AND ($4::bigint IS NULL OR m.product_id = $4)
        AND ($5::timestamptz IS NULL OR (m.movement_time, m.movement_id) > ($5, ($6 - 1) / 4))
      ORDER BY m.movement_time, m.movement_id
      LIMIT $7)
    UNION ALL
    (SELECT h.history_id * 4 + 2, h.changed_at, h.changed_by, h.end_user, h.request_id,
            'status', 'order', h.order_id,
            CASE WHEN h.from_status IS NOT NULL
                 THEN pg_catalog.jsonb_build_object('status', h.from_status) END,
            pg_catalog.jsonb_build_object('status', h.to_status, 'reason', h.reason)
       FROM wms.order_status_history h
      WHERE h.changed_at >= $1 AND h.changed_at < $2
        AND ($3::text IS NULL OR $3 = 'order')
        AND ($4::bigint IS NULL OR h.order_id = $4)
        AND ($5::timestamptz IS NULL OR (h.changed_at, h.history_id) > ($5, ($6 - 2) / 4))
      ORDER BY h.changed_at, h.history_id
      LIMIT $7)
    UNION ALL
    (SELECT a.event_id * 4 + 3, a.at, a.db_role, a.end_user, a.request_id,
            a.action, a.object_type, a.object_id, a.old_value, a.new_value
       FROM wms.audit_log a
      WHERE a.at >= $1 AND a.at < $2
        AND ($3::text IS NULL OR a.object_type = $3)
        AND ($4::bigint IS NULL OR a.object_id = $4)
        AND ($5::timestamptz IS NULL OR (a.at, a.event_id) > ($5, ($6 - 3) / 4))
      ORDER BY a.at, a.event_id
      LIMIT $7)
) trail
ORDER BY at, audit_id
LIMIT $7
