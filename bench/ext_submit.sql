-- ext_submit: one call of the group-commit API in autocommit: the order
-- worker commits it with the other callers' orders (src/submit.rs).
-- The product: zipfian over :skus (always 1 when there is one).
\set p random_zipfian(1, :skus, 1.01)
SELECT status FROM wms_submit_order('bench-' || :client_id, :p, 1, 1);
