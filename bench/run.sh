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
#
# The file store (InvoiceFileStore file:DIR) is measured beside it: a second
# Apache, the same config but INVOICE_FILE_STORE=file:$TMP/files, on the same
# PostgreSQL, with the same ceilings (the 6.7 KB PDF and a 20 MiB PDF as
# static files of that Apache).  Figures: create (file: vs pg), downloads of
# file: invoices of both sizes vs the static GET of the same bytes, and the
# database's growth per invoice with each store.
#
# Exit status: 0 even when a target is missed; 1 when a request failed or
# answered non-2xx, a row-count or byte check failed, or Apache crashed.
#
# Knobs for development only (the defaults are the benchmark):
#   BENCH_REPS=3 BENCH_CREATE_N=10000 BENCH_SECS=10 BENCH_PRELOAD=100000
#   BENCH_FILE_SECS=5 (each file: download and its static ceiling)
#   BENCH_BIG_MB=20 (the big PDF) BENCH_SIZE_N=5000 (creates per store
#   for the database growth per invoice)
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"            # PG_BIN, die, wait_for

REPS=${BENCH_REPS:-3}
CREATE_N=${BENCH_CREATE_N:-10000}
SECS=${BENCH_SECS:-10}
PRELOAD=${BENCH_PRELOAD:-200000}
# Pay runs need one payable invoice per request: the ids of a run are sized
# from the warm-up's measured rate (PAY_MARGIN x rate x SECS), and a run
# that still uses them up stops there (wrk's rate is over the time it ran)
# and the table says so.  When the preload cannot give every repetition its
# ids, the pay runs are shortened, and the table says that too.
PAY_WARM=${BENCH_PAY_WARM:-20000}      # ids of the warm-up, which measures the rate (2 s)
PAY_MARGIN=1.5
FILE_SECS=${BENCH_FILE_SECS:-5}
BIG_MB=${BENCH_BIG_MB:-20}
SIZE_N=${BENCH_SIZE_N:-5000}
# Senders of the rows made through the file: Apache (sender 1 stays the pg
# create's, counted by the checks as before); pg's size run has its own.
FILE_SENDER=5 SIZE_PG_SENDER=7 SIZE_FILE_SENDER=8 BIG_SENDER=9 BIG_RECEIVER=10
BIG_COUNT=3
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
    [ -z "${LOAD_PID:-}" ] || kill "$LOAD_PID" 2>/dev/null || true
    "$REPO/scripts/httpd.sh" stop "$TMP/httpd" || true
    "$REPO/scripts/httpd.sh" stop "$TMP/httpd-file" || true
    "$REPO/scripts/pg.sh" stop "$TMP/pg" || true
    if [ "$rc" = 0 ]; then
        rm -rf "$TMP"
    else
        rm -rf "$TMP/pg/data" "$TMP/files" "$TMP/work/big.pdf" "$TMP"/httpd*/htdocs   # bulk, not logs
        echo "bench: exit $rc; logs kept in $TMP" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGPORT=$(pick_port)
PORT=$(pick_port "$PGPORT")
PORTF=$(pick_port "$PGPORT" "$PORT")
H=http://127.0.0.1:$PORT
HF=http://127.0.0.1:$PORTF            # the file: store's Apache
FILES=$TMP/files
W=$TMP/work
mkdir -p "$W" "$RESULTS"
# The big PDF: a valid PDF header, then random bytes (nothing compresses).
BIG=$W/big.pdf
{ printf '%%PDF-1.4\n'; head -c $((BIG_MB * 1048576 - 9)) /dev/urandom; } >"$BIG"
BIG_BYTES=$(stat -c %s "$BIG")

q() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice "$@"; }

log "PostgreSQL on $PGPORT, Apache on $PORT (pg store) and $PORTF (file: store), in $TMP"
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT"
INVOICE_FILE_STORE=pg "$REPO/scripts/httpd.sh" start "$TMP/httpd" "$PORT" "$PGPORT"
INVOICE_FILE_STORE=file:$FILES "$REPO/scripts/httpd.sh" start "$TMP/httpd-file" "$PORTF" "$PGPORT"

