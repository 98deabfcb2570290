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
#
# The API is held to its OpenAPI document (docs/openapi.yaml): MOUNT/
# openapi.json must answer without Authorization (test/openapi/
# check_served.py), and every response the binary receives is logged
# (IT_OPENAPI_LOG, test/integration/http.c) and checked against the
# document afterwards (test/openapi/validate.py): a mismatch fails the run.
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

OPENAPI_PY=${OPENAPI_PYTHON:-/usr/bin/python3}
MOUNT=/api
export IT_OPENAPI_LOG=$RUN_DIR/openapi-exchanges.jsonl
: >"$IT_OPENAPI_LOG"

status=0
"$OPENAPI_PY" "$REPO_ROOT/test/openapi/check_served.py" "$BASE_URL" "$MOUNT" \
    "$REPO_ROOT/docs/openapi.yaml" "$REPO_ROOT/VERSION" || status=1
# A hung test must not hang the run: 5 minutes is far above a normal run.
timeout --kill-after=10 300 "$BIN" "$@" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
if ! "$OPENAPI_PY" "$REPO_ROOT/test/openapi/validate.py" "$REPO_ROOT/docs/openapi.yaml" \
        "$IT_OPENAPI_LOG" "$MOUNT"; then
    stack_log "responses do not match docs/openapi.yaml (above); exchanges: $IT_OPENAPI_LOG (INVOICE_KEEP_RUNDIR=1 keeps it)"
    [ "$status" -ne 0 ] || status=1
fi
exit "$status"
