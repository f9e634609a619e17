-- Order $1, its line and its history row, written by write_one.sql in
-- this transaction, removed again when the item had not the units at its
-- turn: no other transaction ever saw them (the history's trigger,
-- wms.history_append_only, lets this statement alone remove them:
-- src/guard.rs, taking_back).
WITH history AS (
      DELETE FROM wms.order_status_history WHERE order_id = $1
  ), items AS (
      DELETE FROM wms.order_items WHERE order_id = $1
  )
  DELETE FROM wms.customer_orders WHERE order_id = $1
