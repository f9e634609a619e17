#!/usr/bin/env bash
# The benchmark (docs/benchmark.md): builds and installs the extension, starts a
# throwaway cluster, and runs wms-bench, which drives every variant in
# bench/ with pgbench on the hot-SKU, catalogue and flash-sale workloads,
# synchronous_commit on and off, interleaved and repeated, checking the
# database after every run, each workload with direct connections and
# through pgbouncer in transaction mode (started here; POOL_SIZE server
# connections, default 8), with the protocols drivers use. Results,
# machine facts and pictures go to bench/results/. Arguments are passed on
# to wms-bench (e.g. --repeats 1 --duration 3 for a quick look; --help
# lists them).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO/scripts/setup.sh"
cd "$REPO"

PORT=${PORT:-54337}
POOLER_PORT=${POOLER_PORT:-64337}
POOL_SIZE=${POOL_SIZE:-8}
OUT=${OUT:-$REPO/bench/results}

# 1000 buyers means 1000 connections from pgbench.
[ "$(ulimit -n)" -ge 4096 ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "building and installing the extension (release)"
install_release
cargo build --release -q -p wms-loadgen

cluster=$(mktemp -d /tmp/wms-bench.XXXXXX)
chmod 755 "$cluster"
trap 'pooler_stop "$cluster/pooler"; cluster_stop "$cluster"' EXIT
cluster_start "$cluster" "$PORT" max_connections=1100 shared_buffers=512MB shared_preload_libraries=wms ${BENCH_SETTINGS:-}
as_pg "$PG_BIN/createdb" -h "$cluster" -p "$PORT" -U "$PG_OS_USER" wms_bench
pooler_start "$cluster/pooler" "$POOLER_PORT" "$cluster" "$PORT" "$POOL_SIZE"

# The machine facts that go with the figures.
fsync_us=$(as_pg "$PG_BIN/pg_test_fsync" -s 2 -f "$cluster/data/fsync-test" 2>/dev/null |
    awk '/fdatasync/ && /ops\/sec/ {print $(NF-1); exit}')
setting() { as_pg "$PG_BIN/psql" -X -At -h "$cluster" -p "$PORT" -U "$PG_OS_USER" -d wms_bench -c "SHOW $1"; }
machine=$(printf '{"postgres": "%s", "cores": %s, "max_connections": %s, "shared_buffers": "%s", "fsync": "%s", "fdatasync_usecs_per_op": "%s", "pgbench_on_same_cores": true, "pgbouncer": "%s", "pool_size": %s}' \
    "$("$PG_BIN/postgres" --version)" "$(nproc)" "$(setting max_connections)" "$(setting shared_buffers)" \
    "$(setting fsync)" "${fsync_us:-unknown}" "$(pgbouncer --version | head -1)" "$POOL_SIZE")
echo "machine: $machine"

# Instructions per order, for the results (INSTRUCTIONS=0 skips it).
rm -f "$OUT/instructions.json"
[ "${INSTRUCTIONS:-1}" = 0 ] || "$REPO/scripts/instructions.sh" "$OUT"

"$REPO/target/release/wms-bench" --host "$cluster" --port "$PORT" --user "$PG_OS_USER" \
    --pg-bin "$PG_BIN" --scripts "$REPO/bench" --out "$OUT" --machine "$machine" \
    --pooler-host "$cluster/pooler" --pooler-port "$POOLER_PORT" "$@"
