-- wms_inventory($1 product, $2 warehouse or NULL for all; $3 the
-- warehouses the caller may see, NULL for all): one row per warehouse
-- that stocks the product: on hand, what live holds keep, what
-- is available, everything received (inbound ledger rows not of an order:
-- receipts, transfers in, counts up), everything sold (outbound rows of
-- orders), and when the row last changed.
SELECT i.product_id, p.sku, p.name, i.warehouse_id, i.quantity_on_hand, a.allocated, a.available,
       COALESCE(l.received, 0), COALESCE(l.sold, 0), i.updated_at
  FROM wms.inventory i
  JOIN wms.products p ON p.product_id = i.product_id
  JOIN wms.available_to_sell a ON a.product_id = i.product_id AND a.warehouse_id = i.warehouse_id
 CROSS JOIN LATERAL (
       SELECT (pg_catalog.sum(m.quantity_change)
                 FILTER (WHERE m.quantity_change > 0 AND m.order_id IS NULL))::bigint AS received,
              (-pg_catalog.sum(m.quantity_change)
                 FILTER (WHERE m.quantity_change < 0 AND m.order_id IS NOT NULL))::bigint AS sold
         FROM wms.stock_movements m
        WHERE m.product_id = i.product_id AND m.warehouse_id = i.warehouse_id) l
 WHERE i.product_id = $1 AND ($2::bigint IS NULL OR i.warehouse_id = $2)
   AND ($3::bigint[] IS NULL OR i.warehouse_id = ANY ($3))
 ORDER BY i.warehouse_id
