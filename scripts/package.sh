#!/usr/bin/env bash
# Build the Debian package of wms for PostgreSQL 15: cargo pgrx package
# (release build, the library, the control file, this version's install
# script and the update scripts), plus the install scripts of the released
# versions (sql/archive/) and the license. Prints the package's path on its
# last line. Install it with: dpkg -i <path>
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$REPO"

version=$(wms_version)
arch=$(dpkg --print-architecture)
name=postgresql-$PG_MAJOR-wms
root=$REPO/target/debian/${name}_${version}_$arch
deb=$REPO/target/debian/${name}_${version}_$arch.deb

rm -rf "$root" "$deb"
mkdir -p "$root"
cargo pgrx package --pg-config "$PG_CONFIG" --out-dir "$root" >&2
extdir=$root$("$PG_CONFIG" --sharedir)/extension
libdir=$root$("$PG_CONFIG" --pkglibdir)
[ -f "$libdir/wms.so" ] && [ -f "$extdir/wms.control" ] && [ -f "$extdir/wms--$version.sql" ] ||
    { echo "cargo pgrx package left no wms.so, wms.control or wms--$version.sql under $root" >&2; exit 1; }
for script in sql/archive/wms--*.sql; do
    [ "$script" = "sql/archive/wms--$version.sql" ] || install -m 644 "$script" "$extdir/"
done
for control in sql/archive/wms--*.control; do
    [ ! -e "$control" ] || install -m 644 "$control" "$extdir/"
done
install -D -m 644 LICENSE "$root/usr/share/doc/$name/copyright"
install -D -m 644 CHANGELOG.md "$root/usr/share/doc/$name/changelog"
gzip -9n "$root/usr/share/doc/$name/changelog"
# What the files are for dpkg: no configuration, nothing to run.
find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
mkdir -p "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: wms authors <wms@localhost>
Depends: postgresql-$PG_MAJOR, libc6
Section: database
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: concurrency-safe warehouse inventory core for PostgreSQL $PG_MAJOR
 wms is a PostgreSQL extension that places orders, reserves, receives and
 moves stock without overselling, with an immutable ledger, in the
 caller's transaction. CREATE EXTENSION wms CASCADE; in a UTF8 database, or
 ALTER EXTENSION wms UPDATE; where an older version is installed.
CONTROL
dpkg-deb --build --root-owner-group "$root" "$deb" >&2
echo "$deb"
