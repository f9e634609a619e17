#!/usr/bin/env bash
# Plans and timings of the analytics and reports on generated data. Builds
# and installs the extension, starts a throwaway cluster, loads
# scripts/datagen.sql (10,000 products, 5 warehouses, about 1,000,000
# ledger rows over 365 days) and, for each query, writes the median time of
# 20 calls of the function and the query's EXPLAIN (ANALYZE, BUFFERS) to
# docs/analytics-plans.md. SEED, PRODUCTS, MOVEMENTS and DOC may be set in
# the environment.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO/scripts/setup.sh"
cd "$REPO"

SEED=${SEED:-0.42}
PRODUCTS=${PRODUCTS:-10000}
MOVEMENTS=${MOVEMENTS:-1000000}
DOC=${DOC:-$REPO/docs/analytics-plans.md}
PORT=${PORT:-54335}

echo "building and installing the extension (release)"
install_release

cluster=$(mktemp -d /tmp/wms-plans.XXXXXX)
chmod 755 "$cluster"
trap 'cluster_stop "$cluster"' EXIT
cluster_start "$cluster" "$PORT" shared_buffers=256MB
psql_() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$cluster" -p "$PORT" -U "$PG_OS_USER" -d wms_plans "$@"; }
as_pg "$PG_BIN/createdb" -h "$cluster" -p "$PORT" -U "$PG_OS_USER" wms_plans
psql_ -c "CREATE EXTENSION wms CASCADE"

echo "generating data (seed $SEED, $PRODUCTS products, about $MOVEMENTS ledger rows)"
start=$(date +%s)
# datagen.sh fails unless wms_verify() is empty afterwards.
datagen_out=$(PGHOST=$cluster PGPORT=$PORT PGUSER=$PG_OS_USER PGDATABASE=wms_plans \
    bash scripts/datagen.sh --seed "$SEED" --products "$PRODUCTS" --movements "$MOVEMENTS" --digest)
load_s=$(($(date +%s) - start))
digest=$(sed -n 's/^digest //p' <<<"$datagen_out")

# The median of 20 timed calls, after one untimed call.
psql_ <<'SQL'
CREATE FUNCTION median_ms(call text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    ms numeric[] := '{}';
BEGIN
    EXECUTE call;
    FOR i IN 1..20 LOOP
        t := clock_timestamp();
        EXECUTE call;
        ms := ms || (extract(epoch FROM clock_timestamp() - t) * 1000)::numeric;
    END LOOP;
    RETURN (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 2) FROM unnest(ms) x);
END
$$;
SQL

