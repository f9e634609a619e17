-- scripts/datagen.sql: a reproducible, seeded history for the wms tables.
--
--   psql -X -v ON_ERROR_STOP=1 [-v seed=0.42] [-v products=10000] \
--        [-v warehouses=5] [-v movements=1000000] [-v days=365] -f scripts/datagen.sql
--
-- Run as a superuser in a database where `CREATE EXTENSION wms` was just
-- run: it refuses to touch a database whose wms tables hold rows. It
-- INSERTs straight into the tables (the API would take hours for a million
-- rows and stamps clock time), in one transaction, and leaves a history
-- that wms_verify() accepts.
--
-- THE MODEL
--   catalogue   `products` products (SKU-00001, ...), each with a popularity
--               rank drawn at random; demand weight Zipf-like,
--               (rank + 3)^-0.9: with the defaults the top 1% of products
--               take ~38% of the sales lines, the top 20% ~78%, the hottest
--               ~2% (about 20,000 ledger rows); the median product has ~38
--               ledger rows, the median item ~12.
--               `warehouses` warehouses (WH1, ...) of decreasing size,
--               size ~ w^-0.9: WH1, the main distribution centre, carries
--               every product and takes ~40% of the orders (with 5).
--               Smaller warehouses carry the top 5% of products and a
--               random share of the rest that grows with their size.
--               An item is a carried (product, warehouse) pair: it gets an
--               inventory row and at least its opening receipt.
--   calendar    `days` days ending at 00:00 UTC today. Each day has an order
--               weight: weekday (Sat highest, Tue lowest) x season (Black
--               Friday week, December, a January and summer lull) x growth
--               (+30% over the history) x noise. Orders are placed 08:00-22:00
--               (triangular, peak at 15:00).
--   orders      Each order picks a day by the calendar weights, a warehouse by
--               size, 1-3 lines (60/28/12%), each line an item of that
--               warehouse by demand weight (a product drawn twice is one
--               line, as the API sums them), quantity 1 + geometric (70% are
--               1), and 0.5% of lines are bulk (10-40 units). 97% are
--               Fulfilled at once: history NULL->Pending ('reserved') and
--               Pending->Fulfilled ('fulfilled') at the order time, the
--               path of wms_reserve + wms_fulfill_order (wms_place_order
--               would write one NULL->Fulfilled 'placed' row instead), one
--               'Sale' ledger row per line. 3% are Cancelled (expired
--               after the 10-minute hold, customer cancelled, payment
--               failed): lines, history, no ledger rows. Customers
--               'User-N' are skewed too (repeat buyers). Every line has
--               its product's unit price (2.00-200.00, most cheap), and
--               every order its total.
--   counts      ~1% of the ledger: cycle counts at 22:00-23:30 after close:
--               'Cycle count' -1.. / +1..+3, 'Damaged' -1/-2, reference
--               'cycle count'.
--   receipts    Periodic review, order-up-to, with the cycle's demand known
--               (a generator may look ahead). Each item has a review period
--               L days (1 for the hottest items .. 56 for the slow tail,
--               aiming at ~8 sales lines per receipt), a random phase, a
--               case pack and a safety stock S (half a period's demand + 1).
--               Cycle k of an item is the days d with
--               floor((d + phase) / L) = k; its receipt arrives on the
--               cycle's first day at 06:00-07:50, before the day's first
--               sale (08:00) and count (22:00). With C_k the item's
--               cumulative outflow (sales + negative counts) up to the end
--               of cycle k, the cumulative receipts are
--                   Q_k = running max over j <= k of
--                         pack * ceil((C_j + S * (1 + 0.5 u_j)) / pack)
--               and the receipt of cycle k is Q_k - Q_{k-1} (no row when 0;
--               cycle 0 on day 0 is the opening stock). At any moment in
--               cycle k the balance is at least Q_k - C_k >= S >= 1, so it
--               is never negative; positive counts only add. Receipts of a
--               warehouse's day share one truck and one PO reference
--               ('PO-WH1-20250314').
--   reservations A handful of Pending reservations (one holding line each,
--               1-3 units within on hand) placed in the last 90 minutes
--               before 00:00 UTC today, expiring 2 days after they were
--               placed (so in the future on the day of the run);
--               inventory.quantity_reserved is their sum.
--   size        The number of orders is solved from `movements`: expected
--               sales lines + expected receipts (1 - exp(-expected lines in
--               the cycle), per item and cycle) + counts = movements, so the
--               ledger lands within a few percent of the target.
--
-- REPRODUCIBILITY
--   Every random draw is a counter-based hash, u(stream, a, b) =
--   hashint8extended of (a, b) under a key that setseed(seed) + random()
--   derives from `seed`: a draw depends on the seed and what it is drawn
--   for (which order, which line), never on the order rows are produced,
--   the plan or parallelism. Floating-point sums that feed the model run
--   in a fixed order (ordered windows, sum(x ORDER BY key)), and every
--   row_number() and INSERT ... ORDER BY has a unique key. Times are
--   offsets from t_end = date_trunc('day', now()) in UTC (the session runs with TimeZone UTC),
--   so two runs with the same seed and parameters on the same UTC day give
--   identical rows (ids included, from fresh identity sequences);
--   created_at of products and warehouses is fixed too. Only the ledger's
--   actor and the history's changed_by (session_user) are not data.
--   Ids follow time: orders are inserted by created_at, the ledger by
--   movement_time, the history by changed_at (ties broken by ids).
--
-- SPEED
--   Set-based throughout (generate_series, width_bucket over cumulative
--   weight arrays, window functions); the defaults load in ~70 s on 2
--   cores, most of it the foreign-key checks of the final INSERTs, which
--   are kept. Nothing in the wms tables is updated or deleted.

\set ON_ERROR_STOP 1
\set QUIET on
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?products}
\else
\set products 10000
\endif
\if :{?warehouses}
\else
\set warehouses 5
\endif
\if :{?movements}
\else
\set movements 1000000
\endif
\if :{?days}
\else
\set days 365
\endif

