-- Available to sell per (product, warehouse): on hand minus what Pending
-- orders have allocated. wms_available_to_sell() reads this view, so the
-- function and the view cannot disagree; the allocation equals
-- inventory.quantity_reserved, which orders decide on (wms_verify() checks
-- that the two agree).
CREATE VIEW wms.available_to_sell AS
WITH pending_allocations AS (
    SELECT oi.product_id, oi.warehouse_id, SUM(oi.quantity)::bigint AS allocated
    FROM wms.order_items oi
    JOIN wms.customer_orders o ON o.order_id = oi.order_id
    WHERE o.order_status = 'Pending'
    GROUP BY oi.product_id, oi.warehouse_id
)
SELECT i.product_id,
       i.warehouse_id,
       i.quantity_on_hand                               AS on_hand,
       COALESCE(a.allocated, 0)                         AS allocated,
       i.quantity_on_hand - COALESCE(a.allocated, 0)    AS available
FROM wms.inventory i
LEFT JOIN pending_allocations a
       ON a.product_id = i.product_id AND a.warehouse_id = i.warehouse_id;

COMMENT ON VIEW wms.available_to_sell IS
    'on hand, allocated to Pending orders, and available to sell per (product, warehouse)';
