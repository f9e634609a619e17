-- The extension's tables change shape only through its own scripts. The
-- owner of the tables (and any superuser) could otherwise change a column's
-- type or contents (ALTER COLUMN ... TYPE ... USING), make the ledger
-- UNLOGGED, drop a column, constraint or the append-only triggers, and
-- wms_verify() would see nothing. This event trigger refuses every DDL
-- command on an object in schema wms, unless it runs inside the
-- extension's own script (CREATE EXTENSION, ALTER EXTENSION wms UPDATE) or
-- is DROP EXTENSION; GRANT and REVOKE stay allowed. It fires in every
-- session_replication_role (ENABLE ALWAYS). A superuser can still disable
-- it (ALTER EVENT TRIGGER wms_guard DISABLE, and wms_guard_drop for drops):
-- that is the way past it, and README says so.
CREATE FUNCTION wms.refuse_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    touched text;
BEGIN
    IF TG_TAG IN ('GRANT', 'REVOKE', 'CREATE EXTENSION', 'ALTER EXTENSION', 'DROP EXTENSION') THEN
        RETURN;
    END IF;
    -- An object is in wms when its schema is, or (a trigger, rule, policy,
    -- constraint or column) when the table it belongs to is: the first
    -- name of its address. The extension itself (COMMENT ON EXTENSION, as
    -- pg_restore runs it) is not one of them.
    IF TG_EVENT = 'sql_drop' THEN
        SELECT pg_catalog.string_agg(object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_dropped_objects()
         WHERE object_type <> 'extension' AND (schema_name = 'wms' OR address_names[1] = 'wms');
    ELSE
        SELECT pg_catalog.string_agg(c.object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_ddl_commands() c
         WHERE c.object_type <> 'extension'
           AND (c.schema_name = 'wms'
                OR (pg_catalog.pg_identify_object_as_address(c.classid, c.objid, c.objsubid)).object_names[1] = 'wms');
    END IF;
    -- Only a role that owns objects in wms gets this far, and it may call
    -- wms.updating_extension().
    IF touched IS NOT NULL THEN
        IF NOT wms.updating_extension() THEN
            RAISE EXCEPTION 'wms tables change only through ALTER EXTENSION wms UPDATE: % of % is not allowed',
                TG_TAG, touched
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
