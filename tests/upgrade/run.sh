#!/usr/bin/env bash
# The upgrade test: every released version (sql/archive/wms--V.sql) is
# installed with its own library (built from its commit,
# sql/archive/COMMITS), filled through its API (data.sql), then the
# current library takes its place, as a new package does, and must refuse
# to run against the old schema; ALTER EXTENSION wms UPDATE; then the
# database must hold the same rows (rows.sql), answer old idempotency keys
# and new calls (after.sql), and have the catalog description
# (describe.sql) of a fresh CREATE EXTENSION wms.
# Also: the library exports every symbol any install or update script
# names, and an update script run by hand in psql does nothing.
# It runs its own server, from a throwaway installation (pg_root_make)
# holding the extension files installed on this machine
# (scripts/install.sh) and, in turn, each released library.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
port=54338
here=$REPO/tests/upgrade
out=$(mktemp -d /tmp/wms-upgrade.XXXXXX)
chmod 755 "$out"
host=$out/root
version=$(wms_version)
extdir=$("$PG_CONFIG" --sharedir)/extension
pkglib=$("$PG_CONFIG" --pkglibdir)
trap 'as_pg "$host$PG_BIN/pg_ctl" -D "$host/data" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

q() {
    local db=$1
    shift
    PGOPTIONS="-c client_min_messages=warning" as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$PG_OS_USER" -d "$db" "$@"
}
newdb() { as_pg "$PG_BIN/createdb" -h "$host" -p "$port" -U "$PG_OS_USER" "$1"; }

# The throwaway installation: this machine's wms files, the library kept
# aside so that a released one can take its place.
pg_root_make "$host"
cp -a "$extdir"/wms.control "$extdir"/wms--*.sql "$host$extdir/"
for f in "$extdir"/wms--*.control; do [ -e "$f" ] && cp -a "$f" "$host$extdir/"; done
cp -a "$pkglib/wms.so" "$out/wms-$version.so"
cp -a "$extdir/wms.control" "$out/wms-$version.control"
# use_control FILE: FILE is the extension's control file (a package's).
use_control() { install -m 644 "$1" "$host$extdir/wms.control"; }
chown -R "$PG_OS_USER" "$host"
as_pg "$host$PG_BIN/initdb" -D "$host/data" -U "$PG_OS_USER" -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$out/initdb.log" 2>&1 ||
    { cat "$out/initdb.log"; exit 1; }
# use_library FILE: the server restarted with FILE as its wms library.
use_library() {
    as_pg "$host$PG_BIN/pg_ctl" -D "$host/data" -m fast -w stop >/dev/null 2>&1 || true
    install -m 755 "$1" "$host$pkglib/wms.so"
    as_pg "$host$PG_BIN/pg_ctl" -D "$host/data" -l "$host/server.log" -w \
        -o "-c listen_addresses='' -c port=$port -c unix_socket_directories=$host" start >/dev/null ||
        { cat "$host/server.log"; exit 1; }
}
use_library "$out/wms-$version.so"

echo "== upgrade: every released version to $version"
# While Cargo.toml names a released version, the install script this build
# generated is the archived one: a change of SQL objects needs a new
# version and its update script (docs/releasing.md). pgrx's comments that
# name source lines, and the order of its blocks, may differ.
if [ -f "$REPO/sql/archive/wms--$version.sql" ]; then
    # One record per block of pgrx's output, its lines in order, without
    # the comments that name Rust sources, paths and types; the records
    # sorted.
    strip() {
        grep -v -e '^-- src/' -e '^-- [A-Za-z_:]*$' "$1" | awk '/^\/\* <begin connected objects> \*\/$/ { if (b != "") print b; b = ""; next }
            /^\/\* <\/end connected objects> \*\/$/ { next } { b = b $0 "\\n" } END { if (b != "") print b }' |
            sed 's| */\* [^*]* \*/||g' | sort
    }
    if ! diff <(strip "$REPO/sql/archive/wms--$version.sql") <(strip "$extdir/wms--$version.sql"); then
        echo "FAIL: the install script of $version differs from the released one (< released, > built):"
        echo "      a change of SQL objects goes into the update script to the next version"
        exit 1
    fi
    echo "the install script built is the one released as $version"
