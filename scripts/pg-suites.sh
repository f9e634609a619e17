#!/usr/bin/env bash
# The suites that run against the installed extension in a throwaway
# cluster, with PostgreSQL's own drivers:
#   regress    tests/pg_regress  (pg_regress: bad input, exact output)
#   isolation  tests/isolation   (pg_isolation_regress: interleavings)
#   crash      wms-crash-cycles  (kill -9 and immediate stops under load)
#   pooler     wms-pooler-checks: sales, keys, lock timeouts and expiry
#              through pgbouncer in transaction pooling mode
#   patroni    scripts/patroni-failover.sh: the same, Patroni failing over
#   failover   wms-crash-cycles --failover (kill -9 of the primary, its
#              synchronous standby promoted, calls in doubt retried)
#   datagen    scripts/datagen.sh (consistent and reproducible history)
#   standby    a streaming replica: reads as on the primary, writes refused
#   upgrade    tests/upgrade: every released version updated in place
#   package    scripts/package.sh: the .deb built, unpacked and used
# Called by scripts/test.sh after it installs the extension; arguments name
# the suites to run (default: all of them).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

PGXS=$("$PG_CONFIG" --pkglibdir)/pgxs
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(upgrade package regress isolation datagen standby pooler crash failover patroni)

work=$(mktemp -d /tmp/wms-suites.XXXXXX)
chmod 755 "$work"
trap 'for p in pooler pooler1; do pooler_stop "$work/$p"; done
      for c in cluster icluster crash failover/a failover/b failover-control/a failover-control/b pooled primary replica; do cluster_stop "$work/$c"; done; rm -rf "$work"' EXIT

