-- The capabilities role $1 holds itself, in any warehouse.
SELECT DISTINCT capability FROM wms.grants WHERE role = $1::pg_catalog.regrole
