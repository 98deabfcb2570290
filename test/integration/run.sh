#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
# Run the integration test binary against a private PostgreSQL and Apache.
#
#   test/integration/run.sh BINARY [ARGS...]
#
# Creates a run directory under /tmp, starts PostgreSQL and Apache (with the
# built module) on two free loopback ports, runs BINARY with the INVOICE_*
# variables set, then always stops both and removes the directory.  The exit
# status is the binary's; the run also fails when Apache logged a crash.
# INVOICE_KEEP_RUNDIR=1 keeps the directory (logs) for inspection.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY [ARGS...]" >&2; exit 2; }
BIN=$1; shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "run.sh: $BIN is not an executable" >&2; exit 2; }

RUN_DIR=$(mktemp -d /tmp/invoice-it.XXXXXX)
# PostgreSQL runs as `postgres` and Apache's children as `www-data` when we
# are root: they must be able to reach their directories below this one.
chmod 755 "$RUN_DIR"
PG_DIR=$RUN_DIR/pg
HTTPD_DIR=$RUN_DIR/httpd
PG_LOG=$PG_DIR/postgresql.log
ERROR_LOG=$HTTPD_DIR/logs/error_log

log() { echo "run.sh: $*" >&2; }

# Processes still running from this run directory (by their command line),
# one pid per line.  Used only as a last resort after the scripts' stops.
leftover_pids() {
    local p cmd
    for p in /proc/[0-9]*; do
        if [ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ]; then
            continue
        fi
        cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null ) || continue
        [[ $cmd == *"$RUN_DIR"* ]] && echo "${p#/proc/}"
    done
    return 0
}

show_logs() {
    if [ -f "$ERROR_LOG" ]; then
        log "---- tail of the Apache error log ($ERROR_LOG)"
        tail -n 60 "$ERROR_LOG" >&2 || true
    fi
    if [ -f "$PG_LOG" ]; then
        log "---- tail of the PostgreSQL log ($PG_LOG)"
        tail -n 40 "$PG_LOG" >&2 || true
    fi
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -d "$HTTPD_DIR" ]; then
        "$REPO/scripts/httpd.sh" stop "$HTTPD_DIR" >&2 || log "httpd.sh stop failed"
    fi
    if [ -d "$PG_DIR" ]; then
        "$REPO/scripts/pg.sh" stop "$PG_DIR" >&2 || log "pg.sh stop failed"
    fi
    # Crashes are logged by the parent when it reaps a child: look only
    # now that Apache has stopped.
    if [ -f "$ERROR_LOG" ] && grep -E -q "Segmentation fault|exit signal" "$ERROR_LOG"; then
        log "Apache error log reports a crashed child:"
        grep -E "Segmentation fault|exit signal" "$ERROR_LOG" | head -n 20 >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    [ "$rc" -eq 0 ] || show_logs
    local pids
    pids=$(leftover_pids)
    if [ -n "$pids" ]; then
        log "processes left running from $RUN_DIR, terminating: ${pids//$'\n'/ }"
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null
        for _ in $(seq 50); do
            pids=$(leftover_pids)
            [ -n "$pids" ] || break
            sleep 0.1
        done
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null
        [ "$rc" -ne 0 ] || rc=1
    fi
    if [ "${INVOICE_KEEP_RUNDIR:-}" = 1 ]; then
        log "kept $RUN_DIR"
    else
        rm -rf "$RUN_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody answers on (a connect must fail), random in 20000-60999.
port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
pick_port() {
    local avoid=${1:-0} p
    for _ in $(seq 200); do
        p=$(( 20000 + ( (RANDOM << 15) | RANDOM ) % 41000 ))
        [ "$p" != "$avoid" ] || continue
        if port_free "$p"; then
            echo "$p"
            return 0
        fi
    done
    log "no free port found"
    return 1
}

PG_PORT=$(pick_port)
HTTP_PORT=$(pick_port "$PG_PORT")

log "run dir $RUN_DIR, PostgreSQL on 127.0.0.1:$PG_PORT, Apache on 127.0.0.1:$HTTP_PORT"
"$REPO/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >&2
"$REPO/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" "$PG_PORT" >&2

export INVOICE_BASE_URL="http://127.0.0.1:$HTTP_PORT"
export INVOICE_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice"
export INVOICE_PG_RESTART="$REPO/scripts/pg.sh restart $PG_DIR $PG_PORT"
export INVOICE_PG_STOP="$REPO/scripts/pg.sh stop $PG_DIR"
export INVOICE_PG_START="$REPO/scripts/pg.sh start $PG_DIR $PG_PORT"
export INVOICE_DATA_DIR="$REPO/test/data"
# Never send the tests' traffic through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

status=0
# A hung test must not hang the run: 5 minutes is far above a normal run.
timeout --kill-after=10 300 "$BIN" "$@" || status=$?
[ "$status" -ne 124 ] || log "the test binary timed out"
exit "$status"