\echo datagen: seed=:seed products=:products warehouses=:warehouses movements=:movements days=:days

SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET temp_buffers = '512MB';
SET synchronous_commit = off;
-- Temporary tables get no statistics unless analyzed: each is, once
-- filled, so the planner knows params has one row.

BEGIN;

-- Parameters, checked.
CREATE TEMP TABLE params ON COMMIT DROP AS
SELECT :'seed'::float8        AS seed,
       :'products'::int       AS n_products,
       :'warehouses'::int     AS n_warehouses,
       :'movements'::bigint   AS n_movements,
       :'days'::int           AS n_days,
       date_trunc('day', now()) AS t_end,
       date_trunc('day', now()) - make_interval(days => :'days'::int) AS t_start,
       -- model constants (see the header)
       0.03::float8  AS cancel_rate,
       0.01::float8  AS adjust_rate,
       8::float8     AS lines_per_receipt;
ANALYZE params;

DO $$
DECLARE
    p params;
BEGIN
    SELECT * INTO p FROM params;
    IF p.seed IS NULL OR p.seed < -1 OR p.seed > 1 THEN
        RAISE EXCEPTION 'datagen: seed must be in [-1, 1], got %', p.seed;
    END IF;
    IF p.n_products < 1 OR p.n_warehouses < 1 OR p.n_days < 1 OR p.n_movements < 1 THEN
        RAISE EXCEPTION 'datagen: products, warehouses, movements and days must be positive';
    END IF;
    IF p.n_warehouses > 999 THEN
        RAISE EXCEPTION 'datagen: at most 999 warehouses';
    END IF;
    -- Refuse to add to existing data (a missing table fails here too).
    IF EXISTS (SELECT 1 FROM wms.products) OR EXISTS (SELECT 1 FROM wms.stock_movements)
       OR EXISTS (SELECT 1 FROM wms.warehouses) OR EXISTS (SELECT 1 FROM wms.inventory)
       OR EXISTS (SELECT 1 FROM wms.customer_orders) OR EXISTS (SELECT 1 FROM wms.order_items)
       OR EXISTS (SELECT 1 FROM wms.order_status_history) THEN
        RAISE EXCEPTION 'datagen: the wms tables already hold data'
            USING HINT = 'Run datagen in a fresh database right after CREATE EXTENSION wms.';
    END IF;
END
$$;

-- The random source. setseed(seed) then random() gives the key; every draw
-- is then u(stream, a, b) in [0, 1): 53 bits of a 64-bit hash of (a, b)
-- under key + stream. Each use below has its own stream number.
SELECT setseed(seed) FROM params \gset datagen_
SELECT floor(random() * 4503599627370496)::bigint AS datagen_key \gset
SELECT format($f$
CREATE FUNCTION pg_temp.u(stream int, a bigint, b bigint DEFAULT 0) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
'SELECT ((hashint8extended(b, hashint8extended(a, %s::bigint + stream)) >> 11) & 9007199254740991)::float8
        / 9007199254740992.0'
$f$, :datagen_key) \gexec

\echo datagen: catalogue

-- Warehouses: size ~ w^-0.9 with +-20% noise; WH1 is the largest.
CREATE TEMP TABLE wh ON COMMIT DROP AS
SELECT w AS w_no,
       'WH' || w AS code,
       coalesce((ARRAY['Bishkek Central', 'Osh South', 'Almaty East', 'Tashkent North', 'Astana West',
                       'Karakol Lakeside', 'Jalal-Abad', 'Naryn Highland', 'Talas Valley', 'Batken'])[w],
                'Regional ' || w) AS name,
       power(w, -0.9) * (0.8 + 0.4 * pg_temp.u(1, w)) AS size
