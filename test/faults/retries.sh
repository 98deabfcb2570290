#!/usr/bin/env bash
# Run the exactly-once test (test_retries.c) against PostgreSQL, a pgproxy
# in front of it and Apache talking to PostgreSQL through the proxy.
#
#   test/faults/retries.sh TEST_BINARY PGPROXY_BINARY
#
# Like faults/run.sh (scripts/stack.sh); the proxy runs from the run
# directory, so the stack's clean-up stops it with the rest.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -eq 2 ] || { echo "usage: $0 TEST_BINARY PGPROXY_BINARY" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

# The child this test kills is not a crash (see faults/run.sh).
stack_crashes() {
    [ -f "$ERROR_LOG" ] || return 0
    if grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" |
       grep -v "exit signal Killed" | grep -q .; then
        stack_log "Apache error log reports a crash or a sanitizer report"
        return 1
    fi
}

stack_init retries
stack_start_behind_proxy "$2"

export RETRIES_BASE_URL=http://127.0.0.1:$HTTP_PORT
export RETRIES_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=5"
export RETRIES_PG_DIR=$PG_DIR
export RETRIES_HTTPD_DIR=$HTTPD_DIR
export RETRIES_PG_START="$REPO_ROOT/scripts/pg.sh start $PG_DIR $PG_PORT >&2"
export RETRIES_DATA_DIR=$REPO_ROOT/test/data
export RETRIES_PROXY_CONTROL=$CONTROL_PORT

status=0
timeout --kill-after=10 300 "$BIN" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
kill "$PROXY_PID" 2>/dev/null || true
wait "$PROXY_PID" 2>/dev/null || true
exit "$status"