# The ceilings live in the same Apache: static PDFs plus the mod_lua POST,
# in each of the two.
add_ceilings() {  # httpd-dir base-url
    local htdocs=$1/htdocs
    mkdir -p "$htdocs/ceiling/static"
    cp "$PDF" "$htdocs/ceiling/static/helloworld.pdf"
    cp "$BIG" "$htdocs/ceiling/static/big.pdf"
    chmod -R a+rX "$htdocs"
    cat >>"$1/httpd.conf" <<CONF

# bench/run.sh: ceilings
Define BENCH_DIR "$BENCH"
Define BENCH_MODDIR "$MODDIR"
Define BENCH_HTDOCS "$htdocs"
Include "$BENCH/ceiling.conf"
CONF
    apachectl -f "$1/httpd.conf" -k graceful
    wait_for 100 ceilings_answer "$2" || { tail "$1/logs/error_log" >&2; die "ceilings of $2 do not answer"; }
}
ceilings_answer() {  # base-url
    [ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$1/ceiling/static/helloworld.pdf")" = "200 $(stat -c %s "$PDF")" ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$1/ceiling/static/big.pdf")" = "200 $BIG_BYTES" ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$BODY" "$1/ceiling/post")" = 201 ] &&
    curl -s -o /dev/null -w '%{http_code}' "$1/api/sender/invoices" | grep -q 401
}
add_ceilings "$TMP/httpd" "$H"
add_ceilings "$TMP/httpd-file" "$HF"

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
# Distinct payable ids, all of them in random order: a slice for the
# warm-up, then one per repetition, sized once the warm-up measured a rate.
q -c "SELECT id, receiver_id FROM invoices WHERE is_payable AND sender_id BETWEEN 1001 AND 2000
      ORDER BY random()" -F ' ' >"$W/pay.ids"
PAY_AVAIL=$(wc -l <"$W/pay.ids")
[ "$PAY_AVAIL" -gt $((PAY_WARM + REPS * 1000)) ] || die "not enough payable invoices preloaded ($PAY_AVAIL)"

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

