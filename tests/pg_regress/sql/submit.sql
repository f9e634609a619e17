-- wms_submit_order needs wms in shared_preload_libraries (its queue and
-- worker live in shared memory); this cluster does not preload it, so
-- every call, in either form and whatever its arguments, is refused with
-- 55000 and a hint, before anything is read or written.
\set VERBOSITY default
CREATE TEMP TABLE before AS SELECT * FROM regress_contents();

SELECT * FROM wms_submit_order('carol', 1, 1, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_submit_order('carol', '[{"product_id": 1, "warehouse_id": 1, "quantity": 1}]'::jsonb, 'submit-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM wms_submit_order(NULL, NULL::bigint, NULL);
\echo :LAST_ERROR_SQLSTATE
BEGIN TRANSACTION READ ONLY;
SELECT * FROM wms_submit_order('carol', 1, 1, 1);
ROLLBACK;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY terse
-- Nothing changed.
SELECT * FROM regress_changes();
