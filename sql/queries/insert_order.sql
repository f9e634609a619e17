WITH o AS (
      INSERT INTO wms.customer_orders (customer_name, order_status, idempotency_key, request, expires_at)
      VALUES ($1, $2, $3, $4, pg_catalog.now() + $9)
      ON CONFLICT (idempotency_key) DO NOTHING
      RETURNING order_id, order_status, expires_at
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding)
      SELECT o.order_id, l.product_id, l.warehouse_id, l.quantity, o.order_status = {pending}
        FROM o, ROWS FROM (pg_catalog.unnest($5::bigint[]), pg_catalog.unnest($6::bigint[]),
                         pg_catalog.unnest($7::bigint[])) AS l(product_id, warehouse_id, quantity)
  ), history AS (
      INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason)
      SELECT order_id, NULL, order_status, $8 FROM o
  )
  SELECT order_id, expires_at FROM o
