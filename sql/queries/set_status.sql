-- Orders $1 move from $3 to $2, whose stock effect is $5, for reason $4
-- (by role $6 for end user $7 in request $8, at the clock's time, so that
-- the audit trail orders it among the ledger rows):
-- a status that takes or releases ends the lines' hold (a take marks them
-- taken), one that holds ends the reservation's expiry.
WITH o AS (
      UPDATE wms.customer_orders
         SET order_status = $2, updated_at = pg_catalog.now(),
             expires_at = CASE WHEN $5 = 'hold' THEN NULL ELSE expires_at END
       WHERE order_id = ANY($1) RETURNING order_id
  ), settled AS (
      UPDATE wms.order_items SET holding = false, taken = ($5 = 'take')
       WHERE order_id = ANY($1) AND holding AND $5 IN ('take', 'release')
  )
  INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason,
                                        changed_by, end_user, request_id, changed_at)
  SELECT order_id, $3, $2, $4, $6, $7, $8, pg_catalog.clock_timestamp() FROM o
