#!/usr/bin/env bash
# Create throughput of this tree against another build of the module (by
# default commit 8917771, the last before events), each on its own
# PostgreSQL with its own schema, runs interleaved (A B A B ...), medians.
#
#   bench/compare.sh [COMMIT]     (COMPARE_REPS=3, COMPARE_N=5000, COMPARE_CONC=10)
#
# The other tree is `git archive COMMIT` built under /tmp; both stores pg.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"
COMMIT=${1:-8917771}
REPS=${COMPARE_REPS:-3}
N=${COMPARE_N:-5000}
CONC=${COMPARE_CONC:-10}
BODY=$REPO/test/data/ab_sample.txt
log() { printf '[compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

TMP=$(mktemp -d /tmp/invoice-compare.XXXXXX)
chmod 755 "$TMP"
OLD=$TMP/old
cleanup() {
    for t in old new; do
        tree=$REPO; [ $t = new ] || tree=$OLD
        [ ! -x "$tree/scripts/httpd.sh" ] || "$tree/scripts/httpd.sh" stop "$TMP/httpd-$t" >/dev/null 2>&1 || true
        [ ! -x "$tree/scripts/pg.sh" ] || "$tree/scripts/pg.sh" stop "$TMP/pg-$t" >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OLD"
git -C "$REPO" archive "$COMMIT" | tar -x -C "$OLD"
log "building $COMMIT in $OLD"
make -C "$OLD" build >"$TMP/old-build.log" 2>&1 || { tail "$TMP/old-build.log" >&2; die "build of $COMMIT failed"; }

declare -A URL
used=()
for t in old new; do
    tree=$REPO; [ $t = new ] || tree=$OLD
    pgport=$(pick_port "${used[@]}"); used+=("$pgport")
    port=$(pick_port "${used[@]}"); used+=("$port")
    "$tree/scripts/pg.sh" start "$TMP/pg-$t" "$pgport" >&2
    INVOICE_FILE_STORE=pg INVOICE_MODULE=$tree/.libs/mod_invoice.so \
        "$tree/scripts/httpd.sh" start "$TMP/httpd-$t" "$port" "$pgport" >&2
    URL[$t]=http://127.0.0.1:$port/api/sender/invoices
done
run() {  # tree n -> req/s (non-2xx or failed: fatal)
    local out=$TMP/ab.$1.$RANDOM
    ab -p "$BODY" -T application/json -H 'Authorization: sender 1' -c "$CONC" -n "$2" "${URL[$1]}" >"$out" 2>&1
    awk '/^Failed requests:/ { f = $3 } /^Non-2xx responses:/ { x = $3 } /^Requests per second:/ { r = $4 }
         END { if (f + x > 0 || r == "") { print "bad"; exit } print r }' "$out"
}
log "warm-up"
run old 1000 >/dev/null; run new 1000 >/dev/null
: >"$TMP/r"
for rep in $(seq "$REPS"); do
    for t in old new; do
        [ $((rep % 2)) = 1 ] || t=$([ $t = old ] && echo new || echo old)
        r=$(run $t "$N"); [ "$r" != bad ] || die "$t: failed or non-2xx requests"
        echo "$t $r" >>"$TMP/r"; log "rep $rep $t: $r req/s"
    done
done
uptime >&2
awk -v c="$COMMIT" -v h="$(git -C "$REPO" rev-parse --short HEAD)" '
    { v[$1] = v[$1] " " $2 }
    END { for (t in v) { n = split(v[t], a, " "); for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { x = a[j]; a[j] = a[j-1]; a[j-1] = x }
              m[t] = a[int((n + 1) / 2)]; printf "%-4s %s median %.0f req/s (runs:%s)\n", t, (t == "old" ? c : h), m[t], v[t] }
          printf "new/old %.3f\n", m["new"] / m["old"] }' "$TMP/r"
