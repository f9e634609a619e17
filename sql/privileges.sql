-- Applications get EXECUTE on the API and nothing else. The functions run
-- as the extension's owner (SECURITY DEFINER, search_path pinned to
-- pg_catalog, pg_temp); schema wms and its tables are not granted to
-- anyone, so a role without the owner's rights reaches no table (42501).
-- PUBLIC loses the default EXECUTE: a DBA grants it to application roles
-- (README.md, "Privileges").
REVOKE ALL ON SCHEMA wms FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    @extschema@.wms_add_product(text, text),
    @extschema@.wms_add_warehouse(text, text),
    @extschema@.wms_receive(bigint, bigint, bigint, text, text),
    @extschema@.wms_place_order(text, bigint, bigint, bigint, text),
    @extschema@.wms_place_order(text, jsonb, text, text),
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
    @extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer)
FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION wms.refuse_change(), wms.refuse_ddl(), wms.updating_extension() FROM PUBLIC;
