-- The stock of an order written by write_one.sql, taken in the item's turn
-- (src/stock.rs, take_one_in_line; the queue is held): the row of product
-- $1 in warehouse $2 loses $3 units only when it has them and no
-- reservation counts against it (otherwise nothing is written). Then order
-- $4's ledger row (reason $8), by role $5 for end user $6 in request $7.
-- Returns what take_one.sql returns.
WITH stock AS (
      UPDATE wms.inventory
         SET quantity_on_hand = quantity_on_hand - $3, updated_at = pg_catalog.now()
       WHERE product_id = $1 AND warehouse_id = $2
         AND quantity_reserved = 0 AND quantity_on_hand >= $3
      RETURNING quantity_on_hand, reorder_point
  ), ledger AS (
      INSERT INTO wms.stock_movements
             (product_id, warehouse_id, quantity_change, reason, order_id, balance_after,
              actor, end_user, request_id)
      SELECT $1, $2, -$3, $8, $4, s.quantity_on_hand, $5, $6, $7 FROM stock s
      RETURNING movement_id, balance_after
  )
  SELECT $4, l.movement_id, l.balance_after, s.reorder_point
    FROM ledger l, stock s
