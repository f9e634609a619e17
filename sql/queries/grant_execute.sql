-- The statement that grants ($3 true) or revokes EXECUTE on every form of
-- the API functions named $1, of this extension, to or from role $2; NULL
-- when there is none.
SELECT pg_catalog.format(CASE WHEN $3 THEN 'GRANT EXECUTE ON FUNCTION %s TO %I'
                              ELSE 'REVOKE EXECUTE ON FUNCTION %s FROM %I' END,
                         pg_catalog.string_agg(p.oid::pg_catalog.regprocedure::text, ', ' ORDER BY p.oid),
                         r.rolname)
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_depend d
    ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid
   AND d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'e'
  JOIN pg_catalog.pg_proc p ON p.oid = d.objid AND p.pronamespace = e.extnamespace
  JOIN pg_catalog.pg_roles r ON r.oid = $2
 WHERE e.extname = 'wms' AND p.proname = ANY ($1::pg_catalog.name[])
 GROUP BY r.rolname
