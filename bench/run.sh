#!/usr/bin/env bash
# mod_invoice benchmark: the API against its ceilings on the same machine.
#
#   bench/run.sh        (no arguments; `make bench` runs it after `make build`)
#
# Starts its own PostgreSQL and Apache on free loopback ports in a temp dir,
# preloads invoices, measures create / list / download / pay and two
# ceilings -- (a) the same Apache answering the same POST and the same PDF
# without a database (mod_lua handler, static file), (b) pgbench inserting
# the row the module inserts -- each figure the median of REPS interleaved
# repetitions.  Prints a table, writes bench/results/latest.{json,png}.
# Exit status: 0 even when a target is missed; 1 when a request failed or
# answered non-2xx, a row-count or byte check failed, or Apache crashed.
#
# Knobs for development only (the defaults are the benchmark):
#   BENCH_REPS=3 BENCH_CREATE_N=10000 BENCH_SECS=10 BENCH_PRELOAD=100000
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"            # PG_BIN, die, wait_for

REPS=${BENCH_REPS:-3}
CREATE_N=${BENCH_CREATE_N:-10000}
SECS=${BENCH_SECS:-10}
PRELOAD=${BENCH_PRELOAD:-200000}
PAY_IDS=${BENCH_PAY_IDS:-50000}       # distinct payable ids per pay run (>> what 10 s can pay)
PAY_WARM=5000
CONC=10
PDF=$REPO/test/data/helloworld.pdf
BODY=$REPO/test/data/ab_sample.txt
RESULTS=$BENCH/results
PACKAGES=(apache2 apache2-utils postgresql-15 postgresql-client-15 curl wrk gnuplot-nox)

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# ------------------------------------------------------------ prerequisites
"$REPO/scripts/ensure-packages.sh" "${PACKAGES[@]}"
[ -f "$REPO/.libs/mod_invoice.so" ] || make -C "$REPO" build
MODDIR=$(apxs -q LIBEXECDIR)
[ -f "$MODDIR/mod_lua.so" ] || die "$MODDIR/mod_lua.so missing (package apache2-bin)"

# pick_port (scripts/common.sh) checks that nobody answers and that no
# socket, not even one in TIME_WAIT, holds the port.

TMP=$(mktemp -d /tmp/invoice-bench.XXXXXX)
chmod 755 "$TMP"                      # postgres and www-data traverse it
cleanup() {
    local rc=$?
    "$REPO/scripts/httpd.sh" stop "$TMP/httpd" || true
    "$REPO/scripts/pg.sh" stop "$TMP/pg" || true
    if [ "$rc" = 0 ]; then
        rm -rf "$TMP"
    else
        rm -rf "$TMP/pg/data"
        echo "bench: exit $rc; logs kept in $TMP" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGPORT=$(pick_port)
PORT=$(pick_port "$PGPORT")
H=http://127.0.0.1:$PORT
W=$TMP/work
mkdir -p "$W" "$RESULTS"

q() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice "$@"; }

log "PostgreSQL on $PGPORT, Apache on $PORT, in $TMP"
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT"
"$REPO/scripts/httpd.sh" start "$TMP/httpd" "$PORT" "$PGPORT"

# The ceilings live in the same Apache: static PDF plus the mod_lua POST.
HTDOCS=$TMP/httpd/htdocs
mkdir -p "$HTDOCS/ceiling/static"
cp "$PDF" "$HTDOCS/ceiling/static/helloworld.pdf"
chmod -R a+rX "$HTDOCS"
cat >>"$TMP/httpd/httpd.conf" <<CONF

# bench/run.sh: ceilings
Define BENCH_DIR "$BENCH"
Define BENCH_MODDIR "$MODDIR"
Define BENCH_HTDOCS "$HTDOCS"
Include "$BENCH/ceiling.conf"
CONF
apachectl -f "$TMP/httpd/httpd.conf" -k graceful
ceilings_answer() {
    [ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$H/ceiling/static/helloworld.pdf")" = "200 $(stat -c %s "$PDF")" ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$BODY" "$H/ceiling/post")" = 201 ] &&
    curl -s -o /dev/null -w '%{http_code}' "$H/api/sender/invoices" | grep -q 401
}
wait_for 100 ceilings_answer || { tail "$TMP/httpd/logs/error_log" >&2; die "ceilings do not answer"; }

