-- An order line's foreign key to its inventory row checked at the end of
-- each statement, not at commit, for the rest of the transaction: a call
-- made in a security-restricted operation, where PostgreSQL cannot keep a
-- check for commit (src/orders.rs, place_order).
SET CONSTRAINTS wms.order_items_product_id_warehouse_id_fkey IMMEDIATE
