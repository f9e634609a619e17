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
), fulfilled_lines AS (
    SELECT oi.order_id, oi.product_id, oi.warehouse_id, oi.quantity,
           COALESCE(pg_catalog.sum(m.quantity_change) FILTER (WHERE m.quantity_change < 0), 0)::bigint AS taken,
           pg_catalog.count(m.movement_id) FILTER (WHERE m.quantity_change < 0) AS outbound_rows
    FROM wms.order_items oi
    JOIN wms.customer_orders o ON o.order_id = oi.order_id AND o.order_status = {fulfilled}
    LEFT JOIN wms.stock_movements m
           ON m.order_id = oi.order_id AND m.product_id = oi.product_id AND m.warehouse_id = oi.warehouse_id
    GROUP BY oi.order_id, oi.product_id, oi.warehouse_id, oi.quantity
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
-- 2. reserved = sum of the lines that hold stock, and only lines of Pending orders hold
SELECT 'reserved_matches_pending', i.product_id, i.warehouse_id, COALESCE(p.total, 0), i.quantity_reserved
FROM wms.inventory i
LEFT JOIN pending p ON p.product_id = i.product_id AND p.warehouse_id = i.warehouse_id
WHERE i.quantity_reserved <> COALESCE(p.total, 0)
UNION ALL
SELECT 'holding_line_of_settled_order', oi.product_id, oi.warehouse_id, 0, oi.quantity
FROM wms.order_items oi
JOIN wms.customer_orders o ON o.order_id = oi.order_id
WHERE oi.holding AND o.order_status <> {pending}
UNION ALL
-- 3. no negative quantity, reserved within on hand
SELECT 'on_hand_nonnegative', product_id, warehouse_id, 0, quantity_on_hand
FROM wms.inventory WHERE quantity_on_hand < 0
UNION ALL
SELECT 'reserved_within_on_hand', product_id, warehouse_id, quantity_on_hand, quantity_reserved
FROM wms.inventory WHERE quantity_reserved < 0 OR quantity_reserved > quantity_on_hand
UNION ALL
-- 4. a Fulfilled order has exactly one outbound ledger row per line, of its quantity
SELECT 'fulfilled_order_ledger', product_id, warehouse_id, -quantity, taken
FROM fulfilled_lines
WHERE outbound_rows <> 1 OR taken <> -quantity
UNION ALL
-- and every ledger row of an order belongs to a line of that order, which is Fulfilled
SELECT 'order_ledger_without_line', m.product_id, m.warehouse_id, 0, m.quantity_change
FROM wms.stock_movements m
WHERE m.order_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1
      FROM wms.order_items oi
      JOIN wms.customer_orders o ON o.order_id = oi.order_id AND o.order_status = {fulfilled}
      WHERE oi.order_id = m.order_id AND oi.product_id = m.product_id AND oi.warehouse_id = m.warehouse_id)
UNION ALL
-- 5. balance_after is the running sum of the item's ledger
SELECT 'ledger_balance_after', product_id, warehouse_id, running_total, balance_after
FROM running
WHERE balance_after <> running_total
ORDER BY 1, 2, 3
