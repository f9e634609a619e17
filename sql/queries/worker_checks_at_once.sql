-- Every check of the order worker's transaction at the end of its
-- statement, none kept for commit: the worker writes order lines in a
-- security-restricted operation, where PostgreSQL cannot keep a check for
-- commit (src/orders.rs, place_batch). ALL: no catalog lookup, and the
-- transaction is the worker's own.
SET CONSTRAINTS ALL IMMEDIATE
