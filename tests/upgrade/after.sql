-- After ALTER EXTENSION wms UPDATE of a database that data.sql filled: the
-- old data still answers, old keys replay, new calls work. Each check
-- raises (and psql stops) when it does not hold.
\set ON_ERROR_STOP on
\set VERBOSITY terse
SELECT product_id AS p1 FROM wms.products WHERE sku = 'UP-1' \gset
SELECT product_id AS p2 FROM wms.products WHERE sku = 'UP-2' \gset
SELECT warehouse_id AS wa FROM wms.warehouses WHERE code = 'UP-A' \gset
SELECT warehouse_id AS wb FROM wms.warehouses WHERE code = 'UP-B' \gset
SELECT order_id AS bob FROM wms.customer_orders WHERE idempotency_key = 'upgrade-bob' \gset
SELECT order_id AS carol FROM wms.customer_orders WHERE idempotency_key = 'upgrade-carol' \gset
SELECT order_id AS dave FROM wms.customer_orders WHERE customer_name = 'dave' \gset
SELECT pg_catalog.count(*) AS ledger_rows FROM wms.stock_movements \gset

CREATE FUNCTION pg_temp.check(ok boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'upgrade check failed: %', what;
    END IF;
END
$$;

SELECT pg_temp.check(extversion = :'version', 'extension version is ' || extversion)
  FROM pg_catalog.pg_extension WHERE extname = 'wms';
SELECT pg_temp.check(NOT EXISTS (SELECT FROM wms_verify()), 'wms_verify() is empty after the update');
SELECT pg_temp.check(wms_available_to_sell(:p1, :wa) = 80 AND wms_available_to_sell(:p1) = 90,
                     'availability of UP-1 as before: 100 - 3 - 2 - 10 on hand, 5 reserved');

-- The history written before the update stays append-only under the
-- trigger the update put on it.
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'done';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN 'refused';
END
$$;
SELECT pg_temp.check(pg_temp.refused('DELETE FROM wms.order_status_history') = 'refused'
                     AND pg_temp.refused('UPDATE wms.order_status_history SET reason = ''x''') = 'refused',
                     'UPDATE and DELETE of the history written before the update are refused');

-- A retry with an old key replays the old order, writing nothing.
SELECT pg_temp.check(order_id = :bob AND status = 'Fulfilled' AND (detail->>'replayed')::boolean,
                     'the retry of upgrade-bob replays order ' || :bob || ', got ' || order_id || ' ' || detail)
  FROM wms_place_order('bob', pg_catalog.format(
      '[{"product_id": %s, "warehouse_id": %s, "quantity": 2}, {"product_id": %s, "warehouse_id": %s, "quantity": 1}]',
      :p1, :wa, :p2, :wa)::jsonb, 'upgrade-bob');
SELECT pg_temp.check(order_id = :carol AND status = 'Pending', 'the retry of upgrade-carol replays the reservation')
  FROM wms_reserve('carol', pg_catalog.format(
      '[{"product_id": %s, "warehouse_id": %s, "quantity": 5}]', :p1, :wa)::jsonb, '2 days', 'upgrade-carol');
SELECT pg_temp.check(pg_catalog.count(*) = :ledger_rows, 'replays wrote no ledger row') FROM wms.stock_movements;

-- New calls, on old and new orders.
SELECT pg_temp.check(status = 'Fulfilled', 'the reservation made before the update is fulfilled')
  FROM wms_fulfill_order(:carol);
SELECT pg_temp.check(status = 'Cancelled', 'the other one is cancelled') FROM wms_cancel_order(:dave, 'after the update');
SELECT pg_temp.check(status = 'Fulfilled', 'a new order') FROM wms_place_order('gina', :p1, :wb, 4, 'upgrade-gina');
SELECT pg_temp.check(status = 'Unavailable', 'a new order beyond stock') FROM wms_place_order('hal', :p1, :wb, 1000);
SELECT pg_temp.check(wms_receive(:p2, :wb, 7) = 7, 'a receipt');
SELECT pg_temp.check(from_on_hand = 3 AND to_on_hand = 47, 'a transfer') FROM wms_transfer(:p2, :wb, :wa, 4);
SELECT pg_temp.check(wms_expire_reservations() = 0, 'nothing to expire');
SELECT pg_temp.check(pg_catalog.count(*) = 1, 'the reorder policy is kept')
  FROM wms_reorder_hints(:p1, :wa) WHERE reorder_point = 20 AND safety_stock = 5;
SELECT pg_temp.check(wms_available_to_sell(:p1, :wa) = 80 - 5 + 5 AND wms_available_to_sell(:p1, :wb) = 6,
                     'availability after the new calls');

-- The order workflow on the old data: the statuses and moves every version
-- ships, the old sales taken, returns of old orders, and a new order from
-- reservation to delivery, with prices.
SELECT pg_temp.check(pg_catalog.count(*) = 8, 'the shipped statuses') FROM wms.order_statuses;
SELECT pg_temp.check(pg_catalog.count(*) = 10, 'the shipped moves') FROM wms.order_transitions;
SELECT pg_temp.check(pg_catalog.bool_and(taken) AND NOT pg_catalog.bool_or(holding), 'the old sale''s lines were taken')
  FROM wms.order_items WHERE order_id = :bob;
SELECT pg_temp.check(pg_catalog.has_function_privilege('wms_upgrade_app',
           'wms_orders(timestamptz, timestamptz, text, bigint, integer, numeric, numeric, text)', 'EXECUTE'),
       'the grant on wms_orders is kept');
SELECT pg_temp.check(NOT pg_catalog.has_function_privilege('public', 'wms_submit_order(text, jsonb, text, text)', 'EXECUTE'),
       'PUBLIC may not submit orders');
SELECT pg_temp.check(status = 'Returned' AND (detail->>'complete')::boolean, 'an old order returned whole')
  FROM wms_return_order(:bob);
SELECT pg_temp.check(status = 'Fulfilled', 'part of the old reservation returned, damaged')
  FROM wms_return_order(:carol, pg_catalog.format('[{"product_id": %s, "warehouse_id": %s, "quantity": 2}]', :p1, :wa)::jsonb,
                        false, 'damaged');
SELECT order_id AS ivy FROM wms_reserve('ivy', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 2, "unit_price": 9.95}]', :p1, :wa)::jsonb) \gset
SELECT pg_temp.check(pg_catalog.string_agg(s.status, ',' ORDER BY m.n) = 'Confirmed,Processing,Shipped,Delivered',
                     'a new order from reservation to delivery')
  FROM (VALUES (1, 'Confirmed'), (2, 'Processing'), (3, 'Shipped'), (4, 'Delivered')) AS m(n, to_status),
       LATERAL wms_set_order_status(:ivy, m.to_status) s;
