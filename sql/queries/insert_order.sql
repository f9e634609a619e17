-- An order ($1 customer, $2 status, $3 key, $4 request) with its lines ($5
-- products, $6 warehouses, $7 quantities, $10 unit prices as text, NULL
-- for none) and its first status-history row (reason $8, by role $11 for
-- end user $12 in request $13); a reservation
-- expires after $9. Its total is the sum of quantity x price when every
-- line has a price.
WITH o AS (
      INSERT INTO wms.customer_orders (customer_name, order_status, idempotency_key, request, expires_at, total)
      VALUES ($1, $2, $3, $4, pg_catalog.now() + $9,
              (SELECT CASE WHEN pg_catalog.count(*) = pg_catalog.count(l.price)
                           THEN pg_catalog.sum(l.quantity * l.price) END
                 FROM ROWS FROM (pg_catalog.unnest($7::bigint[]), pg_catalog.unnest($10::numeric[]))
                      AS l(quantity, price)))
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING order_id, order_status, expires_at
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
      SELECT o.order_id, l.product_id, l.warehouse_id, l.quantity, o.order_status = {pending},
             o.order_status = {fulfilled}, l.price
        FROM o, ROWS FROM (pg_catalog.unnest($5::bigint[]), pg_catalog.unnest($6::bigint[]),
                         pg_catalog.unnest($7::bigint[]), pg_catalog.unnest($10::numeric[]))
                AS l(product_id, warehouse_id, quantity, price)
  ), history AS (
      INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason,
                                            changed_by, end_user, request_id, changed_at)
      SELECT order_id, NULL, order_status, $8, $11, $12, $13, pg_catalog.clock_timestamp() FROM o
  )
  SELECT order_id, expires_at FROM o
