-- After lookalikes.sql, the script and calls: no object of wms depends on
-- the planted operators, and none of them ran.
\set ON_ERROR_STOP on
DO $$
DECLARE
    bound text;
    ran text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', ')
      INTO bound
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_operator o ON d.refclassid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                                   AND d.refobjid OPERATOR(pg_catalog.=) o.oid
     WHERE o.oprnamespace OPERATOR(pg_catalog.=) 'public'::pg_catalog.regnamespace::pg_catalog.oid
       AND d.deptype OPERATOR(pg_catalog.=) 'n';
    SELECT pg_catalog.string_agg(DISTINCT operator, ', ') INTO ran FROM public.wms_captured;
    IF bound IS NOT NULL OR ran IS NOT NULL THEN
        RAISE EXCEPTION 'look-alike operators bound by: %; run: %', bound, ran;
    END IF;
END
$$;
