-- wms 0.2.0 -> 0.3.0: the order workflow as data (statuses with their
-- stock effect, the moves between them, returns), prices and totals, one
-- order whole, catalogue reads, the audit trail and capabilities scoped
-- to warehouses. A later change of an SQL object goes into the script to
-- the next version.
\echo Use "ALTER EXTENSION wms UPDATE TO '0.3.0'" to load this file. \quit

-- Product search (wms_products): a case-insensitive match anywhere in the
-- SKU or the name, through pg_trgm's trigram indexes (without a pending
-- list, so that a search after a bulk load uses them at once).
CREATE INDEX products_sku_trgm_idx ON wms.products USING gin (sku gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX products_name_trgm_idx ON wms.products USING gin (name gin_trgm_ops) WITH (fastupdate = off);

-- Who did what: the end user and request on every ledger and history row,
-- and a trail of the other changes.
ALTER TABLE wms.stock_movements ADD COLUMN end_user text, ADD COLUMN request_id text;
ALTER TABLE wms.order_status_history ADD COLUMN end_user text, ADD COLUMN request_id text;
-- Who did what besides stock and status changes (those carry it on their
-- own rows): catalogue and policy changes and returns, with the calling role,
-- the end user and request the application named (wms.actor,
-- wms.request_id), and the values before and after. Append-only;
-- wms_audit() reads it with the ledger and the status history as one
-- trail.
CREATE TABLE wms.audit_log (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    db_role     text NOT NULL,
    end_user    text,
    request_id  text,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   bigint,
    old_value   jsonb,
    new_value   jsonb
);
CREATE INDEX audit_log_at_idx ON wms.audit_log (at, event_id);
CREATE INDEX audit_log_object_idx ON wms.audit_log (object_type, object_id, at);
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON wms.audit_log
    FOR EACH ROW EXECUTE FUNCTION wms.refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON wms.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION wms.refuse_change();
ALTER TABLE wms.audit_log
    ENABLE ALWAYS TRIGGER audit_log_append_only,
    ENABLE ALWAYS TRIGGER audit_log_no_truncate;
-- The status history by time (wms_audit).
CREATE INDEX order_status_history_time_idx ON wms.order_status_history (changed_at, history_id);
COMMENT ON TABLE wms.audit_log IS 'Append-only trail of catalogue, policy and grant changes and returns: who (role, end user, request), what, and the values before and after.';
SELECT pg_catalog.pg_extension_config_dump('wms.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('wms.audit_log_event_id_seq', '');

-- Statuses with their stock effect, in place of the CHECK constraints
-- that listed three.
CREATE TABLE wms.order_statuses (
    status       text PRIMARY KEY
                 CONSTRAINT order_statuses_status_check
                 CHECK (pg_catalog.btrim(status) <> '' AND pg_catalog.length(status) <= 64),
    stock_effect text NOT NULL
                 CONSTRAINT order_statuses_stock_effect_check
                 CHECK (stock_effect IN ('hold', 'take', 'release', 'none')),
    terminal     boolean NOT NULL DEFAULT false,
    -- A terminal status is left by return only: holding there, its stock
    -- could never be freed.
    CONSTRAINT order_statuses_terminal_holds_nothing CHECK (NOT (terminal AND stock_effect = 'hold'))
);
INSERT INTO wms.order_statuses (status, stock_effect, terminal) VALUES
    ('Pending', 'hold', false),
    ('Confirmed', 'hold', false),
    ('Processing', 'hold', false),
    ('Shipped', 'take', false),
    ('Delivered', 'none', true),
    ('Fulfilled', 'take', true),
    ('Cancelled', 'release', true),
    ('Returned', 'none', true);
ALTER TABLE wms.customer_orders DROP CONSTRAINT customer_orders_status_check;
ALTER TABLE wms.order_status_history
    DROP CONSTRAINT order_status_history_from_check,
    DROP CONSTRAINT order_status_history_to_check;

-- Totals, prices, what each line took and got back.
ALTER TABLE wms.customer_orders
    ADD COLUMN total numeric CONSTRAINT customer_orders_total_nonnegative CHECK (total OPERATOR(pg_catalog.>=) 0::pg_catalog.numeric);
CREATE INDEX customer_orders_total_idx ON wms.customer_orders ((COALESCE(total, -1)), order_id);
ALTER TABLE wms.order_items
    ADD COLUMN unit_price numeric CONSTRAINT order_items_unit_price_nonnegative CHECK (unit_price OPERATOR(pg_catalog.>=) 0::pg_catalog.numeric),
    ADD COLUMN taken boolean NOT NULL DEFAULT false,
    ADD COLUMN returned bigint NOT NULL DEFAULT 0;
-- The lines of Fulfilled orders took their stock.
UPDATE wms.order_items oi SET taken = true
  FROM wms.customer_orders o
 WHERE o.order_id OPERATOR(pg_catalog.=) oi.order_id AND o.order_status OPERATOR(pg_catalog.=) 'Fulfilled';
ALTER TABLE wms.order_items
    ADD CONSTRAINT order_items_held_or_taken CHECK (NOT (holding AND taken)),
    ADD CONSTRAINT order_items_returned_within_taken
        CHECK (returned >= 0 AND returned <= quantity AND (taken OR returned = 0));

-- Moves: which are made by a return, and that they name known statuses. A
-- move a DBA added in 0.2.0 naming another status stops the update, saying
-- which.
DO $$
DECLARE
    unknown text;
BEGIN
    SELECT pg_catalog.string_agg(DISTINCT v.status, ', ') INTO unknown
      FROM wms.order_transitions t, LATERAL (VALUES (t.from_status), (t.to_status)) AS v(status)
     WHERE NOT EXISTS (SELECT 1 FROM wms.order_statuses s WHERE s.status OPERATOR(pg_catalog.=) v.status);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'wms.order_transitions has moves of statuses wms does not know: %', unknown
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Delete those moves, update, then add the statuses to wms.order_statuses and the moves again.';
    END IF;
END
$$;
ALTER TABLE wms.order_transitions
    ADD COLUMN by_return boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT order_transitions_from_status_fkey FOREIGN KEY (from_status) REFERENCES wms.order_statuses,
    ADD CONSTRAINT order_transitions_to_status_fkey FOREIGN KEY (to_status) REFERENCES wms.order_statuses;

-- The order workflow (0.3.0): reservation, confirmation, picking, shipping,
-- delivery, and returns of what was taken.
INSERT INTO wms.order_transitions (from_status, to_status, by_return) VALUES
    ('Pending', 'Confirmed', false),
    ('Confirmed', 'Processing', false),
    ('Confirmed', 'Cancelled', false),
    ('Processing', 'Shipped', false),
    ('Shipped', 'Delivered', false),
    ('Shipped', 'Returned', true),
    ('Delivered', 'Returned', true),
    ('Fulfilled', 'Returned', true);

-- A move must make sense for the stock of every order that can make it.
-- Orders are created Pending (their lines hold) or Fulfilled (taken); the
-- state of an order's stock in a status is the effect of the last status
-- it entered that had one. A status that holds, takes or releases may
-- only be entered while the lines hold (never hold again after a take or
-- a release, never take twice), and one without effect only once they no
-- longer hold (held stock is never left in limbo). A move by return
-- leaves a status whose stock was taken, into a status without effect,
-- and is a status's only one; only returns enter the statuses returns
-- enter, and nothing leaves them. A terminal status is left by return
-- only, and a status nothing reaches has no moves. Every change of the
-- table is checked whole, one at a time.
CREATE FUNCTION wms.check_order_transitions() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    bad record;
BEGIN
    LOCK TABLE wms.order_transitions IN SHARE ROW EXCLUSIVE MODE;
    WITH RECURSIVE reach (status, state) AS (
        SELECT s.status, s.stock_effect FROM wms.order_statuses s
         WHERE s.status IN ('Pending', 'Fulfilled')
        UNION
        SELECT t.to_status, CASE WHEN s.stock_effect = 'none' THEN r.state ELSE s.stock_effect END
          FROM reach r
          JOIN wms.order_transitions t ON t.from_status = r.status
          JOIN wms.order_statuses s ON s.status = t.to_status
    ), returned_into AS (
        SELECT DISTINCT to_status AS status FROM wms.order_transitions WHERE by_return
    )
    SELECT t.from_status, t.to_status, t.by_return, s.stock_effect AS effect, f.terminal, r.state,
           (SELECT count(*) FROM wms.order_transitions o
             WHERE o.from_status = t.from_status AND o.by_return) AS returns,
           t.to_status IN (SELECT status FROM returned_into) AS into_returned,
           t.from_status IN (SELECT status FROM returned_into) AS from_returned
      INTO bad
      FROM wms.order_transitions t
      JOIN wms.order_statuses s ON s.status = t.to_status
      JOIN wms.order_statuses f ON f.status = t.from_status
      LEFT JOIN reach r ON r.status = t.from_status
     WHERE t.from_status = t.to_status
        OR r.state IS NULL
        OR (s.stock_effect <> 'none' AND r.state <> 'hold')
        OR (s.stock_effect = 'none' AND NOT t.by_return AND r.state = 'hold')
        OR (t.by_return AND (s.stock_effect <> 'none' OR r.state <> 'take'))
        OR (f.terminal AND NOT t.by_return)
        OR (t.by_return AND (SELECT count(*) FROM wms.order_transitions o
                              WHERE o.from_status = t.from_status AND o.by_return) > 1)
        OR (NOT t.by_return AND t.to_status IN (SELECT status FROM returned_into))
        OR t.from_status IN (SELECT status FROM returned_into)
     ORDER BY t.from_status, t.to_status, r.state
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the move % -> % makes no sense: %', bad.from_status, bad.to_status,
        CASE
            WHEN bad.from_status = bad.to_status THEN 'an order does not move to the status it is in'
            WHEN bad.state IS NULL THEN
                format('no order can reach %s from Pending or Fulfilled', bad.from_status)
            WHEN bad.from_returned THEN format('%s is where a return moves an order, and it moves no further', bad.from_status)
            WHEN bad.into_returned AND NOT bad.by_return THEN
                format('%s is where a return moves an order, and only a return moves into it', bad.to_status)
            WHEN bad.by_return AND bad.returns > 1 THEN
                format('%s has %s moves by return, and a return could not tell which to make', bad.from_status, bad.returns)
            WHEN bad.by_return AND bad.effect <> 'none' THEN
                format('a return moves into a status without stock effect, and %s would %s', bad.to_status, bad.effect)
            WHEN bad.by_return THEN
                format('only an order whose stock was taken can be returned, and in %s its stock is %s',
                       bad.from_status, CASE bad.state WHEN 'hold' THEN 'held' ELSE 'released' END)
            WHEN bad.terminal THEN format('%s is terminal: an order leaves it only by a return', bad.from_status)
            WHEN bad.effect = 'none' THEN
                format('in %s an order''s stock is held, and %s would neither hold nor take nor release it',
                       bad.from_status, bad.to_status)
            ELSE format('in %s an order''s stock is %s, and entering %s would %s', bad.from_status,
                        CASE bad.state WHEN 'take' THEN 'taken' ELSE 'released' END, bad.to_status,
                        CASE WHEN bad.effect = 'hold' THEN 'hold it again'
                             WHEN bad.effect = 'take' AND bad.state = 'take' THEN 'take it twice'
                             ELSE format('%s stock the order does not hold', bad.effect) END)
        END
        USING ERRCODE = 'check_violation',
              HINT = 'wms.order_statuses says what entering each status does to stock (hold, take, release, none).';
END
$$;
CREATE TRIGGER order_transitions_make_sense
    AFTER INSERT OR UPDATE OR DELETE ON wms.order_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION wms.check_order_transitions();

-- A status's effect is what its orders' stock is: it is never changed, and
-- a status is removed only while no order is or was in it; neither table
-- is truncated.
CREATE FUNCTION wms.keep_order_status() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'wms.% is not truncated', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Delete the rows you mean to remove.';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'wms.order_statuses rows are not updated: % keeps its effect %', OLD.status, OLD.stock_effect
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Add a new status with INSERT, and moves to it in wms.order_transitions.';
    END IF;
    IF OLD.status IN ('Pending', 'Fulfilled', 'Cancelled')
       OR EXISTS (SELECT 1 FROM wms.customer_orders WHERE order_status = OLD.status)
       OR EXISTS (SELECT 1 FROM wms.order_status_history WHERE to_status = OLD.status) THEN
        RAISE EXCEPTION 'status % is in use and cannot be removed', OLD.status
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER order_statuses_kept
    BEFORE UPDATE OR DELETE ON wms.order_statuses
    FOR EACH ROW EXECUTE FUNCTION wms.keep_order_status();
CREATE TRIGGER order_statuses_no_truncate
    BEFORE TRUNCATE ON wms.order_statuses
    FOR EACH STATEMENT EXECUTE FUNCTION wms.keep_order_status();
CREATE TRIGGER order_transitions_no_truncate
    BEFORE TRUNCATE ON wms.order_transitions
    FOR EACH STATEMENT EXECUTE FUNCTION wms.keep_order_status();
ALTER TABLE wms.order_statuses
    ENABLE ALWAYS TRIGGER order_statuses_kept,
    ENABLE ALWAYS TRIGGER order_statuses_no_truncate;
ALTER TABLE wms.order_transitions
    ENABLE ALWAYS TRIGGER order_transitions_make_sense,
    ENABLE ALWAYS TRIGGER order_transitions_no_truncate;
-- The moves a DBA added in 0.2.0 are checked like every later one.
UPDATE wms.order_transitions SET by_return = by_return WHERE false;

-- What came back of an order's taken lines: with restock, received back
-- into the warehouse it left (movement_id, reason 'Return'); without, only
-- recorded (damaged goods). order_items.returned is the sum per line.
CREATE TABLE wms.order_returns (
    return_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     bigint NOT NULL,
    product_id   bigint NOT NULL,
    warehouse_id bigint NOT NULL,
    quantity     bigint NOT NULL CONSTRAINT order_returns_quantity_positive CHECK (quantity > 0),
    movement_id  bigint REFERENCES wms.stock_movements,
    reason       text NOT NULL CONSTRAINT order_returns_reason_not_blank CHECK (btrim(reason) <> ''),
    returned_at  timestamptz NOT NULL DEFAULT now(),
    returned_by  text NOT NULL DEFAULT session_user,
    FOREIGN KEY (order_id, product_id, warehouse_id) REFERENCES wms.order_items
);
CREATE INDEX order_returns_order_idx ON wms.order_returns (order_id);
CREATE TRIGGER order_returns_append_only
    BEFORE UPDATE OR DELETE ON wms.order_returns
    FOR EACH ROW EXECUTE FUNCTION wms.refuse_change();
CREATE TRIGGER order_returns_no_truncate
    BEFORE TRUNCATE ON wms.order_returns
    FOR EACH STATEMENT EXECUTE FUNCTION wms.refuse_change();
ALTER TABLE wms.order_returns
    ENABLE ALWAYS TRIGGER order_returns_append_only,
    ENABLE ALWAYS TRIGGER order_returns_no_truncate;

COMMENT ON TABLE wms.order_statuses IS 'The statuses an order can have: what entering each does to stock (hold, take, release, none), and whether it is terminal.';
COMMENT ON TABLE wms.order_returns IS 'Append-only record of what came back of an order: quantity per line, and the ledger row when it was restocked.';
COMMENT ON FUNCTION wms.check_order_transitions() IS 'Trigger function that refuses a move of wms.order_transitions whose stock effect makes no sense (23514).';
COMMENT ON FUNCTION wms.keep_order_status() IS 'Trigger function that refuses to change a status, remove one in use, or truncate the statuses or moves (42501).';

-- A live hold is a holding line of an order in a status that holds, unless
-- it is a Pending reservation that has expired.
CREATE OR REPLACE VIEW wms.available_to_sell AS
WITH pending_allocations AS (
    SELECT oi.product_id, oi.warehouse_id, pg_catalog.sum(oi.quantity)::bigint AS allocated
    FROM wms.order_items oi
    JOIN wms.customer_orders o ON o.order_id = oi.order_id
    WHERE oi.holding
      AND NOT COALESCE(o.order_status = 'Pending' AND o.expires_at <= pg_catalog.now(), false)
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

COMMENT ON TABLE wms.customer_orders IS 'Orders and reservations, with their status, expiry, idempotency key and total.';
COMMENT ON TABLE wms.order_items IS 'Lines of an order: item, quantity, unit price, whether the line holds reserved stock or was taken, and how much came back.';
COMMENT ON TABLE wms.order_transitions IS 'The status changes an order may make (from_status to to_status); by_return: made by wms_return_order only.';

SELECT pg_catalog.pg_extension_config_dump('wms.order_returns', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_statuses',
    $$WHERE status NOT IN ('Pending', 'Confirmed', 'Processing', 'Shipped', 'Delivered', 'Fulfilled', 'Cancelled', 'Returned')$$);
SELECT pg_catalog.pg_extension_config_dump('wms.order_transitions',
    $$WHERE (from_status, to_status) NOT IN (('Pending', 'Fulfilled'), ('Pending', 'Cancelled'), ('Pending', 'Confirmed'), ('Confirmed', 'Processing'), ('Confirmed', 'Cancelled'), ('Processing', 'Shipped'), ('Shipped', 'Delivered'), ('Shipped', 'Returned'), ('Delivered', 'Returned'), ('Fulfilled', 'Returned'))$$);
SELECT pg_catalog.pg_extension_config_dump('wms.order_returns_return_id_seq', '');

-- The new functions.
-- wms::lifecycle::wms_set_order_status
CREATE  FUNCTION "wms_set_order_status"(
	"order_id" bigint, /* Option < i64 > */
	"status" TEXT, /* Option < & str > */
	"reason" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"order_id" bigint,  /* Option < i64 > */
	"status" TEXT,  /* String */
	"detail" jsonb  /* JsonB */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_set_order_status_wrapper';
-- wms::returns::wms_return_order
CREATE  FUNCTION "wms_return_order"(
	"order_id" bigint, /* Option < i64 > */
	"items" jsonb DEFAULT NULL, /* Option < Jsonb < '_ > > */
	"restock" bool DEFAULT true, /* Option < bool > */
	"reason" TEXT DEFAULT 'Return' /* Option < & str > */
) RETURNS TABLE (
	"order_id" bigint,  /* Option < i64 > */
	"status" TEXT,  /* String */
	"detail" jsonb  /* JsonB */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_return_order_wrapper';
-- wms::reports::wms_order
CREATE  FUNCTION "wms_order"(
	"order_id" bigint /* Option < i64 > */
) RETURNS jsonb /* JsonB */
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_order_wrapper';

-- The catalogue: search, a product's stock per warehouse, changes and removals.
-- wms::catalogue::wms_products
CREATE  FUNCTION "wms_products"(
	"search" TEXT DEFAULT NULL, /* Option < & str > */
	"after_product_id" bigint DEFAULT NULL, /* Option < i64 > */
	"page_size" INT DEFAULT 100 /* Option < i32 > */
) RETURNS TABLE (
	"product_id" bigint,  /* i64 */
	"sku" TEXT,  /* String */
	"name" TEXT,  /* String */
	"on_hand" NUMERIC,  /* pgrx :: AnyNumeric */
	"available" NUMERIC  /* pgrx :: AnyNumeric */
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_products_wrapper';
-- wms::catalogue::wms_inventory
CREATE  FUNCTION "wms_inventory"(
	"product_id" bigint, /* Option < i64 > */
	"warehouse_id" bigint DEFAULT NULL /* Option < i64 > */
) RETURNS TABLE (
	"product_id" bigint,  /* i64 */
	"sku" TEXT,  /* String */
	"name" TEXT,  /* String */
	"warehouse_id" bigint,  /* i64 */
	"on_hand" bigint,  /* i64 */
	"reserved" bigint,  /* i64 */
	"available" bigint,  /* i64 */
	"received_total" bigint,  /* i64 */
	"sold_total" bigint,  /* i64 */
	"last_updated" timestamp with time zone  /* pgrx :: datum :: TimestampWithTimeZone */
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_inventory_wrapper';
-- wms::catalogue::wms_update_product
CREATE  FUNCTION "wms_update_product"(
	"product_id" bigint, /* Option < i64 > */
	"sku" TEXT DEFAULT NULL, /* Option < & str > */
	"name" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"product_id" bigint,  /* i64 */
	"sku" TEXT,  /* String */
	"name" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_update_product_wrapper';
-- wms::catalogue::wms_update_warehouse
CREATE  FUNCTION "wms_update_warehouse"(
	"warehouse_id" bigint, /* Option < i64 > */
	"code" TEXT DEFAULT NULL, /* Option < & str > */
	"name" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"warehouse_id" bigint,  /* i64 */
	"code" TEXT,  /* String */
	"name" TEXT  /* String */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_update_warehouse_wrapper';
-- wms::catalogue::wms_remove_product
CREATE  FUNCTION "wms_remove_product"(
	"product_id" bigint /* Option < i64 > */
) RETURNS void
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_remove_product_wrapper';
-- wms::catalogue::wms_remove_warehouse
CREATE  FUNCTION "wms_remove_warehouse"(
	"warehouse_id" bigint /* Option < i64 > */
) RETURNS void
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_remove_warehouse_wrapper';

-- The audit trail.
-- wms::audit::wms_audit
CREATE  FUNCTION "wms_audit"(
	"from_time" timestamp with time zone, /* Option < TimestampWithTimeZone > */
	"to_time" timestamp with time zone, /* Option < TimestampWithTimeZone > */
	"object_type" TEXT DEFAULT NULL, /* Option < & str > */
	"object_id" bigint DEFAULT NULL, /* Option < i64 > */
	"after_audit_id" bigint DEFAULT NULL, /* Option < i64 > */
	"page_size" INT DEFAULT 100 /* Option < i32 > */
) RETURNS TABLE (
	"audit_id" bigint,  /* i64 */
	"at" timestamp with time zone,  /* TimestampWithTimeZone */
	"db_role" TEXT,  /* String */
	"actor" TEXT,  /* Option < String > */
	"request_id" TEXT,  /* Option < String > */
	"action" TEXT,  /* String */
	"object_type" TEXT,  /* String */
	"object_id" bigint,  /* Option < i64 > */
	"old_value" jsonb,  /* Option < JsonB > */
	"new_value" jsonb  /* Option < JsonB > */
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_audit_wrapper';

-- wms_orders gains min_total, max_total and sort, and returns total: it is
-- created again, and keeps the EXECUTE grants it had. Those grants are
-- the DBA's, not the extension's: pg_init_privs keeps recording only what
-- the extension itself granted, as a fresh install does, so pg_dump still
-- dumps them.
SELECT pg_catalog.set_config('wms_update.orders_acl',
       COALESCE((SELECT proacl::text FROM pg_catalog.pg_proc
                  WHERE oid OPERATOR(pg_catalog.=)
                        '@extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer)'::pg_catalog.regprocedure::pg_catalog.oid), ''),
       true);
DROP FUNCTION @extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer);
-- wms::reports::wms_orders
CREATE  FUNCTION "wms_orders"(
	"from_time" timestamp with time zone, /* Option < TimestampWithTimeZone > */
	"to_time" timestamp with time zone, /* Option < TimestampWithTimeZone > */
	"status" TEXT DEFAULT NULL, /* Option < & str > */
	"after_order_id" bigint DEFAULT NULL, /* Option < i64 > */
	"page_size" INT DEFAULT 100, /* Option < i32 > */
	"min_total" NUMERIC DEFAULT NULL, /* Option < AnyNumeric > */
	"max_total" NUMERIC DEFAULT NULL, /* Option < AnyNumeric > */
	"sort" TEXT DEFAULT 'oldest' /* Option < & str > */
) RETURNS TABLE (
	"order_id" bigint,  /* i64 */
	"customer_name" TEXT,  /* String */
	"order_status" TEXT,  /* String */
	"created_at" timestamp with time zone,  /* TimestampWithTimeZone */
	"updated_at" timestamp with time zone,  /* TimestampWithTimeZone */
	"expires_at" timestamp with time zone,  /* Option < TimestampWithTimeZone > */
	"lines" bigint,  /* i64 */
	"units" NUMERIC,  /* AnyNumeric */
	"total" NUMERIC  /* Option < AnyNumeric > */
)
STABLE PARALLEL SAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_orders_wrapper';

REVOKE EXECUTE ON FUNCTION
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
    @extschema@.wms_audit(timestamptz, timestamptz, text, bigint, bigint, integer)
FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION wms.check_order_transitions(), wms.keep_order_status() FROM PUBLIC;
-- Every comparison names pg_catalog's operator: the script runs with the
-- extension's schema on search_path, where an operator of another role
-- must not be picked. A grant another grantee made is made again by that
-- grantee (SET ROLE), so REVOKE ... CASCADE still reaches it; a chain of
-- them is made in as many rounds as it is long (at most ten).
DO $$
DECLARE
    fn CONSTANT pg_catalog.oid :=
        '@extschema@.wms_orders(timestamptz, timestamptz, text, bigint, integer, numeric, numeric, text)'::pg_catalog.regprocedure::pg_catalog.oid;
    proc CONSTANT pg_catalog.oid := 'pg_catalog.pg_proc'::pg_catalog.regclass::pg_catalog.oid;
    owner CONSTANT pg_catalog.oid := (SELECT proowner FROM pg_catalog.pg_proc WHERE oid OPERATOR(pg_catalog.=) fn);
    acl CONSTANT text := pg_catalog.current_setting('wms_update.orders_acl');
    me CONSTANT text := pg_catalog.current_user();
    initial pg_catalog.aclitem[];
    g record;
BEGIN
    SELECT initprivs INTO initial FROM pg_catalog.pg_init_privs
     WHERE objoid OPERATOR(pg_catalog.=) fn AND classoid OPERATOR(pg_catalog.=) proc
       AND objsubid OPERATOR(pg_catalog.=) 0;
    IF acl OPERATOR(pg_catalog.=) '' THEN
        RETURN;
    END IF;
    FOR round IN 1..10 LOOP
        FOR g IN
            SELECT a.grantor, a.grantee, a.is_grantable
              FROM pg_catalog.aclexplode(acl::pg_catalog.aclitem[]) a
             WHERE a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
               AND a.grantee OPERATOR(pg_catalog.<>) owner
               AND (a.grantor OPERATOR(pg_catalog.=) owner
                    OR pg_catalog.has_function_privilege(a.grantor, fn, 'EXECUTE WITH GRANT OPTION'))
        LOOP
            IF g.grantor OPERATOR(pg_catalog.<>) owner THEN
                EXECUTE pg_catalog.format('SET LOCAL ROLE %s', g.grantor::pg_catalog.regrole);
            END IF;
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s%s', fn::pg_catalog.regprocedure,
                CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN 'PUBLIC'
                     ELSE g.grantee::pg_catalog.regrole::text END,
                CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            IF g.grantor OPERATOR(pg_catalog.<>) owner THEN
                EXECUTE pg_catalog.format('SET LOCAL ROLE %I', me);
            END IF;
        END LOOP;
    END LOOP;
    UPDATE pg_catalog.pg_init_privs SET initprivs = initial
     WHERE objoid OPERATOR(pg_catalog.=) fn AND classoid OPERATOR(pg_catalog.=) proc
       AND objsubid OPERATOR(pg_catalog.=) 0;
END
$$;

COMMENT ON FUNCTION @extschema@.wms_cancel_order(bigint, text) IS
    'Cancels a Pending or Confirmed order and releases what it holds; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_set_order_status(bigint, text, text) IS
    'Moves an order to a status wms.order_transitions allows, with that status''s stock effect; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_return_order(bigint, jsonb, boolean, text) IS
    'Takes back what an order took, restocked or only recorded; returns (order_id, status, detail).';
COMMENT ON FUNCTION @extschema@.wms_order(bigint) IS
    'Returns one order whole as jsonb: header, lines, status history and ledger rows.';
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

-- The API functions run as the extension's owner by switching to it
-- themselves, after noting the caller (PostgreSQL's current user when the
-- call enters): SECURITY INVOKER, as the functions created above are.
ALTER FUNCTION @extschema@.wms_add_product(text, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_add_warehouse(text, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_receive(bigint, bigint, bigint, text, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_place_order(text, bigint, bigint, bigint, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_place_order(text, jsonb, text, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_reserve(text, jsonb, interval, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_fulfill_order(bigint) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_cancel_order(bigint, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_expire_reservations() SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_adjust(bigint, bigint, bigint, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_transfer(bigint, bigint, bigint, bigint, text) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_available_to_sell(bigint, bigint) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_verify() SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_stock_as_of(bigint, bigint, timestamptz) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_sales_rolling_average(bigint, integer, bigint, date) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_set_reorder_policy(bigint, bigint, bigint, bigint) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_reorder_hints(bigint, bigint) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_stock_by_warehouse(bigint) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_movements(timestamptz, timestamptz, text, bigint, bigint, bigint, integer) SECURITY INVOKER;
ALTER FUNCTION @extschema@.wms_movement_summary(timestamptz, timestamptz, bigint, bigint) SECURITY INVOKER;

-- Capabilities scoped to warehouses.
CREATE FUNCTION wms.invalidate_grants() RETURNS void LANGUAGE c VOLATILE PARALLEL UNSAFE AS 'MODULE_PATHNAME', 'invalidate_grants_wrapper';
-- Who may do what, where (wms_grant, wms_revoke): a capability of a role
-- in one warehouse, or in every warehouse (warehouse_id NULL). A member of
-- the role (with INHERIT) has it too. Changed only through wms_grant and
-- wms_revoke; every change tells each backend to read it again
-- (wms.grants_changed).
CREATE TABLE wms.grants (
    role         regrole NOT NULL,
    capability   text NOT NULL
                 CONSTRAINT grants_capability_known CHECK (capability OPERATOR(pg_catalog.=) ANY (ARRAY['sell', 'stock', 'report', 'admin']::text[])),
    warehouse_id bigint REFERENCES wms.warehouses ON DELETE CASCADE,
    granted_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    granted_by   text NOT NULL
);
CREATE UNIQUE INDEX grants_role_capability_warehouse_key
    ON wms.grants (role, capability, (COALESCE(warehouse_id, 0)));
CREATE INDEX grants_warehouse_idx ON wms.grants (warehouse_id);
CREATE FUNCTION wms.grants_changed() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wms.invalidate_grants();
    RETURN NULL;
END
$$;
CREATE TRIGGER grants_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wms.grants
    FOR EACH STATEMENT EXECUTE FUNCTION wms.grants_changed();
ALTER TABLE wms.grants ENABLE ALWAYS TRIGGER grants_changed;
COMMENT ON TABLE wms.grants IS 'Capabilities (sell, stock, report, admin) of roles, per warehouse or in every warehouse (warehouse_id NULL): who has what.';
COMMENT ON FUNCTION wms.grants_changed() IS 'Trigger function: after any change of wms.grants, every backend reads the grants again.';
SELECT pg_catalog.pg_extension_config_dump('wms.grants', '');
-- wms::access::wms_grant
CREATE  FUNCTION "wms_grant"(
	"role" regrole, /* Option < RegRole > */
	"capability" TEXT, /* Option < & str > */
	"warehouse_id" bigint DEFAULT NULL /* Option < i64 > */
) RETURNS bool /* bool */
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_grant_wrapper';
-- wms::access::wms_revoke
CREATE  FUNCTION "wms_revoke"(
	"role" regrole, /* Option < RegRole > */
	"capability" TEXT, /* Option < & str > */
	"warehouse_id" bigint DEFAULT NULL /* Option < i64 > */
) RETURNS bool /* bool */
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_revoke_wrapper';
REVOKE EXECUTE ON FUNCTION
    @extschema@.wms_grant(regrole, text, bigint),
    @extschema@.wms_revoke(regrole, text, bigint)
FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION wms.grants_changed(), wms.invalidate_grants() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.wms_grant(regrole, text, bigint) IS
    'Gives a role a capability (sell, stock, report, admin) in one warehouse or every one (NULL), with EXECUTE on what it needs.';
COMMENT ON FUNCTION @extschema@.wms_revoke(regrole, text, bigint) IS
    'Takes back a capability wms_grant gave, and EXECUTE on what the role no longer needs.';
COMMENT ON FUNCTION wms.invalidate_grants() IS
    'Tells every backend to read wms.grants again (called by its trigger).';

-- From 0.3.0 a call needs the capability as well as EXECUTE. A role that
-- was granted EXECUTE on a function of 0.2.0 that sells, stocks or reports
-- gets that capability in every warehouse, so what it could do it still
-- can; EXECUTE stays as it was. The functions only admin may call (the
-- catalogue, reorder policies, expiry by hand) give no capability, since
-- admin also grants: the script warns, naming the role; so it does for
-- EXECUTE granted to PUBLIC.
DO $$
DECLARE
    ext CONSTANT pg_catalog.oid :=
        (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'wms');
    owner CONSTANT pg_catalog.oid :=
        (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'wms');
    fns CONSTANT text[] := ARRAY[
        'wms_place_order', 'wms_reserve', 'wms_fulfill_order', 'wms_cancel_order', 'wms_available_to_sell',
        'wms_receive', 'wms_adjust', 'wms_transfer',
        'wms_verify', 'wms_stock_as_of', 'wms_sales_rolling_average', 'wms_reorder_hints',
        'wms_stock_by_warehouse', 'wms_movements', 'wms_movement_summary', 'wms_orders',
        'wms_add_product', 'wms_add_warehouse', 'wms_set_reorder_policy', 'wms_expire_reservations'];
    needs CONSTANT text[] := ARRAY[
        'sell', 'sell', 'sell', 'sell', 'sell',
        'stock', 'stock', 'stock',
        'report', 'report', 'report', 'report',
        'report', 'report', 'report', 'report',
        'admin', 'admin', 'admin', 'admin'];
    g record;
BEGIN
    -- Who holds EXECUTE on which function of 0.2.0, and what it needs.
    FOR g IN
        SELECT DISTINCT a.grantee, n.capability
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.objid
          JOIN ROWS FROM (pg_catalog.unnest(fns), pg_catalog.unnest(needs)) AS n (proname, capability)
            ON n.proname OPERATOR(pg_catalog.=) p.proname::text
         CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) a
         WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
           AND d.refobjid OPERATOR(pg_catalog.=) ext
           AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.deptype OPERATOR(pg_catalog.=) 'e'
           AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
           AND a.grantee OPERATOR(pg_catalog.<>) owner
    LOOP
        IF g.grantee OPERATOR(pg_catalog.=) 0 THEN
            RAISE WARNING 'PUBLIC has EXECUTE on wms functions that need capability %: from 0.3.0 a role also needs the capability', g.capability
                USING HINT = 'Give it with wms_grant(role, capability) to the roles that need it.';
        ELSIF g.capability OPERATOR(pg_catalog.=) 'admin' THEN
            RAISE WARNING 'role % has EXECUTE on wms functions that need capability admin, which the update does not give', g.grantee::pg_catalog.regrole
                USING HINT = 'Admin includes every capability and grants: give it with wms_grant(role, ''admin'') if the role should have it.';
        ELSE
            INSERT INTO wms.grants (role, capability, warehouse_id, granted_by)
            VALUES (g.grantee::pg_catalog.regrole, g.capability, NULL, CURRENT_USER);
        END IF;
    END LOOP;
    INSERT INTO wms.audit_log (db_role, action, object_type, object_id, new_value)
    SELECT CURRENT_USER, 'grant', 'grant', r.role::pg_catalog.oid::bigint,
           pg_catalog.jsonb_build_object('role', r.role::text, 'capability', r.capability,
                                         'warehouse_id', NULL::bigint, 'reason', 'update to 0.3.0')
      FROM wms.grants r;
END
$$;

-- wms_submit_order: orders committed in batches by the order worker
-- (src/submit.rs); the same answers as wms_place_order.
CREATE  FUNCTION "wms_submit_order"(
	"customer" TEXT, /* Option < & str > */
	"product_id" bigint, /* Option < i64 > */
	"warehouse_id" bigint, /* Option < i64 > */
	"quantity" bigint DEFAULT 1, /* Option < i64 > */
	"idempotency_key" TEXT DEFAULT NULL /* Option < & str > */
) RETURNS TABLE (
	"order_id" bigint,  /* Option < i64 > */
	"status" TEXT,  /* String */
	"detail" jsonb  /* JsonB */
)
VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_submit_order_wrapper';

CREATE  FUNCTION "wms_submit_order"(
	"customer" TEXT, /* Option < & str > */
	"items" jsonb, /* Option < Jsonb < '_ > > */
	"idempotency_key" TEXT DEFAULT NULL, /* Option < & str > */
	"on_shortage" TEXT DEFAULT 'reject' /* Option < & str > */
) RETURNS TABLE (
	"order_id" bigint,  /* Option < i64 > */
	"status" TEXT,  /* String */
	"detail" jsonb  /* JsonB */
)
VOLATILE PARALLEL UNSAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'wms_submit_order_items_wrapper';

REVOKE EXECUTE ON FUNCTION
    @extschema@.wms_submit_order(text, bigint, bigint, bigint, text),
    @extschema@.wms_submit_order(text, jsonb, text, text)
FROM PUBLIC;
-- EXECUTE stays as it was: a role that sells gets EXECUTE on the new
-- function from wms_grant(role, 'sell'), which grants what the capability
-- needs whenever it is called (docs/operations.md, "Privileges").
COMMENT ON FUNCTION @extschema@.wms_submit_order(text, bigint, bigint, bigint, text) IS
    'Hands a one-line order to the order worker, which commits it with other callers'' orders in one transaction; committed when it returns (needs wms in shared_preload_libraries).';
COMMENT ON FUNCTION @extschema@.wms_submit_order(text, jsonb, text, text) IS
    'Hands a multi-line order (at most 100 lines) to the order worker, all lines or none; committed when it returns (needs wms in shared_preload_libraries).';

-- An order line's foreign key to its inventory row is checked at commit:
-- a one-line order is written before its caller joins the item's queue
-- (docs/design.md, "A turn at an item"), when an immediate check would
-- share-lock the row that the order in its turn is changing.
ALTER TABLE wms.order_items
    ALTER CONSTRAINT order_items_product_id_warehouse_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- A status-history row may be removed by wms alone, in the call that
-- wrote it, before any other transaction could see it: a one-line order
-- writes its history row before its caller joins the item's queue, and
-- takes it back when the units are gone at its turn (docs/design.md, "A
-- turn at an item"). Any other UPDATE or DELETE is refused as before
-- (42501).
CREATE FUNCTION wms.history_append_only() RETURNS trigger
LANGUAGE c AS 'MODULE_PATHNAME', 'history_append_only_wrapper';
REVOKE EXECUTE ON FUNCTION wms.history_append_only() FROM PUBLIC;
COMMENT ON FUNCTION wms.history_append_only() IS 'Trigger function of wms.order_status_history: refuses UPDATE and DELETE (42501), but the removal by wms of an order it takes back in the call that wrote it.';
DROP TRIGGER order_status_history_append_only ON wms.order_status_history;
CREATE TRIGGER order_status_history_append_only
    BEFORE UPDATE OR DELETE ON wms.order_status_history
    FOR EACH ROW EXECUTE FUNCTION wms.history_append_only();
ALTER TABLE wms.order_status_history ENABLE ALWAYS TRIGGER order_status_history_append_only;
