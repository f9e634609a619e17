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
--     index, statistics), or a table that inherits from one;
--   - the extension's membership (ALTER EXTENSION wms ADD / DROP);
-- unless it runs inside the extension's own script (CREATE EXTENSION,
-- ALTER EXTENSION wms UPDATE) or is DROP EXTENSION wms. GRANT and REVOKE
-- stay allowed, and so do objects elsewhere that only refer to the tables
-- (a foreign key to wms.products, a view, a publication). They fire in
-- every session_replication_role (ENABLE ALWAYS). A superuser can still
-- disable them (ALTER EVENT TRIGGER wms_guard DISABLE, likewise
-- wms_guard_drop and wms_guard_start, or ENABLE REPLICA): that is the way
-- past them, and README says so.
CREATE FUNCTION wms.refuse_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- Objects that belong to a table: their address starts with the
    -- table's schema.
    parts CONSTANT text[] := ARRAY['table column', 'table constraint', 'trigger', 'rule', 'policy',
                                   'index', 'statistics object'];
    members text;
    touched text;
    updating boolean;
BEGIN
    IF TG_TAG IN ('GRANT', 'REVOKE', 'CREATE EXTENSION') THEN
        RETURN;
    END IF;
    IF TG_TAG = 'ALTER EXTENSION' THEN
        -- The version and the members of wms, before and after: UPDATE
        -- changes the version, ADD and DROP only the members.
        SELECT e.extversion || ':' || pg_catalog.md5(pg_catalog.string_agg(d.classid || '/' || d.objid, ','
                                                     ORDER BY d.classid, d.objid))
          INTO members
          FROM pg_catalog.pg_extension e
          LEFT JOIN pg_catalog.pg_depend d
                 ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                AND d.refobjid = e.oid AND d.deptype = 'e'
         WHERE e.extname = 'wms'
         GROUP BY e.extversion;
        IF TG_EVENT = 'ddl_command_start' THEN
            PERFORM pg_catalog.set_config('wms.guard_members', members, true);
        ELSIF pg_catalog.split_part(members, ':', 1)
                  = pg_catalog.split_part(pg_catalog.current_setting('wms.guard_members', true), ':', 1)
              AND members IS DISTINCT FROM pg_catalog.current_setting('wms.guard_members', true) THEN
            -- Only a role that may change wms's members gets here.
            IF NOT wms.updating_extension() THEN
                RAISE EXCEPTION 'the members of extension wms change only through ALTER EXTENSION wms UPDATE'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
        RETURN;
    END IF;
    IF TG_EVENT = 'sql_drop' THEN
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
                OR (c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_inherits i
                                  JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
                                  JOIN pg_catalog.pg_namespace n ON n.oid = p.relnamespace
                                 WHERE i.inhrelid = c.objid AND n.nspname = 'wms')));
    END IF;
    -- Only a role that owns the objects in question gets this far, and it
    -- may call the extension's wms.updating_extension(), found as a member
    -- wherever a refused command has just put it.
    IF touched IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT %s', (
            SELECT p.oid::pg_catalog.regprocedure
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
               AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms')
             WHERE p.proname = 'updating_extension'))
            INTO updating;
        IF NOT updating THEN
            RAISE EXCEPTION 'the objects of extension wms change only through ALTER EXTENSION wms UPDATE: % of % is not allowed',
                TG_TAG, touched
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Stock changes through the wms functions; the schema through the extension''s update scripts.';
        END IF;
    END IF;
END
$$;

CREATE EVENT TRIGGER wms_guard ON ddl_command_end EXECUTE FUNCTION wms.refuse_ddl();
CREATE EVENT TRIGGER wms_guard_drop ON sql_drop EXECUTE FUNCTION wms.refuse_ddl();
CREATE EVENT TRIGGER wms_guard_start ON ddl_command_start WHEN TAG IN ('ALTER EXTENSION')
    EXECUTE FUNCTION wms.refuse_ddl();
ALTER EVENT TRIGGER wms_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER wms_guard_drop ENABLE ALWAYS;
ALTER EVENT TRIGGER wms_guard_start ENABLE ALWAYS;
