-- The data every run starts from, in a database where CREATE EXTENSION wms
-- was just run: :skus products, one warehouse, :stock units of each,
-- received through the ledger so that wms_verify() holds from the start.
INSERT INTO wms.warehouses (code, name) VALUES ('BENCH', 'Benchmark');
INSERT INTO wms.products (sku, name)
SELECT 'SKU-' || g, 'Product ' || g FROM generate_series(1, :skus) g;
INSERT INTO wms.inventory (product_id, warehouse_id, quantity_on_hand)
SELECT product_id, 1, :stock FROM wms.products;
INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, balance_after)
SELECT product_id, 1, :stock, 'Purchase Order', :stock FROM wms.products;
VACUUM ANALYZE wms.products, wms.warehouses, wms.inventory, wms.stock_movements;
