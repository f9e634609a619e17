-- The API as applications see it: who may call each function, and what it
-- is (psql: \df+ wms_*).
--
-- Applications get EXECUTE on the API and nothing else. The functions run
-- as the extension's owner: each notes its caller and switches to the
-- owner first (src/access.rs), with search_path pinned to pg_catalog,
-- pg_temp; schema wms and its tables are not granted to anyone, so a role
-- without the owner's rights reaches no table (42501). PUBLIC loses the
-- default EXECUTE: wms_grant gives it with a capability
-- (docs/operations.md, "Privileges").
REVOKE ALL ON SCHEMA wms FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    @extschema@.wms_add_product(text, text),
    @extschema@.wms_add_warehouse(text, text),
    @extschema@.wms_receive(bigint, bigint, bigint, text, text),
    @extschema@.wms_place_order(text, bigint, bigint, bigint, text),
    @extschema@.wms_place_order(text, jsonb, text, text),
    @extschema@.wms_submit_order(text, bigint, bigint, bigint, text),
    @extschema@.wms_submit_order(text, jsonb, text, text),
    @extschema@.wms_reserve(text, jsonb, interval, text),
    @extschema@.wms_fulfill_order(bigint),
    @extschema@.wms_cancel_order(bigint, text),
    @extschema@.wms_expire_reservations(),
    @extschema@.wms_adjust(bigint, bigint, bigint, text),
    @extschema@.wms_transfer(bigint, bigint, bigint, bigint, text),
    @extschema@.wms_available_to_sell(bigint, bigint),
    @extschema@.wms_verify(),
    @extschema@.wms_stock_as_of(bigint, bigint, timestamptz),
    @extschema@.wms_sales_rolling_average(bigint, integer, bigint, date),
    @extschema@.wms_set_reorder_policy(bigint, bigint, bigint, bigint),
    @extschema@.wms_reorder_hints(bigint, bigint),
    @extschema@.wms_stock_by_warehouse(bigint),
    @extschema@.wms_movements(timestamptz, timestamptz, text, bigint, bigint, bigint, integer),
    @extschema@.wms_movement_summary(timestamptz, timestamptz, bigint, bigint),
    @extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer, numeric, numeric, text),
    @extschema@.wms_set_order_status(bigint, text, text),
    @extschema@.wms_return_order(bigint, jsonb, boolean, text),
    @extschema@.wms_order(bigint),
    @extschema@.wms_products(text, bigint, integer),
    @extschema@.wms_inventory(bigint, bigint),
    @extschema@.wms_update_product(bigint, text, text),
    @extschema@.wms_update_warehouse(bigint, text, text),
    @extschema@.wms_remove_product(bigint),
    @extschema@.wms_remove_warehouse(bigint),
    @extschema@.wms_audit(timestamptz, timestamptz, text, bigint, bigint, integer),
    @extschema@.wms_grant(regrole, text, bigint),
    @extschema@.wms_revoke(regrole, text, bigint)
FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION wms.refuse_change(), wms.refuse_ddl(), wms.updating_extension(),
    wms.history_append_only(),
    wms.check_order_transitions(), wms.keep_order_status(),
    wms.grants_changed(), wms.invalidate_grants() FROM PUBLIC;

COMMENT ON FUNCTION @extschema@.wms_grant(regrole, text, bigint) IS
    'Gives a role a capability (sell, stock, report, admin) in one warehouse or every one (NULL), with EXECUTE on what it needs.';
COMMENT ON FUNCTION @extschema@.wms_revoke(regrole, text, bigint) IS
    'Takes back a capability wms_grant gave, and EXECUTE on what the role no longer needs.';
COMMENT ON FUNCTION wms.invalidate_grants() IS
    'Tells every backend to read wms.grants again (called by its trigger).';
COMMENT ON FUNCTION @extschema@.wms_add_product(text, text) IS
    'Adds a product with a unique SKU; returns its product_id.';
COMMENT ON FUNCTION @extschema@.wms_add_warehouse(text, text) IS
    'Adds a warehouse with a unique code; returns its warehouse_id.';
COMMENT ON FUNCTION @extschema@.wms_receive(bigint, bigint, bigint, text, text) IS
    'Receives stock into a warehouse with its ledger row; returns the new quantity on hand.';
COMMENT ON FUNCTION @extschema@.wms_place_order(text, bigint, bigint, bigint, text) IS
    'Places a one-line order that never oversells; returns (order_id, status Fulfilled or Unavailable, detail).';
COMMENT ON FUNCTION @extschema@.wms_place_order(text, jsonb, text, text) IS
    'Places a multi-line order, all lines or none; returns (order_id, status Fulfilled or Unavailable, detail).';
COMMENT ON FUNCTION @extschema@.wms_submit_order(text, bigint, bigint, bigint, text) IS
    'Hands a one-line order to the order worker, which commits it with other callers'' orders in one transaction; committed when it returns (needs wms in shared_preload_libraries).';