SELECT pg_temp.check((o->'order'->>'total')::numeric = 19.90
                     AND pg_catalog.jsonb_array_length(o->'history') = 5
                     AND pg_catalog.jsonb_array_length(o->'ledger') = 1, 'the new order whole: ' || o::text)
  FROM wms_order(:ivy) AS o;
SELECT pg_temp.check(pg_catalog.array_agg(order_id ORDER BY n) = ARRAY[:ivy]::bigint[], 'the order list by value')
  FROM (SELECT order_id, pg_catalog.row_number() OVER () AS n
          FROM wms_orders('-infinity', 'infinity', min_total => 0, sort => 'highest_value')) l;
-- No API function is SECURITY DEFINER any more: each switches to the
-- owner itself, after noting its caller.
SELECT pg_temp.check(NOT pg_catalog.bool_or(p.prosecdef), 'no function of the extension is SECURITY DEFINER')
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) p.oid
   AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
   AND d.deptype OPERATOR(pg_catalog.=) 'e'
  JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid AND e.extname OPERATOR(pg_catalog.=) 'wms';
-- The application role granted EXECUTE before the update has, in every
-- warehouse, the capabilities those functions need, and keeps working.
SELECT pg_temp.check(pg_catalog.string_agg(capability || ':' || COALESCE(warehouse_id::text, 'all'), ',' ORDER BY capability)
                     = 'report:all,sell:all', 'the application role''s capabilities after the update')
  FROM wms.grants WHERE role = 'wms_upgrade_app'::regrole;
SET ROLE wms_upgrade_app;
SELECT pg_temp.check(wms_available_to_sell(:p1, :wa) > 0, 'the application role reads availability');
SELECT pg_temp.check(status = 'Fulfilled', 'the application role places an order')
  FROM wms_place_order('app', :p1, :wa, 1);
RESET ROLE;
SELECT pg_temp.check(NOT EXISTS (SELECT FROM wms_verify()), 'wms_verify() is empty after the new calls');
SELECT pg_temp.check(pg_catalog.sum(quantity_change) = (SELECT pg_catalog.sum(quantity_on_hand) FROM wms.inventory),
                     'the ledger sums to on hand') FROM wms.stock_movements;
\echo upgrade checks passed