# Create runs are checked against the table: rows of the sender before/after.
# Sender 1 on the pg Apache unless CREATE_SENDER / CREATE_HOST say otherwise.
sender1_rows() { q -c "SELECT count(*) FROM invoices WHERE sender_id = 1"; }
CREATE_MISMATCH=0
create_run() {  # figure rep n [-k]
    local fig=$1 rep=$2 n=$3 before after ok sender=${CREATE_SENDER:-1} host=${CREATE_HOST:-$H}; shift 3
    before=$(sender_rows "$sender")
    ab_run "$fig" "$rep" "$n" "$@" -p "$BODY" -T application/json -H "Authorization: sender $sender" \
        -c $CONC -n "$n" "$host/api/sender/invoices"
    after=$(sender_rows "$sender")
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
    if grep -q 'ran out of ids' "$W/$1.$2"; then
        echo "$1 rep $2 used up its $4 ids and stopped after $(awk '/ requests in / { sub(",", "", $4); print $4 }' "$W/$1.$2")" \
            >>"$W/pay_stopped.txt"
        log "$(tail -1 "$W/pay_stopped.txt")"
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
: >"$W/pay_stopped.txt"
# The machine's load while the runs run (other work on it shows here).
( while sleep 5; do cut -d' ' -f1 /proc/loadavg; done ) >"$W/load.txt" 2>/dev/null &
LOAD_PID=$!

# The database's growth per invoice with each store: SIZE_N creates of the
# seed body through each Apache, before any pay or warm-up (no dead rows yet
# whose space new rows could reuse: the preload ends with VACUUM), the
# database's and the invoice tables' on-disk size (all forks, TOAST and
# indexes) before and after, divided by the rows gained.
db_sizes() {
    q -F ' ' -c "SELECT pg_database_size(current_database()),
                        pg_total_relation_size('invoices') + pg_total_relation_size('invoice_files')"
}
size_run() {  # store host sender
    local b a rows
    b=$(db_sizes)
    CREATE_HOST=$2 CREATE_SENDER=$3 create_run "size-$1" 0 "$SIZE_N"
    a=$(db_sizes)
    rows=$(sender_rows "$3")
    echo "$1 $rows $b $a" | awk '{ printf "%s %d %.0f %.0f\n", $1, $2, ($5 - $3) / $2, ($6 - $4) / $2 }' >>"$W/growth.txt"
    log "database growth with $1: $(tail -1 "$W/growth.txt" | awk '{ print $3 " B/invoice (tables " $4 ")" }') over $rows invoices"
}
: >"$W/growth.txt"
log "database growth per invoice ($SIZE_N creates per store)"
size_run pg "$H" $SIZE_PG_SENDER
size_run file "$HF" $SIZE_FILE_SENDER
STORE=file:$FILES
[ "$(q -c "SELECT count(*) FROM invoices WHERE sender_id = $SIZE_FILE_SENDER AND file_store = '$STORE'")" = "$(sender_rows $SIZE_FILE_SENDER)" ] ||
    die "rows created through $HF do not record $STORE"
[ "$(q -c "SELECT count(*) FROM invoices WHERE sender_id = $SIZE_PG_SENDER AND file_store IS NULL")" = "$(sender_rows $SIZE_PG_SENDER)" ] ||
    die "rows created through $H do not record the pg store"
# The file store on disk, for the record: allocated bytes per file.
FILE_DISK=$(find "$FILES" -type f -printf '%b\n' | awk '{ s += $1 * 512; n++ } END { printf "%.0f", n ? s / n : 0 }')

# file: invoices to download: the seed PDF (the size run's) and the big one,
# uploaded raw; each downloads byte-identical before the runs.
q -c "SELECT id, receiver_id FROM invoices WHERE sender_id = $SIZE_FILE_SENDER ORDER BY random() LIMIT 20000" \
    -F ' ' >"$W/download-file.ids"
log "uploading $BIG_COUNT PDFs of $BIG_MB MiB to the file: store"
for _ in $(seq $BIG_COUNT); do
    code=$(curl -s -o "$W/upload.out" -w '%{http_code}' -H "Authorization: sender $BIG_SENDER" \
                -H 'Content-Type: application/pdf' --data-binary @"$BIG" \
                "$HF/api/sender/uploads?receiver_id=$BIG_RECEIVER")
    [ "$code" = 201 ] || die "upload of $BIG answered $code: $(head -c 300 "$W/upload.out")"
done
q -c "SELECT id, receiver_id FROM invoices WHERE sender_id = $BIG_SENDER AND file_store = '$STORE'
      AND file_size = $BIG_BYTES" -F ' ' >"$W/download-big.ids"
[ "$(wc -l <"$W/download-big.ids")" = $BIG_COUNT ] || die "the big uploads did not make $BIG_COUNT file: invoices"
while read -r id rcv; do
    curl -sf -H "Authorization: consumer $rcv" "$HF/api/consumer/invoices/$id/file" | cmp -s - "$BIG" ||
        die "download of $id differs from $BIG"
done <"$W/download-big.ids"
read -r id rcv <"$W/download-file.ids"
curl -sf -H "Authorization: consumer $rcv" "$HF/api/consumer/invoices/$id/file" | cmp -s - "$PDF" ||
    die "download of file: invoice $id differs from $PDF"

log "warm-up (not counted)"
create_run create-warmup 0 1000
CREATE_HOST=$HF CREATE_SENDER=$FILE_SENDER create_run create-file-warmup 0 1000
ab_run post-warmup 0 1000 -p "$BODY" -T application/json -c $CONC -n 1000 "$H/ceiling/post"
ab_run list-warmup 0 1000 -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 1000 "$LIST_URL"
# Every invoice of the download runs delivered once first (its first
# download writes its receipt; a file store's keeps its facts): the timed
# runs measure repeated downloads, like the static GET they are held to.
undelivered() {  # ids-file -> how many of its invoices have no receipt
    q <<SQL | tail -n 1
CREATE TEMP TABLE ids (id uuid, receiver int);
\copy ids FROM '$1' WITH (DELIMITER ' ')
SELECT count(*) FROM ids JOIN invoices i USING (id) WHERE i.first_downloaded_at IS NULL;
SQL
}
# wrk runs for its whole duration even when every thread stopped: it is
# interrupted (SIGINT: it ends cleanly) once every receipt is written.
deliver_once() {  # base-url ids-file
    local pid i
    wrk -t2 -c$CONC -d300s -s "$BENCH/download.lua" "$1" -- "$2" once 2 >"$W/deliver.out" 2>&1 &
    pid=$!
    for i in $(seq 600); do
        [ "$(undelivered "$2")" != 0 ] || break
        sleep 0.5
    done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" || tool_error "wrk exited $? (delivering $2)"
}
deliver_once "$H" "$W/download.ids"
deliver_once "$HF" "$W/download-file.ids"
UNDELIVERED="$(undelivered "$W/download.ids") $(undelivered "$W/download-file.ids")"
SECS=2 wrk_run download-warmup 0 -s "$BENCH/download.lua" "$H" -- "$W/download.ids"
SECS=2 wrk_run static-warmup 0 "$H/ceiling/static/helloworld.pdf"
SECS=2 wrk_run download-file-warmup 0 -s "$BENCH/download.lua" "$HF" -- "$W/download-file.ids"
SECS=2 wrk_run static-file-warmup 0 "$HF/ceiling/static/helloworld.pdf"
SECS=2 wrk_run download-big-warmup 0 -s "$BENCH/download.lua" "$HF" -- "$W/download-big.ids"
SECS=2 wrk_run static-big-warmup 0 "$HF/ceiling/static/big.pdf"
pay_run pay-warmup 0 0 $PAY_WARM 2
# Ids per pay run from the warm-up's rate; fewer (and shorter runs) when the
# preload cannot cover that.
PAY_RATE=$(awk '$1 == "pay-warmup" { r = $3 } END { print r + 0 }' "$RUNS")
PAY_SECS=$SECS
PAY_IDS=$(awk -v r="$PAY_RATE" -v s="$SECS" -v m="$PAY_MARGIN" -v c=$CONC 'BEGIN { printf "%d", r * s * m + 100 * c }')
PAY_NOTE="pay ids: $PAY_IDS per run (${PAY_MARGIN} x the warm-up's $(printf '%.0f' "$PAY_RATE") pays/s x ${SECS} s)"
if [ $((PAY_WARM + PAY_IDS * REPS)) -gt "$PAY_AVAIL" ]; then
    PAY_IDS=$(((PAY_AVAIL - PAY_WARM) / REPS))
    PAY_SECS=$(awk -v n="$PAY_IDS" -v r="$PAY_RATE" -v m="$PAY_MARGIN" -v s="$SECS" \
                   'BEGIN { t = int(n / (r * m)); print (t < 1 ? 1 : (t > s ? s : t)) }')
    PAY_NOTE="pay ids: $PAY_IDS per run, all the preload allows: runs shortened to ${PAY_SECS} s (warm-up $(printf '%.0f' "$PAY_RATE") pays/s)"
fi
log "$PAY_NOTE"
pgbench_run 0 2

# The file: figures run in pairs beside their reference, the pair's order
# alternating between repetitions.
pair() {  # rep "command A" "command B"
    if [ $(($1 % 2)) = 1 ]; then eval "$2"; eval "$3"; else eval "$3"; eval "$2"; fi
}
for rep in $(seq "$REPS"); do
    log "repetition $rep of $REPS"
    pair "$rep" 'create_run create "$rep" "$CREATE_N"' \
        'CREATE_HOST=$HF CREATE_SENDER=$FILE_SENDER create_run create-file "$rep" "$CREATE_N"'
    ab_run post "$rep" 10000 -p "$BODY" -T application/json -c $CONC -n 10000 "$H/ceiling/post"
    pgbench_run "$rep" "$SECS"
    create_run create-k "$rep" "$CREATE_N" -k
    ab_run post-k "$rep" 10000 -k -p "$BODY" -T application/json -c $CONC -n 10000 "$H/ceiling/post"
    ab_run list "$rep" 10000 -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 10000 "$LIST_URL"
    ab_run list-k "$rep" 10000 -k -H "Authorization: consumer $LIST_RECEIVER" -c $CONC -n 10000 "$LIST_URL"
    wrk_run download "$rep" -s "$BENCH/download.lua" "$H" -- "$W/download.ids"
    wrk_run static "$rep" "$H/ceiling/static/helloworld.pdf"
    pair "$rep" 'SECS=$FILE_SECS wrk_run download-file "$rep" -s "$BENCH/download.lua" "$HF" -- "$W/download-file.ids"' \
        'SECS=$FILE_SECS wrk_run static-file "$rep" "$HF/ceiling/static/helloworld.pdf"'
    pair "$rep" 'SECS=$FILE_SECS wrk_run download-big "$rep" -s "$BENCH/download.lua" "$HF" -- "$W/download-big.ids"' \
        'SECS=$FILE_SECS wrk_run static-big "$rep" "$HF/ceiling/static/big.pdf"'
    pay_run pay "$rep" $((PAY_WARM + (rep - 1) * PAY_IDS)) $PAY_IDS "$PAY_SECS"
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
# The same for the file: store: its creates are all rows, each row's file
# is in the directory (and nothing else is), a sample downloads identical.
file_expected=$(awk '$1 ~ /^create-file(-warmup)?$/ { s += $8 } END { print s + 0 }' "$RUNS")
file_got=$(sender_rows $FILE_SENDER)
[ "$file_got" = "$file_expected" ] ||
    { CREATE_MISMATCH=1; log "!!!! sender $FILE_SENDER has $file_got invoices, the create-file runs counted $file_expected"; }
file_rows=$(q -c "SELECT count(*) FROM invoices WHERE file_store = '$STORE'")
file_wrong=$(q -c "SELECT count(*) FROM invoices WHERE sender_id IN ($FILE_SENDER, $SIZE_FILE_SENDER, $BIG_SENDER)
                   AND file_store IS DISTINCT FROM '$STORE'")
file_files=$(find "$FILES" -type f | wc -l)
file_sample_ok=0
while read -r id; do
    curl -sf -H 'Authorization: consumer 2' "$HF/api/consumer/invoices/$id/file" | cmp -s - "$PDF" &&
        file_sample_ok=$((file_sample_ok + 1))
done < <(q -c "SELECT id FROM invoices WHERE sender_id = $FILE_SENDER ORDER BY random() LIMIT 20")
# Apache logs a crashed child when reaping it: look once it has stopped.
"$REPO/scripts/httpd.sh" stop "$TMP/httpd"
"$REPO/scripts/httpd.sh" stop "$TMP/httpd-file"
crashes=$(cat "$TMP/httpd/logs/error_log" "$TMP/httpd-file/logs/error_log" | grep -cE 'Segmentation fault|exit signal' || true)
errors=$(cat "$TMP/httpd/logs/error_log" "$TMP/httpd-file/logs/error_log" | grep -c '\[[a-z_]*:error\]' || true)

# ------------------------------------------------------------------ report
kill "$LOAD_PID" 2>/dev/null || true
LOAD_NOTE=$(sort -n "$W/load.txt" | awk '{ v[NR] = $1 } END { if (NR) printf "min %.2f, median %.2f, max %.2f (%d samples)", v[1], v[int((NR + 1) / 2)], v[NR], NR; else print "n/a" }')
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
CREATE_FILE=$(fig create-file 2) DOWNLOAD_FILE=$(fig download-file 2) STATIC_FILE=$(fig static-file 2)
DOWNLOAD_BIG=$(fig download-big 2) STATIC_BIG=$(fig static-big 2)
CREATE_WRK=$(fig create-wrk 2) CREATE_KEY=$(fig create-key 2)
# The physical ceiling of a create where Apache and PostgreSQL share the
# cores: the serial sum of both costs, 1 / (1/POST + 1/insert).
combined() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (a > 0 && b > 0 ? 1 / (1 / a + 1 / b) : 0) }'; }
CEIL_CREATE=$(combined "$POST" "$INSERT") CEIL_CREATE_K=$(combined "$POST_K" "$INSERT")
# name | value | target ("" = informational)
cat >"$W/ratios.txt" <<EOF
create/combined(post,insert) $(ratio "$CREATE" "$CEIL_CREATE") 0.9
create-k/combined(post-k,insert) $(ratio "$CREATE_K" "$CEIL_CREATE_K") -
create-file/combined(post,insert) $(ratio "$CREATE_FILE" "$CEIL_CREATE") -
create/min(post,insert) $(ratio "$CREATE" "$(min "$POST" "$INSERT")") -
create/insert $(ratio "$CREATE" "$INSERT") 0.65
create-k/min(post-k,insert) $(ratio "$CREATE_K" "$(min "$POST_K" "$INSERT")") -
download/static $(ratio "$DOWNLOAD" "$STATIC") 0.5
list/post $(ratio "$LIST" "$POST") 0.5
list-k/post-k $(ratio "$LIST_K" "$POST_K") -
create-key/create-wrk $(ratio "$CREATE_KEY" "$CREATE_WRK") 0.85
create-file/create $(ratio "$CREATE_FILE" "$CREATE") 1.3
download-file/static-file $(ratio "$DOWNLOAD_FILE" "$STATIC_FILE") 0.85
download-big/static-big $(ratio "$DOWNLOAD_BIG" "$STATIC_BIG") 0.85
EOF
# Beside a ratio of two figures (A/B), the ratio within each repetition
# (A and B ran next to each other): how much of the spread is the machine's.
awk 'NR == FNR { if ($2 > 0) v[$1 " " $2] = $3; next }
     { out = ""
       if (split($1, p, "/") == 2)
           for (r = 1; ((p[1] " " r) in v) && ((p[2] " " r) in v); r++)
               out = out sprintf("%s%.3f", out == "" ? "" : " ", v[p[2] " " r] > 0 ? v[p[1] " " r] / v[p[2] " " r] : 0)
       print $1 "|" out }' "$RUNS" "$W/ratios.txt" >"$W/rep_ratios.txt"
# Database growth per invoice: store | bytes (database) | bytes (invoice
# tables) | invoices | target: under this many bytes ("-" = informational)
awk '{ print $1, $3, $4, $2, ($1 == "file" ? 1024 : "-") }' "$W/growth.txt" >"$W/storage.txt"

total_bad=$(awk '$2 > 0 { s += $6 + $7 } END { print s + 0 }' "$RUNS")
ok_fail() { [ "$1" = 0 ] && echo OK || echo FAIL; }
CHECK_REQ=$(ok_fail "$FAILED_RUNS")
CHECK_ROWS=$(ok_fail "$CREATE_MISMATCH")
CHECK_BYTES=$([ "$sample_ok" = 20 ] && echo OK || echo FAIL)
CHECK_PAY=$(ok_fail "$PAY_MISMATCH")
CHECK_CRASH=$(ok_fail "$crashes")
CHECK_FILE=$([ "$file_files" = "$file_rows" ] && [ "$file_wrong" = 0 ] && [ "$file_sample_ok" = 20 ] && echo OK || echo FAIL)

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
        create-file)   echo "create file: ab -c$CONC -n$CREATE_N" ;;
        download-file) echo "download file: wrk -c$CONC ${FILE_SECS}s" ;;
        download-big)  echo "dl ${BIG_MB}MiB file: wrk -c$CONC ${FILE_SECS}s" ;;
        static-file)   echo "ceil static f wrk -c$CONC ${FILE_SECS}s" ;;
        static-big)    echo "ceil ${BIG_MB}MiB f  wrk -c$CONC ${FILE_SECS}s" ;;
    esac
}

