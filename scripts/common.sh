# Shared by the scripts: paths, privilege helpers, throwaway clusters.
# shellcheck shell=bash

PGRX_VERSION=0.18.1
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# PostgreSQL refuses to run as root: as root, clusters belong to "postgres".
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
    PG_OS_USER=postgres
else
    SUDO=sudo
    PG_OS_USER=$(id -un)
fi

[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

# The version being built (Cargo.toml's).
wms_version() {
    sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1
}

as_pg() {
    if [ "$(id -un)" = "$PG_OS_USER" ]; then "$@"; else runuser -u "$PG_OS_USER" -- "$@"; fi
}

# Build the extension in release mode and install it into $PG_CONFIG's
# PostgreSQL (through sudo when not root): the library, the control file,
# this version's install script and the update scripts (cargo pgrx
# install), and the install scripts of released versions kept in
# sql/archive/ with their secondary control files, so that CREATE
# EXTENSION wms VERSION '<older>' works too, as that version did.
install_release() {
    local flags=(--release --pg-config "$PG_CONFIG")
    [ -n "$SUDO" ] && flags+=(--sudo)
    (cd "$REPO" && cargo pgrx install "${flags[@]}" >/dev/null)
    local version script
    version=$(wms_version)
    for script in "$REPO"/sql/archive/wms--*.sql "$REPO"/sql/archive/wms--*.control; do
        # This version's own script is the one just generated.
        [ -e "$script" ] && [ "$script" != "$REPO/sql/archive/wms--$version.sql" ] ||
            continue
        $SUDO install -m 644 "$script" "$("$PG_CONFIG" --sharedir)/extension/"
    done
}

# cluster_start DIR PORT [postgres -c settings...]: a throwaway UTF8 cluster
# (wms needs UTF8, whatever the machine's locale), listening only on a Unix
# socket in DIR (PORT names the socket), trust auth. No TCP port, so
# nothing on the machine can be in its way.
cluster_start() {
    local dir=$1 port=$2
    shift 2
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir"
    as_pg "$PG_BIN/initdb" -D "$dir/data" -U "$PG_OS_USER" -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log"; return 1; }
    local opts="-c listen_addresses='' -c port=$port -c unix_socket_directories=$dir"
    for setting in "$@"; do opts="$opts -c $setting"; done
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w start >/dev/null ||
        { cat "$dir/server.log"; return 1; }
}

cluster_stop() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$dir"
}

# pooler_start DIR PORT SERVER_DIR SERVER_PORT [POOL_SIZE]: pgbouncer in
# transaction pooling mode on a Unix socket in DIR (PORT names it), in
# front of the cluster listening in SERVER_DIR; POOL_SIZE server
# connections per database and user (default 8). Trust auth, as the
# throwaway clusters have, for $PG_OS_USER and the roles in $POOLER_USERS.
pooler_start() {
    local dir=$1 port=$2 server_dir=$3 server_port=$4 pool=${5:-8}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir"
    local user
    for user in "$PG_OS_USER" ${POOLER_USERS:-}; do printf '"%s" ""\n' "$user"; done >"$dir/userlist.txt"
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$server_dir port=$server_port

[pgbouncer]
listen_addr =
listen_port = $port
unix_socket_dir = $dir
auth_type = trust
auth_file = $dir/userlist.txt
# RECONNECT and SHOW on the console (the benchmark drops its pool's server
# connections between runs)
admin_users = $PG_OS_USER
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 5000
# a flash sale connects a thousand clients at once
listen_backlog = 4096
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir"/*
    as_pg pgbouncer -d "$dir/pgbouncer.ini" ||
        { cat "$dir/pgbouncer.log" 2>/dev/null; return 1; }
    local _
    for _ in $(seq 100); do
        [ -S "$dir/.s.PGSQL.$port" ] && return 0
        sleep 0.05
    done
    cat "$dir/pgbouncer.log"
    return 1
}

pooler_stop() {
    local dir=$1
    [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null
    rm -rf "$dir"
}

# pg_root_make ROOT: a throwaway PostgreSQL installation under ROOT, made of
# this machine's server binaries and data files without any wms file. A
# server run from ROOT$PG_BIN finds its share and lib directories relative
# to its binary, so it sees only the wms files put under ROOT.
pg_root_make() {
    local root=$1 share pkglib
    share=$("$PG_CONFIG" --sharedir)
    pkglib=$("$PG_CONFIG" --pkglibdir)
    mkdir -p "$root$PG_BIN" "$root$share" "$root$pkglib"
    cp -a "$PG_BIN/postgres" "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$root$PG_BIN/"
    cp -a "$share/." "$root$share/"
    rm -f "$root$share"/extension/wms[.-]*
    find "$pkglib" -maxdepth 1 -name '*.so' ! -name 'wms.so' -exec cp -a {} "$root$pkglib/" \;
}

# released_commit VERSION: the commit sql/archive/COMMITS names for
# released VERSION (empty when it names none).
released_commit() {
    awk -v v="$1" '$1 == v { print $2 }' "$REPO/sql/archive/COMMITS"
}

# released_library VERSION: the path of the library of released VERSION,
# built from the commit sql/archive/COMMITS names for it (once; kept under
# target/released/). A clone without that commit (a shallow one) is
# deepened from its remote first.
released_library() {
    local version=$1 commit lib src
    commit=$(released_commit "$version")
    [ -n "$commit" ] || { echo "sql/archive/COMMITS names no commit for $version" >&2; return 1; }
    lib=$REPO/target/released/wms-$version-$commit.so
    if [ ! -f "$lib" ]; then
        if ! git -C "$REPO" cat-file -e "$commit^{commit}" 2>/dev/null; then
            git -C "$REPO" fetch --quiet --unshallow >&2 2>/dev/null ||
                git -C "$REPO" fetch --quiet origin "$commit" >&2 2>/dev/null || true
        fi
        git -C "$REPO" cat-file -e "$commit^{commit}" 2>/dev/null ||
            { echo "commit $commit of $version is not in this clone (git fetch --unshallow)" >&2; return 1; }
        src=$(mktemp -d /tmp/wms-src-"$version".XXXXXX)
        git -C "$REPO" archive "$commit" | tar -x -C "$src"
        (cd "$src" && CARGO_TARGET_DIR=$REPO/target/released/$version cargo build --release --lib --quiet) >&2 ||
            { rm -rf "$src"; echo "the library of $version ($commit) does not build" >&2; return 1; }
        cp "$REPO/target/released/$version/release/libwms.so" "$lib"
        rm -rf "$src"
    fi
    echo "$lib"
}
