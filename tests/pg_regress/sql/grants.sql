-- Bad calls of wms_grant and wms_revoke, and calls by roles without the
-- capability. Each raises its documented SQLSTATE and changes nothing.
-- regress_store_admin is admin of warehouse 1 only, regress_clerk sells in
-- warehouse 1 only.
\set VERBOSITY terse
CREATE ROLE regress_store_admin;
CREATE ROLE regress_clerk;
SELECT wms_grant('regress_store_admin', 'admin', 1);
SELECT wms_grant('regress_clerk', 'sell', 1);
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

SELECT wms_grant(NULL, 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', 'steal');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', 'SELL');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', repeat('s', 256));
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', 'sell', 99);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_nobody', 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant(4000000000::oid::regrole, 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('-'::regrole, 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_revoke(NULL, 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_revoke('regress_clerk', 'steal', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_revoke('regress_clerk', 'sell', 99);
\echo :LAST_ERROR_SQLSTATE
-- revoking what the role does not have changes nothing and says so
SELECT wms_revoke('regress_clerk', 'sell', 2);
SELECT wms_revoke('regress_clerk', 'stock');
BEGIN READ ONLY;
SELECT wms_grant('regress_clerk', 'sell', 2);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- The admin of warehouse 1 changes the grants of warehouse 1 only.
SET ROLE regress_store_admin;
SELECT wms_grant('regress_clerk', 'sell', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', 'sell');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_revoke('regress_clerk', 'sell', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_store_admin', 'admin');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_add_product('SKU-REGRESS', 'not an admin of every warehouse');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_update_warehouse(2, name => 'not mine');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_set_reorder_policy(1, 2, 1, 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The clerk sells in warehouse 1 and does nothing else.
SET ROLE regress_clerk;
SELECT * FROM wms_place_order('regress', 1, 2, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_place_order('regress', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}, {"product_id": 1, "warehouse_id": 2, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_reserve('regress', '[{"product_id": 1, "warehouse_id": 2, "quantity": 1}]');
\echo :LAST_ERROR_SQLSTATE
SELECT wms_available_to_sell(1, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_inventory(1, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wms_receive(1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_stock_by_warehouse();
\echo :LAST_ERROR_SQLSTATE
SELECT wms_grant('regress_clerk', 'sell', 2);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms.grants;
\echo :LAST_ERROR_SQLSTATE
-- what it may see: warehouse 1 only (product 2 is in warehouses 1 and 2)
SELECT warehouse_id, on_hand FROM wms_inventory(2);
SELECT wms_available_to_sell(2);
SELECT product_id, on_hand, available FROM wms_products('SKU-2');
RESET ROLE;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
SELECT wms_revoke('regress_store_admin', 'admin', 1), wms_revoke('regress_clerk', 'sell', 1);
DROP ROLE regress_store_admin;
DROP ROLE regress_clerk;
