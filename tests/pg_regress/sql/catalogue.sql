-- Bad calls of the catalogue functions (search, a product's stock,
-- changes and removals) and of the audit trail. Each raises its documented SQLSTATE and changes
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

-- the audit trail
SELECT * FROM wms_audit(NULL, now());
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_audit('2026-01-02 00:00+00', '2026-01-01 00:00+00');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_audit('-infinity', 'infinity', 'thing');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_audit('-infinity', 'infinity', repeat('t', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_audit('-infinity', 'infinity', after_audit_id => 4);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_audit('-infinity', 'infinity', page_size => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) > 0 AS trail FROM wms_audit('-infinity', 'infinity');
-- a name too long for the trail is refused before anything is written
BEGIN;
SELECT set_config('wms.actor', repeat('a', 256), true) IS NOT NULL AS set;
SELECT wms_receive(1, 1, 1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SELECT set_config('wms.request_id', repeat('r', 256), true) IS NOT NULL AS set;
SELECT * FROM wms_place_order('carol', 1, 1, 1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
