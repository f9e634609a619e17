#!/usr/bin/env bash
# Every test: first the lint steps (scripts/lint.sh: cargo fmt --check,
# cargo clippy -D warnings, released scripts unchanged, links), then the
# #[pg_test]s and the multi-backend scenarios, through
# `cargo pgrx test` (which builds, installs and starts its own cluster),
# then the suites run by PostgreSQL's own drivers against the installed
# extension (scripts/pg-suites.sh). Arguments are passed on to cargo pgrx
# test as a test-name filter, and then the suites are skipped.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$REPO/scripts/setup.sh"
cd "$REPO"
"$REPO/scripts/lint.sh"

# The flash sales open 1000+ client connections from one process.
[ "$(ulimit -n)" -ge 4096 ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The test cluster runs as $PG_OS_USER ("postgres" under root), in a fresh
# directory it owns; with --runas, pgrx installs the extension through sudo.
pgdata=$(mktemp -d /tmp/wms-test-pg.XXXXXX)
chmod 755 "$pgdata"
[ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$pgdata"
trap 'rm -rf "$pgdata"' EXIT
cargo pgrx test pg$PG_MAJOR --runas "$PG_OS_USER" --pgdata "$pgdata" "$@"
[ $# -eq 0 ] || exit 0

install_release
"$REPO/scripts/pg-suites.sh"
