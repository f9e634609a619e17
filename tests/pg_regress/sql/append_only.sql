-- The ledger and the status history are append-only for everyone, this
-- suite's superuser too, in every session_replication_role (42501), rows
-- of the transaction itself included: only wms removes a history row,
-- that of a one-line order it takes back in the call that wrote it, when
-- the units are gone at its turn. The committed rows here were written by
-- setup.sql. Every refused command changes nothing.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

-- committed rows: refused
DELETE FROM wms.order_status_history WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM wms.order_status_history;
\echo :LAST_ERROR_SQLSTATE
UPDATE wms.order_status_history SET reason = 'rewritten' WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE wms.order_status_history CASCADE;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM wms.stock_movements WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE wms.stock_movements SET reason = 'rewritten' WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
SET session_replication_role = replica;
DELETE FROM wms.order_status_history WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
UPDATE wms.order_status_history SET reason = 'rewritten' WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM wms.stock_movements WHERE order_id = 1;
\echo :LAST_ERROR_SQLSTATE
RESET session_replication_role;

-- rows this transaction wrote: refused too (only wms takes back the
-- history row of an order whose turn found the units gone, isolation spec
-- turn_after_written)
BEGIN;
SELECT status FROM wms_place_order('carol', 1, 1, 1) \gset
SELECT max(order_id) AS carol FROM wms.customer_orders \gset
SAVEPOINT own;
UPDATE wms.order_status_history SET reason = 'rewritten' WHERE order_id = :carol;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT own;
DELETE FROM wms.order_status_history WHERE order_id = :carol;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- the ledger row of this transaction's order: refused
BEGIN;
SELECT status FROM wms_place_order('carol', 1, 1, 1) \gset
SELECT max(order_id) AS carol FROM wms.customer_orders \gset
DELETE FROM wms.stock_movements WHERE order_id = :carol;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
