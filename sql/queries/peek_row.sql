-- The select list of a look at the snapshot (src/stock.rs, peek), over an
-- inventory row i: its key, on hand, reserved, and the part of reserved
-- held by expired reservations. peek.sql and peek_one.sql follow it with
-- the rows to read.
SELECT i.product_id, i.warehouse_id, i.quantity_on_hand, i.quantity_reserved,
       CASE WHEN i.quantity_reserved = 0 THEN 0 ELSE (
           SELECT COALESCE(pg_catalog.sum(oi.quantity), 0)::bigint
             FROM wms.order_items oi JOIN wms.customer_orders o ON o.order_id = oi.order_id
            WHERE oi.product_id = i.product_id AND oi.warehouse_id = i.warehouse_id
              AND oi.holding AND {hold_expired}) END
