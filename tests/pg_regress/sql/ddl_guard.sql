-- The extension's objects change only through its own scripts: event
-- triggers refuse any other DDL on objects in schema wms and on the
-- extension's members (the API functions too), the renaming of schema wms,
-- tables inheriting from wms tables and changes of the extension's
-- membership, even from the owner and a superuser (this suite runs as
-- one), in every session_replication_role (42501). GRANT and REVOKE stay allowed, and DDL
-- elsewhere is untouched. Dropping a table or view of the extension is
-- refused by PostgreSQL itself (2BP01). Each refused command runs in a transaction that
-- is rolled back, so that nothing it might have done stays.
\set VERBOSITY terse
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

BEGIN;
ALTER TABLE wms.stock_movements ALTER COLUMN quantity_change TYPE numeric USING quantity_change::numeric * 10;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.order_status_history SET UNLOGGED;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.stock_movements DROP COLUMN reference;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.stock_movements DISABLE TRIGGER stock_movements_append_only;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.inventory DROP CONSTRAINT inventory_on_hand_nonnegative;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.inventory ADD COLUMN note text;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
DROP TRIGGER stock_movements_append_only ON wms.stock_movements;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TRIGGER sneak BEFORE INSERT ON wms.stock_movements FOR EACH ROW EXECUTE FUNCTION wms.refuse_change();
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE INDEX ON wms.stock_movements (reason);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE RULE sneak AS ON INSERT TO wms.stock_movements DO INSTEAD NOTHING;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
DROP TABLE wms.order_status_history;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
DROP VIEW wms.available_to_sell;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TABLE wms.extra (x int);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER SCHEMA wms RENAME TO wms_elsewhere;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER TABLE wms.inventory SET SCHEMA public;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER FUNCTION wms_verify() RESET search_path;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER FUNCTION wms_verify() SECURITY DEFINER;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE OR REPLACE FUNCTION wms_verify()
RETURNS TABLE (check_name text, product_id bigint, warehouse_id bigint, expected bigint, actual bigint)
LANGUAGE sql AS 'SELECT NULL::text, 1::bigint, 1::bigint, 1::bigint, 1::bigint WHERE false';
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER EXTENSION wms DROP FUNCTION wms.refuse_change();
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TABLE public.ghost () INHERITS (wms.stock_movements);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TABLE public.ghost (LIKE wms.stock_movements INCLUDING CONSTRAINTS);
ALTER TABLE public.ghost INHERIT wms.stock_movements;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CREATE TABLE public.parent (LIKE wms.order_transitions) PARTITION BY LIST (from_status);
ALTER TABLE public.parent ATTACH PARTITION wms.order_transitions DEFAULT;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER EXTENSION wms DROP FUNCTION wms_verify();
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
ALTER EXTENSION wms DROP EVENT TRIGGER wms_guard;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
BEGIN;
SET LOCAL session_replication_role = replica;
ALTER TABLE wms.order_status_history SET UNLOGGED;
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE

-- still as they were
SELECT relpersistence FROM pg_class WHERE oid = 'wms.stock_movements'::regclass;
SELECT count(*) AS append_only_triggers FROM pg_trigger
 WHERE tgrelid = 'wms.stock_movements'::regclass AND tgname LIKE 'stock_movements_%' AND tgenabled = 'A';
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'wms.stock_movements'::regclass AND attname = 'quantity_change';

-- allowed: privileges on the tables, a comment on the extension (as
-- pg_restore writes it), and DDL outside schema wms
COMMENT ON EXTENSION wms IS 'wms: concurrency-safe warehouse inventory core (orders, ledger, availability)';
-- objects elsewhere that only refer to the tables, and one that is merely
-- named wms
CREATE TABLE public.regress_refers (product_id bigint REFERENCES wms.products);
DROP TABLE public.regress_refers;
CREATE VIEW public.regress_sales AS SELECT * FROM wms.stock_movements WHERE order_id IS NOT NULL;
DROP VIEW public.regress_sales;
CREATE PUBLICATION wms FOR TABLE wms.stock_movements;
DROP PUBLICATION wms;
CREATE STATISTICS public.regress_items ON product_id, warehouse_id FROM wms.inventory;
DROP STATISTICS public.regress_items;
CREATE ROLE regress_reader;
GRANT USAGE ON SCHEMA wms TO regress_reader;
GRANT SELECT ON wms.stock_movements TO regress_reader;
REVOKE SELECT ON wms.stock_movements FROM regress_reader;
REVOKE USAGE ON SCHEMA wms FROM regress_reader;
DROP ROLE regress_reader;
CREATE TABLE public.regress_elsewhere (x int);
CREATE INDEX ON public.regress_elsewhere (x);
DROP TABLE public.regress_elsewhere;
-- by a role that is no superuser and has no right on schema wms
CREATE ROLE regress_builder;
GRANT CREATE ON SCHEMA public TO regress_builder;
SET ROLE regress_builder;
CREATE TABLE public.regress_built (x int);
ALTER TABLE public.regress_built ADD COLUMN y int;
DROP TABLE public.regress_built;
ALTER TABLE wms.inventory ADD COLUMN note text;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM regress_builder;
DROP ROLE regress_builder;

-- Nothing changed.
SELECT * FROM regress_changes();
SELECT * FROM wms_verify();
