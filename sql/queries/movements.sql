-- wms_movements($1 from, $2 to, $3 reason, $4 product, $5 warehouse, each
-- filter NULL for all; $6, $7 the movement_time and movement_id of the
-- last row of the previous page, or NULL for the first; $8 page size; $9
-- the warehouses the caller may see, NULL for all):
-- the ledger rows recorded in [$1, $2), oldest first. Keyset pagination on
-- (movement_time, movement_id), no OFFSET: every page starts with an index
-- lookup, however deep it is.
SELECT m.movement_id, m.movement_time, m.product_id, m.warehouse_id,
       m.quantity_change, m.balance_after, m.reason, m.order_id, m.reference, m.actor
  FROM wms.stock_movements m
 WHERE m.movement_time >= $1 AND m.movement_time < $2
   AND ($3::text IS NULL OR m.reason = $3)
   AND ($4::bigint IS NULL OR m.product_id = $4)
   AND ($5::bigint IS NULL OR m.warehouse_id = $5)
   AND ($9::bigint[] IS NULL OR m.warehouse_id = ANY ($9))
   AND ($6::timestamptz IS NULL OR (m.movement_time, m.movement_id) > ($6, $7))
 ORDER BY m.movement_time, m.movement_id
 LIMIT $8
