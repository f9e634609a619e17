-- The extension's objects change only through its own scripts. The owner
-- of the tables (and any superuser) could otherwise change a column's type
-- or contents (ALTER COLUMN ... TYPE ... USING), make the ledger UNLOGGED,
-- drop a column, constraint or the append-only triggers, hang a child
-- table under the ledger, take the search_path pinning off an API
-- function or replace it, rename schema wms, or detach an object from the
-- extension, and wms_verify() would see nothing. These event triggers
-- refuse every DDL command on:
--   - an object of the extension (its tables, view, sequences, functions,
--     schema wms), or any object in schema wms;
--   - a part of a table in wms (column, constraint, trigger, rule, policy,
--     index), a table that inherits from one, or one that has a wms table
--     as a child or partition;
--   - the extension's membership: after any ALTER EXTENSION, every relation
--     and function of schema wms, every C function of the library, the
--     schema and these event triggers are still members of wms;
-- unless it runs inside the extension's own script (CREATE EXTENSION,
-- ALTER EXTENSION wms UPDATE) or is DROP EXTENSION wms. GRANT and REVOKE
-- stay allowed, and so do objects elsewhere that only refer to the tables
-- (a foreign key to wms.products, a view, a publication, statistics). They fire in
-- every session_replication_role (ENABLE ALWAYS). A superuser can still
-- disable them (ALTER EVENT TRIGGER wms_guard DISABLE, likewise
-- wms_guard_drop, or ENABLE REPLICA): that is the way past them, and
-- docs/design.md says so.
CREATE FUNCTION wms.refuse_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- Objects that belong to a table: their address starts with the
    -- table's schema.
    parts CONSTANT text[] := ARRAY['table column', 'table constraint', 'trigger', 'rule', 'policy', 'index'];
    touched text;
    updating boolean;
BEGIN
    IF TG_TAG IN ('GRANT', 'REVOKE', 'CREATE EXTENSION') THEN
        RETURN;
    END IF;
    IF TG_TAG = 'ALTER EXTENSION' THEN
        -- ADD and DROP of members: after any ALTER EXTENSION, every
        -- relation and function in schema wms, every C function of the wms
        -- library, schema wms itself and these event triggers must still
        -- be members of wms (UPDATE keeps them so).
        WITH members AS (
            SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
             WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms')
        ), expected AS (
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid, c.oid::pg_catalog.regclass::text AS what
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'wms' AND c.relkind <> 'i'
            UNION ALL
            SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, p.oid::pg_catalog.regprocedure::text
              FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'wms'
                OR (p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c')
                    AND p.probin IN ('wms', '$libdir/wms'))
            UNION ALL
            SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, 'schema wms'
              FROM pg_catalog.pg_namespace n WHERE n.nspname = 'wms'
            UNION ALL
            SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass, e.oid, 'event trigger ' || e.evtname
              FROM pg_catalog.pg_event_trigger e WHERE e.evtname IN ('wms_guard', 'wms_guard_drop')
        )
        SELECT pg_catalog.string_agg(x.what, ', ') INTO touched
          FROM expected x
         WHERE NOT EXISTS (SELECT FROM members m WHERE m.classid = x.classid AND m.objid = x.objid);
        IF touched IS NULL THEN
            RETURN;
        END IF;
        touched := 'ALTER EXTENSION: ' || touched || ' would no longer be a member of the extension';
    ELSIF TG_EVENT = 'sql_drop' THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_event_trigger_dropped_objects()
                    WHERE object_type = 'extension' AND object_identity = 'wms') THEN
            RETURN;
        END IF;
        -- Named in the command or dropped with it by CASCADE; not the
        -- internal triggers a foreign key elsewhere keeps on a wms table.
        SELECT pg_catalog.string_agg(object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_dropped_objects()
         WHERE (original OR normal)
           AND (schema_name = 'wms'
                OR (object_type = 'schema' AND object_identity = 'wms')
                OR (object_type = ANY (parts) AND address_names[1] = 'wms'));
    ELSE
        SELECT pg_catalog.string_agg(c.object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_ddl_commands() c
         WHERE c.object_type <> 'extension'
           AND (c.schema_name = 'wms'
                OR EXISTS (SELECT FROM pg_catalog.pg_depend d
                            WHERE d.classid = c.classid AND d.objid = c.objid AND d.deptype = 'e'
                              AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                              AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms'))
                OR (c.object_type = ANY (parts)
                    AND (pg_catalog.pg_identify_object_as_address(c.classid, c.objid, c.objsubid)).object_names[1] = 'wms')
                -- a table that inherits from a wms table, or has one as a
                -- child or partition (its DDL would reach into it)
                OR (c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_inherits i
                                  JOIN pg_catalog.pg_class r ON r.oid IN (i.inhparent, i.inhrelid)
                                  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                 WHERE c.objid IN (i.inhrelid, i.inhparent) AND r.oid <> c.objid
                                   AND n.nspname = 'wms')));
    END IF;
    IF TG_TAG <> 'ALTER EXTENSION' THEN
        touched := TG_TAG || ' of ' || touched || ' is not allowed';
    END IF;
    -- Only a role that owns the objects in question gets this far, and it
    -- may call the extension's wms.updating_extension(), found as a member
    -- wherever a refused command has just put it (none: false).
    IF touched IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT %s', COALESCE((
            SELECT p.oid::pg_catalog.regprocedure::text
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
               AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms')
             WHERE p.proname = 'updating_extension' AND p.probin IN ('wms', '$libdir/wms')), 'false'))
            INTO updating;
        IF NOT updating THEN
            RAISE EXCEPTION 'the objects of extension wms change only through ALTER EXTENSION wms UPDATE: %',
                touched
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Stock changes through the wms functions; the schema through the extension''s update scripts.';
        END IF;
    END IF;
END
$$;

CREATE EVENT TRIGGER wms_guard ON ddl_command_end EXECUTE FUNCTION wms.refuse_ddl();
CREATE EVENT TRIGGER wms_guard_drop ON sql_drop EXECUTE FUNCTION wms.refuse_ddl();
ALTER EVENT TRIGGER wms_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER wms_guard_drop ENABLE ALWAYS;

COMMENT ON FUNCTION wms.refuse_ddl() IS 'Event trigger function that refuses DDL on the objects of wms outside the extension''s own scripts (42501).';
COMMENT ON FUNCTION wms.updating_extension() IS 'Returns true while the wms extension script itself runs (CREATE EXTENSION wms or ALTER EXTENSION wms UPDATE).';
COMMENT ON EVENT TRIGGER wms_guard IS 'Refuses DDL on the objects of wms outside the extension''s own scripts.';
COMMENT ON EVENT TRIGGER wms_guard_drop IS 'Refuses DROP of the objects of wms outside DROP EXTENSION wms.';

-- The status history's rows: never changed, and removed only by wms,
-- when it takes back an order in the call that wrote it, before any other
-- transaction could see them (docs/design.md, "A turn at an item").
CREATE TRIGGER order_status_history_append_only
    BEFORE UPDATE OR DELETE ON wms.order_status_history
    FOR EACH ROW EXECUTE FUNCTION wms.history_append_only();
ALTER TABLE wms.order_status_history ENABLE ALWAYS TRIGGER order_status_history_append_only;
COMMENT ON FUNCTION wms.history_append_only() IS 'Trigger function of wms.order_status_history: refuses UPDATE and DELETE (42501), but the removal by wms of an order it takes back in the call that wrote it.';