fi
# An application role with grants, in every database alike: grants survive.
q postgres -c "DROP ROLE IF EXISTS wms_upgrade_app" -c "CREATE ROLE wms_upgrade_app"
grant="GRANT EXECUTE ON FUNCTION wms_place_order(text, bigint, bigint, bigint, text), wms_available_to_sell(bigint, bigint), wms_orders TO wms_upgrade_app"

# Look-alike operators of another role in public while the scripts run.
lookalikes() {
    local db=$1 when=$2
    if ! q "$db" -f "$here/lookalikes-check.sql" >"$out/$db-lookalikes.log" 2>&1; then
        cat "$out/$db-lookalikes.log"
        echo "FAIL: $db, $when: a script or a call bound or ran an operator planted in public"
        status=1
    fi
}
status=0
newdb wms_up_fresh
q wms_up_fresh -f "$here/lookalikes.sql"
q wms_up_fresh -c "CREATE EXTENSION wms CASCADE" -c "$grant"
q wms_up_fresh -f "$here/describe.sql" >"$out/fresh.txt"
q wms_up_fresh -c "SELECT wms_add_product('LOOK-1', 'Look-alike'), wms_add_warehouse('LOOK-W', 'Look-alike')" \
    -c "SELECT wms_receive(1, 1, 5)" \
    -c "SELECT * FROM wms_place_order('lookalike', '[{\"product_id\": 1, \"warehouse_id\": 1, \"quantity\": 1, \"unit_price\": 1}]')" >/dev/null
lookalikes wms_up_fresh "CREATE EXTENSION wms and a priced order"
grep -q "^extension wms version $version relocatable false schema public owner $PG_OS_USER comment " "$out/fresh.txt" ||
    { echo "fresh install is not version $version:"; head -3 "$out/fresh.txt"; exit 1; }
echo "fresh install of $version: $(wc -l <"$out/fresh.txt") lines of catalog description"

