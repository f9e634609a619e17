-- wms schema: tables, constraints and indexes.
-- Every change of stock goes through the extension's functions; the CHECK
-- constraints below are the last line of defence, not the mechanism.

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

CREATE SCHEMA wms;
COMMENT ON SCHEMA wms IS 'wms: inventory data (products, warehouses, inventory, orders, ledger)';

CREATE TABLE wms.products (
    product_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text NOT NULL CONSTRAINT products_sku_key UNIQUE
                CONSTRAINT products_sku_not_blank CHECK (btrim(sku) <> ''),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Product search (wms_products): a case-insensitive match anywhere in the
-- SKU or the name, through pg_trgm's trigram indexes (without a pending
-- list, so that a search after a bulk load uses them at once).
CREATE INDEX products_sku_trgm_idx ON wms.products USING gin (sku gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX products_name_trgm_idx ON wms.products USING gin (name gin_trgm_ops) WITH (fastupdate = off);

CREATE TABLE wms.warehouses (
    warehouse_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code         text NOT NULL CONSTRAINT warehouses_code_key UNIQUE
                 CONSTRAINT warehouses_code_not_blank CHECK (btrim(code) <> ''),
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Current stock per (product, warehouse). Rows are locked in
-- (product_id, warehouse_id) order by every operation that changes them.
CREATE TABLE wms.inventory (
    product_id        bigint NOT NULL REFERENCES wms.products,
    warehouse_id      bigint NOT NULL REFERENCES wms.warehouses,
    quantity_on_hand  bigint NOT NULL DEFAULT 0
                      CONSTRAINT inventory_on_hand_nonnegative CHECK (quantity_on_hand >= 0),
    quantity_reserved bigint NOT NULL DEFAULT 0
                      CONSTRAINT inventory_reserved_within_on_hand
                      CHECK (quantity_reserved >= 0 AND quantity_reserved <= quantity_on_hand),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- Reorder policy (wms_set_reorder_policy, read by wms_reorder_hints):
    -- reorder when available falls to reorder_point; keep safety_stock
    -- on top of the expected demand.
    reorder_point     bigint NOT NULL DEFAULT 0
                      CONSTRAINT inventory_reorder_point_nonnegative CHECK (reorder_point >= 0),
    safety_stock      bigint NOT NULL DEFAULT 0
                      CONSTRAINT inventory_safety_stock_nonnegative CHECK (safety_stock >= 0),
    PRIMARY KEY (product_id, warehouse_id)
);
CREATE INDEX inventory_warehouse_idx ON wms.inventory (warehouse_id);

-- The statuses an order can have (a DBA may add some), and what entering
-- one does to the stock of the order's lines: hold it as a reservation
-- does, take it (it leaves on hand, one outbound ledger row per line),
-- release what the lines hold, or nothing. From a terminal status an
-- order moves only by a return. The library writes only statuses listed
-- here (wms_verify() checks it); there is no foreign key to this table,
-- so that orders do not all lock its few rows.
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

CREATE TABLE wms.customer_orders (
    order_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_name   text NOT NULL,
    order_status    text NOT NULL DEFAULT 'Pending',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    idempotency_key text CONSTRAINT customer_orders_idempotency_key_key UNIQUE,
    -- The normalised request an idempotency key was first used with: a retry
    -- with the same key is compared against it.
    request         jsonb,
    CONSTRAINT customer_orders_request_with_key CHECK ((idempotency_key IS NULL) = (request IS NULL)),
    -- The sum of quantity x unit_price of the lines when every line has a
    -- price, NULL otherwise.
    total           numeric CONSTRAINT customer_orders_total_nonnegative CHECK (total OPERATOR(pg_catalog.>=) 0::pg_catalog.numeric)
);
-- Orders by date, paged by (created_at, order_id) (wms_orders).
CREATE INDEX customer_orders_created_at_idx ON wms.customer_orders (created_at, order_id);

CREATE INDEX customer_orders_pending_expiry_idx ON wms.customer_orders (expires_at)
    WHERE order_status = 'Pending';
-- Orders by value, highest first, paged by key (wms_orders, sort
-- 'highest_value'); an order without a total sorts as -1, after all others.
CREATE INDEX customer_orders_total_idx ON wms.customer_orders ((COALESCE(total, -1)), order_id);


-- One line per (product, warehouse): lines naming the same item are summed
-- before they are stored. A reservation's line holds its quantity in
-- inventory.quantity_reserved (holding = true) while its order is in a
-- status that holds (Pending, Confirmed, Processing), until a status that
-- takes (taken = true: its stock left on hand with one outbound ledger
-- row) or releases it, or until the Pending reservation has expired and
-- an order that needs the stock takes it back. Lines of placed orders
-- never hold; they are taken at once. returned counts what came back
-- (wms.order_returns).
CREATE TABLE wms.order_items (
    order_id     bigint NOT NULL REFERENCES wms.customer_orders,
    product_id   bigint NOT NULL,
    warehouse_id bigint NOT NULL,
    quantity     bigint NOT NULL CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
    holding      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (order_id, product_id, warehouse_id),
    -- Checked at commit: a one-line order is written before its caller
    -- joins the item's queue (src/stock.rs, take_one_in_line), when an
    -- immediate check would share-lock the row another order is changing.
    FOREIGN KEY (product_id, warehouse_id) REFERENCES wms.inventory DEFERRABLE INITIALLY DEFERRED,
    unit_price   numeric CONSTRAINT order_items_unit_price_nonnegative CHECK (unit_price OPERATOR(pg_catalog.>=) 0::pg_catalog.numeric),
    taken        boolean NOT NULL DEFAULT false,
    returned     bigint NOT NULL DEFAULT 0,
    CONSTRAINT order_items_held_or_taken CHECK (NOT (holding AND taken)),
    CONSTRAINT order_items_returned_within_taken
        CHECK (returned >= 0 AND returned <= quantity AND (taken OR returned = 0))
);
CREATE INDEX order_items_product_idx ON wms.order_items (product_id);
-- Only the lines that hold stock: what a row lock's expiry check reads.
CREATE INDEX order_items_holding_idx ON wms.order_items (product_id, warehouse_id) WHERE holding;

-- The order state machine: the only status changes there are. A move with
-- by_return is made by wms_return_order alone, once everything the order
-- took has come back.
CREATE TABLE wms.order_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status),
    by_return   boolean NOT NULL DEFAULT false,
    CONSTRAINT order_transitions_from_status_fkey FOREIGN KEY (from_status) REFERENCES wms.order_statuses,
    CONSTRAINT order_transitions_to_status_fkey FOREIGN KEY (to_status) REFERENCES wms.order_statuses
);
INSERT INTO wms.order_transitions (from_status, to_status) VALUES
    ('Pending', 'Fulfilled'),
    ('Pending', 'Cancelled');

