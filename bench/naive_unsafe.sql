-- naive_unsafe: the same protocol without FOR UPDATE, writing the stock it
-- computed from what it read. Concurrent buyers overwrite each other: it
-- oversells, and the checks after the run say so.
-- The product: zipfian over :skus (always 1 when there is one).
\set p random_zipfian(1, :skus, 1.01)
BEGIN;
WITH o AS (
    INSERT INTO wms.customer_orders (customer_name) VALUES ('bench-' || :client_id) RETURNING order_id
), h AS (
    INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason)
    SELECT order_id, NULL, 'Pending', 'placed' FROM o
)
SELECT order_id FROM o \gset
SELECT quantity_on_hand AS on_hand, quantity_on_hand - quantity_reserved AS available FROM wms.inventory
 WHERE product_id = :p AND warehouse_id = 1 \gset
\if :available >= 1
UPDATE wms.inventory SET quantity_on_hand = :on_hand - 1, updated_at = now()
 WHERE product_id = :p AND warehouse_id = 1;
WITH l AS (
    INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, taken) VALUES (:order_id, :p, 1, 1, true)
), m AS (
    INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, order_id, balance_after)
    VALUES (:p, 1, -1, 'Sale', :order_id, :on_hand - 1) RETURNING movement_id
)
SELECT pg_notify('wms_stock', json_build_object('product_id', (:p)::bigint, 'warehouse_id', 1, 'on_hand', (:on_hand)::bigint - 1,
                 'available', :available - 1, 'movement_id', movement_id)::text) FROM m;
WITH h AS (
    INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason)
    VALUES (:order_id, 'Pending', 'Fulfilled', 'fulfilled')
)
UPDATE wms.customer_orders SET order_status = 'Fulfilled', updated_at = now() WHERE order_id = :order_id;
COMMIT;
\else
ROLLBACK;
\endif
