-- wms 0.1.0 -> 0.2.0. Released: never edit this file (scripts/lint.sh
-- checks it against sql/archive/RELEASED); a later change of an SQL object
-- goes into the script to the next version.
\echo Use "ALTER EXTENSION wms UPDATE TO '0.2.0'" to load this file. \quit

-- wms reads every text argument as UTF-8: in a database of another
-- encoding (SQL_ASCII included) a text could hold bytes that are not.
DO $$
BEGIN
    IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
        RAISE EXCEPTION 'wms needs a database whose encoding is UTF8, not %', pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Create the database with ENCODING ''UTF8'' (and TEMPLATE template0).';
    END IF;
END
$$;

-- The append-only trigger function pins its search_path.
CREATE OR REPLACE FUNCTION wms.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'wms.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Correct stock with a new movement (wms_adjust, wms_receive).';
END
$$;

-- The view names pg_catalog's functions.
CREATE OR REPLACE VIEW wms.available_to_sell AS
WITH pending_allocations AS (
    SELECT oi.product_id, oi.warehouse_id, pg_catalog.sum(oi.quantity)::bigint AS allocated
    FROM wms.order_items oi
    JOIN wms.customer_orders o ON o.order_id = oi.order_id
    WHERE o.order_status = 'Pending'
      AND oi.holding
      AND (o.expires_at IS NULL OR o.expires_at > pg_catalog.now())
    GROUP BY oi.product_id, oi.warehouse_id
)
SELECT i.product_id,
       i.warehouse_id,
       i.quantity_on_hand                               AS on_hand,
       COALESCE(a.allocated, 0)                         AS allocated,
       i.quantity_on_hand - COALESCE(a.allocated, 0)    AS available
FROM wms.inventory i
LEFT JOIN pending_allocations a
       ON a.product_id = i.product_id AND a.warehouse_id = i.warehouse_id;

-- The DDL guard: event triggers that refuse DDL on the extension's objects
-- outside its own scripts.
CREATE FUNCTION wms.updating_extension() RETURNS boolean LANGUAGE c VOLATILE PARALLEL SAFE AS 'MODULE_PATHNAME', 'updating_extension_wrapper';

-- The extension's objects change only through its own scripts. The owner
-- of the tables (and any superuser) could otherwise change a column's type
-- or contents (ALTER COLUMN ... TYPE ... USING), make the ledger UNLOGGED,
-- drop a column, constraint or the append-only triggers, hang a child
-- table under the ledger, take the search_path pinning off an API
-- function or replace it, rename schema wms, or detach an object from the
-- extension, and wms_verify() would see nothing. These event triggers
-- refuse every DDL command on:
--   - an object of the extension (its tables, view, sequences, functions,
--     schema wms), or any object in schema wms;
--   - a part of a table in wms (column, constraint, trigger, rule, policy,
--     index), a table that inherits from one, or one that has a wms table
--     as a child or partition;
--   - the extension's membership: after any ALTER EXTENSION, every relation
--     and function of schema wms, every C function of the library, the
--     schema and these event triggers are still members of wms;
-- unless it runs inside the extension's own script (CREATE EXTENSION,
-- ALTER EXTENSION wms UPDATE) or is DROP EXTENSION wms. GRANT and REVOKE
-- stay allowed, and so do objects elsewhere that only refer to the tables
-- (a foreign key to wms.products, a view, a publication, statistics). They fire in
-- every session_replication_role (ENABLE ALWAYS). A superuser can still
-- disable them (ALTER EVENT TRIGGER wms_guard DISABLE, likewise
-- wms_guard_drop, or ENABLE REPLICA): that is the way past them, and
-- docs/design.md says so.
CREATE FUNCTION wms.refuse_ddl() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    -- Objects that belong to a table: their address starts with the
    -- table's schema.
    parts CONSTANT text[] := ARRAY['table column', 'table constraint', 'trigger', 'rule', 'policy', 'index'];
    touched text;
    updating boolean;
