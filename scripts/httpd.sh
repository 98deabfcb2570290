#!/usr/bin/env bash
# A project-local Apache (event MPM) serving mod_invoice.
#   httpd.sh start DIR PORT PGPORT   write DIR/httpd.conf, start, wait for the API
#   httpd.sh stop DIR                stop (no-op when not running)
#   httpd.sh status DIR              exit 0 when running
#   httpd.sh port DIR                the port it listens on (exit 1 when not running)
#
# DIR may be a symbolic link (make run's .run/httpd, when www-data cannot
# enter the checkout): Apache runs where it points.  Started by root, its
# children (www-data) must be able to enter DIR: the start refuses otherwise.
#
# INVOICE_DBD_PARAMS_OVERRIDE, when set and not empty, replaces the libpq
# parameters of the generated config's `Define INVOICE_DBD_PARAMS` line
# (PGPORT is then not needed), e.g. several hosts for a failover test:
#   INVOICE_DBD_PARAMS_OVERRIDE="host=127.0.0.1,127.0.0.1 port=5432,5433 \
#     dbname=invoice user=invoice target_session_attrs=read-write" httpd.sh start ...
# The value goes inside the Define's double quotes: no `"` in it.  Unset,
# the config is conf/httpd.conf.in's as before.
#
# INVOICE_FILE_STORE (default pg) is where new files go: file:/dir or
# s3:http(s)://host/bucket (InvoiceFileStore); an s3: store takes its keys
# and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cmd=${1:-}; dir=${2:-}; port=${3:-}; pgport=${4:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: httpd.sh start|stop|status|port DIR [PORT PGPORT]"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
MODULE=${INVOICE_MODULE:-$REPO_ROOT/.libs/mod_invoice.so}

is_running() {
    [ -f "$dir/httpd.pid" ] && kill -0 "$(cat "$dir/httpd.pid")" 2>/dev/null
}

# The port of the running configuration's Listen line.
conf_port() {
    sed -n 's/^Listen .*:\([0-9][0-9]*\)$/\1/p' "$dir/httpd.conf" 2>/dev/null | head -n 1
}

write_conf() {
    local user_group=""
    # Children of a root-started Apache must not stay root.
    [ "$(id -u)" = 0 ] && user_group=$'User www-data\nGroup www-data'
    case ${INVOICE_DBD_PARAMS_OVERRIDE:-} in *'"'*) die "INVOICE_DBD_PARAMS_OVERRIDE contains a double quote" ;; esac
    mkdir -p "$dir/logs" "$dir/run" "$dir/htdocs"
    [ "$(id -u)" = 0 ] && chown www-data: "$dir/run"
    sed -e "s|@RUNDIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@PGPORT@|$pgport|g" \
        -e "s|@MODULE@|$MODULE|g" -e "s|@REPO@|$REPO_ROOT|g" \
        -e "s|@FILE_STORE@|${INVOICE_FILE_STORE:-pg}|g" \
        -e "s|@MODDIR@|$(apxs -q LIBEXECDIR)|g" \
        "$REPO_ROOT/conf/httpd.conf.in" | awk -v ug="$user_group" '
            $0 == "@USER_GROUP@" { print ug; next }
            $1 == "Define" && $2 == "INVOICE_DBD_PARAMS" && ENVIRON["INVOICE_DBD_PARAMS_OVERRIDE"] != "" {
                print "Define INVOICE_DBD_PARAMS \"" ENVIRON["INVOICE_DBD_PARAMS_OVERRIDE"] "\""; next }
            { print }' \
        >"$dir/httpd.conf"
}

api_answers() {
    # Any HTTP answer from the module will do: 401 proves the handler runs.
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/sender/invoices" | grep -q 401
}

# A file: store's directory, made for the Apache user when absent.
prepare_file_store() {
    local store=${INVOICE_FILE_STORE:-pg} d
    case $store in file:/*) d=${store#file:} ;; *) return 0 ;; esac
    [ -d "$d" ] || mkdir -p -m 0750 "$d"
    [ "$(id -u)" = 0 ] && chown www-data: "$d"
    return 0
}

start() {
    [ -n "$port" ] && { [ -n "$pgport" ] || [ -n "${INVOICE_DBD_PARAMS_OVERRIDE:-}" ]; } ||
        die "httpd.sh start needs PORT and PGPORT"
    [ -f "$MODULE" ] || die "module not built: $MODULE (run make build)"
    # Without it the children answer 403 outside the API (/healthz, /metrics).
    local closed; closed=$(first_closed_dir www-data "$dir")
    [ -z "$closed" ] || die "Apache's children run as the user www-data, which cannot enter $closed" \
        "($(stat -c '%A %U' "$closed")): put its directory elsewhere than $dir"
    # Rewriting the configuration of a server on another port would not
    # move it: say so at once rather than wait for an answer on this one.
    if is_running && [ "$(conf_port)" != "$port" ]; then
        die "Apache from $dir already runs on 127.0.0.1:$(conf_port), not $port: stop it first (httpd.sh stop $dir)"
    fi
    write_conf
    prepare_file_store
    if ! is_running; then
        rm -f "$dir/httpd.pid"
        apachectl -f "$dir/httpd.conf" -k start || die "Apache did not start (see $dir/logs/error_log)"
    fi
    wait_for 150 api_answers || { tail -20 "$dir/logs/error_log" >&2; die "Apache on $port does not answer"; }
}

stop() {
    is_running || return 0
    local pid; pid=$(cat "$dir/httpd.pid")
    # SIGTERM is what apachectl -k stop sends, without reading the
    # configuration again (which an s3: store's keys in the environment of
    # the start would otherwise have to pass once more).
    kill -TERM "$pid" 2>/dev/null || true
    # Wait for the parent and its children to be gone.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    status) is_running ;;
    port) is_running && conf_port ;;
    *) die "unknown command $cmd" ;;
esac
