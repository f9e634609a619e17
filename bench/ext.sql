-- ext: one call of the extension, in autocommit.
\if :skus = 1
\set p 1
\else
\set p random_zipfian(1, :skus, 1.01)
\endif
SELECT status FROM wms_place_order('bench-' || :client_id, :p, 1, 1);