{
    printf '\nmod_invoice benchmark  %s  %s  %d cores  %d reps  %d s\n' "$(date -u +%FT%TZ)" \
        "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" "$REPS" "$ELAPSED"
    printf '%-32s %9s %19s %8s %8s %7s %7s\n' figure 'req/s' 'spread (min-max)' 'p50 ms' 'p99 ms' failed non-2xx
    for f in create create-k create-wrk create-key create-file list list-k download download-file download-big \
             pay post post-k static static-file static-big insert; do
        awk -v d="$(describe $f)" -v f=$f '$1 == f {
            printf "%-32s %9.0f %19s %8.2f %8.2f %7d %7d\n", d, $2, sprintf("%.0f-%.0f", $3, $4), $5, $6, $7, $8 }' "$W/figures.txt"
    done
    printf '(file: = the second Apache, InvoiceFileStore file:DIR on the same PostgreSQL; f = its static ceilings)\n'
    printf '\n%-32s %9s %8s %6s   %s\n' ratio value target result 'per repetition'
    awk -v reps="$W/rep_ratios.txt" '
        BEGIN { while ((getline l < reps) > 0) { split(l, a, "|"); pr[a[1]] = a[2] } }
        { printf "%-32s %9.3f %8s %6s   %s\n", $1, $2, $3 == "-" ? "" : ">= " $3,
           $3 == "-" ? "info" : ($2 >= $3 ? "PASS" : "FAIL"), pr[$1] }' "$W/ratios.txt"
    printf '\n%-32s %9s %8s %6s %9s %7s\n' 'database growth, bytes/invoice' database target result 'inv.tables' creates
    awk '{ printf "%-32s %9d %8s %6s %9d %7d\n", "store " ($1 == "file" ? "file:" : $1), $2, $5 == "-" ? "" : "< " $5,
           $5 == "-" ? "info" : ($2 < $5 ? "PASS" : "FAIL"), $3, $4 }' "$W/storage.txt"
    printf '%-32s %9d %8s %6s\n' "file: store, disk per file" "$FILE_DISK" "" info
    printf '\ncreate ceilings: combined 1/(1/POST + 1/insert) = %.0f req/s (keep-alive %.0f)\n' "$CEIL_CREATE" "$CEIL_CREATE_K"
    printf '%s\n' "$PAY_NOTE"
    [ ! -s "$W/pay_stopped.txt" ] || sed 's/^/  stopped early: /' "$W/pay_stopped.txt"
    printf 'machine load (1-min average, sampled every 5 s): %s\n' "$LOAD_NOTE"
    printf '\nchecks\n'
    printf '  %-66s %s\n' "no failed or non-2xx requests ($total_bad in all runs)" "$CHECK_REQ"
    printf '  %-66s %s\n' "invoices of sender 1 = creates counted by ab ($got vs $expected)" "$CHECK_ROWS"
    awk '{ printf "    %-64s %s\n", sprintf("%s rep %s: ab 2xx %s, rows gained %s", $1, $2, $3, $4), $3 == $4 ? "ok" : "MISMATCH" }' "$W/create_rows.txt"
    printf '  %-66s %s\n' "20 random created invoices download byte-identical ($sample_ok/20)" "$CHECK_BYTES"
    printf '  %-66s %s\n' "wrk pays and creates: rows changed = 2xx counted (+ up to $CONC in flight)" "$CHECK_PAY"
    awk -v c=$CONC '{ printf "    %-64s %s\n", sprintf("%s rep %s: wrk 2xx %s, rows %s", $1, $2, $3, $4), ($4 >= $3 && $4 <= $3 + c ? "ok" : "MISMATCH") }' "$W/pay_rows.txt"
    printf '  %-66s %s\n' "file: rows = files in $(basename "$FILES")/ ($file_rows vs $file_files), all of their store ($file_wrong not)" \
        "$([ "$file_files" = "$file_rows" ] && [ "$file_wrong" = 0 ] && echo OK || echo FAIL)"
    printf '  %-66s %s\n' "invoices of sender $FILE_SENDER (file:) = creates counted by ab ($file_got vs $file_expected)" \
        "$([ "$file_got" = "$file_expected" ] && echo OK || echo FAIL)"
    printf '  %-66s %s\n' "20 random file: invoices download byte-identical ($file_sample_ok/20)" \
        "$([ "$file_sample_ok" = 20 ] && echo OK || echo FAIL)"
    printf '  %-66s %s\n' "download runs' invoices all delivered before them (without receipt: ${UNDELIVERED// / and })" \
        "$([ "$UNDELIVERED" = "0 0" ] && echo OK || echo FAIL)"
    printf '  %-66s %s\n' "no crash in the Apache error_logs ($errors lines at error level)" "$CHECK_CRASH"
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
    awk -v reps="$W/rep_ratios.txt" '
        BEGIN { while ((getline l < reps) > 0) { split(l, a, "|"); gsub(" ", ", ", a[2]); pr[a[1]] = a[2] } }
        { printf "%s    \"%s\": {\"value\": %s, \"target\": %s, \"pass\": %s, \"per_repetition\": [%s]}", (NR > 1 ? ",\n" : ""), $1, $2,
           $3 == "-" ? "null" : $3, $3 == "-" ? "null" : ($2 >= $3 ? "true" : "false"), pr[$1] } END { print "" }' "$W/ratios.txt"
    printf '  },\n  "db_growth_per_invoice": {\n'
    awk '{ printf "%s    \"%s\": {\"bytes\": %d, \"invoice_tables_bytes\": %d, \"invoices\": %d, \"target_below\": %s, \"pass\": %s}",
           (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5 == "-" ? "null" : $5, $5 == "-" ? "null" : ($2 < $5 ? "true" : "false") }
         END { print "" }' "$W/storage.txt"
    printf '  },\n  "file_store": {"disk_bytes_per_file": %d, "big_file_bytes": %d},\n' "$FILE_DISK" "$BIG_BYTES"
    printf '  "create_ceiling_combined": %s, "create_ceiling_combined_keepalive": %s,\n' "$CEIL_CREATE" "$CEIL_CREATE_K"
    printf '  "pay_ids": {"per_run": %d, "secs": %d, "warmup_rate": %s, "stopped_early": %d},\n' \
        "$PAY_IDS" "$PAY_SECS" "$PAY_RATE" "$(wc -l <"$W/pay_stopped.txt")"
    printf '  "load_average": "%s",\n' "$LOAD_NOTE"
    printf '  "checks": {\n'
    printf '    "no_failed_or_non_2xx": %s,\n' "$([ "$CHECK_REQ" = OK ] && echo true || echo false)"
    printf '    "create_rows": {"expected": %d, "found": %d, "ok": %s},\n' "$expected" "$got" "$([ "$CHECK_ROWS" = OK ] && echo true || echo false)"
    printf '    "download_sample_identical": {"checked": 20, "identical": %d},\n' "$sample_ok"
    printf '    "pay_rows_ok": %s,\n' "$([ "$CHECK_PAY" = OK ] && echo true || echo false)"
    printf '    "file_store": {"rows": %d, "files": %d, "rows_of_another_store": %d, "create_rows_expected": %d, "create_rows_found": %d, "download_sample_identical": %d, "ok": %s},\n' \
        "$file_rows" "$file_files" "$file_wrong" "$file_expected" "$file_got" "$file_sample_ok" "$([ "$CHECK_FILE" = OK ] && echo true || echo false)"
    printf '    "apache_crashes": %d\n  }\n}\n' "$crashes"
} >"$RESULTS/latest.json"
cp "$W/table.txt" "$RESULTS/latest.txt"

# Chart: ratios against their targets, and latency percentiles.
awk '{ print NR - 1, $1, $2, ($3 == "-" ? "NaN" : $3) }' "$W/ratios.txt" >"$W/ratios.dat"
awk '{ print NR - 1, $1, $5, $6 }' "$W/figures.txt" >"$W/latency.dat"
gnuplot -e "ratios='$W/ratios.dat'; latency='$W/latency.dat'; out='$RESULTS/latest.png'" "$BENCH/chart.gp" ||
    log "!! gnuplot failed (chart not written)"

log "results: $RESULTS/latest.json, $RESULTS/latest.png"
if [ "$CHECK_REQ$CHECK_ROWS$CHECK_BYTES$CHECK_PAY$CHECK_CRASH$CHECK_FILE" != OKOKOKOKOKOK ]; then
    echo "bench: FAILED checks (see above)" >&2
    exit 1
fi
