-- wms_orders($1 from, $2 to, $3 status or NULL for all; $4, $5 the
-- created_at and order_id of the last row of the previous page, or NULL
-- for the first; $6 page size): the orders created in [$1, $2), oldest
-- first, with their number of lines and units. Keyset pagination on
-- (created_at, order_id), no OFFSET.
SELECT o.order_id, o.customer_name, o.order_status, o.created_at, o.updated_at, o.expires_at,
       l.lines, l.units
  FROM wms.customer_orders o
 CROSS JOIN LATERAL (
       SELECT pg_catalog.count(*) AS lines, COALESCE(pg_catalog.sum(oi.quantity), 0) AS units
         FROM wms.order_items oi
        WHERE oi.order_id = o.order_id) l
 WHERE o.created_at >= $1 AND o.created_at < $2
   AND ($3::text IS NULL OR o.order_status = $3)
   AND ($4::timestamptz IS NULL OR (o.created_at, o.order_id) > ($4, $5))
 ORDER BY o.created_at, o.order_id
 LIMIT $6