# ------------------------------------------------------------------ preload
PDF_HEX='\x'$(od -An -v -tx1 "$PDF" | tr -d ' \n')
PDF_SHA_HEX='\x'$(sha256sum "$PDF" | cut -d' ' -f1)
log "preloading $PRELOAD invoices"
t0=$(date +%s)
q -v pdf="$PDF_HEX" -v n="$PRELOAD" -f "$BENCH/preload.sql"
log "preload took $(($(date +%s) - t0)) s"

LIST_SENDER=2001 LIST_RECEIVER=1001
[ "$(q -c "SELECT count(*) FROM invoices WHERE sender_id = $LIST_SENDER AND receiver_id = $LIST_RECEIVER")" = 20 ] ||
    die "list pair does not hold 20 invoices"
LIST_URL=$H/api/consumer/invoices/sender/$LIST_SENDER
q -c "SELECT id, receiver_id FROM invoices WHERE sender_id BETWEEN 1001 AND 2000
      ORDER BY random() LIMIT 20000" -F ' ' >"$W/download.ids"
# Distinct payable ids: a slice for the warm-up, then one per repetition.
PAY_TOTAL=$((PAY_WARM + PAY_IDS * REPS))
q -c "SELECT id, receiver_id FROM invoices WHERE is_payable AND sender_id BETWEEN 1001 AND 2000
      ORDER BY random() LIMIT $PAY_TOTAL" -F ' ' >"$W/pay.ids"
[ "$(wc -l <"$W/pay.ids")" = $PAY_TOTAL ] || die "not enough payable invoices preloaded"

# Sanity: one answer of each kind is what it should be.
body=$(curl -s -H "Authorization: consumer $LIST_RECEIVER" "$LIST_URL")
[ "$(grep -o '"id"' <<<"$body" | wc -l)" = 20 ] && grep -q '"has_more": *false' <<<"$body" ||
    die "list answer is not the 20 invoices: ${body:0:300}"
read -r id rcv <"$W/download.ids"
curl -sf -H "Authorization: consumer $rcv" "$H/api/consumer/invoices/$id/file" | cmp -s - "$PDF" ||
    die "download of $id differs from $PDF"

# ----------------------------------------------------------------- runners
# Every run appends "figure rep req/s p50_ms p99_ms failed non2xx ok2xx" to $RUNS.
RUNS=$W/runs.txt
: >"$RUNS"
FAILED_RUNS=0
# A load tool that failed or complained (wrk scripts report on stderr) fails the run.
tool_error() { FAILED_RUNS=$((FAILED_RUNS + 1)); log "!! $*"; }

record() {  # figure rep "parsed line"
    local line=$3
    echo "$1 $2 $line" >>"$RUNS"
    set -- $1 $2 $line
    [ "$6" = 0 ] && [ "$7" = 0 ] || { FAILED_RUNS=$((FAILED_RUNS + 1)); log "!! $1 rep $2: $6 failed, $7 non-2xx"; }
    log "$1 rep $2: $3 req/s, p50 $4 ms, p99 $5 ms"
}

# ab: p50/p99 from its percentile table, in the CSV form (-e) for sub-ms
# precision; requests ab never completed (it gave up) count as failed.
parse_ab() {  # n file
    awk -v n="$1" '
        FILENAME ~ /csv$/ { split($0, a, ","); if (a[1] == 50) p50 = a[2]; if (a[1] == 99) p99 = a[2]; next }
        /^Complete requests:/   { c = $3 }
        /^Failed requests:/     { f = $3 }
        /^Non-2xx responses:/   { x = $3 }
        /^Requests per second:/ { r = $4 }
        END { if (r == "") r = 0; if (p50 == "") p50 = p99 = 0
              printf "%s %s %s %d %d %d\n", r, p50, p99, f + (n - c), x, c - x }' "$2" "$2.csv"
}