# pg_regress and pg_isolation_regress compare against the committed
# expected files; on a difference they leave regression.diffs, printed here.
run_driver() {
    local name=$1 driver=$2 inputdir=$3 port=$4
    shift 4
    local out="$work/$name"
    mkdir -p "$out"
    echo "== $name: $driver"
    if ! "$driver" --host="${host:-$work/cluster}" --port="$port" --user="$PG_OS_USER" \
        --inputdir="$inputdir" --outputdir="$out" --dbname="wms_$name" "$@"; then
        cat "$out/regression.diffs" 2>/dev/null || true
        # WMS_RESULTS=DIR keeps what the driver printed, to read or to take
        # as the new expected output.
        if [ -n "${WMS_RESULTS:-}" ]; then mkdir -p "$WMS_RESULTS/$name" && cp -r "$out/results/." "$WMS_RESULTS/$name/"; fi
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
            # A cluster of its own that preloads wms, for wms_submit_order's
            # worker (the regress cluster shows the refusal without it).
            [ -f "$work/icluster/data/postmaster.pid" ] || cluster_start "$work/icluster" 54332 shared_preload_libraries=wms
            mapfile -t specs < <(ls tests/isolation/specs | sed -n 's/\.spec$//p')
            if host=$work/icluster run_driver isolation "$PGXS/src/test/isolation/pg_isolation_regress" tests/isolation 54332 \
                "${specs[@]}"; then
                echo "interleavings run: $(cat "$work/isolation/results/"*.out | grep -c '^starting permutation') permutations of ${#specs[@]} specs, as expected"
            else
                status=1
            fi
        fi
        ;;
    upgrade)
        bash tests/upgrade/run.sh || status=1
        ;;
    package)
        bash tests/package/run.sh || status=1
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
                -c "CREATE EXTENSION wms CASCADE"
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
    standby)
        # A streaming replica of a cluster with the extension: once it has
        # replayed, every function that only read answers there exactly as
        # on the primary; every function that writes is refused (25006, "on
        # a standby"); no expiry worker runs there until it is promoted.
        echo "== standby: a streaming replica (pg_basebackup -R)"
        primary="$work/primary" replica="$work/replica"
        preload=("shared_preload_libraries=wms" "wms.expiry_databases=wms_standby" "wms.expiry_interval=200ms")
        cluster_start "$primary" 54341 "${preload[@]}"
        on() { as_pg "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U "$PG_OS_USER" -d wms_standby -c "$3"; }
        as_pg "$PG_BIN/createdb" -h "$primary" -p 54341 -U "$PG_OS_USER" wms_standby
        on "$primary" 54341 "CREATE EXTENSION wms CASCADE" >/dev/null
        # The setting only a preloaded library defines has its description.
        [ "$(on "$primary" 54341 "SELECT short_desc <> '' FROM pg_settings WHERE name = 'wms.expiry_databases'")" = t ] ||
            { echo "standby: wms.expiry_databases has no description" >&2; status=1; }
        on "$primary" 54341 "
            SELECT wms_add_product('SKU-1', 'Widget'), wms_add_product('SKU-2', 'Gadget'),
                   wms_add_warehouse('WH-1', 'North'), wms_add_warehouse('WH-2', 'South');
            SELECT wms_receive(1, 1, 100), wms_receive(2, 1, 50), wms_receive(1, 2, 7);
            SELECT status FROM wms_place_order('alice', 1, 1, 3, 'order-1');
            SELECT status FROM wms_place_order('bob', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 2},
                                                       {\"product_id\": 2, \"warehouse_id\": 1, \"quantity\": 5}]'::jsonb);
            SELECT status FROM wms_reserve('carol', '[{\"product_id\": 2, \"warehouse_id\": 1, \"quantity\": 4}]', '1 day');
            SELECT status FROM wms_reserve('dave', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]', '1 day');
            SELECT status FROM wms_cancel_order(4, 'changed their mind');
            SELECT * FROM wms_transfer(1, 1, 2, 10);
            SELECT wms_set_reorder_policy(1, 1, 90, 10);
            SELECT status FROM wms_set_order_status(3, 'Confirmed');
            SELECT status FROM wms_return_order(1, '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]');" >/dev/null
        mkdir -p "$replica" && [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$replica"
        as_pg "$PG_BIN/pg_basebackup" -h "$primary" -p 54341 -U "$PG_OS_USER" -D "$replica/data" -R -X stream -c fast
        as_pg "$PG_BIN/pg_ctl" -D "$replica/data" -l "$replica/server.log" -w start \
            -o "-c listen_addresses='' -c port=54342 -c unix_socket_directories=$replica $(printf -- '-c %s ' "${preload[@]}")" >/dev/null
        lsn=$(on "$primary" 54341 "SELECT pg_current_wal_lsn()")
        for _ in $(seq 100); do
            [ "$(on "$replica" 54342 "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break
            sleep 0.1
        done
        reads=(
            "SELECT wms_available_to_sell(1)" "SELECT wms_available_to_sell(2, 1)"
            "SELECT wms_stock_as_of(1, 1, now())" "SELECT wms_stock_as_of(1, 2, 'infinity')"
            "SELECT * FROM wms_sales_rolling_average(1, 7)" "SELECT * FROM wms_reorder_hints()"
            "SELECT * FROM wms_stock_by_warehouse()"
            "SELECT movement_id, product_id, warehouse_id, quantity_change, balance_after, reason, order_id, reference, actor
               FROM wms_movements('-infinity', 'infinity')"
            "SELECT * FROM wms_movement_summary('-infinity', 'infinity')"
            "SELECT order_id, customer_name, order_status, lines, units FROM wms_orders('-infinity', 'infinity')"
            "SELECT order_id, order_status, total FROM wms_orders('-infinity', 'infinity', sort => 'highest_value')"
            "SELECT (wms_order(1) - 'order') || pg_catalog.jsonb_build_object('status', wms_order(1)->'order'->'status')"
            "SELECT * FROM wms_verify()" "SELECT * FROM wms.available_to_sell ORDER BY 1, 2"
        )
        same=0
        for q in "${reads[@]}"; do
            if [ "$(on "$primary" 54341 "$q")" = "$(on "$replica" 54342 "$q" 2>&1)" ]; then
                same=$((same + 1))
            else
                echo "standby: '$q' answers differently on the replica:" >&2
                on "$replica" 54342 "$q" >&2 || true
                status=1
            fi
        done
        writes=(
            "SELECT wms_add_product('SKU-9', 'x')" "SELECT wms_add_warehouse('WH-9', 'x')"
            "SELECT wms_receive(1, 1, 1)" "SELECT * FROM wms_place_order('eve', 1, 1, 1)"
            "SELECT * FROM wms_place_order('eve', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]'::jsonb)"
            "SELECT * FROM wms_submit_order('eve', 1, 1, 1)"
            "SELECT * FROM wms_submit_order('eve', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]'::jsonb)"
            "SELECT * FROM wms_reserve('eve', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]')"
            "SELECT * FROM wms_fulfill_order(5)" "SELECT * FROM wms_cancel_order(5, 'x')"
            "SELECT wms_expire_reservations()" "SELECT wms_adjust(1, 1, 1, 'count')"
            "SELECT * FROM wms_transfer(1, 1, 2, 1)" "SELECT wms_set_reorder_policy(1, 1, 1, 1)"
            "SELECT * FROM wms_set_order_status(3, 'Processing')" "SELECT * FROM wms_return_order(1)"
        )
        refused=0
        for q in "${writes[@]}"; do
            out=$(as_pg "$PG_BIN/psql" -X -q -At -h "$replica" -p 54342 -U "$PG_OS_USER" -d wms_standby \
                -v VERBOSITY=verbose -c "$q" 2>&1 || true)
            if grep -q "ERROR:  25006: .* writes and cannot run on a standby" <<<"$out"; then
                refused=$((refused + 1))
            else
                echo "standby: '$q' was not refused with 25006: $out" >&2
                status=1
            fi
        done
        workers() { on "$1" "$2" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'wms expiry worker'"; }
        on_replica=$(workers "$replica" 54342)
        as_pg "$PG_BIN/pg_ctl" -D "$replica/data" -w promote >/dev/null
        promoted=0
        for _ in $(seq 150); do
            [ "$(workers "$replica" 54342)" = 1 ] && promoted=1 && break
            sleep 0.2
        done
        order=$(on "$replica" 54342 "SELECT order_id FROM wms_reserve('frank', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1}]', '100 milliseconds')")
        swept=0
        for _ in $(seq 100); do
            [ "$(on "$replica" 54342 "SELECT order_status FROM wms.customer_orders WHERE order_id = $order")" = Cancelled ] && swept=1 && break
            sleep 0.1
        done
        as_pg "$PG_BIN/pg_ctl" -D "$replica/data" -m fast -w stop >/dev/null
        if [ "$on_replica" = 0 ] && [ "$promoted" = 1 ] && [ "$swept" = 1 ]; then
            echo "standby: ${same} of ${#reads[@]} reads answered as on the primary, ${refused} of ${#writes[@]} writes refused with 25006;" \
                "no expiry worker before promotion, one after, and it swept a reservation"
        else
            echo "standby: workers before promotion $on_replica (expected 0), after: $promoted, swept: $swept" >&2
            status=1
        fi
        [ "$same" = "${#reads[@]}" ] && [ "$refused" = "${#writes[@]}" ] || status=1
        ;;
    crash)
        cargo build --release -q -p wms-loadgen
        echo "== crash: wms-crash-cycles"
        "$REPO/target/release/wms-crash-cycles" --dir "$work/crash" --pg-bin "$PG_BIN" \
            --os-user "$PG_OS_USER" --cycles "${CRASH_CYCLES:-20}" || status=1
        ;;
    pooler)
        cargo build --release -q -p wms-loadgen
        echo "== pooler: wms-pooler-checks through pgbouncer $(pgbouncer --version | head -1 | awk '{print $2}') (transaction pooling)"
        cluster_start "$work/pooled" 54361 "max_connections=100" shared_preload_libraries=wms
        as_pg "$PG_BIN/createdb" -h "$work/pooled" -p 54361 -U "$PG_OS_USER" wms_pooled
        as_pg "$PG_BIN/psql" -X -q -h "$work/pooled" -p 54361 -U "$PG_OS_USER" -d wms_pooled -c "CREATE EXTENSION wms CASCADE"
        POOLER_USERS=wms_pool_app pooler_start "$work/pooler" 64361 "$work/pooled" 54361 8
        POOLER_USERS=wms_pool_app pooler_start "$work/pooler1" 64362 "$work/pooled" 54361 1
        "$REPO/target/release/wms-pooler-checks" \
            --pooler "host=$work/pooler port=64361 user=$PG_OS_USER dbname=wms_pooled" \
            --pooler-of-one "host=$work/pooler1 port=64362 user=$PG_OS_USER dbname=wms_pooled" \
            --direct "host=$work/pooled port=54361 user=$PG_OS_USER dbname=wms_pooled" || status=1
        ;;
    patroni)
        WMS_INSTALLED=1 bash scripts/patroni-failover.sh || status=1
        ;;
    failover)
        cargo build --release -q -p wms-loadgen
        echo "== failover: wms-crash-cycles --failover"
        "$REPO/target/release/wms-crash-cycles" --dir "$work/failover" --pg-bin "$PG_BIN" \
            --os-user "$PG_OS_USER" --failover --port 54351 --cycles "${FAILOVER_CYCLES:-6}" || status=1
        # The control: with an asynchronous standby whose WAL receiver is
        # paused during the load, the same checks must find acknowledged
        # calls lost, so they can see a loss.
        echo "== failover control: an asynchronous standby, paused"
        if out=$("$REPO/target/release/wms-crash-cycles" --dir "$work/failover-control" --pg-bin "$PG_BIN" \
            --os-user "$PG_OS_USER" --failover --control-async --port 54355 --cycles 2 2>&1); then
            echo "$out"
            echo "FAIL: the failover control lost nothing: the checks would not see a loss"
            status=1
        elif lost=$(grep -c -E "but no order has its key|its ledger rows are \[\]" <<<"$out"); then
            echo "failover control: $lost acknowledged calls reported lost after promoting an asynchronous standby, as they must be"
        else
            echo "$out"
            echo "FAIL: the failover control failed for another reason"
            status=1
        fi
        ;;
    *)
        echo "unknown suite: $suite (upgrade, package, regress, isolation, datagen, standby, pooler, crash, failover or patroni)" >&2
        exit 2
        ;;
    esac
done
exit $status
