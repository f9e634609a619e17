-- The stock changes of a batch of orders (wms_submit_order), through the
-- door (src/stock.rs, apply_batch): ledger rows of products $1 in
-- warehouses $2, changes $3 leaving balances $4, for orders $5, by roles
-- $6 for end users $7 in requests $8, all for reason $9; and each changed
-- inventory row ($10 products, $11 warehouses) once, by on hand change $12
-- and reserved change $13. Answers each ledger row's place in $1 (from 1),
-- its movement_id and the row's reorder point.
WITH m AS MATERIALIZED (
      SELECT * FROM ROWS FROM (pg_catalog.unnest($1::bigint[]), pg_catalog.unnest($2::bigint[]),
                               pg_catalog.unnest($3::bigint[]), pg_catalog.unnest($4::bigint[]),
                               pg_catalog.unnest($5::bigint[]), pg_catalog.unnest($6::text[]),
                               pg_catalog.unnest($7::text[]), pg_catalog.unnest($8::text[]))
             WITH ORDINALITY AS m(product_id, warehouse_id, quantity_change, balance_after, order_id,
                                  actor, end_user, request_id, n)
  ), t AS (
      SELECT * FROM ROWS FROM (pg_catalog.unnest($10::bigint[]), pg_catalog.unnest($11::bigint[]),
                               pg_catalog.unnest($12::bigint[]), pg_catalog.unnest($13::bigint[]))
             AS t(product_id, warehouse_id, on_hand_change, reserved_change)
  ), updated AS (
      UPDATE wms.inventory i
         SET quantity_on_hand = i.quantity_on_hand + t.on_hand_change,
             quantity_reserved = i.quantity_reserved + t.reserved_change,
             updated_at = pg_catalog.now()
        FROM t
       WHERE i.product_id = t.product_id AND i.warehouse_id = t.warehouse_id
      RETURNING i.product_id, i.warehouse_id, i.reorder_point
  ), ledger AS (
      INSERT INTO wms.stock_movements
             (product_id, warehouse_id, quantity_change, reason, order_id, balance_after,
              actor, end_user, request_id)
      SELECT product_id, warehouse_id, quantity_change, $9, order_id, balance_after,
             actor, end_user, request_id
        FROM m ORDER BY n
      RETURNING movement_id, order_id, product_id, warehouse_id
  )
  SELECT m.n, l.movement_id, u.reorder_point
    FROM ledger l
    JOIN m ON m.order_id = l.order_id AND m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id
    JOIN updated u ON u.product_id = l.product_id AND u.warehouse_id = l.warehouse_id
   ORDER BY m.n
