-- What came back of order $1: per line ($2 product, $3 warehouse), $4
-- units, restocked by ledger row $5 (NULL: not restocked), for reason $6,
-- by role $7.
WITH r AS (
      INSERT INTO wms.order_returns (order_id, product_id, warehouse_id, quantity, movement_id, reason,
                                     returned_by)
      SELECT $1, l.product_id, l.warehouse_id, l.quantity, l.movement_id, $6, $7
        FROM ROWS FROM (pg_catalog.unnest($2::bigint[]), pg_catalog.unnest($3::bigint[]),
                        pg_catalog.unnest($4::bigint[]), pg_catalog.unnest($5::bigint[]))
             AS l(product_id, warehouse_id, quantity, movement_id)
      RETURNING product_id, warehouse_id, quantity
  )
  UPDATE wms.order_items oi SET returned = oi.returned + r.quantity
    FROM r
   WHERE oi.order_id = $1 AND oi.product_id = r.product_id AND oi.warehouse_id = r.warehouse_id
