#!/usr/bin/env bash
# make bench-scale: every route at each table size against its figure at
# the smallest size, a keep-alive concurrency sweep, the database's bytes
# per invoice, and the list plans under force_generic_plan.
#
#   bench/scale.sh        (SIZES="10000 1000000 5000000" by default)
#
# For each size: a fresh table of that many invoices through SQL
# (bench/scale-load.sql: 10k senders, 100k consumers, heavy sender 1 and
# consumer 1 with 4 % of the rows each, the light caller 5 with 300 rows
# spread over the whole heap, small valid files, events in a new install's
# layout: each row its own created event, invoices.tx set, paid / voided
# events in invoice_events, each event a transaction id of its own; the
# private cluster's next xid is first moved past them with pg_resetwal,
# as the feeds only show positions below it), VACUUM ANALYZE,
# then each route with wrk (-c SCALE_CONC, SCALE_SECS s) SCALE_REPS times,
# interleaved (route after route, then again), once with the server's
# plan_cache_mode (auto) and once with force_generic_plan for the lists and
# feeds.  The sweep (create and a list at c = SWEEP) runs at the largest
# size.  Results: bench/results/scale.{json,txt,png} (+ scale-explain.txt).
#
# Knobs: SIZES, SCALE_SECS (4), SCALE_REPS (3), SCALE_CONC (10),
#        SWEEP ("1 10 50 200"), SWEEP_SECS (5).
# Exit status 1 when a request failed or answered non-2xx (the sweep's
# failures are reported, and fail the run at c <= 200 too).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"

SIZES=${SIZES:-10000 1000000 5000000}
SECS=${SCALE_SECS:-4}
REPS=${SCALE_REPS:-3}
CONC=${SCALE_CONC:-10}
SWEEP=${SWEEP:-1 10 50 200}
SWEEP_SECS=${SWEEP_SECS:-5}
RESULTS=$BENCH/results
BODY=$REPO/test/data/ab_sample.txt
log() { printf '[scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

TMP=$(mktemp -d /tmp/invoice-scale.XXXXXX)
chmod 755 "$TMP"
W=$TMP/work
mkdir -p "$W" "$RESULTS"
LOAD_PID=
cleanup() {
    local rc=$?
    [ -z "$LOAD_PID" ] || kill "$LOAD_PID" 2>/dev/null || true
    "$REPO/scripts/httpd.sh" stop "$TMP/httpd" >/dev/null 2>&1 || true
    "$REPO/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1 || true
    if [ "$rc" = 0 ]; then rm -rf "$TMP"; else rm -rf "$TMP/pg/data"; echo "scale: exit $rc; logs in $TMP" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PGPORT=$(pick_port)
PORT=$(pick_port "$PGPORT")
H=http://127.0.0.1:$PORT
q() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice "$@"; }
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT" >&2
# The loaded events' transaction ids (scale-load.sql: TX0 .. TX0 + 2 (n +
# 600) + 1 for n invoices) are ids of transactions that never ran, and the
# feeds show only positions below the oldest running transaction: move this
# private cluster's next xid past those of the largest size, to a multiple
# of 1048576 (0x100000, one pg_xact segment: the server creates it, see
# pg_resetwal's -x), once, before anything is loaded.
TX0=1000
LARGEST=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n | tail -1)
NEXT_XID=$(( (TX0 + 2 * (LARGEST + 600) + 2 + 1048576) / 1048576 * 1048576 ))
[ "$NEXT_XID" -lt 2000000000 ] || die "scale: $LARGEST invoices need too many transaction ids"
"$REPO/scripts/pg.sh" stop "$TMP/pg" >&2
as_pg_user "$PG_BIN/pg_resetwal" -x "$NEXT_XID" -D "$TMP/pg/data" >&2
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT" >&2
httpd_start() { INVOICE_FILE_STORE=pg "$REPO/scripts/httpd.sh" start "$TMP/httpd" "$PORT" "$PGPORT" >&2; }
httpd_stop() { "$REPO/scripts/httpd.sh" stop "$TMP/httpd" >&2; }
httpd_start
log "PostgreSQL on $PGPORT (next xid $NEXT_XID), Apache on $PORT, in $TMP; sizes: $SIZES"

