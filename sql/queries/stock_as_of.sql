-- wms_stock_as_of($1 product, $2 warehouse, $3 at): the balance after the
-- item's last ledger row recorded at or before $3, 0 before its first.
-- Ledger rows of one item are written under its row lock with the clock
-- time, so their times and movement_ids rise together.
SELECT COALESCE((
    SELECT balance_after
      FROM wms.stock_movements
     WHERE product_id = $1 AND warehouse_id = $2 AND movement_time <= $3
     ORDER BY movement_time DESC, movement_id DESC
     LIMIT 1), 0)::bigint
