-- The Fulfilled orders of a batch (wms_submit_order), one per element of
-- $1 customers, $2 keys, $3 requests, by roles $4 for end users $5 in
-- requests $6; their lines ($7 the order's place in $1, from 1; $8
-- products, $9 warehouses, $10 quantities, $11 unit prices as text, NULL
-- for none); and their first status-history rows (reason $12). Each
-- order's id is drawn once, so its lines and history name it. Answers
-- each order's place and id.
WITH o_in AS MATERIALIZED (
      SELECT r.n, r.customer, r.key, r.request, r.role, r.actor, r.request_id,
             pg_catalog.nextval(pg_catalog.pg_get_serial_sequence('wms.customer_orders', 'order_id')::pg_catalog.regclass) AS order_id
        FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]),
                        pg_catalog.unnest($3::jsonb[]), pg_catalog.unnest($4::text[]),
                        pg_catalog.unnest($5::text[]), pg_catalog.unnest($6::text[]))
             WITH ORDINALITY AS r(customer, key, request, role, actor, request_id, n)
  ), l_in AS MATERIALIZED (
      SELECT * FROM ROWS FROM (pg_catalog.unnest($7::bigint[]), pg_catalog.unnest($8::bigint[]),
                               pg_catalog.unnest($9::bigint[]), pg_catalog.unnest($10::bigint[]),
                               pg_catalog.unnest($11::numeric[]))
             AS l(n, product_id, warehouse_id, quantity, price)
  ), o AS (
      INSERT INTO wms.customer_orders (order_id, customer_name, order_status, idempotency_key, request, total)
      OVERRIDING SYSTEM VALUE
      SELECT o_in.order_id, o_in.customer, {fulfilled}, o_in.key, o_in.request,
             (SELECT CASE WHEN pg_catalog.count(*) = pg_catalog.count(l.price)
                          THEN pg_catalog.sum(l.quantity * l.price) END
                FROM l_in l WHERE l.n = o_in.n)
        FROM o_in ORDER BY o_in.n
  ), items AS (
      INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
      SELECT o_in.order_id, l.product_id, l.warehouse_id, l.quantity, false, true, l.price
        FROM l_in l JOIN o_in ON o_in.n = l.n
  ), history AS (
      INSERT INTO wms.order_status_history (order_id, from_status, to_status, reason,
                                            changed_by, end_user, request_id, changed_at)
      SELECT order_id, NULL, {fulfilled}, $12, role, actor, request_id, pg_catalog.clock_timestamp()
        FROM o_in ORDER BY n
  )
  SELECT n, order_id FROM o_in ORDER BY n
