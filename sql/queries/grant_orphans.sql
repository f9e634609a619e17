-- The grants of roles that were dropped (DROP OWNED BY, then DROP ROLE)
-- go with them, before an oid of theirs could be given to a new role.
DELETE FROM wms.grants g
 WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = g.role::pg_catalog.oid)