FROM params, generate_series(1, n_warehouses) AS w;
ANALYZE wh;

INSERT INTO wms.warehouses (code, name, created_at)
SELECT code, name, (SELECT t_start FROM params) - interval '60 days' + w_no * interval '1 hour'
FROM wh ORDER BY w_no;

-- share: the warehouse's share of orders; lo: its lower bound on [0, 1)
-- for drawing a warehouse with width_bucket.
CREATE TEMP TABLE whs ON COMMIT DROP AS
SELECT wh.w_no, wh.code, w.warehouse_id, wh.size,
       wh.size / sum(wh.size) OVER whole AS share,
       coalesce(sum(wh.size) OVER (ORDER BY wh.w_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           / sum(wh.size) OVER whole AS lo,
       wh.size / max(wh.size) OVER whole AS rel_size
FROM wh JOIN wms.warehouses w ON w.code = wh.code
WINDOW whole AS (ORDER BY wh.w_no ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);
ANALYZE whs;

-- Products: a random popularity rank, Zipf-like weight (rank + 3)^-0.9.
CREATE TEMP TABLE prod0 ON COMMIT DROP AS
SELECT p AS p_no,
       'SKU-' || lpad(p::text, greatest(5, length(p::text)), '0') AS sku,
       (ARRAY['Acme', 'Borealis', 'Cobalt', 'Dunmore', 'Evergreen', 'Falcon', 'Granite', 'Helios',
              'Ironwood', 'Juniper', 'Kestrel', 'Lumen', 'Meridian', 'Nimbus', 'Orion', 'Pioneer',
              'Quartz', 'Redwood', 'Summit', 'Tundra', 'Ultra', 'Vertex', 'Willow', 'Zenith']
       )[1 + floor(24 * pg_temp.u(2, p, 1))::int]
       || ' ' ||
       (ARRAY['Cordless Drill', 'Impact Driver', 'LED Desk Lamp', 'Wireless Mouse', 'Mechanical Keyboard',
              'USB-C Charger', 'Power Bank', 'Bluetooth Speaker', 'Noise-Cancelling Headphones',
              'Smart Watch', 'Water Bottle', 'Travel Mug', 'Backpack', 'Running Shoes', 'Rain Jacket',
              'Yoga Mat', 'Chef''s Knife', 'Frying Pan', 'Coffee Grinder', 'Electric Kettle', 'Blender',
              'Air Fryer', 'Vacuum Cleaner', 'Tea Towel Set', 'Bath Towel', 'Bed Sheet Set', 'Pillow',
              'Desk Chair', 'Monitor Stand', 'HDMI Cable', 'Webcam', 'Wi-Fi Router', 'Smart Plug',
              'Light Bulb 4-Pack', 'AA Batteries 12-Pack', 'Notebook A5', 'Gel Pen 10-Pack', 'Stapler',
              'Label Printer', 'Storage Box']
       )[1 + floor(40 * pg_temp.u(2, p, 2))::int]
       || ' ' ||
       (ARRAY['Black', 'White', 'Grey', 'Blue', 'Red', 'Green', 'Small', 'Medium', 'Large', 'XL',
              'Pro', 'Mini', '2-Pack', 'Gen 2', 'Deluxe']
       )[1 + floor(15 * pg_temp.u(2, p, 3))::int] AS name,
       row_number() OVER (ORDER BY pg_temp.u(3, p), p) AS rank
FROM params, generate_series(1, n_products) AS p;
ANALYZE prod0;

INSERT INTO wms.products (sku, name, created_at)
SELECT sku, name, (SELECT t_start FROM params) - interval '30 days' + p_no * interval '1 millisecond'
FROM prod0 ORDER BY p_no;

-- price: 2.00-200.00, most products cheap.
CREATE TEMP TABLE prod ON COMMIT DROP AS
SELECT p0.p_no, p0.rank, p.product_id, power(p0.rank + 3, -0.9) AS zipf,
       round((2 + 198 * power(pg_temp.u(60, p0.p_no), 3))::numeric, 2) AS price
FROM prod0 p0 JOIN wms.products p ON p.sku = p0.sku;
ANALYZE prod;

-- Items: the carried (product, warehouse) pairs. weight: the product's
-- Zipf weight times a local taste factor 0.6-1.4. q: the chance that a line
-- of an order at that warehouse is this item. lo: the item's lower bound in
-- one array covering all warehouses, warehouse w on [w - 1, w), so that
-- width_bucket((w - 1) + u, lo_array) draws an item of warehouse w.
CREATE TEMP TABLE item0 ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY w.w_no, p.p_no) AS item_no,
       w.w_no, p.p_no, p.rank, p.product_id, w.warehouse_id, w.share AS w_share,
       p.zipf * (0.6 + 0.8 * pg_temp.u(5, p.p_no, w.w_no)) AS weight
FROM prod p CROSS JOIN whs w CROSS JOIN params
WHERE w.w_no = 1
   OR p.rank <= greatest(1, n_products / 20)
   OR pg_temp.u(4, p.p_no, w.w_no) < 0.3 + 0.6 * w.rel_size;
ANALYZE item0;

CREATE TEMP TABLE item ON COMMIT DROP AS
SELECT i.*,
       weight / sum(weight) OVER whole AS q,
       (w_no - 1) + coalesce(sum(weight) OVER (PARTITION BY w_no ORDER BY item_no
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                    / sum(weight) OVER whole AS lo
FROM item0 i
WINDOW whole AS (PARTITION BY w_no ORDER BY item_no ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);
ANALYZE item;
ALTER TABLE item ADD PRIMARY KEY (item_no);

-- Calendar: day d = 0 .. days-1 starts at t_start + d days. Its weight:
-- weekday x season x growth x noise; lo: cumulative share before it.
CREATE TEMP TABLE cal0 ON COMMIT DROP AS
SELECT d, t_start + d * interval '1 day' AS day_start,
       (ARRAY[0.95, 0.90, 0.95, 1.00, 1.10, 1.25, 1.15])[extract(isodow FROM t_start + d * interval '1 day')::int]
       * CASE
           WHEN extract(month FROM t_start + d * interval '1 day') = 11
            AND extract(day FROM t_start + d * interval '1 day') >= 22 THEN 1.70   -- Black Friday week
           WHEN extract(month FROM t_start + d * interval '1 day') = 12
            AND extract(day FROM t_start + d * interval '1 day') <= 22 THEN 1.35   -- December
           WHEN extract(month FROM t_start + d * interval '1 day') = 12 THEN 0.90
           WHEN extract(month FROM t_start + d * interval '1 day') = 1
            AND extract(day FROM t_start + d * interval '1 day') <= 10 THEN 0.75   -- January lull
           WHEN extract(month FROM t_start + d * interval '1 day') IN (7, 8) THEN 0.90
           ELSE 1.0
         END
       * (0.85 + 0.30 * d / greatest(n_days - 1, 1))                               -- growth
       * (0.90 + 0.20 * pg_temp.u(6, d))                                            -- noise
       AS weight
FROM params, generate_series(0, n_days - 1) AS d;
ANALYZE cal0;

CREATE TEMP TABLE cal ON COMMIT DROP AS
SELECT d, day_start, weight / sum(weight) OVER whole AS share,
       coalesce(sum(weight) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           / sum(weight) OVER whole AS lo
FROM cal0
WINDOW whole AS (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);
ANALYZE cal;
ALTER TABLE cal ADD PRIMARY KEY (d);

\echo datagen: sizing

-- Expected number of Sale rows of an item per order drawn:
--   a = (1 - cancel_rate) * warehouse share * sum over n = 1..3 of P(n lines) * (1 - (1 - q)^n).
-- Review period L aims at lines_per_receipt sales lines per receipt, first
-- guessing that 86% of the ledger is sales.
CREATE TEMP TABLE plan_item ON COMMIT DROP AS
SELECT i.item_no,
       (1 - cancel_rate) * i.w_share
           * (0.60 * (1 - (1 - i.q)) + 0.28 * (1 - power(1 - i.q, 2)) + 0.12 * (1 - power(1 - i.q, 3))) AS a
FROM item i, params;
ANALYZE plan_item;

CREATE TEMP TABLE sizing ON COMMIT DROP AS
SELECT (SELECT sum(a ORDER BY item_no) FROM plan_item) AS lines_per_order,
       round(n_movements * adjust_rate)::bigint AS n_adjust,
       0.86 * n_movements / (SELECT sum(a ORDER BY item_no) FROM plan_item) AS n_orders_guess,
       NULL::bigint AS n_orders,
       NULL::float8 AS expected_receipts
FROM params;
ANALYZE sizing;

-- Review period, phase, case pack and safety stock per item, from the
-- guessed demand: mu = expected units per period (1.43 units per line).
CREATE TEMP TABLE policy ON COMMIT DROP AS
SELECT x.item_no, x.period, x.phase,
       CASE WHEN x.mu >= 96 THEN 12 WHEN x.mu >= 48 THEN 6 WHEN x.mu >= 16 THEN 2 ELSE 1 END AS pack,
       1 + ceil(0.5 * x.mu)::bigint AS safety
FROM (
    SELECT pi.item_no, l.period,
           floor(pg_temp.u(7, pi.item_no) * l.period)::int AS phase,
           1.43 * s.n_orders_guess * pi.a * l.period / p.n_days AS mu
    FROM plan_item pi, sizing s, params p,
         LATERAL (SELECT least(56, p.n_days,
                               greatest(1, round(p.lines_per_receipt * p.n_days
                                                 / (s.n_orders_guess * pi.a))))::int AS period) l
) x;
ANALYZE policy;
ALTER TABLE policy ADD PRIMARY KEY (item_no);

-- The item's review cycles k >= 1 with the share of the year's orders that
-- fall in them (cycle 0, the opening receipt, always has a row).
CREATE TEMP TABLE plan_cycle ON COMMIT DROP AS
WITH bounds AS (
    SELECT d, lo FROM cal
    UNION ALL
    SELECT n_days, 1.0 FROM params
)
SELECT pi.item_no, k, pi.a, e.lo - s.lo AS dw
FROM plan_item pi
JOIN policy po USING (item_no)
CROSS JOIN params p
CROSS JOIN LATERAL generate_series(1, (p.n_days - 1 + po.phase) / po.period) AS k
JOIN bounds s ON s.d = k * po.period - po.phase
JOIN bounds e ON e.d = least(p.n_days, (k + 1) * po.period - po.phase);
ANALYZE plan_cycle;

-- Solve n_orders: (sales lines) + (expected receipts) + (counts) = movements,
-- expected receipts = items + sum over cycles of (1 - exp(-n_orders * a * dw)).
-- A fixed-point iteration (receipts grow slower than sales): a dozen
-- aggregates over the cycle plan, not a loop over rows.
DO $$
DECLARE
    m bigint;
    adj bigint;
    lpo float8;
    items bigint;
    n float8;
    r float8;
BEGIN
    SELECT p.n_movements, s.n_adjust, s.lines_per_order, s.n_orders_guess
      INTO m, adj, lpo, n FROM params p, sizing s;
    SELECT count(*) INTO items FROM item;
    FOR it IN 1..12 LOOP
        SELECT items + coalesce(sum(1 - exp(-n * a * dw) ORDER BY item_no, k), 0) INTO r FROM plan_cycle;
        n := (m - adj - r) / lpo;
        IF n < 1 THEN
            RAISE EXCEPTION 'datagen: movements=% is too small for % items (their receipts alone need ~%)',
                m, items, round(r)
                USING HINT = 'Raise movements or lower products/warehouses.';
        END IF;
    END LOOP;
    UPDATE sizing SET n_orders = round(n)::bigint, expected_receipts = r;
END
$$;

SELECT n_orders, round(n_orders * lines_per_order) AS expected_sales,
       round(expected_receipts) AS expected_receipts, n_adjust
FROM sizing \gset datagen_
\echo datagen: :datagen_n_orders orders; expected ledger: :datagen_expected_sales sales + :datagen_expected_receipts receipts + :datagen_n_adjust counts

\echo datagen: orders

-- Orders o_no = 1..n_orders: day by calendar weight, time 08:00-22:00
-- (triangular, peak 15:00), warehouse by size, 1-3 lines, status, customer.
CREATE TEMP TABLE ord0 ON COMMIT DROP AS
SELECT o.o_no, o.d, o.w_no, o.n_lines, o.status, o.customer_no,
       c.day_start + ((8 * 3600 * 1000000::bigint
                       + floor(7 * 3600 * 1000000::bigint * (pg_temp.u(11, o.o_no) + pg_temp.u(12, o.o_no))))
                      * interval '1 microsecond') AS t,
       o.u_cancel
FROM (
    SELECT o_no,
           width_bucket(pg_temp.u(10, o_no), (SELECT array_agg(lo ORDER BY d) FROM cal)) - 1 AS d,
           width_bucket(pg_temp.u(13, o_no), (SELECT array_agg(lo ORDER BY w_no) FROM whs)) AS w_no,
           CASE WHEN pg_temp.u(14, o_no) < 0.60 THEN 1 WHEN pg_temp.u(14, o_no) < 0.88 THEN 2 ELSE 3 END AS n_lines,
           CASE WHEN pg_temp.u(15, o_no) < (SELECT cancel_rate FROM params) THEN 'Cancelled' ELSE 'Fulfilled' END AS status,
           -- customers: ~1 per 6 orders, low numbers buy far more often
           1 + floor(greatest(50, (SELECT n_orders FROM sizing) / 6) * power(pg_temp.u(16, o_no), 2))::bigint AS customer_no,
           pg_temp.u(17, o_no) AS u_cancel
    FROM generate_series(1, (SELECT n_orders FROM sizing)) AS o_no
) o
JOIN cal c ON c.d = o.d;
ANALYZE ord0;

-- Cancelled orders were reservations (10-minute hold): half expired and
-- were swept within a minute, the rest were cancelled before expiry.
CREATE TEMP TABLE ord ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY t, o_no) AS seq,
       o_no, d, w_no, n_lines, status, 'User-' || customer_no AS customer_name, t,
       CASE WHEN status = 'Cancelled' THEN t + interval '10 minutes' END AS expires_at,
       CASE WHEN status = 'Fulfilled' THEN t
            WHEN u_cancel < 0.50 THEN t + interval '10 minutes' + floor(60e6 * pg_temp.u(18, o_no)) * interval '1 microsecond'
            ELSE t + interval '5 seconds' + floor(540e6 * pg_temp.u(18, o_no)) * interval '1 microsecond'
       END AS t_done,
       CASE WHEN status = 'Fulfilled' THEN 'fulfilled'
            WHEN u_cancel < 0.50 THEN 'expired'
            WHEN u_cancel < 0.85 THEN 'customer cancelled'
            ELSE 'payment failed'
       END AS done_reason
FROM ord0;
ANALYZE ord;
ALTER TABLE ord ADD PRIMARY KEY (o_no);

-- Lines: an item of the order's warehouse by demand weight; quantity
-- 1 + geometric (P(1) = 70%), 0.5% bulk lines of 10-40. A product drawn
-- twice in one order is one line with the quantities summed.
CREATE TEMP TABLE line ON COMMIT DROP AS
SELECT o_no, item_no, sum(qty)::bigint AS qty
FROM (
    SELECT o.o_no,
           width_bucket((o.w_no - 1) + least(pg_temp.u(20, o.o_no, l), 0.999999999),
                        (SELECT array_agg(lo ORDER BY item_no) FROM item)) AS item_no,
           CASE WHEN pg_temp.u(22, o.o_no, l) < 0.005 THEN 10 + floor(31 * pg_temp.u(23, o.o_no, l))
                ELSE 1 + floor(-ln(1 - pg_temp.u(21, o.o_no, l)) / 1.2)
           END AS qty
    FROM ord o, generate_series(1, o.n_lines) AS l
) x
GROUP BY o_no, item_no;
ANALYZE line;

\echo datagen: counts and receipts

-- Cycle counts: a warehouse by size, an item by demand weight (busy items
-- are counted more often), any day at 22:00-23:30.
CREATE TEMP TABLE adj ON COMMIT DROP AS
SELECT j, item_no, d, day_start + (22 * 3600 * 1000000::bigint + floor(5400e6 * pg_temp.u(33, j))) * interval '1 microsecond' AS t,
       CASE WHEN k < 0.55 THEN 'Cycle count' WHEN k < 0.75 THEN 'Damaged' ELSE 'Cycle count' END AS reason,
       CASE WHEN k < 0.55 THEN -(1 + floor(-ln(1 - pg_temp.u(34, j)) / 1.5))
            WHEN k < 0.75 THEN -(1 + floor(2 * pg_temp.u(34, j)))
            ELSE 1 + floor(3 * pg_temp.u(34, j))
       END::bigint AS qty
FROM (
    SELECT j,
           width_bucket((w_no - 1) + least(pg_temp.u(31, j), 0.999999999),
                        (SELECT array_agg(lo ORDER BY item_no) FROM item)) AS item_no,
           floor(n_days * pg_temp.u(32, j))::int AS d,
           pg_temp.u(35, j) AS k
    FROM (SELECT j, width_bucket(pg_temp.u(30, j), (SELECT array_agg(lo ORDER BY w_no) FROM whs)) AS w_no
          FROM generate_series(1, (SELECT n_adjust FROM sizing)) AS j) jw, params
) x
JOIN cal USING (d);
ANALYZE adj;

-- Receipts: order-up-to on cumulative outflow (see the header). out: the
-- item's outflow per cycle (Sale units + negative counts), with a zero row
-- for cycle 0 (opening stock) of every item.
CREATE TEMP TABLE rcpt ON COMMIT DROP AS
WITH outflow AS (
    SELECT l.item_no, o.d, l.qty FROM line l JOIN ord o USING (o_no) WHERE o.status = 'Fulfilled'
    UNION ALL
    SELECT item_no, d, -qty FROM adj WHERE qty < 0
    UNION ALL
    SELECT item_no, 0, 0 FROM item
), per_cycle AS (
    SELECT f.item_no, (f.d + po.phase) / po.period AS k, sum(f.qty) AS out
    FROM outflow f JOIN policy po USING (item_no)
    GROUP BY 1, 2
), target AS (
    SELECT c.item_no, c.k,
           po.pack * ceil(((sum(c.out) OVER w)::float8 + po.safety * (1 + 0.5 * pg_temp.u(40, c.item_no, c.k))) / po.pack) AS q
    FROM per_cycle c JOIN policy po USING (item_no)
    WINDOW w AS (PARTITION BY c.item_no ORDER BY c.k ROWS UNBOUNDED PRECEDING)
), cum AS (
    SELECT item_no, k, max(q) OVER (PARTITION BY item_no ORDER BY k ROWS UNBOUNDED PRECEDING) AS q
    FROM target
), receipt AS (
    SELECT item_no, k, (q - coalesce(lag(q) OVER (PARTITION BY item_no ORDER BY k), 0))::bigint AS qty
    FROM cum
)
SELECT r.item_no, r.k, r.qty, c.d,
       -- the warehouse's truck for the day arrives 06:00-07:30, its pallets are booked over 20 minutes
       c.day_start + (6 * 3600 * 1000000::bigint
                      + floor(5400e6 * pg_temp.u(41, i.w_no, c.d))
                      + floor(1200e6 * pg_temp.u(42, r.item_no, r.k))) * interval '1 microsecond' AS t,
       'PO-' || w.code || '-' || to_char(c.day_start, 'YYYYMMDD') AS reference
FROM receipt r
JOIN policy po USING (item_no)
JOIN item i USING (item_no)
JOIN whs w USING (w_no)
JOIN cal c ON c.d = greatest(0, r.k * po.period - po.phase)
WHERE r.qty > 0;
ANALYZE rcpt;

\echo datagen: ledger

-- The ledger in time order, with each item's running balance. kind breaks
-- ties (receipts, then sales, then counts; their hours do not overlap
-- anyway), then the order (seq) / cycle / count number, then the item.
CREATE TEMP TABLE led ON COMMIT DROP AS
SELECT e.*, sum(e.qty) OVER (PARTITION BY e.item_no ORDER BY e.t, e.kind, e.tb ROWS UNBOUNDED PRECEDING) AS balance
FROM (
    SELECT item_no, t, 0 AS kind, k::bigint AS tb, qty, 'Purchase Order'::text AS reason,
           NULL::bigint AS seq, reference
    FROM rcpt
    UNION ALL
    SELECT l.item_no, o.t, 1, o.seq, -l.qty, 'Sale', o.seq, NULL
    FROM line l JOIN ord o USING (o_no)
    WHERE o.status = 'Fulfilled'
    UNION ALL
    SELECT item_no, t, 2, j, qty, reason, NULL, 'cycle count'
    FROM adj
) e;
ANALYZE led;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM led WHERE balance < 0 OR qty = 0) THEN
        RAISE EXCEPTION 'datagen: internal error: a negative balance or a zero movement';
    END IF;
END
$$;

-- A handful of live reservations: Pending, one holding line of 1-3 units
-- within on hand, placed 22:30-23:58 on the last day, expiring 2 days later.
CREATE TEMP TABLE pend ON COMMIT DROP AS
WITH onhand AS (
    SELECT item_no, sum(qty) AS on_hand FROM led GROUP BY item_no
), pick AS (
    SELECT oh.item_no, oh.on_hand, row_number() OVER (ORDER BY pg_temp.u(50, oh.item_no), oh.item_no) AS n
    FROM onhand oh WHERE oh.on_hand >= 2
)
SELECT pk.item_no, pk.n,
       (1 + floor(least(3, pk.on_hand) * pg_temp.u(51, pk.item_no)))::bigint AS qty,
       p.t_end - interval '90 minutes' + floor(5280e6 * pg_temp.u(52, pk.item_no)) * interval '1 microsecond' AS t,
       'User-' || (1 + floor(greatest(50, s.n_orders / 6) * pg_temp.u(53, pk.item_no)))::bigint AS customer_name
FROM pick pk, params p, sizing s
WHERE pk.n <= greatest(1, least(50, round(s.n_orders / 20000.0)));
ANALYZE pend;

-- Their orders come after all others (they are the latest).
INSERT INTO ord (seq, o_no, d, w_no, n_lines, status, customer_name, t, expires_at, t_done, done_reason)
SELECT (SELECT max(seq) FROM ord) + row_number() OVER (ORDER BY p.t, p.item_no),
       -p.n, (SELECT n_days - 1 FROM params), i.w_no, 1, 'Pending', p.customer_name, p.t,
       p.t + interval '2 days', NULL, NULL
FROM pend p JOIN item i USING (item_no);
INSERT INTO line (o_no, item_no, qty) SELECT -n, item_no, qty FROM pend;

\echo datagen: loading

-- inventory: every item (all have their opening receipt); on hand = the
-- ledger sum, reserved = the pending lines, updated_at = the last change.
INSERT INTO wms.inventory (product_id, warehouse_id, quantity_on_hand, quantity_reserved, updated_at)
SELECT i.product_id, i.warehouse_id, l.on_hand, coalesce(p.qty, 0), greatest(l.last_t, p.t)
FROM item i
JOIN (SELECT item_no, sum(qty) AS on_hand, max(t) AS last_t FROM led GROUP BY item_no) l USING (item_no)
LEFT JOIN pend p USING (item_no)
ORDER BY i.product_id, i.warehouse_id;

-- Orders in seq order (time order), so that identity ids follow time;
-- order_id = base + seq - 1 below, checked.
-- Every line has its product's price: the total is the sum over the lines.
INSERT INTO wms.customer_orders (customer_name, order_status, created_at, updated_at, expires_at,
                                 idempotency_key, request, total)
SELECT o.customer_name, o.status, o.t, coalesce(o.t_done, o.t), o.expires_at, NULL, NULL, tot.total
FROM ord o
JOIN (SELECT l.o_no, sum(l.qty * p.price) AS total
        FROM line l JOIN item i USING (item_no) JOIN prod p USING (p_no)
       GROUP BY l.o_no) tot USING (o_no)
ORDER BY o.seq;

SELECT min(order_id) - 1 AS datagen_order_base FROM wms.customer_orders \gset
DO $$
BEGIN
    IF (SELECT max(order_id) - min(order_id) + 1 FROM wms.customer_orders) <> (SELECT count(*) FROM ord)
       OR (SELECT count(*) FROM wms.customer_orders) <> (SELECT count(*) FROM ord) THEN
        RAISE EXCEPTION 'datagen: order ids are not consecutive (another session inserting?)';
    END IF;
END
$$;

INSERT INTO wms.order_items (order_id, product_id, warehouse_id, quantity, holding, taken, unit_price)
SELECT :datagen_order_base + o.seq, i.product_id, i.warehouse_id, l.qty, o.status = 'Pending',
       o.status = 'Fulfilled', p.price
FROM line l JOIN ord o USING (o_no) JOIN item i USING (item_no) JOIN prod p USING (p_no)
ORDER BY o.seq, i.product_id, i.warehouse_id;

INSERT INTO wms.order_status_history (order_id, from_status, to_status, changed_at, reason)
SELECT :datagen_order_base + seq, from_status, to_status, at, reason
FROM (
    SELECT seq, 1 AS step, NULL::text AS from_status, 'Pending' AS to_status, t AS at, 'reserved' AS reason FROM ord
    UNION ALL
    SELECT seq, 2, 'Pending', status, t_done, done_reason FROM ord WHERE status <> 'Pending'
) h
ORDER BY at, seq, step;

INSERT INTO wms.stock_movements (product_id, warehouse_id, quantity_change, reason, order_id,
                                 reference, movement_time, balance_after)
SELECT i.product_id, i.warehouse_id, l.qty, l.reason, :datagen_order_base + l.seq,
       l.reference, l.t, l.balance
FROM led l JOIN item i USING (item_no)
ORDER BY l.t, l.kind, l.tb, l.item_no;

-- A reorder policy from each item's sales over the history: safety stock
-- of 3 days of average demand, reorder point of 10 days (a week's lead
-- time on top of the safety stock). Items that never sold keep 0 and 0.
UPDATE wms.inventory i
   SET safety_stock = ceil(s.units * 3.0 / :days),
       reorder_point = ceil(s.units * 10.0 / :days)
  FROM (SELECT product_id, warehouse_id, -sum(quantity_change) AS units
          FROM wms.stock_movements WHERE order_id IS NOT NULL
         GROUP BY product_id, warehouse_id) s
 WHERE s.product_id = i.product_id AND s.warehouse_id = i.warehouse_id;

COMMIT;

-- As autovacuum would leave a table that has taken a year of inserts:
-- statistics gathered and pages marked all-visible (index-only scans).
\echo datagen: vacuum, analyze
VACUUM (ANALYZE) wms.products, wms.warehouses, wms.inventory, wms.customer_orders, wms.order_items,
        wms.stock_movements, wms.order_status_history;

SELECT rows_in, count FROM (
    SELECT 1 AS k, 'products' AS rows_in, count(*) FROM wms.products
    UNION ALL SELECT 2, 'warehouses', count(*) FROM wms.warehouses
    UNION ALL SELECT 3, 'inventory', count(*) FROM wms.inventory
    UNION ALL SELECT 4, 'stock_movements', count(*) FROM wms.stock_movements
    UNION ALL SELECT 5, '  Purchase Order', count(*) FROM wms.stock_movements WHERE reason = 'Purchase Order'
    UNION ALL SELECT 6, '  Sale', count(*) FROM wms.stock_movements WHERE reason = 'Sale'
    UNION ALL SELECT 7, '  Cycle count, Damaged', count(*) FROM wms.stock_movements WHERE reason IN ('Cycle count', 'Damaged')
    UNION ALL SELECT 8, 'customer_orders', count(*) FROM wms.customer_orders
    UNION ALL SELECT 9, '  Fulfilled', count(*) FROM wms.customer_orders WHERE order_status = 'Fulfilled'
    UNION ALL SELECT 10, '  Cancelled', count(*) FROM wms.customer_orders WHERE order_status = 'Cancelled'
    UNION ALL SELECT 11, '  Pending', count(*) FROM wms.customer_orders WHERE order_status = 'Pending'
    UNION ALL SELECT 12, 'order_items', count(*) FROM wms.order_items
    UNION ALL SELECT 13, 'order_status_history', count(*) FROM wms.order_status_history
) c ORDER BY k;
