#!/usr/bin/env bash
# Every test: the #[pg_test]s and the multi-backend scenarios, through
# `cargo pgrx test` (which builds, installs and starts its own cluster).
# Arguments are passed on as a test-name filter.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO/scripts/setup.sh"
cd "$REPO"

if [ "$(id -u)" -eq 0 ]; then
    # The test cluster runs as "postgres", in a directory it owns.
    pgdata=$(mktemp -d /tmp/wms-test-pg.XXXXXX)
    chmod 755 "$pgdata"
    chown postgres "$pgdata"
    trap 'rm -rf "$pgdata"' EXIT
    cargo pgrx test pg$PG_MAJOR --runas postgres --pgdata "$pgdata" "$@"
else
    cargo pgrx test pg$PG_MAJOR "$@"
fi
