-- The invariants wms_verify() checks; a row is a violation.
WITH ledger AS (
    SELECT product_id, warehouse_id, pg_catalog.sum(quantity_change)::bigint AS total
    FROM wms.stock_movements
    GROUP BY product_id, warehouse_id
), pending AS (
    SELECT oi.product_id, oi.warehouse_id, pg_catalog.sum(oi.quantity)::bigint AS total
    FROM wms.order_items oi
    WHERE oi.holding
    GROUP BY oi.product_id, oi.warehouse_id
), line_ledger AS (
    -- Per order line: what its ledger rows took and brought back, and what
    -- its returns say came back and was restocked.
    SELECT oi.order_id, oi.product_id, oi.warehouse_id, oi.quantity, oi.taken AS is_taken, oi.returned,
           COALESCE(pg_catalog.sum(m.quantity_change) FILTER (WHERE m.quantity_change < 0), 0)::bigint AS taken,
           pg_catalog.count(m.movement_id) FILTER (WHERE m.quantity_change < 0) AS outbound_rows,
           COALESCE(pg_catalog.sum(m.quantity_change) FILTER (WHERE m.quantity_change > 0), 0)::bigint AS restocked,
           (SELECT COALESCE(pg_catalog.sum(r.quantity), 0)::bigint FROM wms.order_returns r
             WHERE r.order_id = oi.order_id AND r.product_id = oi.product_id AND r.warehouse_id = oi.warehouse_id) AS recorded,
           (SELECT COALESCE(pg_catalog.sum(r.quantity) FILTER (WHERE r.movement_id IS NOT NULL), 0)::bigint
              FROM wms.order_returns r
             WHERE r.order_id = oi.order_id AND r.product_id = oi.product_id AND r.warehouse_id = oi.warehouse_id) AS recorded_restocked
    FROM wms.order_items oi
    LEFT JOIN wms.stock_movements m
           ON m.order_id = oi.order_id AND m.product_id = oi.product_id AND m.warehouse_id = oi.warehouse_id
    GROUP BY oi.order_id, oi.product_id, oi.warehouse_id, oi.quantity, oi.taken, oi.returned
), returned_into AS (
    -- The statuses a return moves an order into.
    SELECT DISTINCT to_status AS status FROM wms.order_transitions WHERE by_return
), running AS (
    SELECT product_id, warehouse_id, movement_id, balance_after,
           pg_catalog.sum(quantity_change) OVER (PARTITION BY product_id, warehouse_id ORDER BY movement_id)::bigint AS running_total
    FROM wms.stock_movements
)
-- 1. on hand = sum of the ledger
SELECT 'on_hand_matches_ledger'::text AS check_name,
       COALESCE(i.product_id, l.product_id) AS product_id,
       COALESCE(i.warehouse_id, l.warehouse_id) AS warehouse_id,
       COALESCE(l.total, 0) AS expected,
       i.quantity_on_hand AS actual
FROM wms.inventory i
FULL JOIN ledger l ON l.product_id = i.product_id AND l.warehouse_id = i.warehouse_id
WHERE i.quantity_on_hand IS DISTINCT FROM COALESCE(l.total, 0)
UNION ALL
-- 2. reserved = sum of the lines that hold stock, and only lines of orders in a status that holds hold
SELECT 'reserved_matches_pending', i.product_id, i.warehouse_id, COALESCE(p.total, 0), i.quantity_reserved
FROM wms.inventory i
LEFT JOIN pending p ON p.product_id = i.product_id AND p.warehouse_id = i.warehouse_id
WHERE i.quantity_reserved <> COALESCE(p.total, 0)
UNION ALL
SELECT 'holding_line_of_settled_order', oi.product_id, oi.warehouse_id, 0, oi.quantity
FROM wms.order_items oi
JOIN wms.customer_orders o ON o.order_id = oi.order_id
WHERE oi.holding
  AND NOT EXISTS (SELECT 1 FROM wms.order_statuses s WHERE s.status = o.order_status AND s.stock_effect = 'hold')
UNION ALL
-- every order is in a status wms.order_statuses lists
SELECT 'order_status_unknown', NULL, NULL, NULL, o.order_id
FROM wms.customer_orders o
WHERE NOT EXISTS (SELECT 1 FROM wms.order_statuses s WHERE s.status = o.order_status)
UNION ALL
-- 3. no negative quantity, reserved within on hand
SELECT 'on_hand_nonnegative', product_id, warehouse_id, 0, quantity_on_hand
FROM wms.inventory WHERE quantity_on_hand < 0
UNION ALL
SELECT 'reserved_within_on_hand', product_id, warehouse_id, quantity_on_hand, quantity_reserved
FROM wms.inventory WHERE quantity_reserved < 0 OR quantity_reserved > quantity_on_hand
UNION ALL
-- 4. a taken line has exactly one outbound ledger row, of its quantity;
-- a line not taken has none
SELECT 'taken_line_ledger', product_id, warehouse_id,
       CASE WHEN is_taken THEN -quantity ELSE 0 END, taken
FROM line_ledger
WHERE outbound_rows <> CASE WHEN is_taken THEN 1 ELSE 0 END
   OR taken <> CASE WHEN is_taken THEN -quantity ELSE 0 END
UNION ALL
-- and every ledger row of an order belongs to a line of that order
SELECT 'order_ledger_without_line', m.product_id, m.warehouse_id, 0, m.quantity_change
FROM wms.stock_movements m
WHERE m.order_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM wms.order_items oi
      WHERE oi.order_id = m.order_id AND oi.product_id = m.product_id AND oi.warehouse_id = m.warehouse_id)
UNION ALL
-- 5. returns: a line's returned is what its returns record, never more
-- than it took; its inbound ledger rows are exactly its restocked returns,
-- each return's row of its item, order, quantity and reason
SELECT 'returned_matches_returns', product_id, warehouse_id, recorded, returned
FROM line_ledger
WHERE returned <> recorded
UNION ALL
SELECT 'returned_within_taken', product_id, warehouse_id, -taken, recorded
FROM line_ledger
WHERE recorded > -taken
UNION ALL
SELECT 'return_ledger', product_id, warehouse_id, recorded_restocked, restocked
FROM line_ledger
WHERE restocked <> recorded_restocked
UNION ALL
SELECT 'return_movement', r.product_id, r.warehouse_id, r.quantity, m.quantity_change
FROM wms.order_returns r
JOIN wms.stock_movements m ON m.movement_id = r.movement_id
WHERE m.order_id IS DISTINCT FROM r.order_id OR m.product_id <> r.product_id
   OR m.warehouse_id <> r.warehouse_id OR m.quantity_change <> r.quantity OR m.reason <> {return_reason}
UNION ALL
-- an order is in a status a return moves into exactly when all it took came back
SELECT 'returned_order', NULL, NULL,
       pg_catalog.sum(oi.quantity)::bigint, pg_catalog.sum(oi.returned)::bigint
FROM wms.customer_orders o
JOIN wms.order_items oi ON oi.order_id = o.order_id
GROUP BY o.order_id, o.order_status
HAVING (o.order_status IN (SELECT status FROM returned_into))
       <> (pg_catalog.bool_and(oi.taken) AND pg_catalog.sum(oi.returned) = pg_catalog.sum(oi.quantity))
UNION ALL
-- 6. balance_after is the running sum of the item's ledger
SELECT 'ledger_balance_after', product_id, warehouse_id, running_total, balance_after
FROM running
WHERE balance_after <> running_total
ORDER BY 1, 2, 3
