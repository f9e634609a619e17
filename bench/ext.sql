-- ext: one call of the extension, in autocommit.
-- The product: zipfian over :skus (always 1 when there is one).
\set p random_zipfian(1, :skus, 1.01)
SELECT status FROM wms_place_order('bench-' || :client_id, :p, 1, 1);