COMMENT ON FUNCTION @extschema@.wms_submit_order(text, jsonb, text, text) IS
    'Hands a multi-line order (at most 100 lines) to the order worker, all lines or none; committed when it returns (needs wms in shared_preload_libraries).';
COMMENT ON FUNCTION @extschema@.wms_reserve(text, jsonb, interval, text) IS
    'Reserves stock for a time as a Pending order; returns (order_id, status Pending or Unavailable, expires_at).';
COMMENT ON FUNCTION @extschema@.wms_fulfill_order(bigint) IS
    'Fulfils a live reservation, taking its stock with ledger rows; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_cancel_order(bigint, text) IS
    'Cancels a Pending or Confirmed order and releases what it holds; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_set_order_status(bigint, text, text) IS
    'Moves an order to a status wms.order_transitions allows, with that status''s stock effect; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_return_order(bigint, jsonb, boolean, text) IS
    'Takes back what an order took, restocked or only recorded; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_order(bigint) IS
    'Returns one order whole as jsonb: header, lines, status history and ledger rows.';
COMMENT ON FUNCTION @extschema@.wms_expire_reservations() IS
    'Cancels expired reservations (reason expired); returns how many it cancelled.';
COMMENT ON FUNCTION @extschema@.wms_adjust(bigint, bigint, bigint, text) IS
    'Sets on hand to a counted quantity with its ledger row; returns the difference written.';
COMMENT ON FUNCTION @extschema@.wms_transfer(bigint, bigint, bigint, bigint, text) IS
    'Moves stock between two warehouses in one transaction; returns (from_on_hand, to_on_hand).';
COMMENT ON FUNCTION @extschema@.wms_available_to_sell(bigint, bigint) IS
    'Returns what is available to sell of a product, in one warehouse or all, without taking a lock.';
COMMENT ON FUNCTION @extschema@.wms_verify() IS
    'Checks every invariant of the stored data; returns one row per violation, none when all hold.';
COMMENT ON FUNCTION @extschema@.wms_stock_as_of(bigint, bigint, timestamptz) IS
    'Returns the quantity on hand of an item at a past instant, from the ledger.';
COMMENT ON FUNCTION @extschema@.wms_sales_rolling_average(bigint, integer, bigint, date) IS
    'Returns units sold per day and their rolling average over a window of days.';
COMMENT ON FUNCTION @extschema@.wms_set_reorder_policy(bigint, bigint, bigint, bigint) IS
    'Sets the reorder point and safety stock of an item; returns nothing.';
COMMENT ON FUNCTION @extschema@.wms_reorder_hints(bigint, bigint) IS
    'Returns, per item, its stock, demand, days of cover and the quantity to reorder.';
COMMENT ON FUNCTION @extschema@.wms_stock_by_warehouse(bigint) IS
    'Returns per warehouse the products in stock, on hand, allocated and available.';
COMMENT ON FUNCTION @extschema@.wms_movements(timestamptz, timestamptz, text, bigint, bigint, bigint, integer) IS
    'Returns a page of ledger rows in a time range, oldest first, filtered by reason, product and warehouse.';
COMMENT ON FUNCTION @extschema@.wms_movement_summary(timestamptz, timestamptz, bigint, bigint) IS
    'Returns per ledger reason the movements and units in and out in a time range.';
COMMENT ON FUNCTION @extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer, numeric, numeric, text) IS
    'Returns a page of orders created in a time range, filtered by status and total, oldest or newest first or by highest value, with their lines, units and total.';
COMMENT ON FUNCTION @extschema@.wms_products(text, bigint, integer) IS
    'Returns a page of products whose SKU or name contains the search (any case), with on hand and available in the warehouses the caller may see.';
COMMENT ON FUNCTION @extschema@.wms_inventory(bigint, bigint) IS
    'Returns a product''s stock per warehouse: on hand, reserved, available, received and sold in total, last change.';
COMMENT ON FUNCTION @extschema@.wms_update_product(bigint, text, text) IS
    'Changes a product''s SKU or name (NULL keeps it); returns its row.';
COMMENT ON FUNCTION @extschema@.wms_update_warehouse(bigint, text, text) IS
    'Changes a warehouse''s code or name (NULL keeps it); returns its row.';
COMMENT ON FUNCTION @extschema@.wms_remove_product(bigint) IS
    'Removes a product that has no ledger rows or order lines; returns nothing.';
COMMENT ON FUNCTION @extschema@.wms_remove_warehouse(bigint) IS
    'Removes a warehouse that has no ledger rows or order lines; returns nothing.';
COMMENT ON FUNCTION @extschema@.wms_audit(timestamptz, timestamptz, text, bigint, bigint, integer) IS
    'Returns a page of the audit trail in a time range, in order: stock movements, order status changes, returns, catalogue, policy and grant changes, with who made them.';