( while sleep 5; do cut -d' ' -f1 /proc/loadavg; done ) >"$W/load.txt" 2>/dev/null &
LOAD_PID=$!

# A small valid PDF (what the seed's helloworld.pdf is, minus its font).
PDF=$W/small.pdf
printf '%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n' >"$PDF"
PDF_HEX='\x'$(od -An -v -tx1 "$PDF" | tr -d ' \n')

RUNS=$W/runs.txt         # size mode route rep req/s p50 p99 failed non2xx
: >"$RUNS"; : >"$W/notes.txt"; : >"$W/hot_routes.txt"
BAD=0
parse_wrk() {  # file -> req/s p50 p99 failed non2xx
    awk 'function ms(v) { return v ~ /us$/ ? v / 1000 : v ~ /ms$/ ? v + 0 : v ~ /m$/ ? v * 60000 : v * 1000 }
        /^ +50% / { p50 = ms($2) } /^ +99% / { p99 = ms($2) }
        /Socket errors:/ { gsub(",", ""); f = $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { x = $5 }
        /^Requests\/sec:/ { r = $2 }
        END { if (r == "") { r = 0; f++ } printf "%s %.3f %.3f %d %d\n", r, p50, p99, f, x }' "$1"
}
wrk_fig() {  # size mode route rep conc secs [wrk args...]
    local size=$1 mode=$2 route=$3 rep=$4 c=$5 s=$6 out t hb=; shift 6
    # Updates of pays and first downloads: how many were HOT.
    case $route in pay|download) hb=$(hot_stats) ;; esac
    out=$W/$size.$mode.$route.$rep.c$c
    t=2; [ "$c" -ge 2 ] || t=1
    wrk -t$t -c"$c" -d"${s}s" --timeout 10s --latency "$@" >"$out" 2>"$out.err" || log "!! wrk exited $? ($route)"
    [ -z "$hb" ] || echo "$size $route $hb $(hot_stats)" >>"$W/hot_routes.txt"
    set -- $(parse_wrk "$out")
    echo "$size $mode $route $rep $*" >>"$RUNS"
    if [ "$4" != 0 ] || [ "$5" != 0 ]; then BAD=$((BAD + 1)); log "!! $size $mode $route rep $rep c=$c: $4 failed, $5 non-2xx"; fi
}

