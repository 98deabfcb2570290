#!/usr/bin/env bash
# Run the resilience test (test_resilience.c) against PostgreSQL, a pgproxy
# in front of it and Apache talking to PostgreSQL through the proxy.
#
#   test/faults/resilience.sh TEST_BINARY PGPROXY_BINARY
#
# Like faults/retries.sh (scripts/stack.sh); the proxy runs from the run
# directory, so the stack's clean-up stops it with the rest.  The binary
# SIGSTOPs PostgreSQL itself and sends SIGCONT before it ends; should it
# die in between, the clean-up sends SIGCONT first (a stopped PostgreSQL
# would not stop).  No Apache child is killed: any "exit signal" in the
# error log fails the run (the stack's own crash check).
# RESIL_TESTS=t_warmup,t_slow_link runs only those tests.
# shellcheck disable=SC2317  # the clean-up functions run from the EXIT trap
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -eq 2 ] || { echo "usage: $0 TEST_BINARY PGPROXY_BINARY" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")

# SIGCONT to the postmaster and its children, by pid, before the stack's
# clean-up stops them.
thaw_postgres() {
    local pm
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || return 0
    [[ $pm =~ ^[0-9]+$ ]] || return 0
    # shellcheck disable=SC2046  # one pid per word
    kill -CONT "$pm" $(ps -o pid= --ppid "$pm" 2>/dev/null) 2>/dev/null || true
}
eval "stack_cleanup_after_thaw() $(declare -f stack_cleanup | tail -n +2)"
exit_status() { return "$1"; }
stack_cleanup() {
    local rc=$?
    set +e
    thaw_postgres
    exit_status "$rc"
    stack_cleanup_after_thaw
}

stack_init resilience
stack_start_behind_proxy "$2"

export RESIL_BASE_URL=http://127.0.0.1:$HTTP_PORT
# Directly to PostgreSQL, not through the proxy: set-up, terminating the
# API's backends, reading back what was stored.
export RESIL_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=5"
export RESIL_PG_DIR=$PG_DIR
export RESIL_DATA_DIR=$REPO_ROOT/test/data
export RESIL_PROXY_CONTROL=$CONTROL_PORT

status=0
SECONDS=0
# Bounded: the scenarios take about a minute and a half at most.
timeout --kill-after=10 180 "$BIN" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
stack_log "test binary: exit status $status after $SECONDS s"
kill "$PROXY_PID" 2>/dev/null || true
wait "$PROXY_PID" 2>/dev/null || true
exit "$status"
