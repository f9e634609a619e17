-- Analytics and reports with exact answers, on a small history in a
-- database of its own. Days are counted back from today (UTC), so every
-- answer is the same whatever day the suite runs: the past is written
-- directly into the tables, as the functions would have written it on
-- those days; today's calls go through the API.
\set VERBOSITY terse
\set regress_db :DBNAME
CREATE DATABASE wms_analytics;
\c wms_analytics
\set VERBOSITY terse
SET timezone = 'UTC';
CREATE EXTENSION wms CASCADE;

SELECT wms_add_product('SKU-A', 'Apple') AS apple, wms_add_product('SKU-B', 'Banana') AS banana;
SELECT wms_add_warehouse('N', 'North') AS north, wms_add_warehouse('S', 'South') AS south;

-- A movement $6 days ago at $7 o'clock, with its balance and the row's new on hand.
CREATE FUNCTION past_move(p bigint, w bigint, change bigint, reason text, order_id bigint,
                          days_ago int, hour int) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO wms.inventory (product_id, warehouse_id) VALUES (p, w)
    ON CONFLICT (product_id, warehouse_id) DO NOTHING;
    UPDATE wms.inventory SET quantity_on_hand = quantity_on_hand + change
     WHERE product_id = p AND warehouse_id = w;
    INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, order_id,
                                     movement_time, balance_after)
    SELECT p, w, change, reason, order_id, (current_date - days_ago) + make_time(hour, 0, 0),
           quantity_on_hand
      FROM wms.inventory WHERE product_id = p AND warehouse_id = w;
$$;

-- An order placed $3 days ago at $4 o'clock with its lines ($5: product,
-- warehouse, quantity); a Fulfilled one takes its stock then.
CREATE FUNCTION past_order(customer text, status text, days_ago int, hour int, lines bigint[][])
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := (current_date - days_ago) + make_time(hour, 0, 0);
    id bigint;
    line bigint[];
BEGIN
    INSERT INTO wms.customer_orders (customer_name, order_status, created_at, updated_at)
    VALUES (customer, status, at, at) RETURNING order_id INTO id;
    INSERT INTO wms.order_status_history (order_id, from_status, to_status, changed_at)
    VALUES (id, NULL, 'Pending', at), (id, 'Pending', status, at);
    FOREACH line SLICE 1 IN ARRAY lines LOOP
        INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, taken)
        VALUES (id, line[1], line[2], line[3], status = 'Fulfilled');
        IF status = 'Fulfilled' THEN
            PERFORM past_move(line[1], line[2], -line[3], 'Sale', id, days_ago, hour);
        END IF;
    END LOOP;
    RETURN id;
END
$$;

-- The history, oldest first (apple = 1, banana = 2; north = 1, south = 2).
SELECT past_move(1, 1, 50, 'Purchase Order', NULL, 10, 8),
       past_move(1, 2, 20, 'Purchase Order', NULL, 10, 9),
       past_move(2, 1, 10, 'Purchase Order', NULL, 10, 10);
SELECT past_order('ann', 'Fulfilled', 9, 12, '{{1,1,5}}') AS ann;
SELECT past_order('ben', 'Fulfilled', 8, 12, '{{1,1,3},{1,2,2}}') AS ben;
-- nothing happens 7 days ago; the order of 6 days ago is cancelled
SELECT past_order('cat', 'Cancelled', 6, 12, '{{1,1,4}}') AS cat;
SELECT past_order('dan', 'Fulfilled', 5, 12, '{{2,1,10}}') AS dan;
SELECT past_move(1, 1, -2, 'Damaged', NULL, 4, 16);
SELECT past_order('eve', 'Fulfilled', 2, 12, '{{1,1,6}}') AS eve;
-- Today, through the API: a sale, a reservation that holds 4 and a receipt.
SELECT order_id, status FROM wms_place_order('fay', 1, 2, 1);
SELECT order_id, status FROM wms_reserve('gus', '[{"product_id": 1, "warehouse_id": 1, "quantity": 4}]');
SELECT wms_receive(2, 1, 3) AS banana_north;
SELECT * FROM wms_verify();

-- Daily units of apple sold with their rolling average, over 3 and 8
-- days: days without sales are zeros, the cancelled order, the damaged
-- units and the live reservation count nothing.
SELECT current_date - day AS days_ago, units_sold, round(rolling_avg, 4) AS rolling_avg
  FROM wms_sales_rolling_average(1, 3, until => current_date) ORDER BY day;