# --------------------------------------------------------------- routes
# Each route: name, and the wrk arguments.  Lists: heavy (1) and light (5)
# callers, first page and a deep page (starting_after the caller's middle
# row), limit 20 and 100.
middle_id() {  # where-clause -> the id of the middle row of that list (newest first)
    q -c "SELECT id FROM invoices WHERE $1 ORDER BY inserted_at DESC, id DESC
          OFFSET (SELECT count(*) / 2 FROM invoices WHERE $1) LIMIT 1"
}
routes_for_size() {  # writes $W/routes: name|kind|args (kind: list = also run generic)
    local hs hc hp ls lc lp es
    hs=$(middle_id "sender_id = 1"); hc=$(middle_id "receiver_id = 1")
    hp=$(middle_id "receiver_id = 1 AND sender_id = 1")
    ls=$(middle_id "sender_id = 5"); lc=$(middle_id "receiver_id = 5")
    lp=$(middle_id "receiver_id = 5 AND sender_id = 5")
    # The middle event of sender 1's feed, in feed order (tx, then 0 for a
    # created event, seq for one of invoice_events) over both sources, by
    # its id as the module gives it: 2^62 + tx for a created event.
    es=$(q -c "WITH f AS (SELECT 4611686018427387904 + tx::text::int8 AS id, tx, 0::int8 AS pos
                          FROM invoices WHERE sender_id = 1 AND tx IS NOT NULL
                          UNION ALL
                          SELECT seq, tx, seq FROM invoice_events WHERE sender_id = 1)
               SELECT id FROM f ORDER BY tx, pos OFFSET (SELECT count(*) / 2 FROM f) LIMIT 1")
    SHOW_ID=$(q -c "SELECT id FROM invoices WHERE receiver_id = 1 ORDER BY random() LIMIT 1")
    {
    for who in heavy light; do
        if [ $who = heavy ]; then id=1 s=$hs c=$hc p=$hp; else id=5 s=$ls c=$lc p=$lp; fi
        for lim in 20 100; do
            [ $who = heavy ] || [ $lim = 100 ] || continue     # light callers: limit 100 (the scattered case)
            echo "sender-first-$who-$lim|list|-H 'Authorization: sender $id' '$H/api/sender/invoices?limit=$lim'"
            echo "sender-deep-$who-$lim|list|-H 'Authorization: sender $id' '$H/api/sender/invoices?limit=$lim&starting_after=$s'"
            echo "consumer-first-$who-$lim|list|-H 'Authorization: consumer $id' '$H/api/consumer/invoices?limit=$lim'"
            echo "consumer-deep-$who-$lim|list|-H 'Authorization: consumer $id' '$H/api/consumer/invoices?limit=$lim&starting_after=$c'"
            echo "pair-first-$who-$lim|list|-H 'Authorization: consumer $id' '$H/api/consumer/invoices/sender/$id?limit=$lim'"
            echo "pair-deep-$who-$lim|list|-H 'Authorization: consumer $id' '$H/api/consumer/invoices/sender/$id?limit=$lim&starting_after=$p'"
        done
    done
    echo "events-first-heavy-100|list|-H 'Authorization: sender 1' '$H/api/sender/events?limit=100'"
    echo "events-deep-heavy-100|list|-H 'Authorization: sender 1' '$H/api/sender/events?limit=100&starting_after=$es'"
    echo "show|one|-H 'Authorization: consumer 1' '$H/api/consumer/invoices/$SHOW_ID'"
    echo "download|one|-s $BENCH/download.lua $H -- $W/download.ids"
    echo "pay|pay|-s $BENCH/pay.lua $H -- $W/pay.ids"
    echo "create|one|-s $BENCH/create.lua $H -- $BODY 3 plain scale"
    } >"$W/routes"
    # Downloads: 1,000 ids, each downloaded once in the warm-up (the first
    # download of each writes its receipt; the runs measure the others).
    q -F ' ' -c "SELECT id, receiver_id FROM invoices ORDER BY random() LIMIT 1000" >"$W/download.ids"
    # Pays: the open invoices in random order, in REPS + 1 equal slices of
    # at most 20,000 (the warm-up's, then one per repetition); a run that
    # uses its slice up stops there (pay.lua) and the table says so.
    q -F ' ' -c "SELECT id, receiver_id FROM invoices WHERE status = 1 ORDER BY random() LIMIT 200000" >"$W/pay.ids"
    PAY_SLICE=$(( $(wc -l <"$W/pay.ids") / (2 * REPS + 2) ))
    [ "$PAY_SLICE" -le 20000 ] || PAY_SLICE=20000
    PAY_USED=0
}
run_route() {  # size mode rep name kind args
    local size=$1 mode=$2 rep=$3 name=$4 kind=$5 args=$6 n
    if [ "$kind" = pay ]; then
        eval "wrk_fig $size $mode $name $rep $CONC $SECS $args $PAY_USED $PAY_SLICE 2"
        PAY_USED=$((PAY_USED + PAY_SLICE))
        ! grep -q 'ran out of ids' "$W/$size.$mode.$name.$rep.c$CONC" ||
            echo "$size: pay rep $rep used up its $PAY_SLICE ids and stopped after $(awk '/ requests in / { sub(",", "", $4); print $4 }' "$W/$size.$mode.$name.$rep.c$CONC")" >>"$W/notes.txt"
    else
        eval "wrk_fig $size $mode $name $rep $CONC $SECS $args"
    fi
}
sanity() {
    local code
    while IFS='|' read -r name kind args; do
        [ "$kind" = list ] || continue
        code=$(eval "curl -s -o $W/sanity.json -w '%{http_code}' $args") || true
        [ "$code" = 200 ] || die "$name answered $code: $(head -c 300 "$W/sanity.json")"
        grep -q '"id"' "$W/sanity.json" || die "$name: an empty page"
    done <"$W/routes"
}
set_plan_mode() {  # auto | force_generic_plan: new connections (Apache restarted)
    q -c "ALTER ROLE invoice SET plan_cache_mode = $1"
    httpd_stop; httpd_start
}

