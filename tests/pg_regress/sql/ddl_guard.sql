-- The extension's tables change shape only through its own scripts: an
-- event trigger refuses any other DDL on objects in schema wms, even from
-- the owner and a superuser (this suite runs as one), in every
-- session_replication_role (42501). GRANT and REVOKE stay allowed, and DDL
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
ALTER TABLE wms.stock_movements SET UNLOGGED;
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
SET LOCAL session_replication_role = replica;
ALTER TABLE wms.stock_movements SET UNLOGGED;
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