versions=0
for script in "$REPO"/sql/archive/wms--*.sql; do
    old=$(basename "$script" .sql)
    old=${old#wms--}
    [ "$old" != "$version" ] || continue
    versions=$((versions + 1))
    db=wms_up_${old//./_}
    lib=$(released_library "$old") || { status=1; continue; }
    # That version's package: its library and its control file.
    commit=$(released_commit "$old")
    git -C "$REPO" show "$commit:wms.control" | sed "s/@CARGO_VERSION@/$old/" >"$out/wms-$old.control"
    use_control "$out/wms-$old.control"
    use_library "$lib"
    newdb "$db"
    q "$db" -c "CREATE EXTENSION wms VERSION '$old'" -c "$grant"
    q "$db" -f "$here/describe.sql" >"$out/$old-before.txt"
    # Created as that version created it: with the library path of its
    # secondary control file, if it has one.
    if [ -f "$REPO/sql/archive/wms--$old.control" ]; then
        path=$(sed -n "s/^module_pathname = '\(.*\)'$/\1/p" "$REPO/sql/archive/wms--$old.control")
        if ! grep -q "^AS '$path', " "$out/$old-before.txt"; then
            echo "FAIL: $old's C functions were not created with its library path '$path'"
            status=1
        fi
    fi
    # The comparison sees the difference between versions at all.
    if cmp -s "$out/$old-before.txt" "$out/fresh.txt"; then
        echo "FAIL: $old and $version have the same catalog description: the comparison sees nothing"
        status=1
    fi
    before=$status
    q "$db" -f "$here/data.sql" >/dev/null
    q "$db" -f "$here/rows.sql" >"$out/$old-rows-before.txt"
    # The new package installed: its library refuses the old schema, and
    # says what to do.
    use_control "$out/wms-$version.control"
    use_library "$out/wms-$version.so"
    said=$(q "$db" -c "SELECT wms_available_to_sell(1)" 2>&1) && status=1
    if ! grep -q "the wms schema of this database is version $old, its library is version $version" <<<"$said" ||
        ! grep -q "ALTER EXTENSION wms UPDATE" <<<"$said"; then
        echo "FAIL: the library of $version on a $old schema did not refuse with the way out: $said"
        status=1
    fi
    q "$db" -f "$here/rows.sql" >"$out/$old-rows-between.txt"
    cmp -s "$out/$old-rows-before.txt" "$out/$old-rows-between.txt" ||
        { echo "FAIL: the refused call changed rows of $old"; status=1; }
    q "$db" -f "$here/lookalikes.sql"
    # The new version needs pg_trgm: the update says so until it is there.
    said=$(q "$db" -c "ALTER EXTENSION wms UPDATE" 2>&1) && status=1
    if ! grep -q 'required extension "pg_trgm" is not installed' <<<"$said"; then
        echo "FAIL: ALTER EXTENSION wms UPDATE of $old without pg_trgm: $said"
        status=1
    fi
    q "$db" -c "CREATE EXTENSION pg_trgm"
    q "$db" -c "ALTER EXTENSION wms UPDATE"
    lookalikes "$db" "ALTER EXTENSION wms UPDATE from $old"
    q "$db" -f "$here/rows.sql" >"$out/$old-rows-after.txt"
    if ! diff "$out/$old-rows-before.txt" "$out/$old-rows-after.txt"; then
        echo "FAIL: $old -> $version changed the rows above"
        status=1
    fi
    q "$db" -f "$here/describe.sql" >"$out/$old-updated.txt"
    if ! diff -u "$out/fresh.txt" "$out/$old-updated.txt"; then
        echo "FAIL: $old updated to $version differs from a fresh $version (- fresh, + updated)"
        status=1
    fi
    if ! q "$db" -v version="$version" -f "$here/after.sql" >"$out/$old-after.log" 2>&1 ||
        ! q "$db" -f "$here/lookalikes-check.sql" >>"$out/$old-after.log" 2>&1; then
        cat "$out/$old-after.log"
        echo "FAIL: $old -> $version: after.sql"
        status=1
    elif [ "$status" = "$before" ]; then
        echo "$old -> $version: data through $old's own library, refused by $version's until the update;" \
            "$(awk -F'|' '{s += $2} END {print s}' "$out/$old-rows-before.txt") rows kept," \
            "catalog description equal to a fresh install, $(grep -c '^SELECT pg_temp.check' "$here/after.sql") checks after the update passed"
    fi
done
[ "$versions" -gt 0 ] || { echo "FAIL: no released version in sql/archive"; status=1; }

# Every symbol a script of any version names is in the library.
lib=$out/wms-$version.so
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$out/symbols.txt"
cat "$extdir"/wms--*.sql | grep -o "'MODULE_PATHNAME', '[A-Za-z0-9_]*'" | sed "s/.*, '\(.*\)'/\1/" | sort -u >"$out/named.txt"
# A C function needs its symbol and, for the version-1 call convention,
# pg_finfo_<symbol>.
missing=$( (cat "$out/named.txt"; sed 's/^/pg_finfo_/' "$out/named.txt") | sort -u | comm -23 - "$out/symbols.txt")
if [ "$(wc -l <"$out/named.txt")" -lt 20 ]; then
    echo "FAIL: only $(wc -l <"$out/named.txt") C symbols named by the installed scripts: the check reads nothing"
    status=1
elif [ -n "$missing" ]; then
    echo "FAIL: symbols named by an install or update script but not in $lib: $missing"
    status=1
else
    echo "every one of the $(wc -l <"$out/named.txt") C symbols the $(ls "$extdir"/wms--*.sql | wc -l) installed scripts name is in the library"
fi

# Run by hand in psql, an update script stops at its \echo guard.
newdb wms_up_guard
for script in "$REPO"/sql/wms--*--*.sql; do
    said=$(q wms_up_guard -f "$script" 2>&1) || true
    if ! grep -q 'Use "ALTER EXTENSION wms UPDATE' <<<"$said" ||
        [ "$(q wms_up_guard -Atc "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname LIKE 'wms%' OR proname IN ('refuse_ddl', 'updating_extension')")" != 0 ]; then
        echo "FAIL: $(basename "$script") run by psql did not stop at its guard: $said"
        status=1
    fi
done
[ $status -eq 0 ] && echo "update scripts run by psql stop at their guard"
exit $status