parse_wrk() {  # file
    awk 'function ms(v) { return v ~ /us$/ ? v / 1000 : v ~ /ms$/ ? v + 0 : v ~ /m$/ ? v * 60000 : v * 1000 }
        /^ +50% / { p50 = ms($2) }
        /^ +99% / { p99 = ms($2) }
        / requests in / { c = $1 }
        /Socket errors:/ { gsub(",", ""); f = $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { x = $5 }
        /^Requests\/sec:/ { r = $2 }
        END { if (r == "") { r = 0; f = f + 1 }
              printf "%s %.3f %.3f %d %d %d\n", r, p50, p99, f, x, c - x }' "$1"
}

# pgbench: per-transaction log for the percentiles.
parse_pgbench() {  # file logprefix
    local pct
    pct=$(cat "$2".* 2>/dev/null | awk '{ print $3 }' | sort -n |
          awk '{ v[NR] = $1 } END { if (NR) printf "%.3f %.3f", v[int(NR * 0.5 + 0.5)] / 1000, v[int(NR * 0.99 + 0.5)] / 1000; else print "0 0" }')
    awk -v pct="$pct" '
        /^number of transactions actually processed:/ { c = $6 }
        /^number of failed transactions:/ { f = $5 }
        /^tps = / { r = $3 }
        END { if (r == "") { r = 0; f = f + 1 }
              printf "%s %s %d 0 %d\n", r, pct, f, c }' "$1"
}

ab_run() {  # figure rep n [ab args...]
    local fig=$1 rep=$2 n=$3 out=$W/$1.$2; shift 3
    ab -e "$out.csv" "$@" >"$out" 2>"$out.err" || tool_error "ab exited $? ($fig rep $rep): $(tail -1 "$out.err")"
    [ -f "$out.csv" ] || : >"$out.csv"
    record "$fig" "$rep" "$(parse_ab "$n" "$out")"
}

wrk_run() {  # figure rep [wrk args...]
    local fig=$1 rep=$2 out=$W/$1.$2; shift 2
    wrk -t2 -c$CONC -d"${SECS}s" --latency "$@" >"$out" 2>"$out.err" || tool_error "wrk exited $? ($fig rep $rep)"
    [ ! -s "$out.err" ] || tool_error "$fig rep $rep: $(cat "$out.err")"
    record "$fig" "$rep" "$(parse_wrk "$out")"
}

pgbench_run() {  # rep secs
    local out=$W/insert.$1
    rm -f "$out".log.*
    "$PG_BIN/pgbench" -n -M prepared -c $CONC -j 2 -T "$2" -h 127.0.0.1 -p "$PGPORT" -U invoice \
        -D content="$PDF_HEX" -D sha="$PDF_SHA_HEX" -f "$BENCH/insert.sql" -l --log-prefix="$out.log" invoice \
        >"$out" 2>"$out.err" || tool_error "pgbench exited $? (rep $1): $(tail -1 "$out.err")"
    record insert "$1" "$(parse_pgbench "$out" "$out.log")"
}

# Create runs are checked against the table: rows of sender 1 before/after.
sender1_rows() { q -c "SELECT count(*) FROM invoices WHERE sender_id = 1"; }
CREATE_MISMATCH=0
create_run() {  # figure rep n [-k]
    local fig=$1 rep=$2 n=$3 before after ok; shift 3
    before=$(sender1_rows)
    ab_run "$fig" "$rep" "$n" "$@" -p "$BODY" -T application/json -H 'Authorization: sender 1' \
        -c $CONC -n "$n" "$H/api/sender/invoices"
    after=$(sender1_rows)
    ok=$(tail -1 "$RUNS" | awk '{ print $8 }')
    echo "$fig $rep $ok $((after - before))" >>"$W/create_rows.txt"
    if [ "$((after - before))" != "$ok" ]; then
        CREATE_MISMATCH=1
        log "!!!! $fig rep $rep: ab counted $ok created (2xx) but the table gained $((after - before)) invoices"
    fi
}

# Pay runs: paid rows gained vs 2xx counted (wrk drops answers in flight at the end).
PAY_MISMATCH=0
paid_rows() { q -c "SELECT count(*) FROM invoices WHERE NOT is_payable"; }
pay_run() {  # figure rep first count secs
    local before after ok
    before=$(paid_rows)
    SECS=$5 wrk_run "$1" "$2" -s "$BENCH/pay.lua" "$H" -- "$W/pay.ids" "$3" "$4" 2
    after=$(paid_rows)
    ok=$(tail -1 "$RUNS" | awk '{ print $8 }')
    echo "$1 $2 $ok $((after - before))" >>"$W/pay_rows.txt"
    if [ "$((after - before))" -lt "$ok" ] || [ "$((after - before))" -gt $((ok + CONC)) ]; then
        PAY_MISMATCH=1
        log "!!!! $1 rep $2: wrk counted $ok paid (2xx) but $((after - before)) invoices became paid"
    fi
}

# Creates with wrk, with and without an Idempotency-Key (fresh per request):
# rows of the sender gained vs 2xx counted, as for pays.
sender_rows() { q -c "SELECT count(*) FROM invoices WHERE sender_id = $1"; }
wrk_create_run() {  # figure rep sender plain|key
    local before after ok
    before=$(sender_rows "$3")
    wrk_run "$1" "$2" -s "$BENCH/create.lua" "$H" -- "$BODY" "$3" "$4" "r$2"
    after=$(sender_rows "$3")
    ok=$(tail -1 "$RUNS" | awk '{ print $8 }')
    echo "$1 $2 $ok $((after - before))" >>"$W/pay_rows.txt"
    if [ "$((after - before))" -lt "$ok" ] || [ "$((after - before))" -gt $((ok + CONC)) ]; then
        PAY_MISMATCH=1
        log "!!!! $1 rep $2: wrk counted $ok created (2xx) but $((after - before)) invoices were stored"
    fi
}

# ---------------------------------------------------------------- the runs
START=$(date +%s)
log "warm-up (not counted)"
create_run create-warmup 0 1000
ab_run post-warmup 0 1000 -p "$BODY" -T application/json -c $CONC -n 1000 "$H/ceiling/post"
ab_run list-warmup 0 1000 -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 1000 "$LIST_URL"
SECS=2 wrk_run download-warmup 0 -s "$BENCH/download.lua" "$H" -- "$W/download.ids"
SECS=2 wrk_run static-warmup 0 "$H/ceiling/static/helloworld.pdf"
pay_run pay-warmup 0 0 $PAY_WARM 1
pgbench_run 0 2

for rep in $(seq "$REPS"); do
    log "repetition $rep of $REPS"
    create_run create "$rep" "$CREATE_N"
    ab_run post "$rep" 10000 -p "$BODY" -T application/json -c $CONC -n 10000 "$H/ceiling/post"
    pgbench_run "$rep" "$SECS"
    create_run create-k "$rep" "$CREATE_N" -k
    ab_run post-k "$rep" 10000 -k -p "$BODY" -T application/json -c $CONC -n 10000 "$H/ceiling/post"
    ab_run list "$rep" 10000 -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 10000 "$LIST_URL"
    ab_run list-k "$rep" 10000 -k -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 10000 "$LIST_URL"
    wrk_run download "$rep" -s "$BENCH/download.lua" "$H" -- "$W/download.ids"
    wrk_run static "$rep" "$H/ceiling/static/helloworld.pdf"
    pay_run pay "$rep" $((PAY_WARM + (rep - 1) * PAY_IDS)) $PAY_IDS "$SECS"
    wrk_create_run create-wrk "$rep" 3 plain
    wrk_create_run create-key "$rep" 4 key
done
ELAPSED=$(($(date +%s) - START))

# ------------------------------------------------------------------ checks
# All creates (warm-up included) are in the table, and a sample downloads
# byte-identical to the PDF.
expected=$(awk '$1 ~ /^create(-k|-warmup)?$/ { s += $8 } END { print s + 0 }' "$RUNS")
got=$(sender1_rows)
[ "$got" = "$expected" ] || { CREATE_MISMATCH=1; log "!!!! sender 1 has $got invoices, the create runs counted $expected"; }
sample_ok=0
while read -r id; do
    curl -sf -H 'Authorization: consumer 2' "$H/api/consumer/invoices/$id/file" | cmp -s - "$PDF" &&
        sample_ok=$((sample_ok + 1))
done < <(q -c "SELECT id FROM invoices WHERE sender_id = 1 ORDER BY random() LIMIT 20")
# Apache logs a crashed child when reaping it: look once it has stopped.
"$REPO/scripts/httpd.sh" stop "$TMP/httpd"
crashes=$(grep -cE 'Segmentation fault|exit signal' "$TMP/httpd/logs/error_log" || true)
errors=$(grep -c '\[[a-z_]*:error\]' "$TMP/httpd/logs/error_log" || true)

# ------------------------------------------------------------------ report
# Per figure over the counted repetitions: median and spread of req/s,
# median p50/p99, summed failed/non-2xx.
awk '$2 > 0' "$RUNS" | sort -k1,1 -k2,2n | awk '
    function med(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function flush() {
        if (fig == "") return
        m = med(r, n); lo = r[1]; hi = r[n]
        printf "%s %.1f %.1f %.1f %.3f %.3f %d %d %d\n", fig, m, lo, hi, med(p, n), med(q, n), f, x, n
    }
    $1 != fig { flush(); fig = $1; n = 0; f = 0; x = 0 }
    { n++; r[n] = $3; p[n] = $4; q[n] = $5; f += $6; x += $7 }
    END { flush() }' >"$W/figures.txt"

fig() { awk -v f="$1" -v c="$2" '$1 == f { print $c }' "$W/figures.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

CREATE=$(fig create 2) CREATE_K=$(fig create-k 2) POST=$(fig post 2) POST_K=$(fig post-k 2)
INSERT=$(fig insert 2) LIST=$(fig list 2) LIST_K=$(fig list-k 2)
DOWNLOAD=$(fig download 2) STATIC=$(fig static 2)
CREATE_WRK=$(fig create-wrk 2) CREATE_KEY=$(fig create-key 2)
# name | value | target ("" = informational)
cat >"$W/ratios.txt" <<EOF
create/min(post,insert) $(ratio "$CREATE" "$(min "$POST" "$INSERT")") -
create/insert $(ratio "$CREATE" "$INSERT") 0.65
create-k/min(post-k,insert) $(ratio "$CREATE_K" "$(min "$POST_K" "$INSERT")") -
download/static $(ratio "$DOWNLOAD" "$STATIC") 0.5
list/post $(ratio "$LIST" "$POST") 0.5
list-k/post-k $(ratio "$LIST_K" "$POST_K") -
create-key/create-wrk $(ratio "$CREATE_KEY" "$CREATE_WRK") 0.85
EOF

total_bad=$(awk '$2 > 0 { s += $6 + $7 } END { print s + 0 }' "$RUNS")
ok_fail() { [ "$1" = 0 ] && echo OK || echo FAIL; }
CHECK_REQ=$(ok_fail "$FAILED_RUNS")
CHECK_ROWS=$(ok_fail "$CREATE_MISMATCH")
CHECK_BYTES=$([ "$sample_ok" = 20 ] && echo OK || echo FAIL)
CHECK_PAY=$(ok_fail "$PAY_MISMATCH")
CHECK_CRASH=$(ok_fail "$crashes")

describe() {
    case $1 in
        create)   echo "create       ab -c$CONC -n$CREATE_N" ;;
        create-k) echo "create -k    ab -k -c$CONC -n$CREATE_N" ;;
        list)     echo "list (20)    ab -c$CONC -n10000" ;;
        list-k)   echo "list -k      ab -k -c$CONC -n10000" ;;
        download) echo "download     wrk -c$CONC ${SECS}s" ;;
        pay)      echo "pay          wrk -c$CONC ${SECS}s" ;;
        post)     echo "ceil POST    ab -c$CONC -n10000" ;;
        post-k)   echo "ceil POST -k ab -k -c$CONC -n10000" ;;
        static)   echo "ceil static  wrk -c$CONC ${SECS}s" ;;
        insert)   echo "ceil insert  pgbench -c$CONC ${SECS}s" ;;
        create-wrk) echo "create       wrk -c$CONC ${SECS}s" ;;
        create-key) echo "create+key   wrk -c$CONC ${SECS}s" ;;
    esac
}

