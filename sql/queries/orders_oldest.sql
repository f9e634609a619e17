-- wms_orders, sort 'oldest' ($1 from, $2 to, $3 status or NULL for all;
-- $4, $5, $6 the created_at, total (-1 for none) and order_id of the last
-- row of the previous page, NULL for the first; $7 page size; $8, $9 the
-- least and greatest total, or NULL; $10 the warehouses the caller may
-- see, NULL for all: an order is seen when all its lines are): the orders created in [$1, $2),
-- oldest first, paged by (created_at, order_id), with their number of lines and units. No OFFSET: a page starts
-- after the key of the last row.
SELECT o.order_id, o.customer_name, o.order_status, o.created_at, o.updated_at, o.expires_at,
       l.lines, l.units, o.total
  FROM wms.customer_orders o
 CROSS JOIN LATERAL (
       SELECT pg_catalog.count(*) AS lines, COALESCE(pg_catalog.sum(oi.quantity), 0) AS units
         FROM wms.order_items oi
        WHERE oi.order_id = o.order_id) l
 WHERE o.created_at >= $1 AND o.created_at < $2
   AND ($3::text IS NULL OR o.order_status = $3)
   AND ($6::bigint IS NULL OR (o.created_at, o.order_id) > ($4, $6))
   AND ($8::numeric IS NULL OR (o.total IS NOT NULL AND COALESCE(o.total, -1) >= $8))
   AND ($9::numeric IS NULL OR (o.total IS NOT NULL AND COALESCE(o.total, -1) <= $9))
   AND ($10::bigint[] IS NULL OR NOT EXISTS (
         SELECT 1 FROM wms.order_items v WHERE v.order_id = o.order_id AND v.warehouse_id <> ALL ($10)))
 ORDER BY o.created_at, o.order_id
 LIMIT $7
