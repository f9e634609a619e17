#!/usr/bin/env bash
# Build wms in release mode and install it into PostgreSQL 15 (through sudo
# when not root): library, control file, the install script of this version
# and of every released one (sql/archive/), and the update scripts.
# Then, in a UTF8 database: CREATE EXTENSION wms CASCADE; or, where an older
# version is installed: ALTER EXTENSION wms UPDATE;
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_release
echo "installed wms $(wms_version) into $("$PG_CONFIG" --sharedir)/extension"
