-- Bad calls of the catalogue functions: search, a product's stock,
-- changes and removals. Each raises its documented SQLSTATE and changes
-- nothing. Products 1 and 2 have history (ledger rows, orders); product 3
-- was never stocked.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

SELECT * FROM wms_products(repeat('s', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_products(page_size => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_products(page_size => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_products(page_size => 10001);
\echo :LAST_ERROR_SQLSTATE
-- wildcards are literal, and an unknown product to continue after is no error
SELECT product_id, sku FROM wms_products('%');
SELECT product_id, sku FROM wms_products('_');
SELECT product_id, sku FROM wms_products(after_product_id => 99);
SELECT product_id, sku, on_hand, available FROM wms_products('widget');

SELECT * FROM wms_inventory(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_inventory(99);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_inventory(1, 99);
\echo :LAST_ERROR_SQLSTATE

SELECT * FROM wms_update_product(NULL, 'SKU-9');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_product(99, 'SKU-9');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_product(1, 'SKU-2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_product(1, '  ');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_product(1, repeat('k', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_product(1, name => repeat('n', 2001));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_warehouse(NULL, 'WH-9');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_warehouse(99, 'WH-9');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_warehouse(1, 'WH-2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_warehouse(1, '');
\echo :LAST_ERROR_SQLSTATE

SELECT wms_remove_product(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_product(99);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_product(1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_product(2);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_warehouse(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_warehouse(99);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_warehouse(1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_remove_warehouse(2);
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT wms_remove_product(3);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
