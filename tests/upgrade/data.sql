-- Data put through the API of an older version (0.1.0's calls, which every
-- later version keeps), by that version's own library (tests/upgrade/run.sh
-- builds it from its commit): products,
-- receipts, orders with and without an idempotency key, a fulfilled and a
-- cancelled reservation, live reservations, a transfer, a count, a reorder
-- policy; and every reading function answers. after.sql reads what it
-- leaves.
\set ON_ERROR_STOP on
SELECT wms_add_product('UP-1', 'Upgrade widget') AS p1 \gset
SELECT wms_add_product('UP-2', 'Upgrade gadget') AS p2 \gset
SELECT wms_add_warehouse('UP-A', 'Upgrade store A') AS wa \gset
SELECT wms_add_warehouse('UP-B', 'Upgrade store B') AS wb \gset
SELECT wms_receive(:p1, :wa, 100, 'Purchase Order', 'PO-1');
SELECT wms_receive(:p2, :wa, 50);
SELECT order_id, status FROM wms_place_order('alice', :p1, :wa, 3);
SELECT order_id, status FROM wms_place_order('bob', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 2}, {"product_id": %s, "warehouse_id": %s, "quantity": 1}]',
    :p1, :wa, :p2, :wa)::jsonb, 'upgrade-bob');
SELECT order_id, status FROM wms_place_order('erin', :p2, :wa, 4, 'upgrade-erin');
SELECT order_id AS carol FROM wms_reserve('carol', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 5}]', :p1, :wa)::jsonb, '2 days', 'upgrade-carol') \gset
SELECT order_id AS dave FROM wms_reserve('dave', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 2}]', :p2, :wa)::jsonb, '2 days') \gset
SELECT order_id AS frank FROM wms_reserve('frank', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 1}]', :p1, :wa)::jsonb) \gset
SELECT status FROM wms_cancel_order(:frank, 'customer changed mind');
SELECT order_id AS ivan FROM wms_reserve('ivan', pg_catalog.format(
    '[{"product_id": %s, "warehouse_id": %s, "quantity": 1}]', :p2, :wa)::jsonb) \gset
SELECT status FROM wms_fulfill_order(:ivan);
SELECT wms_expire_reservations();
SELECT * FROM wms_transfer(:p1, :wa, :wb, 10);
SELECT wms_adjust(:p2, :wa, 43, 'Damaged');
SELECT wms_set_reorder_policy(:p1, :wa, 20, 5);
SELECT wms_available_to_sell(:p1, :wa), wms_available_to_sell(:p1);
SELECT wms_stock_as_of(:p1, :wa, pg_catalog.now());
SELECT pg_catalog.count(*) FROM wms_sales_rolling_average(:p1, 7);
SELECT pg_catalog.count(*) FROM wms_reorder_hints(:p1);
SELECT pg_catalog.count(*) FROM wms_stock_by_warehouse();
SELECT pg_catalog.count(*) FROM wms_movements('-infinity', 'infinity');
SELECT pg_catalog.count(*) FROM wms_movement_summary('-infinity', 'infinity');
SELECT pg_catalog.count(*) FROM wms_orders('-infinity', 'infinity');
SELECT pg_catalog.count(*) FROM wms.available_to_sell;
DO $$
BEGIN
    IF EXISTS (SELECT FROM wms_verify()) THEN
        RAISE EXCEPTION 'wms_verify() is not empty before the update';
    END IF;
END
$$;
