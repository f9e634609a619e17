-- Role $1 loses capability $2 in warehouse $3 (NULL: the grant of every
-- warehouse); a row when it had it.
DELETE FROM wms.grants
 WHERE role = $1::pg_catalog.regrole AND capability = $2
   AND COALESCE(warehouse_id, 0) = COALESCE($3, 0)
RETURNING role
