-- Role $1 gets capability $2 in warehouse $3 (NULL: every warehouse),
-- granted by $4; a row when it did not have it.
INSERT INTO wms.grants (role, capability, warehouse_id, granted_by)
VALUES ($1::pg_catalog.regrole, $2, $3, $4)
ON CONFLICT (role, capability, (COALESCE(warehouse_id, 0))) DO NOTHING
RETURNING role