-- The immutable ledger: SUM(quantity_change) per (product, warehouse) is the
-- quantity on hand, and balance_after is the on hand right after the row.
CREATE TABLE wms.stock_movements (
    movement_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id      bigint NOT NULL,
    warehouse_id    bigint NOT NULL,
    quantity_change bigint NOT NULL CONSTRAINT stock_movements_change_nonzero CHECK (quantity_change <> 0),
    reason          text NOT NULL CONSTRAINT stock_movements_reason_not_blank CHECK (btrim(reason) <> ''),
    order_id        bigint REFERENCES wms.customer_orders,
    reference       text,
    -- The clock time of the write, taken under the item's row lock: an
    -- item's rows are in the same order by time as by movement_id, and
    -- balance_after is the on hand from that instant on.
    movement_time   timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor           text NOT NULL DEFAULT session_user,
    balance_after   bigint NOT NULL CONSTRAINT stock_movements_balance_nonnegative CHECK (balance_after >= 0),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES wms.inventory,
    -- The end user and the request the application named (wms.actor,
    -- wms.request_id); actor is the calling database role.
    end_user        text,
    request_id      text
);
-- The indexes were chosen from EXPLAIN (ANALYZE, BUFFERS) on a year of
-- generated history (docs/analytics-plans.md):
-- a product's movements by time, covering what its sales need (the
-- rolling average and the reorder hints read the index alone);
CREATE INDEX stock_movements_product_time_idx ON wms.stock_movements (product_id, movement_time)
    INCLUDE (warehouse_id, quantity_change, order_id);
-- an item's movements by time: its balance at an instant is one lookup;
CREATE INDEX stock_movements_item_idx ON wms.stock_movements (product_id, warehouse_id, movement_time, movement_id);
-- all movements by time: date ranges, and the ledger paged by key.
CREATE INDEX stock_movements_time_idx ON wms.stock_movements (movement_time, movement_id);
CREATE INDEX stock_movements_order_idx ON wms.stock_movements (order_id) WHERE order_id IS NOT NULL;

-- Who moved which order from which status to which, when and why.
-- from_status is NULL for the row that records the order's creation.
CREATE TABLE wms.order_status_history (
    history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES wms.customer_orders,
    from_status text,
    to_status   text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL DEFAULT session_user,
    reason      text,
    end_user    text,
    request_id  text
);
CREATE INDEX order_status_history_order_idx ON wms.order_status_history (order_id);

