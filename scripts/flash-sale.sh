#!/usr/bin/env bash
# The main job: build and install the extension, start a throwaway local
# cluster, run the flash sale (200 buyers, each on its own connection, for
# 100 units) and print the verification report. Exits non-zero if any
# check fails. BUYERS and STOCK may be set in the environment.
#
#   --pooler   the buyers go through pgbouncer in transaction pooling mode
#              (started here, POOL_SIZE server connections, default 8)
#   --both     the sale directly and then through pgbouncer, and both
#              runs' figures side by side
#   --submit   the buyers call wms_submit_order: the order worker commits
#              their orders together (the cluster preloads wms either way)
# POOLER=1 or POOLER=both in the environment do the same as the first two.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mode=${POOLER:-}
api=()
for arg in "$@"; do
    case $arg in
    --pooler) mode=1 ;;
    --both) mode=both ;;
    --submit) api=(--submit) ;;
    *) echo "usage: $0 [--pooler | --both] [--submit]" >&2; exit 2 ;;
    esac
done
case $mode in "" | 0) runs=(direct) ;; both) runs=(direct pooler) ;; *) runs=(pooler) ;; esac

"$REPO/scripts/setup.sh"
cd "$REPO"

BUYERS=${BUYERS:-200}
STOCK=${STOCK:-100}
PORT=${PORT:-54329}
POOL_SIZE=${POOL_SIZE:-8}
# Every buyer has its own connection, to the server or to the pooler.
[ "$(ulimit -n)" -ge $((BUYERS * 2 + 100)) ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "building and installing the extension (release)"
install_release
cargo build --release -q -p wms-loadgen

cluster=$(mktemp -d /tmp/wms-demo.XXXXXX)
chmod 755 "$cluster"
trap 'pooler_stop "$cluster/pooler"; cluster_stop "$cluster/pg"; rm -rf "$cluster"' EXIT
cluster_start "$cluster/pg" "$PORT" "max_connections=$((BUYERS + 50))" shared_preload_libraries=wms
echo "throwaway cluster at $cluster/pg ($("$PG_BIN/postgres" --version))"

status=0
for run in "${runs[@]}"; do
    db=wms_demo
    [ "$run" = direct ] || db=wms_demo_pooled
    as_pg "$PG_BIN/createdb" -h "$cluster/pg" -p "$PORT" -U "$PG_OS_USER" "$db"
    as_pg "$PG_BIN/psql" -X -q -h "$cluster/pg" -p "$PORT" -U "$PG_OS_USER" -d "$db" -c "CREATE EXTENSION wms CASCADE"
    direct="host=$cluster/pg port=$PORT user=$PG_OS_USER dbname=$db"
    if [ "$run" = direct ]; then
        echo "database $db, buyers connected to the server"
        echo
        args=(--dsn "$direct")
    else
        [ -f "$cluster/pooler/pgbouncer.pid" ] || pooler_start "$cluster/pooler" $((PORT + 10000)) "$cluster/pg" "$PORT" "$POOL_SIZE"
        echo "database $db, buyers connected to pgbouncer $(pgbouncer --version | head -1 | awk '{print $2}') (transaction pooling, $POOL_SIZE server connections)"
        echo
        args=(--pooler --dsn "host=$cluster/pooler port=$((PORT + 10000)) user=$PG_OS_USER dbname=$db" --admin-dsn "$direct")
    fi
    "$REPO/target/release/wms-flash-sale" "${args[@]}" "${api[@]}" --buyers "$BUYERS" --stock "$STOCK" | tee "$cluster/$run.out" ||
        status=1
    echo
done

if [ ${#runs[@]} -gt 1 ]; then
    echo "both runs ($BUYERS buyers, $STOCK units):"
    for run in "${runs[@]}"; do
        printf '  %-7s %s; %s; %s\n' "$run" \
            "$(grep -o 'wall time.*' "$cluster/$run.out")" \
            "$(grep -o 'successful orders/s: .*' "$cluster/$run.out")" \
            "$(grep -o 'latency, Fulfilled: .*' "$cluster/$run.out" | sed 's/  */ /g')"
    done
fi
exit $status