hot_stats() { q -F ' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'invoices'"; }
: >"$W/hot.txt" ; : >"$W/sizes.txt"
for size in $SIZES; do
    log "size $size: loading"
    # Apache stopped meanwhile: its pooled connections preparing statements
    # (which lock the tables they write) could deadlock with the load's
    # DROP INDEX (seen once).  It starts again after the load.
    httpd_stop
    t0=$(date +%s)
    q -v n="$size" -v pdf="$PDF_HEX" -v tx0="$TX0" -f "$BENCH/scale-load.sql"
    q -c "VACUUM ANALYZE invoices" -c "VACUUM ANALYZE invoice_files" -c "VACUUM ANALYZE invoice_events" -c CHECKPOINT
    log "size $size: loaded in $(($(date +%s) - t0)) s"
    # Database bytes per invoice: table, TOAST, each index.
    q -F ' ' -c "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c
                 WHERE c.relname IN ('invoices', 'invoice_files', 'invoice_events') AND c.relkind = 'r'
                 UNION ALL
                 SELECT c.relname || '.toast', pg_total_relation_size(c.reltoastrelid) FROM pg_class c
                 WHERE c.relname IN ('invoices', 'invoice_files', 'invoice_events') AND c.reltoastrelid <> 0
                 UNION ALL
                 SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid) FROM pg_index i
                 WHERE i.indrelid::regclass::text IN ('invoices', 'invoice_files', 'invoice_events')
                 ORDER BY 1" | sed "s/^/$size /" >>"$W/sizes.txt"
    routes_for_size
    httpd_stop; httpd_start        # a fresh pool: each size starts alike
    sanity
    hb=$(hot_stats)
    for mode in auto generic; do
        [ "$mode" = auto ] || set_plan_mode force_generic_plan
        # Warm-up (not counted): every route once, briefly.
        while IFS='|' read -r name kind args; do
            [ "$mode" = auto ] || [ "$kind" = list ] || continue
            if [ "$kind" = pay ]; then eval "wrk_fig $size warm $name 0 $CONC 1 $args $PAY_USED $PAY_SLICE 2"; PAY_USED=$((PAY_USED + PAY_SLICE))
            else eval "wrk_fig $size warm $name 0 $CONC 1 $args"; fi
        done <"$W/routes"
        for rep in $(seq "$REPS"); do
            log "size $size, plans $mode: repetition $rep of $REPS"
            while IFS='|' read -r name kind args; do
                [ "$mode" = auto ] || [ "$kind" = list ] || continue
                run_route "$size" "$mode" "$rep" "$name" "$kind" "$args"
            done <"$W/routes"
        done
        [ "$mode" = auto ] || set_plan_mode DEFAULT
    done
    ha=$(hot_stats)
    echo "$size $hb $ha" >>"$W/hot.txt"
    if [ "$size" = "$LARGEST" ]; then
        log "size $size: plans of the lists under force_generic_plan (EXPLAIN ANALYZE, BUFFERS)"
        hs=$(middle_id "sender_id = 1"); ls=$(middle_id "sender_id = 5"); hc=$(middle_id "receiver_id = 1")
        q -v hs="$hs" -v ls="$ls" -v hc="$hc" -f "$BENCH/scale-explain.sql" >"$W/explain.txt" 2>&1 ||
            log "!! explain failed (see $W/explain.txt)"
        cp "$W/explain.txt" "$RESULTS/scale-explain.txt"
        log "size $size: concurrency sweep ($SWEEP) with keep-alive"
        for c in $SWEEP; do
            wrk_fig "$size" sweep "create-c$c" 1 "$c" "$SWEEP_SECS" -s "$BENCH/create.lua" "$H" -- "$BODY" 4 plain "sw$c"
            wrk_fig "$size" sweep "list-c$c" 1 "$c" "$SWEEP_SECS" -H 'Authorization: sender 1' "$H/api/sender/invoices?limit=20"
        done
        grep -c 'scoreboard is full' "$TMP/httpd/logs/error_log" >"$W/scoreboard.txt" || true
    fi
