#!/usr/bin/env bash
# Run the fault-injection test binary against a private PostgreSQL and Apache.
#
#   test/faults/run.sh BINARY
#
# Like test/integration/run.sh (scripts/stack.sh), with the FAULTS_*
# variables.  The binary SIGKILLs PostgreSQL's postmaster and one Apache
# child itself.  httpd does not log a child killed by SIGKILL at all
# (ap_process_child_status skips SIGTERM, SIGHUP, SIGUSR1 and SIGKILL), so
# at most one "exit signal Killed" is tolerated and none is expected; any
# other exit signal, a "Segmentation fault" or a sanitizer report in the
# error log fails the run.  INVOICE_KEEP_RUNDIR=1 keeps the logs.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY" >&2; exit 2; }
BIN=$1; shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "faults/run.sh: $BIN is not an executable" >&2; exit 2; }

# The stack's crash check, less the one child this test kills.
stack_crashes() {
    [ -f "$ERROR_LOG" ] || return 0
    local killed others
    killed=$(grep -c "exit signal Killed" "$ERROR_LOG" || true)
    others=$(grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" |
             grep -v "exit signal Killed" || true)
    if [ -n "$others" ]; then
        stack_log "Apache error log reports a crash or a sanitizer report:"
        head -n 20 <<<"$others" >&2
        return 1
    fi
    [ "$killed" -le 1 ] || { stack_log "more children killed than the one the test killed"; return 1; }
    stack_log "Apache error log: no crash ($killed 'exit signal Killed': httpd does not log SIGKILL)"
}

stack_init faults
stack_start

export FAULTS_BASE_URL=$BASE_URL
export FAULTS_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=5"
export FAULTS_PG_DIR=$PG_DIR
export FAULTS_HTTPD_DIR=$HTTPD_DIR
export FAULTS_PG_START="$REPO_ROOT/scripts/pg.sh start $PG_DIR $PG_PORT >&2"
export FAULTS_DATA_DIR=$REPO_ROOT/test/data

status=0
# Bounded: the whole scenario takes well under a minute.
timeout --kill-after=10 240 "$BIN" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
exit "$status"
