-- wms_audit($1 from, $2 to, $3 object type or NULL for all, $4 object id
-- or NULL; $5, $6 the time and audit_id the previous page ended at, or
-- NULL; $7 page size; $8 the warehouses the caller may see, NULL for all):
-- the trail in [$1, $2), by time then audit_id, from three sources, each read in that order through an index and merged:
--   ledger rows        object 'stock' (the product), on hand before and after;
--   status changes     object 'order', the old and the new status;
--   wms.audit_log      returns ('order'), catalogue ('product', 'warehouse')
--                      'policy' and 'grant' changes.
-- A caller scoped to warehouses sees the movements of its warehouses, the
-- orders all of whose lines are in them, every product change, and the
-- changes of its warehouses and of their policies and grants.
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
        AND ($8::bigint[] IS NULL OR m.warehouse_id = ANY ($8))
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
        AND ($8::bigint[] IS NULL OR NOT EXISTS (
              SELECT 1 FROM wms.order_items v WHERE v.order_id = h.order_id AND v.warehouse_id <> ALL ($8)))
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
        AND ($8::bigint[] IS NULL OR CASE a.object_type
              WHEN 'product' THEN true
              WHEN 'warehouse' THEN a.object_id = ANY ($8)
              WHEN 'order' THEN NOT EXISTS (
                  SELECT 1 FROM wms.order_items v WHERE v.order_id = a.object_id AND v.warehouse_id <> ALL ($8))
              ELSE (COALESCE(a.new_value, a.old_value) ->> 'warehouse_id')::bigint = ANY ($8)
            END)
      ORDER BY a.at, a.event_id
      LIMIT $7)
) trail
ORDER BY at, audit_id
LIMIT $7
