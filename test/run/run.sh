#!/usr/bin/env bash
# make run's first contact (scripts/run.sh), as a root user's clone sees it:
# a run directory below a 0700 directory that postgres and www-data cannot
# enter, a second start on another port, stop twice.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

[ "$(id -u)" = 0 ] || { echo "run: skipped (needs root: postgres and www-data)"; exit 0; }
T=$(mktemp -d /tmp/invoice-run.XXXXXX)
chmod 755 "$T"
CLOSED=$T/closed
mkdir -m 0700 "$CLOSED"
RUN=$CLOSED/.run
export INVOICE_RUN_ELSEWHERE=$T/elsewhere
RUNSH=$REPO_ROOT/scripts/run.sh
passed=0; failed=0
check() {  # name command...
    local name=$1; shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name" >&2; fi
}
has() { grep -qF -- "$2" <<<"$1"; }
cleanup() { "$RUNSH" stop "$RUN" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT

PORT=$(pick_port); PGPORT=$(pick_port "$PORT"); OTHER=$(pick_port "$PORT" "$PGPORT")
echo "run: run dir $RUN (below a 0700 directory), Apache $PORT, PostgreSQL $PGPORT"
out=$("$RUNSH" start "$RUN" "$PORT" "$PGPORT" 2>&1) || { echo "$out" >&2; exit 1; }
check "start says where its servers went" has "$out" "cannot enter $CLOSED"
check "PostgreSQL lives elsewhere, by a link" test -L "$RUN/pg" -a -f "$RUN/pg/data/PG_VERSION"
check "Apache too" test -L "$RUN/httpd" -a -f "$RUN/httpd/httpd.conf"
check "the caller's directory keeps its permissions" test "$(stat -c %a "$CLOSED")" = 700
check "the API answers" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: sender 1' \
    "http://127.0.0.1:$PORT/api/sender/invoices")" = 200
check "PostgreSQL: database and role invoice, no password, on 127.0.0.1:PGPORT" \
    test "$(psql -X -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice -tAc 'SELECT 1' 2>&1)" = 1

rc=0; out=$("$RUNSH" start "$RUN" "$PORT" "$PGPORT" 2>&1) || rc=$?
check "a second start on the same ports is harmless" test "$rc" = 0

rc=0; out=$("$RUNSH" start "$RUN" "$OTHER" "$PGPORT" 2>&1) || rc=$?
check "another PORT is refused" test "$rc" -ne 0
check "... naming where it runs and how to move it" \
    has "$out" "already runs on http://127.0.0.1:$PORT/api"
check "... and how to move it" has "$out" "make stop && PORT=$OTHER make run"

"$RUNSH" stop "$RUN" >/dev/null
check "stop stops both" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 000
check "a second stop is harmless" "$RUNSH" stop "$RUN"

echo "run: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
