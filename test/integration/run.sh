#!/usr/bin/env bash
# Run the integration test binary against a private PostgreSQL and Apache.
#
#   test/integration/run.sh BINARY [ARGS...]
#
# scripts/stack.sh starts PostgreSQL and Apache (with the built module, or
# INVOICE_MODULE) on two free loopback ports in a run directory under /tmp;
# the binary runs with the INVOICE_* variables set; both servers are always
# stopped afterwards.  The exit status is the binary's; the run also fails
# when Apache logged a crash.  INVOICE_KEEP_RUNDIR=1 keeps the directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -ge 1 ] || { echo "usage: $0 TEST_BINARY [ARGS...]" >&2; exit 2; }
BIN=$1; shift
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "run.sh: $BIN is not an executable" >&2; exit 2; }

stack_init it
stack_start

export INVOICE_BASE_URL=$BASE_URL
export INVOICE_PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice"
export INVOICE_PG_RESTART="$REPO_ROOT/scripts/pg.sh restart $PG_DIR $PG_PORT"
export INVOICE_PG_STOP="$REPO_ROOT/scripts/pg.sh stop $PG_DIR"
export INVOICE_PG_START="$REPO_ROOT/scripts/pg.sh start $PG_DIR $PG_PORT"
export INVOICE_DATA_DIR="$REPO_ROOT/test/data"
# The JSON access log (LogFormat invoice_json), for tests of what is logged.
export INVOICE_ACCESS_LOG="$HTTPD_DIR/logs/access_log"

status=0
# A hung test must not hang the run: 5 minutes is far above a normal run.
timeout --kill-after=10 300 "$BIN" "$@" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
exit "$status"