{
    printf '\nmod_invoice benchmark  %s  %s  %d cores  %d reps  %d s\n' "$(date -u +%FT%TZ)" \
        "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" "$REPS" "$ELAPSED"
    printf '%-32s %9s %19s %8s %8s %7s %7s\n' figure 'req/s' 'spread (min-max)' 'p50 ms' 'p99 ms' failed non-2xx
    for f in create create-k create-wrk create-key list list-k download pay post post-k static insert; do
        awk -v d="$(describe $f)" -v f=$f '$1 == f {
            printf "%-32s %9.0f %19s %8.2f %8.2f %7d %7d\n", d, $2, sprintf("%.0f-%.0f", $3, $4), $5, $6, $7, $8 }' "$W/figures.txt"
    done
    printf '\n%-32s %9s %8s %6s\n' ratio value target result
    awk '{ printf "%-32s %9.3f %8s %6s\n", $1, $2, $3 == "-" ? "" : ">= " $3,
           $3 == "-" ? "info" : ($2 >= $3 ? "PASS" : "FAIL") }' "$W/ratios.txt"
    printf '\nchecks\n'
    printf '  %-66s %s\n' "no failed or non-2xx requests ($total_bad in all runs)" "$CHECK_REQ"
    printf '  %-66s %s\n' "invoices of sender 1 = creates counted by ab ($got vs $expected)" "$CHECK_ROWS"
    awk '{ printf "    %-64s %s\n", sprintf("%s rep %s: ab 2xx %s, rows gained %s", $1, $2, $3, $4), $3 == $4 ? "ok" : "MISMATCH" }' "$W/create_rows.txt"
    printf '  %-66s %s\n' "20 random created invoices download byte-identical ($sample_ok/20)" "$CHECK_BYTES"
    printf '  %-66s %s\n' "wrk pays and creates: rows changed = 2xx counted (+ up to $CONC in flight)" "$CHECK_PAY"
    awk -v c=$CONC '{ printf "    %-64s %s\n", sprintf("%s rep %s: wrk 2xx %s, rows %s", $1, $2, $3, $4), ($4 >= $3 && $4 <= $3 + c ? "ok" : "MISMATCH") }' "$W/pay_rows.txt"
    printf '  %-66s %s\n' "no crash in Apache error_log ($errors lines at error level)" "$CHECK_CRASH"
} | tee "$W/table.txt"

