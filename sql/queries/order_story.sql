-- wms_order($1): one order whole, as jsonb: its header, its lines (what
-- each holds, took and got back), its status history and its ledger rows,
-- each in order; and whether all its lines are in the warehouses $2 the
-- caller may see (NULL: all). No row for an unknown order.
SELECT pg_catalog.jsonb_build_object(
    'order', pg_catalog.jsonb_build_object(
        'order_id', o.order_id, 'customer', o.customer_name, 'status', o.order_status,
        'created_at', o.created_at, 'updated_at', o.updated_at, 'expires_at', o.expires_at,
        'total', o.total),
    'lines', COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'product_id', oi.product_id, 'warehouse_id', oi.warehouse_id,
                   'quantity', oi.quantity, 'unit_price', oi.unit_price,
                   'held', CASE WHEN oi.holding AND NOT COALESCE({hold_expired}, false)
                                THEN oi.quantity ELSE 0 END,
                   'taken', CASE WHEN oi.taken THEN oi.quantity ELSE 0 END,
                   'returned', oi.returned)
                   ORDER BY oi.product_id, oi.warehouse_id)
          FROM wms.order_items oi WHERE oi.order_id = o.order_id), '[]'),
    'history', COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'from', h.from_status, 'to', h.to_status, 'at', h.changed_at,
                   'by', h.changed_by, 'reason', h.reason)
                   ORDER BY h.history_id)
          FROM wms.order_status_history h WHERE h.order_id = o.order_id), '[]'),
    'ledger', COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'movement_id', m.movement_id, 'product_id', m.product_id,
                   'warehouse_id', m.warehouse_id, 'quantity_change', m.quantity_change,
                   'reason', m.reason, 'at', m.movement_time, 'by', m.actor,
                   'balance_after', m.balance_after)
                   ORDER BY m.movement_id)
          FROM wms.stock_movements m WHERE m.order_id = o.order_id), '[]')),
       ($2::bigint[] IS NULL OR NOT EXISTS (
         SELECT 1 FROM wms.order_items v WHERE v.order_id = o.order_id AND v.warehouse_id <> ALL ($2)))
  FROM wms.customer_orders o
 WHERE o.order_id = $1
