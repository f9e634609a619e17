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

CREATE TABLE wms.customer_orders (
    order_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_name   text NOT NULL,
    order_status    text NOT NULL DEFAULT 'Pending'
                    CONSTRAINT customer_orders_status_check
                    CHECK (order_status IN ('Pending', 'Fulfilled', 'Cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    idempotency_key text CONSTRAINT customer_orders_idempotency_key_key UNIQUE,
    -- The normalised request an idempotency key was first used with: a retry
    -- with the same key is compared against it.
    request         jsonb,
    CONSTRAINT customer_orders_request_with_key CHECK ((idempotency_key IS NULL) = (request IS NULL))
);
-- Orders by date, paged by (created_at, order_id) (wms_orders).
CREATE INDEX customer_orders_created_at_idx ON wms.customer_orders (created_at, order_id);

CREATE INDEX customer_orders_pending_expiry_idx ON wms.customer_orders (expires_at)
    WHERE order_status = 'Pending';


-- One line per (product, warehouse): lines naming the same item are summed
-- before they are stored. A reservation's line holds its quantity in
-- inventory.quantity_reserved (holding = true) until its order leaves
-- Pending, or until the reservation has expired and an order that needs the
-- stock takes it back. Lines of placed orders never hold.
CREATE TABLE wms.order_items (
    order_id     bigint NOT NULL REFERENCES wms.customer_orders,
    product_id   bigint NOT NULL,
    warehouse_id bigint NOT NULL,
    quantity     bigint NOT NULL CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
    holding      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (order_id, product_id, warehouse_id),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES wms.inventory
);
CREATE INDEX order_items_product_idx ON wms.order_items (product_id);
-- Only the lines that hold stock: what a row lock's expiry check reads.
CREATE INDEX order_items_holding_idx ON wms.order_items (product_id, warehouse_id) WHERE holding;

-- The order state machine: the only status changes there are.
CREATE TABLE wms.order_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status)
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
    FOREIGN KEY (product_id, warehouse_id) REFERENCES wms.inventory
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
    from_status text CONSTRAINT order_status_history_from_check
                CHECK (from_status IN ('Pending', 'Fulfilled', 'Cancelled')),
    to_status   text NOT NULL CONSTRAINT order_status_history_to_check
                CHECK (to_status IN ('Pending', 'Fulfilled', 'Cancelled')),
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL DEFAULT session_user,
    reason      text
);
CREATE INDEX order_status_history_order_idx ON wms.order_status_history (order_id);

-- The ledger and the status history are append-only, for everyone: a
-- trigger refuses UPDATE, DELETE and TRUNCATE, and fires in every
-- session_replication_role (ENABLE ALWAYS). Restores load with INSERT/COPY.
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
CREATE TRIGGER order_status_history_append_only
    BEFORE UPDATE OR DELETE ON wms.order_status_history
    FOR EACH ROW EXECUTE FUNCTION wms.refuse_change();
CREATE TRIGGER order_status_history_no_truncate
    BEFORE TRUNCATE ON wms.order_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION wms.refuse_change();
ALTER TABLE wms.stock_movements
    ENABLE ALWAYS TRIGGER stock_movements_append_only,
    ENABLE ALWAYS TRIGGER stock_movements_no_truncate;
ALTER TABLE wms.order_status_history
    ENABLE ALWAYS TRIGGER order_status_history_append_only,
    ENABLE ALWAYS TRIGGER order_status_history_no_truncate;

-- What each table is (psql: \d+ wms.*).
COMMENT ON TABLE wms.products IS 'Products: one row per SKU, with its name.';
COMMENT ON TABLE wms.warehouses IS 'Warehouses (stores): one row per code, with its name.';
COMMENT ON TABLE wms.inventory IS 'Stock of each product in each warehouse: on hand, reserved by live reservations, and its reorder policy.';
COMMENT ON TABLE wms.customer_orders IS 'Orders and reservations, with their status, expiry and idempotency key.';
COMMENT ON TABLE wms.order_items IS 'Lines of an order: item, quantity, and whether the line holds reserved stock.';
COMMENT ON TABLE wms.order_transitions IS 'The status changes an order may make (from_status to to_status).';
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
-- The script creates the two standard transitions; only others are dumped.
SELECT pg_catalog.pg_extension_config_dump('wms.order_transitions',
    $$WHERE (from_status, to_status) NOT IN (('Pending', 'Fulfilled'), ('Pending', 'Cancelled'))$$);
SELECT pg_catalog.pg_extension_config_dump('wms.products_product_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.warehouses_warehouse_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.customer_orders_order_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.stock_movements_movement_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('wms.order_status_history_history_id_seq', '');
