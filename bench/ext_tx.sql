-- ext_tx: the call inside the caller's transaction, committed by a second
-- round trip (the row lock is held across it).
\if :skus = 1
\set p 1
\else
\set p random_zipfian(1, :skus, 1.01)
\endif
BEGIN;
SELECT status FROM wms_place_order('bench-' || :client_id, :p, 1, 1);
COMMIT;
