#!/usr/bin/env bash
# The suites that run against the installed extension in a throwaway
# cluster, with PostgreSQL's own drivers:
#   regress    tests/pg_regress  (pg_regress: bad input, exact output)
#   isolation  tests/isolation   (pg_isolation_regress: interleavings)
#   crash      wms-crash-cycles  (kill -9 and immediate stops under load)
#   datagen    scripts/datagen.sh (consistent and reproducible history)
# Called by scripts/test.sh after it installs the extension; arguments name
# the suites to run (default: all three).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

PGXS=$("$PG_CONFIG" --pkglibdir)/pgxs
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(regress isolation datagen crash)

work=$(mktemp -d /tmp/wms-suites.XXXXXX)
chmod 755 "$work"
trap 'cluster_stop "$work/cluster"; cluster_stop "$work/crash"; rm -rf "$work"' EXIT

# pg_regress and pg_isolation_regress compare against the committed
# expected files; on a difference they leave regression.diffs, printed here.
run_driver() {
    local name=$1 driver=$2 inputdir=$3 port=$4
    shift 4
    local out="$work/$name"
    mkdir -p "$out"
    echo "== $name: $driver"
    if ! "$driver" --host="$work/cluster" --port="$port" --user="$PG_OS_USER" \
        --inputdir="$inputdir" --outputdir="$out" --dbname="wms_$name" "$@"; then
        cat "$out/regression.diffs" 2>/dev/null || true
        return 1
    fi
}

status=0
for suite in "${suites[@]}"; do
    case $suite in
    regress | isolation)
        [ -f "$work/cluster/data/postmaster.pid" ] || cluster_start "$work/cluster" 54331
        if [ "$suite" = regress ]; then
            mapfile -t tests < <(ls tests/pg_regress/sql | sed -n 's/\.sql$//p' | grep -vx setup)
            if run_driver regress "$PGXS/src/test/regress/pg_regress" tests/pg_regress 54331 \
                setup "${tests[@]}"; then
                # Each bad call is followed by an echo of its SQLSTATE.
                codes=$(grep -h -A1 -F '\echo :LAST_ERROR_SQLSTATE' "$work/regress/results/"*.out |
                    grep -E '^[0-9A-Z]{5}$' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')
                total=$(cat "$work/regress/results/"*.out | grep -c -F '\echo :LAST_ERROR_SQLSTATE')
                echo "bad inputs tried: $total, each refused with its SQLSTATE ($codes), every table unchanged"
            else
                status=1
            fi
        else
            mapfile -t specs < <(ls tests/isolation/specs | sed -n 's/\.spec$//p')
            if run_driver isolation "$PGXS/src/test/isolation/pg_isolation_regress" tests/isolation 54331 \
                "${specs[@]}"; then
                echo "interleavings run: $(cat "$work/isolation/results/"*.out | grep -c '^starting permutation') permutations of ${#specs[@]} specs, as expected"
            else
                status=1
            fi
        fi
        ;;
    datagen)
        # The generator at a small size, three times: wms_verify() must be
        # empty after each (datagen.sh fails otherwise), the same seed must
        # give the same rows, another seed other rows.
        [ -f "$work/cluster/data/postmaster.pid" ] || cluster_start "$work/cluster" 54331
        echo "== datagen: scripts/datagen.sh"
        digests=()
        for run in "0.42 a" "0.42 b" "-0.5 c"; do
            read -r seed db <<<"$run"
            as_pg "$PG_BIN/createdb" -h "$work/cluster" -p 54331 -U "$PG_OS_USER" "wms_datagen_$db"
            as_pg "$PG_BIN/psql" -X -q -h "$work/cluster" -p 54331 -U "$PG_OS_USER" -d "wms_datagen_$db" \
                -c "CREATE EXTENSION wms"
            out=$(PGHOST=$work/cluster PGPORT=54331 PGUSER=$PG_OS_USER PGDATABASE=wms_datagen_$db \
                bash scripts/datagen.sh --seed "$seed" --products 500 --movements 50000 --days 90 --digest) ||
                { echo "$out"; status=1; continue; }
            digests+=("$(sed -n 's/^digest //p' <<<"$out")")
        done
        if [ ${#digests[@]} = 3 ] && [ "${digests[0]}" = "${digests[1]}" ] && [ "${digests[0]}" != "${digests[2]}" ]; then
            echo "datagen: 3 histories of ~50,000 ledger rows, wms_verify() empty after each;" \
                "seed 0.42 twice gave the same rows (${digests[0]}), seed -0.5 others (${digests[2]})"
        else
            echo "datagen: digests ${digests[*]}: expected the first two equal and the third different" >&2
            status=1
        fi
        ;;
    crash)
        cargo build --release -q -p wms-loadgen
        echo "== crash: wms-crash-cycles"
        "$REPO/target/release/wms-crash-cycles" --dir "$work/crash" --pg-bin "$PG_BIN" \
            --os-user "$PG_OS_USER" --cycles "${CRASH_CYCLES:-20}" || status=1
        ;;
    *)
        echo "unknown suite: $suite (regress, isolation, datagen or crash)" >&2
        exit 2
        ;;
    esac
done
exit $status