# JSON: the same figures.
{
    printf '{\n  "date": "%s",\n  "commit": "%s",\n  "cores": %d,\n  "repetitions": %d,\n  "runtime_s": %d,\n' \
        "$(date -u +%FT%TZ)" "$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)" "$(nproc)" "$REPS" "$ELAPSED"
    printf '  "figures": {\n'
    awk -v runs="$RUNS" '
        BEGIN { while ((getline l < runs) > 0) { split(l, a, " "); if (a[2] > 0) rs[a[1]] = rs[a[1]] (rs[a[1]] == "" ? "" : ", ") a[3] } }
        { printf "%s    \"%s\": {\"rps_median\": %s, \"rps_min\": %s, \"rps_max\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"failed\": %d, \"non_2xx\": %d, \"rps_runs\": [%s]}",
                 (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, $8, rs[$1] }
        END { print "" }' "$W/figures.txt"
    printf '  },\n  "ratios": {\n'
    awk '{ printf "%s    \"%s\": {\"value\": %s, \"target\": %s, \"pass\": %s}", (NR > 1 ? ",\n" : ""), $1, $2,
           $3 == "-" ? "null" : $3, $3 == "-" ? "null" : ($2 >= $3 ? "true" : "false") } END { print "" }' "$W/ratios.txt"
    printf '  },\n  "checks": {\n'
    printf '    "no_failed_or_non_2xx": %s,\n' "$([ "$CHECK_REQ" = OK ] && echo true || echo false)"
    printf '    "create_rows": {"expected": %d, "found": %d, "ok": %s},\n' "$expected" "$got" "$([ "$CHECK_ROWS" = OK ] && echo true || echo false)"
    printf '    "download_sample_identical": {"checked": 20, "identical": %d},\n' "$sample_ok"
    printf '    "pay_rows_ok": %s,\n' "$([ "$CHECK_PAY" = OK ] && echo true || echo false)"
    printf '    "apache_crashes": %d\n  }\n}\n' "$crashes"
} >"$RESULTS/latest.json"
cp "$W/table.txt" "$RESULTS/latest.txt"

# Chart: ratios against their targets, and latency percentiles.
awk '{ print NR - 1, $1, $2, ($3 == "-" ? "NaN" : $3) }' "$W/ratios.txt" >"$W/ratios.dat"
awk '{ print NR - 1, $1, $5, $6 }' "$W/figures.txt" >"$W/latency.dat"
gnuplot -e "ratios='$W/ratios.dat'; latency='$W/latency.dat'; out='$RESULTS/latest.png'" "$BENCH/chart.gp" ||
    log "!! gnuplot failed (chart not written)"

log "results: $RESULTS/latest.json, $RESULTS/latest.png"
if [ "$CHECK_REQ$CHECK_ROWS$CHECK_BYTES$CHECK_PAY$CHECK_CRASH" != OKOKOKOKOK ]; then
    echo "bench: FAILED checks (see above)" >&2
    exit 1
fi
