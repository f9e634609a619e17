#!/usr/bin/env bash
# The Debian package: built by scripts/package.sh, its contents listed
# (dpkg-deb -c) and checked, installed with dpkg -i into a clean throwaway
# root (its own dpkg database), and used there: a PostgreSQL server run
# from that root finds its extension files there only, so CREATE EXTENSION
# wms, CREATE EXTENSION wms VERSION '0.1.0' and ALTER EXTENSION wms UPDATE
# below use the package's files and nothing else.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
echo "== package: scripts/package.sh"
deb=$(bash "$REPO/scripts/package.sh" 2>"${TMPDIR:-/tmp}/wms-package.log" | tail -1) ||
    { cat "${TMPDIR:-/tmp}/wms-package.log"; exit 1; }
[ -f "$deb" ] || { echo "FAIL: package.sh's last line is not a file: $deb"; exit 1; }
version=$(wms_version)
share=$("$PG_CONFIG" --sharedir)
pkglib=$("$PG_CONFIG" --pkglibdir)

status=0
listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
expected=("$pkglib/wms.so" "$share/extension/wms.control" "$share/extension/wms--$version.sql"
    /usr/share/doc/postgresql-$PG_MAJOR-wms/copyright)
for f in "$REPO"/sql/archive/wms--*.sql "$REPO"/sql/archive/wms--*.control "$REPO"/sql/wms--*--*.sql; do expected+=("$share/extension/$(basename "$f")"); done
for f in "${expected[@]}"; do
    grep -qx "$f" <<<"$listing" || { echo "FAIL: the package lacks $f"; status=1; }
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || { echo "FAIL: package version is not $version"; status=1; }

root=$(mktemp -d /tmp/wms-package-root.XXXXXX)
trap 'as_pg "$root$PG_BIN/pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$root"' EXIT
pg_root_make "$root"
# The package, with dpkg, into the root's own (empty) database;
# postgresql-15 is this machine's, not the throwaway root's.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
$SUDO dpkg --root="$root" --force-depends --force-script-chrootless -i "$deb" >"$root/dpkg.log" 2>&1 ||
    { cat "$root/dpkg.log"; exit 1; }
dpkg --root="$root" -L "postgresql-$PG_MAJOR-wms" | grep -qx "$pkglib/wms.so" ||
    { echo "FAIL: dpkg -i did not install $pkglib/wms.so into $root"; status=1; }
chown -R "$PG_OS_USER" "$root" 2>/dev/null || $SUDO chown -R "$PG_OS_USER" "$root"
chmod 755 "$root"
as_pg "$root$PG_BIN/initdb" -D "$root/data" -U "$PG_OS_USER" -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$root/initdb.log" 2>&1 ||
    { cat "$root/initdb.log"; exit 1; }
as_pg "$root$PG_BIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w \
    -o "-c listen_addresses='' -c port=54339 -c unix_socket_directories=$root" start >/dev/null ||
    { cat "$root/server.log"; exit 1; }
q() { PGOPTIONS="-c client_min_messages=warning" as_pg "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$root" -p 54339 -U "$PG_OS_USER" "$@"; }
if ! out=$(q -d postgres -c "SHOW data_directory" -c "SELECT setting FROM pg_config() WHERE name = 'SHAREDIR'" 2>&1) ||
    ! grep -q "^$root$share$" <<<"$out"; then
    echo "FAIL: the throwaway server does not use $root$share: $out"
    status=1
fi
q -d postgres -c "CREATE DATABASE fresh" -c "CREATE DATABASE old"
if out=$(q -d fresh -c "CREATE EXTENSION wms CASCADE" \
    -c "SELECT extversion FROM pg_extension WHERE extname = 'wms'" \
    -c "SELECT wms_add_product('PKG-1', 'Packaged'), wms_add_warehouse('PKG-W', 'Store')" \
    -c "SELECT wms_receive(1, 1, 5)" \
    -c "SELECT status FROM wms_place_order('pkg', 1, 1, 2)" \
    -c "SELECT count(*) FROM wms_verify()" 2>&1) &&
    [ "$out" = "$(printf '%s\n' "$version" "1|1" 5 Fulfilled 0)" ]; then
    echo "installed from the package: CREATE EXTENSION wms ($version), an order, wms_verify() empty"
else
    echo "FAIL: the packaged extension: $out"
    status=1
fi
for old in $(ls "$REPO"/sql/archive/ | sed -n 's/^wms--\(.*\)\.sql$/\1/p'); do
    [ "$old" != "$version" ] || continue
    if out=$(q -d old -c "DROP EXTENSION IF EXISTS wms" -c "CREATE EXTENSION wms VERSION '$old' CASCADE" \
        -c "ALTER EXTENSION wms UPDATE" -c "SELECT extversion FROM pg_extension WHERE extname = 'wms'" 2>&1) &&
        [ "$out" = "$version" ]; then
        echo "from the package: CREATE EXTENSION wms VERSION '$old', then ALTER EXTENSION wms UPDATE to $version"
    else
        echo "FAIL: $old from the package: $out"
        status=1
    fi
done
echo "package: $deb ($(du -k "$deb" | cut -f1) kB, $(wc -l <<<"$listing") entries)"
exit $status
