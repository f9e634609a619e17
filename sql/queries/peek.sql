SELECT i.product_id, i.warehouse_id, i.quantity_on_hand, i.quantity_reserved,
       CASE WHEN i.quantity_reserved = 0 THEN 0 ELSE (
           SELECT COALESCE(pg_catalog.sum(oi.quantity), 0)::bigint
             FROM wms.order_items oi JOIN wms.customer_orders o ON o.order_id = oi.order_id
            WHERE oi.product_id = i.product_id AND oi.warehouse_id = i.warehouse_id
              AND oi.holding AND {hold_expired}) END
  FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::bigint[])) AS l(product_id, warehouse_id)
  JOIN wms.inventory i ON i.product_id = l.product_id AND i.warehouse_id = l.warehouse_id