-- The ledger and the status history are append-only, for everyone:
-- triggers refuse UPDATE, DELETE and TRUNCATE, and fire in every
-- session_replication_role (ENABLE ALWAYS). Restores load with INSERT/COPY.
-- (The history's row trigger, wms.history_append_only in sql/guard.sql,
-- lets wms take back the row of an order it removes in the call that
-- wrote it.)
CREATE FUNCTION wms.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'wms.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Correct stock with a new movement (wms_adjust, wms_receive).';
END
$$;

CREATE TRIGGER stock_movements_append_only
    BEFORE UPDATE OR DELETE ON wms.stock_movements
    FOR EACH ROW EXECUTE FUNCTION wms.refuse_change();
CREATE TRIGGER stock_movements_no_truncate
    BEFORE TRUNCATE ON wms.stock_movements
    FOR EACH STATEMENT EXECUTE FUNCTION wms.refuse_change();
CREATE TRIGGER order_status_history_no_truncate
    BEFORE TRUNCATE ON wms.order_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION wms.refuse_change();
ALTER TABLE wms.stock_movements
    ENABLE ALWAYS TRIGGER stock_movements_append_only,
    ENABLE ALWAYS TRIGGER stock_movements_no_truncate;
-- The status history's row trigger is wms.history_append_only
-- (sql/guard.sql).
ALTER TABLE wms.order_status_history
    ENABLE ALWAYS TRIGGER order_status_history_no_truncate;

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


-- What each table is (psql: \d+ wms.*).
COMMENT ON TABLE wms.products IS 'Products: one row per SKU, with its name.';
COMMENT ON TABLE wms.warehouses IS 'Warehouses (stores): one row per code, with its name.';
COMMENT ON TABLE wms.inventory IS 'Stock of each product in each warehouse: on hand, reserved by live reservations, and its reorder policy.';
COMMENT ON TABLE wms.customer_orders IS 'Orders and reservations, with their status, expiry, idempotency key and total.';
COMMENT ON TABLE wms.order_items IS 'Lines of an order: item, quantity, unit price, whether the line holds reserved stock or was taken, and how much came back.';
COMMENT ON TABLE wms.order_transitions IS 'The status changes an order may make (from_status to to_status); by_return: made by wms_return_order only.';
COMMENT ON TABLE wms.stock_movements IS 'The append-only ledger: one row per change of on hand, whose sum per item is on hand.';
COMMENT ON TABLE wms.order_status_history IS 'Append-only history of every order status change: who, when, from, to and why.';
COMMENT ON FUNCTION wms.refuse_change() IS 'Trigger function that refuses UPDATE, DELETE and TRUNCATE of the append-only tables (42501).';

-- pg_dump leaves extension tables out unless they are registered: every
-- table's rows and every sequence's position are dumped and restored.
SELECT pg_catalog.pg_extension_config_dump('wms.products', '');
SELECT pg_catalog.pg_extension_config_dump('wms.warehouses', '');
SELECT pg_catalog.pg_extension_config_dump('wms.inventory', '');
SELECT pg_catalog.pg_extension_config_dump('wms.customer_orders', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_items', '');
SELECT pg_catalog.pg_extension_config_dump('wms.stock_movements', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_status_history', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_returns', '');
SELECT pg_catalog.pg_extension_config_dump('wms.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('wms.grants', '');
-- The script creates the standard statuses and moves; only the rows a DBA
-- added are dumped.
SELECT pg_catalog.pg_extension_config_dump('wms.order_statuses',
    $$WHERE status NOT IN ('Pending', 'Confirmed', 'Processing', 'Shipped', 'Delivered', 'Fulfilled', 'Cancelled', 'Returned')$$);
SELECT pg_catalog.pg_extension_config_dump('wms.order_transitions',
    $$WHERE (from_status, to_status) NOT IN (('Pending', 'Fulfilled'), ('Pending', 'Cancelled'), ('Pending', 'Confirmed'), ('Confirmed', 'Processing'), ('Confirmed', 'Cancelled'), ('Processing', 'Shipped'), ('Shipped', 'Delivered'), ('Shipped', 'Returned'), ('Delivered', 'Returned'), ('Fulfilled', 'Returned'))$$);
SELECT pg_catalog.pg_extension_config_dump('wms.products_product_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.warehouses_warehouse_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.customer_orders_order_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.stock_movements_movement_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_status_history_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_returns_return_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.audit_log_event_id_seq', '');
