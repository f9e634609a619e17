-- Bad calls of the order workflow: moves, returns, prices, the order
-- whole and the order list. Each raises its documented SQLSTATE and
-- changes nothing. Order 1 is Fulfilled (3 of product 1 in warehouse 1),
-- order 2 a live reservation.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- wms_set_order_status
SELECT * FROM wms_set_order_status(NULL, 'Confirmed');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, 'Lost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, '');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, repeat('S', 1000));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, 'Confirmed', ' ');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, 'Confirmed', repeat('r', 100000));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(99, 'Confirmed');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, 'Shipped');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(2, 'Pending');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(1, 'Returned');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_set_order_status(1, 'Cancelled');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_cancel_order(1, 'no');
\echo :LAST_ERROR_SQLSTATE

-- wms_return_order
SELECT * FROM wms_return_order(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, restock => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, reason => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, reason => '');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(2);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[{"product_id": 1, "warehouse_id": 1, "quantity": 4}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[{"product_id": 2, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[{"product_id": 1, "warehouse_id": 1, "quantity": 2},
                                    {"product_id": 1, "warehouse_id": 1, "quantity": 2}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[{"product_id": 1, "warehouse_id": 1, "quantity": 0}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 2}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '[]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_return_order(1, '{"product_id": 1}');
\echo :LAST_ERROR_SQLSTATE

-- unit prices
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": -0.01}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": "1.00"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": null}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 1e20}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 0.0000001}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 1},
                                         {"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 2}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": 1},
                                         {"product_id": 1, "warehouse_id": 1, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1, "unit_price": [1]}]');
\echo :LAST_ERROR_SQLSTATE

-- wms_order and wms_orders
SELECT wms_order(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_order(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', sort => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', sort => 'cheapest');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', sort => repeat('x', 1000));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', 'Lost');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_orders('-infinity', 'infinity', after_order_id => 99, sort => 'highest_value');
\echo :LAST_ERROR_SQLSTATE

-- the moves table
INSERT INTO wms.order_transitions VALUES ('Fulfilled', 'Shipped');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_transitions VALUES ('Delivered', 'Cancelled');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_transitions VALUES ('Processing', 'Returned', true);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_transitions VALUES ('Shipped', 'Cancelled', true);
\echo :LAST_ERROR_SQLSTATE
UPDATE wms.order_transitions SET to_status = 'Confirmed' WHERE from_status = 'Shipped' AND to_status = 'Delivered';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_statuses VALUES ('Parked', 'none', false);
INSERT INTO wms.order_transitions VALUES ('Confirmed', 'Parked');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM wms.order_statuses WHERE status = 'Parked';
UPDATE wms.order_statuses SET terminal = false WHERE status = 'Delivered';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM wms.order_statuses WHERE status = 'Cancelled';
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_statuses VALUES ('Lost', 'vanish', false);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wms.order_statuses VALUES (repeat('L', 65), 'none', false);
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
