#!/usr/bin/env bash
# A project-local PostgreSQL cluster: never the system one.
#   pg.sh start DIR PORT     initdb on first use, start, create role/db, migrate
#   pg.sh stop DIR           fast shutdown (no-op when not running)
#   pg.sh restart DIR PORT   stop then start
#   pg.sh status DIR         exit 0 when running
#   pg.sh port DIR           the port it runs on (exit 1 when not running)
# DIR may be a symbolic link (make run's .run/pg, when postgres cannot enter
# the checkout): the cluster lives where it points.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cmd=${1:-}; dir=${2:-}; port=${3:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: pg.sh start|stop|restart|status|port DIR [PORT]"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
data=$dir/data
# Somewhere postgres may stand (not a caller's directory it cannot enter).
cd "$dir"

# A SIGKILLed postmaster may linger as a zombie (a container's PID 1 need
# not reap promptly): pg_ctl status would call it running.
is_running() {
    local pid
    [ -f "$data/postmaster.pid" ] || return 1
    pid=$(head -n 1 "$data/postmaster.pid")
    [ -r "/proc/$pid/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null &&
        as_pg_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

init_cluster() {
    [ -f "$data/PG_VERSION" ] && return 0
    local closed; closed=$(first_closed_dir postgres "$dir")
    [ -z "$closed" ] || die "PostgreSQL runs as the user postgres, which cannot enter $closed" \
        "($(stat -c '%A %U' "$closed")): put its directory elsewhere than $dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir" && chmod 0700 "$dir"
    as_pg_user "$PG_BIN/initdb" -D "$data" -U invoice -A trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    # Durable defaults (fsync, synchronous_commit) stay on: a 201 means stored.
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 500
shared_buffers = 256MB
CONF
}

start() {
    [ -n "$port" ] || die "pg.sh start needs a PORT"
    init_cluster
    if ! is_running; then
        # A killed postmaster leaves its lock files; while it lingers as a
        # zombie, the new one would take it for alive and refuse to start.
        rm -f "$data/postmaster.pid" "$dir"/.s.PGSQL.*.lock
        as_pg_user "$PG_BIN/pg_ctl" -D "$data" -l "$dir/postgresql.log" -w -t 60 \
            -o "-p $port" start >/dev/null || { tail -20 "$dir/postgresql.log" >&2; die "PostgreSQL did not start"; }
    fi
    wait_for 100 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U invoice -d postgres || die "PostgreSQL not ready on $port"
    if ! psql_q "$port" postgres -tAc "SELECT 1 FROM pg_database WHERE datname='invoice'" | grep -q 1; then
        psql_q "$port" postgres -c "CREATE DATABASE invoice" >/dev/null
    fi
    "$REPO_ROOT/scripts/migrate.sh" "$port"
}

psql_q() {
    local p=$1 db=$2; shift 2
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$p" -U invoice -d "$db" "$@"
}

stop() {
    is_running || return 0
    as_pg_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) is_running ;;
    port) is_running && sed -n 4p "$data/postmaster.pid" ;;
    *) die "unknown command $cmd" ;;
esac
