#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
# Run the fault-injection test binary against a private PostgreSQL and Apache.
#
#   test/faults/run.sh BINARY
#
# Like test/integration/run.sh: a run directory under /tmp, PostgreSQL and
# Apache (INVOICE_MODULE, else the built module) on two free loopback ports,
# the binary run with the FAULTS_* variables, and everything always stopped
# afterwards.  The binary SIGKILLs PostgreSQL's postmaster and one Apache
# child itself.  httpd does not log a child killed by SIGKILL at all
# (ap_process_child_status skips SIGTERM, SIGHUP, SIGUSR1 and SIGKILL), so
# at most one "exit signal Killed" is tolerated and none is expected; any
# other exit signal, a "Segmentation fault" or a sanitizer report in the
# error log fails the run.  INVOICE_KEEP_RUNDIR=1 keeps the logs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY" >&2; exit 2; }
BIN=$1; shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "faults/run.sh: $BIN is not an executable" >&2; exit 2; }

RUN_DIR=$(mktemp -d /tmp/invoice-faults.XXXXXX)
chmod 755 "$RUN_DIR"          # postgres and www-data reach their directories
PG_DIR=$RUN_DIR/pg
HTTPD_DIR=$RUN_DIR/httpd
PG_LOG=$PG_DIR/postgresql.log
ERROR_LOG=$HTTPD_DIR/logs/error_log

log() { echo "faults/run.sh: $*" >&2; }

# Processes still running from this run directory: by command line (Apache,
# postmaster) or by working directory (PostgreSQL backends rename themselves,
# but keep the data directory as their cwd; after a SIGKILLed postmaster
# they are orphans).
leftover_pids() {
    local p cmd cwd
    for p in /proc/[0-9]*; do
        if [ "${p#/proc/}" = "$$" ] || [ "${p#/proc/}" = "$BASHPID" ]; then
            continue
        fi
        cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null ) || continue
        cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
        if [[ $cmd == *"$RUN_DIR"* || $cwd == "$RUN_DIR"/* ]]; then
            echo "${p#/proc/}"
        fi
    done
    return 0
}

show_logs() {
    if [ -f "$ERROR_LOG" ]; then
        log "---- tail of the Apache error log ($ERROR_LOG)"
        tail -n 40 "$ERROR_LOG" >&2 || true
    fi
    if [ -f "$PG_LOG" ]; then
        log "---- tail of the PostgreSQL log ($PG_LOG)"
        tail -n 30 "$PG_LOG" >&2 || true
    fi
}

check_error_log() {  # non-zero on a crash other than the child we killed
    [ -f "$ERROR_LOG" ] || return 0
    local killed others
    killed=$(grep -c "exit signal Killed" "$ERROR_LOG" || true)
    others=$(grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" |
             grep -v "exit signal Killed" || true)
    if [ -n "$others" ]; then
        log "Apache error log reports a crash or a sanitizer report:"
        head -n 20 <<<"$others" >&2
        return 1
    fi
    [ "$killed" -le 1 ] || { log "more children killed than the one the test killed"; return 1; }
    log "Apache error log: no crash ($killed 'exit signal Killed': httpd does not log SIGKILL)"
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -d "$HTTPD_DIR" ] && { "$REPO/scripts/httpd.sh" stop "$HTTPD_DIR" >&2 || log "httpd.sh stop failed"; }
    [ -d "$PG_DIR" ] && { "$REPO/scripts/pg.sh" stop "$PG_DIR" >&2 || log "pg.sh stop failed"; }
    # The parent logs a child's death when it reaps it: look once stopped.
    check_error_log || { [ "$rc" -ne 0 ] || rc=1; }
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

export FAULTS_BASE_URL="http://127.0.0.1:$HTTP_PORT"
export FAULTS_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=5"
export FAULTS_PG_DIR=$PG_DIR
export FAULTS_HTTPD_DIR=$HTTPD_DIR
export FAULTS_PG_START="$REPO/scripts/pg.sh start $PG_DIR $PG_PORT >&2"
export FAULTS_DATA_DIR=$REPO/test/data
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

status=0
# Bounded: the whole scenario takes well under a minute.
timeout --kill-after=10 240 "$BIN" || status=$?
[ "$status" -ne 124 ] || log "the test binary timed out"
exit "$status"