# The products the queries ask about: the one with the most ledger rows
# (the worst case) and its busiest warehouse; a product of median activity.
read -r hot hot_w hot_rows < <(psql_ -At -F ' ' -c "
    SELECT product_id, warehouse_id, sum(count(*)) OVER (PARTITION BY product_id)
      FROM wms.stock_movements GROUP BY 1, 2 ORDER BY 3 DESC, count(*) DESC, 1, 2 LIMIT 1")
read -r mid mid_w mid_rows < <(psql_ -At -F ' ' -c "
    SELECT product_id, w, n FROM (SELECT product_id, min(warehouse_id) AS w, count(*) AS n
                                    FROM wms.stock_movements GROUP BY 1) s
     ORDER BY n, product_id OFFSET (SELECT count(DISTINCT product_id) / 2 FROM wms.stock_movements) LIMIT 1")
# Cursors half way through the last 30 days' ledger and orders.
read -r mid_movement mid_movement_time < <(psql_ -At -F ' ' -c "
    SELECT movement_id, quote_literal(movement_time) FROM wms.stock_movements WHERE movement_time >= now() - interval '30 days'
     ORDER BY movement_time, movement_id OFFSET (SELECT count(*) / 2 FROM wms.stock_movements
     WHERE movement_time >= now() - interval '30 days') LIMIT 1")
read -r mid_order mid_order_time < <(psql_ -At -F ' ' -c "
    SELECT order_id, quote_literal(created_at) FROM wms.customer_orders WHERE created_at >= now() - interval '30 days'
     ORDER BY created_at, order_id OFFSET (SELECT count(*) / 2 FROM wms.customer_orders
     WHERE created_at >= now() - interval '30 days') LIMIT 1")

# Cursors half way through a year of orders, newest first and by value.
read -r year_order year_order_time < <(psql_ -At -F ' ' -c "
    SELECT order_id, quote_literal(created_at) FROM wms.customer_orders WHERE created_at >= now() - interval '365 days'
     ORDER BY created_at DESC, order_id DESC OFFSET (SELECT count(*) / 2 FROM wms.customer_orders
     WHERE created_at >= now() - interval '365 days') LIMIT 1")
read -r value_order value_order_total < <(psql_ -At -F ' ' -c "
    SELECT order_id, COALESCE(total, -1) FROM wms.customer_orders WHERE created_at >= now() - interval '365 days'
     ORDER BY COALESCE(total, -1) DESC, order_id DESC OFFSET (SELECT count(*) / 2 FROM wms.customer_orders
     WHERE created_at >= now() - interval '365 days') LIMIT 1")

# The product search runs on 100,000 products: the generated ones and
# more, without stock, as a bulk load would add them.
psql_ -c "INSERT INTO wms.products (sku, name)
          SELECT 'EXTRA-' || lpad(n::text, 6, '0'), 'Extra item ' || n || ' ' || md5(n::text)
            FROM generate_series(1, greatest(0, 100000 - (SELECT count(*) FROM wms.products))) AS n" \
      -c "ANALYZE wms.products"

counts=$(psql_ -At -F ' | ' -c "
    SELECT (SELECT count(*) FROM wms.products), (SELECT count(*) FROM wms.warehouses),
           (SELECT count(*) FROM wms.inventory), (SELECT count(*) FROM wms.stock_movements),
           (SELECT count(*) FROM wms.customer_orders)")

{
    echo "# Analytics: plans and timings"
    echo
    echo "Written by \`bash scripts/analytics-plans.sh\` (seed $SEED) on $(date -u +%Y-%m-%d):"
    echo "$("$PG_BIN/postgres" --version), $(nproc) cores, shared_buffers 256MB, warm cache."
    echo "The data took ${load_s} s to generate (digest $digest); wms_verify() found"
    echo "nothing wrong in it."
    echo
    echo "| products | warehouses | inventory rows | ledger rows | orders |"
    echo "|---|---|---|---|---|"
    echo "| $counts |"
    echo
    echo "The hot product is product $hot ($hot_rows ledger rows, the most of any;"
    echo "warehouse $hot_w is its busiest), the typical one product $mid ($mid_rows rows)."
    echo "Each entry below gives the median of 20 calls of the function, then the"
    echo "plan of its statement (sql/queries/) for the same arguments, as EXPLAIN (ANALYZE,"
    echo "BUFFERS) shows it. Times are per call, in milliseconds."
    echo
    echo "| query | median ms |"
    echo "|---|---|"
} >"$DOC"
body=$(mktemp)
trap 'cluster_stop "$cluster"; rm -f "$body"' EXIT

# entry TITLE CALL SQL_FILE PARAM_TYPES PARAMS
entry() {
    local title=$1 call=$2 file=$3 types=$4 params=$5
    local ms
    ms=$(psql_ -At -c "SELECT median_ms(\$call\$$call\$call\$)")
    echo "$title: $ms ms"
    echo "| $title | $ms |" >>"$DOC"
    {
        echo "## $title: $ms ms"
        echo
        echo '```sql'
        echo "$call"
        echo '```'
        echo
        echo '```'
        psql_ -At <<SQL
PREPARE q($types) AS
$(cat "$file");
EXPLAIN (ANALYZE, BUFFERS) EXECUTE q($params);
SQL
        echo '```'
        echo
    } >>"$body"
}

entry "Stock of the hot item half a year ago" \
    "SELECT wms_stock_as_of($hot, $hot_w, now() - interval '182 days')" \
    sql/queries/stock_as_of.sql "bigint, bigint, timestamptz" "$hot, $hot_w, now() - interval '182 days'"
entry "Stock of the typical product now" \
    "SELECT wms_stock_as_of($mid, $mid_w, now())" \
    sql/queries/stock_as_of.sql "bigint, bigint, timestamptz" "$mid, $mid_w, now()"
entry "30-day rolling sales of the hot product, all warehouses" \
    "SELECT * FROM wms_sales_rolling_average($hot)" \
    sql/queries/sales_rolling_average.sql "bigint, integer, bigint, date" "$hot, 30, NULL, current_date"
entry "30-day rolling sales of the hot item, one warehouse" \
    "SELECT * FROM wms_sales_rolling_average($hot, 30, $hot_w)" \
    sql/queries/sales_rolling_average.sql "bigint, integer, bigint, date" "$hot, 30, $hot_w, current_date"
entry "365-day rolling sales of the typical product" \
    "SELECT * FROM wms_sales_rolling_average($mid, 365)" \
    sql/queries/sales_rolling_average.sql "bigint, integer, bigint, date" "$mid, 365, NULL, current_date"
entry "Available to sell, hot product" \
    "SELECT wms_available_to_sell($hot)" \
    sql/queries/available_to_sell.sql "bigint, bigint" "$hot, NULL"
entry "Reorder hints, hot product" \
    "SELECT * FROM wms_reorder_hints($hot)" \
    sql/queries/reorder_hints.sql "bigint, bigint" "$hot, NULL"
entry "Reorder hints, whole catalogue" \
    "SELECT * FROM wms_reorder_hints()" \
    sql/queries/reorder_hints.sql "bigint, bigint" "NULL, NULL"
entry "Stock by warehouse" \
    "SELECT * FROM wms_stock_by_warehouse()" \
    sql/queries/stock_by_warehouse.sql "bigint" "NULL"
entry "Ledger, first page of the last 30 days" \
    "SELECT * FROM wms_movements(now() - interval '30 days', now())" \
    sql/queries/movements.sql "timestamptz, timestamptz, text, bigint, bigint, timestamptz, bigint, bigint" \
    "now() - interval '30 days', now(), NULL, NULL, NULL, NULL, NULL, 100"
entry "Ledger, a page half way through the last 30 days" \
    "SELECT * FROM wms_movements(now() - interval '30 days', now(), after_movement_id => $mid_movement)" \
    sql/queries/movements.sql "timestamptz, timestamptz, text, bigint, bigint, timestamptz, bigint, bigint" \
    "now() - interval '30 days', now(), NULL, NULL, NULL, $mid_movement_time, $mid_movement, 100"
entry "Ledger of the hot product for a year, first page" \
    "SELECT * FROM wms_movements(now() - interval '365 days', now(), product_id => $hot)" \
    sql/queries/movements.sql "timestamptz, timestamptz, text, bigint, bigint, timestamptz, bigint, bigint" \
    "now() - interval '365 days', now(), NULL, $hot, NULL, NULL, NULL, 100"
entry "Movements by reason, last 30 days" \
    "SELECT * FROM wms_movement_summary(now() - interval '30 days', now())" \
    sql/queries/movement_summary.sql "timestamptz, timestamptz, bigint, bigint" \
    "now() - interval '30 days', now(), NULL, NULL"
entry "Movements by reason, hot product, a year" \
    "SELECT * FROM wms_movement_summary(now() - interval '365 days', now(), $hot)" \
    sql/queries/movement_summary.sql "timestamptz, timestamptz, bigint, bigint" \
    "now() - interval '365 days', now(), $hot, NULL"
entry "Orders, first page of the last 30 days" \
    "SELECT * FROM wms_orders(now() - interval '30 days', now())" \
    sql/queries/orders_oldest.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '30 days', now(), NULL, NULL, NULL, NULL, 100, NULL, NULL"
entry "Orders, a page half way through the last 30 days" \
    "SELECT * FROM wms_orders(now() - interval '30 days', now(), after_order_id => $mid_order)" \
    sql/queries/orders_oldest.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '30 days', now(), NULL, $mid_order_time, NULL, $mid_order, 100, NULL, NULL"
entry "Cancelled orders of the last 30 days, first page" \
    "SELECT * FROM wms_orders(now() - interval '30 days', now(), 'Cancelled')" \
    sql/queries/orders_oldest.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '30 days', now(), 'Cancelled', NULL, NULL, NULL, 100, NULL, NULL"
entry "Orders of a year, newest first, first page" \
    "SELECT * FROM wms_orders(now() - interval '365 days', now(), sort => 'newest')" \
    sql/queries/orders_newest.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '365 days', now(), NULL, NULL, NULL, NULL, 100, NULL, NULL"
entry "Orders of a year, newest first, a page half way" \
    "SELECT * FROM wms_orders(now() - interval '365 days', now(), after_order_id => $year_order, sort => 'newest')" \
    sql/queries/orders_newest.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '365 days', now(), NULL, $year_order_time, NULL, $year_order, 100, NULL, NULL"
entry "Orders of a year by highest value, first page" \
    "SELECT * FROM wms_orders(now() - interval '365 days', now(), sort => 'highest_value')" \
    sql/queries/orders_highest_value.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '365 days', now(), NULL, NULL, NULL, NULL, 100, NULL, NULL"
entry "Orders of a year by highest value, a page half way" \
    "SELECT * FROM wms_orders(now() - interval '365 days', now(), after_order_id => $value_order, sort => 'highest_value')" \
    sql/queries/orders_highest_value.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '365 days', now(), NULL, NULL, $value_order_total, $value_order, 100, NULL, NULL"
entry "Orders of a year with a total of 100 to 200, by highest value" \
    "SELECT * FROM wms_orders(now() - interval '365 days', now(), min_total => 100, max_total => 200, sort => 'highest_value')" \
    sql/queries/orders_highest_value.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '365 days', now(), NULL, NULL, NULL, NULL, 100, 100, 200"
entry "Orders of the last 7 days by highest value, first page" \
    "SELECT * FROM wms_orders(now() - interval '7 days', now(), sort => 'highest_value')" \
    sql/queries/orders_highest_value.sql "timestamptz, timestamptz, text, timestamptz, numeric, bigint, bigint, numeric, numeric" \
    "now() - interval '7 days', now(), NULL, NULL, NULL, NULL, 100, NULL, NULL"
entry "Product search, a word of many names, first page" \
    "SELECT * FROM wms_products('drill')" \
    sql/queries/products.sql "text, bigint, bigint" "'%drill%', NULL, 100"
entry "Product search, one SKU" \
    "SELECT * FROM wms_products('SKU-04242')" \
    sql/queries/products.sql "text, bigint, bigint" "'%SKU-04242%', NULL, 100"
entry "Product search, a rare word, first page" \
    "SELECT * FROM wms_products('noise-cancelling')" \
    sql/queries/products.sql "text, bigint, bigint" "'%noise-cancelling%', NULL, 100"
entry "Products, all, a page half way" \
    "SELECT * FROM wms_products(after_product_id => 50000)" \
    sql/queries/products.sql "text, bigint, bigint" "NULL, 50000, 100"
entry "Inventory of the hot product" \
    "SELECT * FROM wms_inventory($hot)" \
    sql/queries/inventory.sql "bigint, bigint" "$hot, NULL"
entry "Audit trail, first page of the last 30 days" \
    "SELECT * FROM wms_audit(now() - interval '30 days', now())" \
    sql/queries/audit.sql "timestamptz, timestamptz, text, bigint, timestamptz, bigint, bigint" \
    "now() - interval '30 days', now(), NULL, NULL, NULL, NULL, 100"
entry "Audit trail, a page half way through the last 30 days" \
    "SELECT * FROM wms_audit(now() - interval '30 days', now(), after_audit_id => $((mid_movement * 4 + 1)))" \
    sql/queries/audit.sql "timestamptz, timestamptz, text, bigint, timestamptz, bigint, bigint" \
    "now() - interval '30 days', now(), NULL, NULL, $mid_movement_time, $((mid_movement * 4 + 1)), 100"
entry "Audit trail of the hot product's stock for a year, first page" \
    "SELECT * FROM wms_audit(now() - interval '365 days', now(), 'stock', $hot)" \
    sql/queries/audit.sql "timestamptz, timestamptz, text, bigint, timestamptz, bigint, bigint" \
    "now() - interval '365 days', now(), 'stock', $hot, NULL, NULL, 100"
{
    echo
    cat "$body"
} >>"$DOC"
echo "written: $DOC"
