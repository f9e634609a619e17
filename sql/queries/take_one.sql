-- One line taken from stock together with its order, in one statement
-- (src/stock.rs, take_one; the item's queue is held): the row of product
-- $1 in warehouse $2 loses $3 units only when it has them and no
-- reservation counts against it (otherwise nothing is written and the
-- general path decides). Then the Fulfilled order of customer $4 (unit
-- price $5 as text, NULL for none: its total), its line, its first
-- status-history row (reason $6), its ledger row (reason $10), by role
-- $7 for end user $8 in request $9. Returns the item's reorder point too,
-- for its events (stock.rs, announce).
WITH stock AS (
      UPDATE wms.inventory
         SET quantity_on_hand = quantity_on_hand - $3, updated_at = pg_catalog.now()
       WHERE product_id = $1 AND warehouse_id = $2
         AND quantity_reserved = 0 AND quantity_on_hand >= $3
      RETURNING quantity_on_hand, reorder_point
  ), o AS (
      INSERT INTO wms.customer_orders (customer_name, order_status, total)
      SELECT $4, {fulfilled}, $3 * $5::numeric FROM stock
      RETURNING order_id
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
      SELECT order_id, $1, $2, $3, false, true, $5::numeric FROM o
  ), history AS (
      INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason,
                                            changed_by, end_user, request_id, changed_at)
      SELECT order_id, NULL, {fulfilled}, $6, $7, $8, $9, pg_catalog.clock_timestamp() FROM o
  ), ledger AS (
      INSERT INTO wms.stock_movements
             (product_id, warehouse_id, quantity_change, reason, order_id, balance_after,
              actor, end_user, request_id)
      SELECT $1, $2, -$3, $10, o.order_id, s.quantity_on_hand, $7, $8, $9 FROM o, stock s
      RETURNING movement_id, balance_after
  )
  SELECT o.order_id, l.movement_id, l.balance_after, s.reorder_point
    FROM o, ledger l, stock s
