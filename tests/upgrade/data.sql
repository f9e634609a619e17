-- Data put through the API of an older version (0.1.0's calls, which every
-- later version keeps): products, receipts, orders with and without an
-- idempotency key, a cancelled order, live reservations, a transfer, a
-- count, a reorder policy. after.sql reads what it leaves.
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
SELECT * FROM wms_transfer(:p1, :wa, :wb, 10);
SELECT wms_adjust(:p2, :wa, 44, 'Damaged');
SELECT wms_set_reorder_policy(:p1, :wa, 20, 5);
DO $$
BEGIN
    IF EXISTS (SELECT FROM wms_verify()) THEN
        RAISE EXCEPTION 'wms_verify() is not empty before the update';
    END IF;
END
$$;
