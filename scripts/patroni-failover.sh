#!/usr/bin/env bash
# Failover managed by Patroni: one etcd member and two PostgreSQL members
# on loopback, synchronous_mode: true, wms preloaded. wms-crash-cycles puts
# the load on the leader (host list with target_session_attrs=read-write)
# and, every cycle, runs this script's --fail-over step: kill -9 of the
# leader's Patroni and of its PostgreSQL, wait until Patroni has promoted
# the synchronous standby, start the old leader's Patroni again and wait
# until it is the Sync Standby (pg_rewind, or a new copy when that fails).
# Then the tool checks every answer on the new leader and retries the
# calls in doubt there, as in the failover suite. PATRONI_CYCLES (default
# 5) failovers. The configuration is the one docs/patroni.md explains.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ETCD=127.0.0.1:23790
api_port() { case $1 in node1) echo 8011 ;; node2) echo 8012 ;; esac; }
pg_port() { case $1 in node1) echo 54411 ;; node2) echo 54412 ;; esac; }

# The members' roles, from Patroni: "name role state" per line.
members() {
    patronictl -c "$1/node1.yml" list -f json 2>/dev/null |
        python3 -c 'import json, sys
for m in json.load(sys.stdin): print(m["Member"], m["Role"].replace(" ", "_"), m["State"])'
}

# wait_for WORK WHAT TEST...: until the members' list matches.
wait_for() {
    local work=$1 what=$2 deadline=$((SECONDS + 120))
    shift 2
    until members "$work" | grep -q "$@"; do
        if [ $SECONDS -gt $deadline ]; then
            echo "patroni: no $what within 120 s:" >&2
            members "$work" >&2 || true
            tail -n 20 "$work"/node*.log >&2
            return 1
        fi
        sleep 0.5
    done
}

start_member() {
    local work=$1 node=$2
    as_pg patroni "$work/$node.yml" >>"$work/$node.log" 2>&1 &
}

fail_over() {
    local work=$1 started=$SECONDS leader follower pid
    leader=$(members "$work" | awk '$2 == "Leader" {print $1}' || true)
    [ -n "$leader" ] || { echo "patroni: no leader" >&2; return 1; }
    follower=$( [ "$leader" = node1 ] && echo node2 || echo node1)
    # The leader's Patroni first, so that nothing restarts its PostgreSQL.
    # (Patroni's own process: python3 /usr/bin/patroni FILE, not runuser.)
    pid=$(pgrep -f "bin/patroni $work/$leader.yml")
    kill -KILL $pid
    kill -KILL "$(head -1 "$work/$leader/data/postmaster.pid")"
    wait_for "$work" "promotion of $follower" -x "$follower Leader running"
    local promoted=$((SECONDS - started))
    start_member "$work" "$leader"
    wait_for "$work" "return of $leader" -E "^$leader Sync_Standby (streaming|running)$"
    echo "Patroni: kill -9 of leader $leader's Patroni and PostgreSQL, $follower promoted after ${promoted} s," \
        "$leader back as its Sync Standby after $((SECONDS - started)) s"
}

if [ "${1:-}" = --fail-over ]; then
    fail_over "$2"
    exit
fi

cd "$REPO"
# scripts/pg-suites.sh runs this after the test command has installed wms.
if [ -z "${WMS_INSTALLED:-}" ]; then
    "$REPO/scripts/setup.sh" >/dev/null
    install_release
fi
cargo build --release -q -p wms-loadgen

work=$(mktemp -d /tmp/wms-patroni.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$work"
cleanup() {
    pkill -KILL -f "patroni $work/" 2>/dev/null || true
    sleep 0.2
    for node in node1 node2; do
        [ -f "$work/$node/data/postmaster.pid" ] &&
            kill -KILL "$(head -1 "$work/$node/data/postmaster.pid")" 2>/dev/null || true
    done
    pkill -KILL -f "etcd --name wms-$work" 2>/dev/null || true
    sleep 0.5
    rm -rf "$work"
}
trap cleanup EXIT

# The ports are this script's own: a leftover of an earlier run would be
# taken for this cluster.
for port in 23790 23800 8011 8012 54411 54412; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "patroni: port $port on 127.0.0.1 is in use" >&2
        exit 1
    fi
done
as_pg etcd --name "wms-$work" --data-dir "$work/etcd" \
    --listen-client-urls "http://$ETCD" --advertise-client-urls "http://$ETCD" \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster "wms-$work=http://127.0.0.1:23800" >"$work/etcd.log" 2>&1 &
for attempt in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints="http://$ETCD" endpoint health >/dev/null 2>&1 && break
    [ "$attempt" -lt 100 ] || { echo "patroni: etcd did not start:" >&2; cat "$work/etcd.log" >&2; exit 1; }
    sleep 0.2
done

for node in node1 node2; do
    mkdir -p "$work/$node"
    cat >"$work/$node.yml" <<YML
scope: wms
namespace: /wms-test-$(basename "$work")/
name: $node
restapi:
  listen: 127.0.0.1:$(api_port $node)
  connect_address: 127.0.0.1:$(api_port $node)
etcd3:
  hosts: $ETCD
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      remove_data_directory_on_rewind_failure: true
      remove_data_directory_on_diverged_timelines: true
      parameters:
        shared_preload_libraries: wms
        wal_log_hints: 'on'
        max_connections: 100
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
  pg_hba:
    - local all all trust
    - local replication all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(pg_port $node)
  connect_address: 127.0.0.1:$(pg_port $node)
  data_dir: $work/$node/data
  bin_dir: $PG_BIN
  pgpass: $work/$node/pgpass
  authentication:
    superuser:
      username: $PG_OS_USER
    replication:
      username: $PG_OS_USER
    rewind:
      username: $PG_OS_USER
  parameters:
    unix_socket_directories: $work/$node
YML
done
[ "$(id -u)" -eq 0 ] && chown -R "$PG_OS_USER" "$work"
start_member "$work" node1
wait_for "$work" "leader" -E "^node1 Leader running$"
start_member "$work" node2
wait_for "$work" "synchronous standby" -E "^node2 Sync_Standby (streaming|running)$"
echo "== patroni: $(patroni --version), etcd $(etcd --version | head -1 | awk '{print $3}'): node1 Leader, node2 Sync Standby"

"$REPO/target/release/wms-crash-cycles" \
    --dsn "host=127.0.0.1,127.0.0.1 port=$(pg_port node1),$(pg_port node2) user=$PG_OS_USER target_session_attrs=read-write" \
    --fail-over-with "bash $REPO/scripts/patroni-failover.sh --fail-over $work" \
    --cycles "${PATRONI_CYCLES:-5}"
