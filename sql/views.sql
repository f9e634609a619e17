-- Available to sell per (product, warehouse): on hand minus what live
-- holds keep (lines holding stock, of an order in a status that holds,
-- unless it is a Pending reservation that has expired).
-- An expired reservation never counts, swept or not. wms_available_to_sell()
-- reads this view, and orders decide on the same rule: the complement of
-- HOLD_EXPIRED in src/vocabulary.rs (a test checks that they agree).
CREATE VIEW wms.available_to_sell AS
WITH pending_allocations AS (
    SELECT oi.product_id, oi.warehouse_id, pg_catalog.sum(oi.quantity)::bigint AS allocated
    FROM wms.order_items oi
    JOIN wms.customer_orders o ON o.order_id = oi.order_id
    WHERE oi.holding
      AND NOT COALESCE(o.order_status = 'Pending' AND o.expires_at <= pg_catalog.now(), false)
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
    'on hand, allocated to live reservations, and available to sell per (product, warehouse)';