done
httpd_stop
kill "$LOAD_PID" 2>/dev/null || true; LOAD_PID=
LOAD_NOTE=$(sort -n "$W/load.txt" | awk '{ v[NR] = $1 } END { if (NR) printf "min %.2f, median %.2f, max %.2f", v[1], v[int((NR + 1) / 2)], v[NR]; else print "n/a" }')

# --------------------------------------------------------------- report
SMALLEST=$(tr ' ' '\n' <<<"$SIZES" | grep . | sort -n | head -1)
# Medians over the repetitions: size mode route req/s p50 p99 failed non2xx
awk '$2 != "warm"' "$RUNS" | sort -k1,1n -k2,2 -k3,3 | awk '
    function med(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function flush() { if (k != "") printf "%s %.1f %.3f %.3f %d %d\n", k, med(r, n), med(p, n), med(q, n), f, x }
    { key = $1 " " $2 " " $3 }
    key != k { flush(); k = key; n = 0; f = 0; x = 0 }
    { n++; r[n] = $5; p[n] = $6; q[n] = $7; f += $8; x += $9 }
    END { flush() }' >"$W/medians.txt"
{
    printf 'mod_invoice bench-scale  %s  %s  %d cores  %d reps x %d s, c=%d  load %s\n' "$(date -u +%FT%TZ)" \
        "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" "$REPS" "$SECS" "$CONC" "$LOAD_NOTE"
    printf '\nreq/s (median) and ratio to the %s-invoice figure of the same route and plan mode\n' "$SMALLEST"
    printf '%-26s %-7s' route plans
    for s in $SIZES; do printf ' %9s %6s' "$s" ratio; done
    printf '\n'
    awk -v sizes="$SIZES" -v small="$SMALLEST" '
        $2 == "sweep" { next }
        { v[$3 " " $2 " " $1] = $4; if (!(($3 " " $2) in seen)) { seen[$3 " " $2] = 1; order[++n] = $3 " " $2 } }
        END { m = split(sizes, S, " ")
              for (i = 1; i <= n; i++) { split(order[i], a, " "); printf "%-26s %-7s", a[1], a[2]
                  base = v[order[i] " " small]; worst = 9
                  for (j = 1; j <= m; j++) { x = v[order[i] " " S[j]]
                      r = (base > 0 && x != "") ? x / base : 0
                      printf " %9.0f %6.2f", x, r }
                  printf "\n" } }' "$W/medians.txt"
    printf '\nconcurrency sweep at %s invoices, keep-alive (wrk), %d s each\n' "$LARGEST" "$SWEEP_SECS"
    printf '%-14s %9s %9s %9s %7s %7s\n' route req/s 'p50 ms' 'p99 ms' failed non-2xx
    awk '$2 == "sweep" { printf "%-14s %9.0f %9.2f %9.2f %7d %7d\n", $3, $4, $5, $6, $7, $8 }' "$W/medians.txt" | sort -V
    printf 'Apache "scoreboard is full" lines: %s\n' "$(cat "$W/scoreboard.txt" 2>/dev/null || echo 0)"
    printf '\ndatabase bytes per invoice\n'
    awk '{ b[$1 " " $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } sz[$1] = 1 }
         END { printf "%-44s", "relation"; for (s in sz) S[++m] = s + 0
               for (i = 1; i <= m; i++) for (j = i; j > 1 && S[j - 1] > S[j]; j--) { t = S[j]; S[j] = S[j - 1]; S[j - 1] = t }
               for (i = 1; i <= m; i++) printf " %10s", S[i]; printf "\n"
               for (k = 1; k <= n; k++) { printf "%-44s", order[k]
                   for (i = 1; i <= m; i++) printf " %10.1f", b[S[i] " " order[k]] / S[i]; printf "\n" }
               printf "%-44s", "total"
               for (i = 1; i <= m; i++) { t = 0; for (k = 1; k <= n; k++) t += b[S[i] " " order[k]]; printf " %10.1f", t / S[i] }
               printf "\n" }' "$W/sizes.txt"
    printf '\nupdates of invoices that were HOT (pg_stat_user_tables; fillfactor %s)\n' "$(q -c "SELECT coalesce((SELECT option_value FROM pg_options_to_table((SELECT reloptions FROM pg_class WHERE relname = 'invoices')) WHERE option_name = 'fillfactor'), '100')")"
    awk '{ u = $4 - $2; h = $5 - $3; printf "  %10s invoices, all runs:        %7d updates, %7d HOT (%3.0f %%)\n", $1, u, h, u ? 100 * h / u : 0 }' "$W/hot.txt"
    awk '{ k = $1 " " $2; u[k] += $5 - $3; h[k] += $6 - $4; if (!(k in seen)) { seen[k] = 1; o[++n] = k } }
         END { for (i = 1; i <= n; i++) { split(o[i], a, " ")
                   printf "  %10s invoices, %-18s %7d updates, %7d HOT (%3.0f %%)\n", a[1], (a[2] == "pay" ? "pays:" : "first downloads:"),
                          u[o[i]], h[o[i]], u[o[i]] ? 100 * h[o[i]] / u[o[i]] : 0 } }' "$W/hot_routes.txt"
    [ ! -s "$W/notes.txt" ] || { printf '\n'; cat "$W/notes.txt"; }
    printf '\nfailed or non-2xx requests in all counted runs: %d run(s) with any\n' "$BAD"
} | tee "$W/table.txt"
cp "$W/table.txt" "$RESULTS/scale.txt"

# JSON
{
    printf '{\n  "date": "%s", "commit": "%s", "cores": %d, "sizes": [%s], "reps": %d, "secs": %d, "conc": %d, "load": "%s",\n' \
        "$(date -u +%FT%TZ)" "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')" "$(nproc)" \
        "$(tr ' ' '\n' <<<"$SIZES" | grep . | paste -sd,)" "$REPS" "$SECS" "$CONC" "$LOAD_NOTE"
    printf '  "figures": [\n'
    awk '{ printf "%s    {\"size\": %d, \"plans\": \"%s\", \"route\": \"%s\", \"rps\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"failed\": %d, \"non_2xx\": %d}",
           (NR > 1 ? ",\n" : ""), $1, $2, $3, $4, $5, $6, $7, $8 } END { print "" }' "$W/medians.txt"
    printf '  ],\n  "relation_bytes": [\n'
    awk '{ printf "%s    {\"size\": %d, \"relation\": \"%s\", \"bytes\": %d}", (NR > 1 ? ",\n" : ""), $1, $2, $3 } END { print "" }' "$W/sizes.txt"
    printf '  ],\n  "hot": [\n'
    awk '{ printf "%s    {\"size\": %d, \"updates\": %d, \"hot\": %d}", (NR > 1 ? ",\n" : ""), $1, $4 - $2, $5 - $3 } END { print "" }' "$W/hot.txt"
    printf '  ],\n  "failed_runs": %d\n}\n' "$BAD"
} >"$RESULTS/scale.json"

# Chart: req/s per route against size (auto plans), p99 against concurrency.
awk -v small="$SMALLEST" '$2 == "auto" { v[$3 " " $1] = $4; r[$3] = 1; s[$1] = 1 }
     END { for (x in r) { base = v[x " " small]; for (y in s) if (base > 0 && (x " " y) in v) print x, y, v[x " " y] / base } }' \
    "$W/medians.txt" | sort -k1,1 -k2,2n >"$W/ratio.dat"
awk '$2 == "sweep" { split($3, a, "-c"); print a[1], a[2], $6, $4 }' "$W/medians.txt" | sort -k1,1 -k2,2n >"$W/sweep.dat"
gnuplot -e "ratio='$W/ratio.dat'; sweep='$W/sweep.dat'; out='$RESULTS/scale.png'" "$BENCH/scale.gp" ||
    log "!! gnuplot failed (chart not written)"
log "results: $RESULTS/scale.{txt,json,png}, $RESULTS/scale-explain.txt"
[ "$BAD" = 0 ] || { echo "scale: $BAD run(s) with failed or non-2xx requests" >&2; exit 1; }
