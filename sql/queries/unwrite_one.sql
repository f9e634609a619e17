-- Order $1 and its line, written by write_one.sql in this transaction,
-- removed again when the item had not the units at its turn: no other
-- transaction ever saw them.
WITH items AS (
      DELETE FROM wms.order_items WHERE order_id = $1
  )
  DELETE FROM wms.customer_orders WHERE order_id = $1
