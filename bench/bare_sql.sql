-- bare_sql: the same work as one hand-written statement in autocommit: a
-- conditional decrement, and the order, its line, its ledger row, its
-- history row and the wms_stock notification (docs/design.md, "Stock events") only when
-- the decrement took place.
-- The product: zipfian over :skus (always 1 when there is one).
\set p random_zipfian(1, :skus, 1.01)
WITH stock AS (
    UPDATE wms.inventory SET quantity_on_hand = quantity_on_hand - 1, updated_at = now()
     WHERE product_id = (:p)::bigint AND warehouse_id = 1 AND quantity_on_hand - quantity_reserved >= 1
    RETURNING quantity_on_hand, quantity_reserved
), o AS (
    INSERT INTO wms.customer_orders (customer_name, order_status)
    SELECT 'bench-' || :client_id, 'Fulfilled' FROM stock RETURNING order_id
), l AS (
    INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, taken)
    SELECT order_id, (:p)::bigint, 1, 1, true FROM o
), m AS (
    INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, order_id, balance_after)
    SELECT (:p)::bigint, 1, -1, 'Sale', o.order_id, stock.quantity_on_hand FROM o, stock
    RETURNING movement_id, quantity_change
), n AS (
    SELECT pg_notify('wms_stock', json_build_object(
               'product_id', (:p)::bigint, 'warehouse_id', 1, 'on_hand', s.quantity_on_hand,
               'available', s.quantity_on_hand - s.quantity_reserved, 'movement_id', m.movement_id)::text)
      FROM stock s, m
), h AS (
    INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason)
    SELECT order_id, NULL, 'Fulfilled', 'placed' FROM o
)
SELECT (SELECT count(*) FROM o) AS sold, (SELECT count(*) FROM n) AS announced;
