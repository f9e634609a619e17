#!/usr/bin/env bash
# Instructions per order (docs/benchmark.md, "Instructions per order"): a
# cost figure that noise does not move. For each variant, a single-user
# backend (postgres --single) runs N1 and then N2 orders of the hot SKU
# under valgrind's callgrind, which counts the instructions the backend
# executes in user space; the difference, over N2 - N1 orders, is the cost
# of one order with no contention: startup, the library's load and the
# first calls' planning cancel out. Each variant is counted as a simple
# query (parsed and planned every time) and prepared once (PREPARE, then
# EXECUTE), as drivers send it. The extension must be installed
# (scripts/bench.sh does it). Usage: instructions.sh OUT_DIR [VARIANT...]
# (default ext bare_sql); writes OUT_DIR/instructions.json.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
out=${1:?usage: instructions.sh OUT_DIR [VARIANT...]}
shift
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(ext bare_sql)
N1=${N1:-50}
N2=${N2:-250}
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 1; }
mkdir -p "$out"

work=$(mktemp -d /tmp/wms-instructions.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$work"
trap 'cluster_stop "$work/cluster"; rm -rf "$work"' EXIT
# The data of the hot SKU, loaded by a normal server, then stopped: a
# single-user backend needs the directory to itself.
cluster_start "$work/cluster" 54338
as_pg "$PG_BIN/createdb" -h "$work/cluster" -p 54338 -U "$PG_OS_USER" wms_bench
as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work/cluster" -p 54338 -U "$PG_OS_USER" -d wms_bench \
    -c "CREATE EXTENSION wms CASCADE" -v skus=1 -v stock=1000000000 -f "$REPO/bench/load.sql"
as_pg "$PG_BIN/pg_ctl" -D "$work/cluster/data" -m fast -w stop >/dev/null

# One order of a variant as a single line (the single-user backend ends a
# statement at a newline): its pgbench script without comments and
# meta-commands, for product 1 and client 1.
statement() {
    grep -v -e '^--' -e '^\\' "$REPO/bench/$1.sql" | sed -e 's/:p\b/1/g' -e 's/:client_id\b/1/g' | tr '\n' ' '
    echo
}

# Instructions a single-user backend executes for N orders of a variant,
# sent as simple queries or prepared.
count() {
    local variant=$1 form=$2 n=$3 file="$work/$1-$2-$3"
    local line
    line=$(statement "$variant")
    if [ "$form" = prepared ]; then
        printf 'PREPARE wms_order AS %s\n' "$line"
        for _ in $(seq "$n"); do printf 'EXECUTE wms_order\n'; done
    else
        for _ in $(seq "$n"); do printf '%s\n' "$line"; done
    fi >"$file.sql"
    chmod 644 "$file.sql"
    as_pg valgrind --tool=callgrind --callgrind-out-file="$file.out" \
        "$PG_BIN/postgres" --single -D "$work/cluster/data" -c fsync=off -c synchronous_commit=off wms_bench \
        <"$file.sql" >"$file.log" 2>&1 ||
        { tail -20 "$file.log"; return 1; }
    if grep -q 'ERROR' "$file.log"; then
        grep -m 3 'ERROR' "$file.log" >&2
        return 1
    fi
    sed -n 's/^summary: \([0-9]*\).*/\1/p' "$file.out" | head -1
}

echo "instructions per order (callgrind, single-user backend, hot SKU, $N1 and $N2 orders):"
json="{"
sep=""
for variant in "${variants[@]}"; do
    for form in simple prepared; do
        i1=$(count "$variant" "$form" "$N1")
        i2=$(count "$variant" "$form" "$N2")
        per=$(( (i2 - i1) / (N2 - N1) ))
        printf '  %-18s %-8s %10d instructions per order\n' "$variant" "$form" "$per"
        json="$json$sep\"$variant/$form\": $per"
        sep=", "
    done
done
json="$json}"
printf '{"instructions_per_order": %s, "orders": [%s, %s]}\n' "$json" "$N1" "$N2" >"$out/instructions.json"
echo "written to $out/instructions.json"
