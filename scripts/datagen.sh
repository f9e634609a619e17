#!/usr/bin/env bash
# Fill a fresh wms database with a seeded, realistic history
# (scripts/datagen.sql explains the model), then print the row counts and
# wms_verify()'s verdict; exits non-zero if wms_verify() returns any row.
#
#   PGHOST=... PGPORT=... PGDATABASE=... PGUSER=... \
#   bash scripts/datagen.sh [--seed S] [--products N] [--warehouses N] \
#                           [--movements N] [--days N] [--digest]
#
# The connection comes from the usual libpq environment (PGHOST, PGPORT,
# PGDATABASE, PGUSER, ...); connect as a superuser to a database where
# `CREATE EXTENSION wms` was just run. Defaults: seed 0.42 (in [-1, 1]),
# 10000 products, 5 warehouses, ~1000000 ledger rows, 365 days ending at
# 00:00 UTC today. The same seed and sizes on the same UTC day give the
# same rows; --digest prints an md5 over every wms table's rows (all
# columns but the ledger's actor and the history's changed_by) to compare.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
    sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit "${1:-2}"
}

vars=()
digest=0
while [ $# -gt 0 ]; do
    case $1 in
    --seed | --products | --warehouses | --movements | --days)
        [ $# -ge 2 ] || usage
        name=${1#--} value=$2
        shift 2
        ;;
    --seed=* | --products=* | --warehouses=* | --movements=* | --days=*)
        name=${1%%=*} name=${name#--} value=${1#*=}
        shift
        ;;
    --digest) digest=1; shift; continue ;;
    -h | --help) usage 0 ;;
    *) echo "datagen: unknown argument: $1" >&2; usage ;;
    esac
    if [ "$name" = seed ]; then
        [[ $value =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] ||
            { echo "datagen: --seed wants a number in [-1, 1], got '$value'" >&2; exit 2; }
    else
        [[ $value =~ ^[1-9][0-9]{0,9}$ ]] ||
            { echo "datagen: --$name wants a positive integer, got '$value'" >&2; exit 2; }
    fi
    vars+=(-v "$name=$value")
done

psql=("$PG_BIN/psql" -X -v ON_ERROR_STOP=1)

start=$(date +%s%N)
"${psql[@]}" "${vars[@]}" -f "$REPO/scripts/datagen.sql"
end=$(date +%s%N)
echo "datagen: loaded in $(( (end - start) / 1000000 )) ms"


if [ "$digest" = 1 ]; then
    # Times as epoch seconds (microseconds exact): independent of TimeZone
    # and DateStyle. Explicit columns: columns added later are not part of it.
    "${psql[@]}" -qAt -c "
SELECT 'digest ' || md5(string_agg(t, '|' ORDER BY k)) FROM (
    SELECT 1 AS k, md5(string_agg(concat_ws(',', product_id, sku, name, extract(epoch FROM created_at)),
                                  E'\n' ORDER BY product_id)) AS t FROM wms.products
    UNION ALL
    SELECT 2, md5(string_agg(concat_ws(',', warehouse_id, code, name, extract(epoch FROM created_at)),
                             E'\n' ORDER BY warehouse_id)) FROM wms.warehouses
    UNION ALL
    SELECT 3, md5(string_agg(concat_ws(',', product_id, warehouse_id, quantity_on_hand, quantity_reserved,
                                       extract(epoch FROM updated_at)),
                             E'\n' ORDER BY product_id, warehouse_id)) FROM wms.inventory
    UNION ALL
    SELECT 4, md5(string_agg(md5(concat_ws(',', order_id, customer_name, order_status, extract(epoch FROM created_at),
                                           extract(epoch FROM updated_at), coalesce(extract(epoch FROM expires_at)::text, '-'),
                                           coalesce(idempotency_key, '-'), coalesce(request::text, '-'))),
                             '' ORDER BY order_id)) FROM wms.customer_orders
    UNION ALL
    SELECT 5, md5(string_agg(md5(concat_ws(',', order_id, product_id, warehouse_id, quantity, holding)),
                             '' ORDER BY order_id, product_id, warehouse_id)) FROM wms.order_items
    UNION ALL
    SELECT 6, md5(string_agg(md5(concat_ws(',', movement_id, product_id, warehouse_id, quantity_change, reason,
                                           coalesce(order_id::text, '-'), coalesce(reference, '-'),
                                           extract(epoch FROM movement_time), balance_after)),
                             '' ORDER BY movement_id)) FROM wms.stock_movements
    UNION ALL
    SELECT 7, md5(string_agg(md5(concat_ws(',', history_id, order_id, coalesce(from_status, '-'), to_status,
                                           extract(epoch FROM changed_at), coalesce(reason, '-'))),
                             '' ORDER BY history_id)) FROM wms.order_status_history
) d"
fi

bad=$("${psql[@]}" -qAt -c 'SELECT count(*) FROM wms_verify()')
echo "wms_verify() rows: $bad"
if [ "$bad" != 0 ]; then
    "${psql[@]}" -c 'SELECT * FROM wms_verify() LIMIT 20'
    exit 1
fi