BEGIN
    IF TG_TAG IN ('GRANT', 'REVOKE', 'CREATE EXTENSION') THEN
        RETURN;
    END IF;
    IF TG_TAG = 'ALTER EXTENSION' THEN
        -- ADD and DROP of members: after any ALTER EXTENSION, every
        -- relation and function in schema wms, every C function of the wms
        -- library, schema wms itself and these event triggers must still
        -- be members of wms (UPDATE keeps them so).
        WITH members AS (
            SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
             WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms')
        ), expected AS (
            SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid, c.oid::pg_catalog.regclass::text AS what
              FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'wms' AND c.relkind <> 'i'
            UNION ALL
            SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, p.oid::pg_catalog.regprocedure::text
              FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'wms'
                OR (p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'c')
                    AND p.probin IN ('wms', '$libdir/wms'))
            UNION ALL
            SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid, 'schema wms'
              FROM pg_catalog.pg_namespace n WHERE n.nspname = 'wms'
            UNION ALL
            SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass, e.oid, 'event trigger ' || e.evtname
              FROM pg_catalog.pg_event_trigger e WHERE e.evtname IN ('wms_guard', 'wms_guard_drop')
        )
        SELECT pg_catalog.string_agg(x.what, ', ') INTO touched
          FROM expected x
         WHERE NOT EXISTS (SELECT FROM members m WHERE m.classid = x.classid AND m.objid = x.objid);
        IF touched IS NULL THEN
            RETURN;
        END IF;
        touched := 'ALTER EXTENSION: ' || touched || ' would no longer be a member of the extension';
    ELSIF TG_EVENT = 'sql_drop' THEN
        IF EXISTS (SELECT FROM pg_catalog.pg_event_trigger_dropped_objects()
                    WHERE object_type = 'extension' AND object_identity = 'wms') THEN
            RETURN;
        END IF;
        -- Named in the command or dropped with it by CASCADE; not the
        -- internal triggers a foreign key elsewhere keeps on a wms table.
        SELECT pg_catalog.string_agg(object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_dropped_objects()
         WHERE (original OR normal)
           AND (schema_name = 'wms'
                OR (object_type = 'schema' AND object_identity = 'wms')
                OR (object_type = ANY (parts) AND address_names[1] = 'wms'));
    ELSE
        SELECT pg_catalog.string_agg(c.object_identity, ', ') INTO touched
          FROM pg_catalog.pg_event_trigger_ddl_commands() c
         WHERE c.object_type <> 'extension'
           AND (c.schema_name = 'wms'
                OR EXISTS (SELECT FROM pg_catalog.pg_depend d
                            WHERE d.classid = c.classid AND d.objid = c.objid AND d.deptype = 'e'
                              AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
                              AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms'))
                OR (c.object_type = ANY (parts)
                    AND (pg_catalog.pg_identify_object_as_address(c.classid, c.objid, c.objsubid)).object_names[1] = 'wms')
                -- a table that inherits from a wms table, or has one as a
                -- child or partition (its DDL would reach into it)
                OR (c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND EXISTS (SELECT FROM pg_catalog.pg_inherits i
                                  JOIN pg_catalog.pg_class r ON r.oid IN (i.inhparent, i.inhrelid)
                                  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                 WHERE c.objid IN (i.inhrelid, i.inhparent) AND r.oid <> c.objid
                                   AND n.nspname = 'wms')));
    END IF;
    IF TG_TAG <> 'ALTER EXTENSION' THEN
        touched := TG_TAG || ' of ' || touched || ' is not allowed';
    END IF;
    -- Only a role that owns the objects in question gets this far, and it
    -- may call the extension's wms.updating_extension(), found as a member
    -- wherever a refused command has just put it (none: false).
    IF touched IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT %s', COALESCE((
            SELECT p.oid::pg_catalog.regprocedure::text
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
               AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
               AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'wms')
             WHERE p.proname = 'updating_extension' AND p.probin IN ('wms', '$libdir/wms')), 'false'))
            INTO updating;
        IF NOT updating THEN
            RAISE EXCEPTION 'the objects of extension wms change only through ALTER EXTENSION wms UPDATE: %',
                touched
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Stock changes through the wms functions; the schema through the extension''s update scripts.';
        END IF;
    END IF;
END
$$;

CREATE EVENT TRIGGER wms_guard ON ddl_command_end EXECUTE FUNCTION wms.refuse_ddl();
CREATE EVENT TRIGGER wms_guard_drop ON sql_drop EXECUTE FUNCTION wms.refuse_ddl();
ALTER EVENT TRIGGER wms_guard ENABLE ALWAYS;
ALTER EVENT TRIGGER wms_guard_drop ENABLE ALWAYS;

-- Every C function again, unchanged but for the library's path: 0.2.0's
-- control file names it '$libdir/wms' (0.1.0: 'wms').
CREATE OR REPLACE FUNCTION "wms_add_product"(
	"sku" TEXT,
	"name" TEXT
) RETURNS bigint
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_add_product_wrapper';

CREATE OR REPLACE FUNCTION "wms_add_warehouse"(
	"code" TEXT,
	"name" TEXT
) RETURNS bigint
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_add_warehouse_wrapper';

CREATE OR REPLACE FUNCTION "wms_adjust"(
	"product_id" bigint,
	"warehouse_id" bigint,
	"counted_quantity" bigint,
	"reason" TEXT
) RETURNS bigint
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_adjust_wrapper';

