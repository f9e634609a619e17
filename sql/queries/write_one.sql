-- The order of one line, written before its caller joins the item's queue
-- (src/stock.rs, take_one_in_line): the Fulfilled order of customer $4
-- (unit price $5 as text, NULL for none: its total), its taken line of $3
-- units of product $1 in warehouse $2, and its first status-history row
-- (reason $6), by role $7 for end user $8 in request $9. The line's
-- foreign key to its inventory row is checked at commit, when the row is
-- this transaction's.
WITH o AS (
      INSERT INTO wms.customer_orders (customer_name, order_status, total)
      VALUES ($4, {fulfilled}, $3 * $5::numeric)
      RETURNING order_id
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
      SELECT order_id, $1, $2, $3, false, true, $5::numeric FROM o
  ), history AS (
      INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason,
                                            changed_by, end_user, request_id, changed_at)
      SELECT order_id, NULL, {fulfilled}, $6, $7, $8, $9, pg_catalog.clock_timestamp() FROM o
  )
  SELECT order_id FROM o
