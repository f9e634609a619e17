#!/usr/bin/env bash
# The main job: build and install the extension, start a throwaway local
# cluster, run the flash sale (200 buyers, each on its own connection, for
# 100 units) and print the verification report. Exits non-zero if any
# check fails. BUYERS and STOCK may be set in the environment.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO/scripts/setup.sh"
cd "$REPO"

BUYERS=${BUYERS:-200}
STOCK=${STOCK:-100}
PORT=${PORT:-54329}

echo "building and installing the extension (release)"
install_release
cargo build --release -q -p wms-loadgen

cluster=$(mktemp -d /tmp/wms-demo.XXXXXX)
chmod 755 "$cluster"
trap 'cluster_stop "$cluster"' EXIT
cluster_start "$cluster" "$PORT" "max_connections=$((BUYERS + 50))"
as_pg "$PG_BIN/createdb" -h "$cluster" -p "$PORT" -U "$PG_OS_USER" wms_demo
as_pg "$PG_BIN/psql" -X -q -h "$cluster" -p "$PORT" -U "$PG_OS_USER" -d wms_demo -c "CREATE EXTENSION wms"
echo "throwaway cluster at $cluster ($("$PG_BIN/postgres" --version)), database wms_demo"
echo

"$REPO/target/release/wms-flash-sale" \
    --dsn "host=$cluster port=$PORT user=$PG_OS_USER dbname=wms_demo" \
    --buyers "$BUYERS" --stock "$STOCK"
