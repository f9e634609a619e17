-- The order of one line, written before its caller joins the item's queue
-- (src/stock.rs, take_one_in_line): the Fulfilled order of customer $4
-- (unit price $5 as text, NULL for none: its total) and its taken line of
-- $3 units of product $1 in warehouse $2. The line's foreign key to its
-- inventory row is checked at commit, when the row is this transaction's.
WITH o AS (
      INSERT INTO wms.customer_orders (customer_name, order_status, total)
      VALUES ($4, {fulfilled}, $3 * $5::numeric)
      RETURNING order_id
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
      SELECT order_id, $1, $2, $3, false, true, $5::numeric FROM o
  )
  SELECT order_id FROM o