CREATE OR REPLACE FUNCTION "wms_available_to_sell"(
	"product_id" bigint,
	"warehouse_id" bigint DEFAULT NULL
) RETURNS bigint
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_available_to_sell_wrapper';

CREATE OR REPLACE FUNCTION "wms_cancel_order"(
	"order_id" bigint,
	"reason" TEXT
) RETURNS TABLE (
	"order_id" bigint,
	"status" TEXT,
	"detail" jsonb
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_cancel_order_wrapper';

CREATE OR REPLACE FUNCTION "wms_expire_reservations"() RETURNS INT
STRICT VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_expire_reservations_wrapper';

CREATE OR REPLACE FUNCTION "wms_fulfill_order"(
	"order_id" bigint
) RETURNS TABLE (
	"order_id" bigint,
	"status" TEXT,
	"detail" jsonb
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_fulfill_order_wrapper';

CREATE OR REPLACE FUNCTION "wms_movement_summary"(
	"from_time" timestamp with time zone,
	"to_time" timestamp with time zone,
	"product_id" bigint DEFAULT NULL,
	"warehouse_id" bigint DEFAULT NULL
) RETURNS TABLE (
	"reason" TEXT,
	"movements" bigint,
	"units_in" NUMERIC,
	"units_out" NUMERIC
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_movement_summary_wrapper';

CREATE OR REPLACE FUNCTION "wms_movements"(
	"from_time" timestamp with time zone,
	"to_time" timestamp with time zone,
	"reason" TEXT DEFAULT NULL,
	"product_id" bigint DEFAULT NULL,
	"warehouse_id" bigint DEFAULT NULL,
	"after_movement_id" bigint DEFAULT NULL,
	"page_size" INT DEFAULT 100
) RETURNS TABLE (
	"movement_id" bigint,
	"movement_time" timestamp with time zone,
	"product_id" bigint,
	"warehouse_id" bigint,
	"quantity_change" bigint,
	"balance_after" bigint,
	"reason" TEXT,
	"order_id" bigint,
	"reference" TEXT,
	"actor" TEXT
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_movements_wrapper';

CREATE OR REPLACE FUNCTION "wms_orders"(
	"from_time" timestamp with time zone,
	"to_time" timestamp with time zone,
	"status" TEXT DEFAULT NULL,
	"after_order_id" bigint DEFAULT NULL,
	"page_size" INT DEFAULT 100
) RETURNS TABLE (
	"order_id" bigint,
	"customer_name" TEXT,
	"order_status" TEXT,
	"created_at" timestamp with time zone,
	"updated_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"lines" bigint,
	"units" NUMERIC
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_orders_wrapper';

CREATE OR REPLACE FUNCTION "wms_place_order"(
	"customer" TEXT,
	"product_id" bigint,
	"warehouse_id" bigint,
	"quantity" bigint DEFAULT 1,
	"idempotency_key" TEXT DEFAULT NULL
) RETURNS TABLE (
	"order_id" bigint,
	"status" TEXT,
	"detail" jsonb
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_place_order_wrapper';

CREATE OR REPLACE FUNCTION "wms_place_order"(
	"customer" TEXT,
	"items" jsonb,
	"idempotency_key" TEXT DEFAULT NULL,
	"on_shortage" TEXT DEFAULT 'reject'
) RETURNS TABLE (
	"order_id" bigint,
	"status" TEXT,
	"detail" jsonb
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_place_order_items_wrapper';

CREATE OR REPLACE FUNCTION "wms_receive"(
	"product_id" bigint,
	"warehouse_id" bigint,
	"quantity" bigint,
	"reason" TEXT DEFAULT 'Purchase Order',
	"reference" TEXT DEFAULT NULL
) RETURNS bigint
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_receive_wrapper';

CREATE OR REPLACE FUNCTION "wms_reorder_hints"(
	"product_id" bigint DEFAULT NULL,
	"warehouse_id" bigint DEFAULT NULL
) RETURNS TABLE (
	"product_id" bigint,
	"warehouse_id" bigint,
	"on_hand" bigint,
	"available" bigint,
	"reorder_point" bigint,
	"safety_stock" bigint,
	"avg_daily_sales" NUMERIC,
	"days_of_cover" NUMERIC,
	"suggested_quantity" bigint
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_reorder_hints_wrapper';

CREATE OR REPLACE FUNCTION "wms_reserve"(
	"customer" TEXT,
	"items" jsonb,
	"ttl" interval DEFAULT '10 minutes',
	"idempotency_key" TEXT DEFAULT NULL
) RETURNS TABLE (
	"order_id" bigint,
	"status" TEXT,
	"expires_at" timestamp with time zone
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_reserve_wrapper';

CREATE OR REPLACE FUNCTION "wms_sales_rolling_average"(
	"product_id" bigint,
	"days" INT DEFAULT 30,
	"warehouse_id" bigint DEFAULT NULL,
	"until" date DEFAULT CURRENT_DATE
) RETURNS TABLE (
	"day" date,
	"units_sold" bigint,
	"rolling_avg" NUMERIC
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_sales_rolling_average_wrapper';

CREATE OR REPLACE FUNCTION "wms_set_reorder_policy"(
	"product_id" bigint,
	"warehouse_id" bigint,
	"reorder_point" bigint,
	"safety_stock" bigint
) RETURNS void
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_set_reorder_policy_wrapper';

CREATE OR REPLACE FUNCTION "wms_stock_as_of"(
	"product_id" bigint,
	"warehouse_id" bigint,
	"at" timestamp with time zone
) RETURNS bigint
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_stock_as_of_wrapper';

CREATE OR REPLACE FUNCTION "wms_stock_by_warehouse"(
	"warehouse_id" bigint DEFAULT NULL
) RETURNS TABLE (
	"warehouse_id" bigint,
	"code" TEXT,
	"name" TEXT,
	"products_in_stock" bigint,
	"on_hand" NUMERIC,
	"allocated" NUMERIC,
	"available" NUMERIC
)
STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_stock_by_warehouse_wrapper';

CREATE OR REPLACE FUNCTION "wms_transfer"(
	"product_id" bigint,
	"from_warehouse" bigint,
	"to_warehouse" bigint,
	"quantity" bigint,
	"reason" TEXT DEFAULT 'Transfer'
) RETURNS TABLE (
	"from_on_hand" bigint,
	"to_on_hand" bigint
)
VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_transfer_wrapper';

CREATE OR REPLACE FUNCTION "wms_verify"() RETURNS TABLE (
	"check_name" TEXT,
	"product_id" bigint,
	"warehouse_id" bigint,
	"expected" bigint,
	"actual" bigint
)
STRICT STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', 'wms_verify_wrapper';

-- The new functions are not for PUBLIC.
REVOKE EXECUTE ON FUNCTION wms.refuse_change(), wms.refuse_ddl(), wms.updating_extension() FROM PUBLIC;

-- A COMMENT on every function, table, view and event trigger.
COMMENT ON TABLE wms.products IS 'Products: one row per SKU, with its name.';
COMMENT ON TABLE wms.warehouses IS 'Warehouses (stores): one row per code, with its name.';
COMMENT ON TABLE wms.inventory IS 'Stock of each product in each warehouse: on hand, reserved by live reservations, and its reorder policy.';
COMMENT ON TABLE wms.customer_orders IS 'Orders and reservations, with their status, expiry and idempotency key.';
COMMENT ON TABLE wms.order_items IS 'Lines of an order: item, quantity, and whether the line holds reserved stock.';
COMMENT ON TABLE wms.order_transitions IS 'The status changes an order may make (from_status to to_status).';
COMMENT ON TABLE wms.stock_movements IS 'The append-only ledger: one row per change of on hand, whose sum per item is on hand.';
COMMENT ON TABLE wms.order_status_history IS 'Append-only history of every order status change: who, when, from, to and why.';
COMMENT ON FUNCTION wms.refuse_change() IS 'Trigger function that refuses UPDATE, DELETE and TRUNCATE of the append-only tables (42501).';

COMMENT ON FUNCTION wms.refuse_ddl() IS 'Event trigger function that refuses DDL on the objects of wms outside the extension''s own scripts (42501).';
COMMENT ON FUNCTION wms.updating_extension() IS 'Returns true while the wms extension script itself runs (CREATE EXTENSION wms or ALTER EXTENSION wms UPDATE).';
COMMENT ON EVENT TRIGGER wms_guard IS 'Refuses DDL on the objects of wms outside the extension''s own scripts.';
COMMENT ON EVENT TRIGGER wms_guard_drop IS 'Refuses DROP of the objects of wms outside DROP EXTENSION wms.';

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
COMMENT ON FUNCTION @extschema@.wms_reserve(text, jsonb, interval, text) IS
    'Reserves stock for a time as a Pending order; returns (order_id, status Pending or Unavailable, expires_at).';
COMMENT ON FUNCTION @extschema@.wms_fulfill_order(bigint) IS
    'Fulfils a live reservation, taking its stock with ledger rows; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_cancel_order(bigint, text) IS
    'Cancels a Pending order and releases what it holds; returns (order_id, status, detail).';
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
COMMENT ON FUNCTION @extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer) IS
    'Returns a page of orders created in a time range, oldest first, with their lines and units.';
