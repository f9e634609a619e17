-- ext_tx: the call inside the caller's transaction, committed by a second
-- round trip (the row lock is held across it).
-- The product: zipfian over :skus (always 1 when there is one).
\set p random_zipfian(1, :skus, 1.01)
BEGIN;
SELECT status FROM wms_place_order('bench-' || :client_id, :p, 1, 1);
COMMIT;
