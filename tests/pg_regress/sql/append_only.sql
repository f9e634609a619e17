-- The ledger and the status history are append-only for everyone, this
-- suite's superuser too, in every session_replication_role (42501). A
-- status-history row may be removed only by the transaction that wrote it
-- (and its subtransactions), before any other could see it: a one-line
-- order takes its own row back when the units are gone at its turn. The
-- rows here were committed by setup.sql. Every refused command changes
-- nothing.
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

-- a row this transaction wrote: removed; changed: refused
BEGIN;
SELECT status FROM wms_place_order('carol', 1, 1, 1) \gset
SELECT max(order_id) AS carol FROM wms.customer_orders \gset
UPDATE wms.order_status_history SET reason = 'rewritten' WHERE order_id = :carol;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
SELECT status FROM wms_place_order('carol', 1, 1, 1) \gset
SELECT max(order_id) AS carol FROM wms.customer_orders \gset
-- not with a committed row in the same statement: nothing removed
SAVEPOINT mixed;
DELETE FROM wms.order_status_history WHERE order_id IN (1, :carol);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT mixed;
SELECT count(*) AS rows_kept FROM wms.order_status_history WHERE order_id IN (1, :carol);
-- alone: removed
DELETE FROM wms.order_status_history WHERE order_id = :carol;
SELECT count(*) AS carol_history FROM wms.order_status_history WHERE order_id = :carol;
ROLLBACK;
-- written in a subtransaction of this transaction: its own too
BEGIN;
SAVEPOINT sub;
SELECT status FROM wms_place_order('carol', 1, 1, 1) \gset
SELECT max(order_id) AS carol FROM wms.customer_orders \gset
RELEASE SAVEPOINT sub;
DELETE FROM wms.order_status_history WHERE order_id = :carol;
SELECT count(*) AS carol_history FROM wms.order_status_history WHERE order_id = :carol;
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
