-- peek.sql for one item (src/stock.rs, peek): the inventory row of
-- product $1 in warehouse $2, if there is one, by its key alone.
SELECT i.product_id, i.warehouse_id, i.quantity_on_hand, i.quantity_reserved,
       CASE WHEN i.quantity_reserved = 0 THEN 0 ELSE (
           SELECT COALESCE(pg_catalog.sum(oi.quantity), 0)::bigint
             FROM wms.order_items oi JOIN wms.customer_orders o ON o.order_id = oi.order_id
            WHERE oi.product_id = i.product_id AND oi.warehouse_id = i.warehouse_id
              AND oi.holding AND {hold_expired}) END
  FROM wms.inventory i
 WHERE i.product_id = $1 AND i.warehouse_id = $2