SELECT current_date - day AS days_ago, units_sold, round(rolling_avg, 4) AS rolling_avg
  FROM wms_sales_rolling_average(1, 8) ORDER BY day;
-- one warehouse, and a window ending in the past
SELECT current_date - day AS days_ago, units_sold, round(rolling_avg, 4) AS rolling_avg
  FROM wms_sales_rolling_average(1, 4, 2, current_date - 6) ORDER BY day;

-- On hand at past instants: before the first receipt, after it, between
-- the sales, on the day without sales, and now.
SELECT hours_ago, wms_stock_as_of(1, 1, current_date - interval '1 hour' * hours_ago) AS apple_north
  FROM unnest(ARRAY[24 * 11, 24 * 10 - 9, 24 * 9 - 13, 24 * 7, 24 * 6 - 13, 24 * 4 - 17, 0]) AS hours_ago;
SELECT wms_stock_as_of(1, 1, 'infinity') AS apple_north_now,
       wms_stock_as_of(2, 1, current_date - 5 + time '11:00') AS banana_before_dan,
       wms_stock_as_of(2, 1, current_date - 5 + time '13:00') AS banana_after_dan;

-- Available to sell: the view and the function agree, per item and per product.
SELECT product_id, warehouse_id, on_hand, allocated, available,
       wms_available_to_sell(product_id, warehouse_id) AS function
  FROM wms.available_to_sell ORDER BY product_id, warehouse_id;
SELECT wms_available_to_sell(1) AS apple, wms_available_to_sell(2) AS banana;

-- Reorder hints. In the last 30 days apple sold 14 in the north and 3 in
-- the south, banana 10 in the north; banana's row in the south is created
-- by its policy.
SELECT wms_set_reorder_policy(1, 1, 20, 5), wms_set_reorder_policy(2, 1, 5, 2),
       wms_set_reorder_policy(2, 2, 1, 0);
SELECT * FROM wms_reorder_hints();
SELECT * FROM wms_reorder_hints(NULL, 2);

-- Stock by warehouse.
SELECT * FROM wms_stock_by_warehouse();

-- The ledger in pages of 4, then only the sales, then one product.
SELECT movement_id, current_date - movement_time::date AS days_ago, product_id, warehouse_id,
       quantity_change, balance_after, reason, order_id
  FROM wms_movements(current_date - 30, current_date + 1, page_size => 4);
SELECT movement_id, current_date - movement_time::date AS days_ago, reason
  FROM wms_movements(current_date - 30, current_date + 1, after_movement_id => 4, page_size => 4);
SELECT movement_id, current_date - movement_time::date AS days_ago, reason
  FROM wms_movements(current_date - 30, current_date + 1, after_movement_id => 8, page_size => 4);
SELECT movement_id, current_date - movement_time::date AS days_ago, quantity_change
  FROM wms_movements(current_date - 30, current_date + 1, 'Sale');
SELECT movement_id, warehouse_id, quantity_change, balance_after
  FROM wms_movements(current_date - 9, current_date - 4, product_id => 1);
-- per reason, over the past week and over everything
SELECT * FROM wms_movement_summary(current_date - 7, current_date);
SELECT * FROM wms_movement_summary('-infinity', 'infinity');
SELECT * FROM wms_movement_summary('-infinity', 'infinity', 1, 2);

-- Orders in pages of 2, then by status and date range.
SELECT order_id, customer_name, order_status, current_date - created_at::date AS days_ago, lines, units
  FROM wms_orders('-infinity', 'infinity', page_size => 2);
SELECT order_id, customer_name, order_status
  FROM wms_orders('-infinity', 'infinity', after_order_id => 2, page_size => 2);
SELECT order_id, customer_name, order_status
  FROM wms_orders('-infinity', 'infinity', after_order_id => 4, page_size => 2);
SELECT order_id, customer_name, order_status
  FROM wms_orders('-infinity', 'infinity', after_order_id => 6, page_size => 2);
SELECT order_id, customer_name FROM wms_orders('-infinity', 'infinity', 'Cancelled');
SELECT order_id, customer_name, order_status FROM wms_orders(current_date - 8, current_date - 2);
SELECT order_id, customer_name FROM wms_orders(current_date, current_date + 1, 'Pending');

SELECT * FROM wms_verify();
\c :regress_db
DROP DATABASE wms_analytics;
