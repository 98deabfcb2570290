#!/usr/bin/env bash
# Run the slow-client flood test (test_floods.c) against a private
# PostgreSQL and Apache.
#
#   test/faults/floods.sh BINARY
#
# Like faults/run.sh (scripts/stack.sh), with the FLOODS_* variables.  No
# process is killed by this test: any crash in the Apache error log fails
# the run (the stack's own check).  INVOICE_KEEP_RUNDIR=1 keeps the logs.
# Optional: FLOODS_UPLOADERS, FLOODS_NONREADERS (100 each),
# FLOODS_RECONNECT_MS (500: an attacker's pause before reconnecting).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY" >&2; exit 2; }
BIN=$1; shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "faults/floods.sh: $BIN is not an executable" >&2; exit 2; }

stack_init floods
stack_start

export FLOODS_BASE_URL=$BASE_URL
export FLOODS_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=5"
export FLOODS_HTTPD_DIR=$HTTPD_DIR
export FLOODS_ACCESS_LOG=$HTTPD_DIR/logs/access_log
export FLOODS_DATA_DIR=$REPO_ROOT/test/data

status=0
# Bounded: the scenario takes about a minute (a 32 s flood).
timeout --kill-after=10 180 "$BIN" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
exit "$status"
