#!/usr/bin/env bash
# mod_invoice soak: memory of the Apache children over 100,000 mixed requests.
#
#   bench/soak.sh       (`make bench-soak` runs it after `make build`)
#
# Starts its own PostgreSQL and Apache on free loopback ports in a temp dir,
# preloads invoices through the API (ab), then sends SOAK_REQUESTS mixed
# requests with wrk in SOAK_SEGMENTS equal segments, over SOAK_CONC
# keep-alive connections.  Per 20 requests: 2 creates, 3 sender lists (one
# with a starting_after cursor), 2 consumer lists, 1 consumer list by
# sender, 3 sender shows, 2 consumer shows, 2 pays (each preloaded invoice
# paid once, 409 afterwards), 5 downloads.
#
# Prints the VmRSS of every Apache child (from /proc/<pid>/status) after the
# preload ("before"), after each segment, and at the end, with the growth per
# child; the target is under 2 MiB of growth per child.  A benchmark: the
# figures are reported, never judged.  Exit status 1 only when something
# broke: a request failed or got an unexpected status (anything but 200,
# 201, 409), Apache logged a crash, or the servers did not start.
#
# Knobs: SOAK_REQUESTS=100000 SOAK_SEGMENTS=4 SOAK_CONC=8 SOAK_PRELOAD=1000
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"            # PG_BIN, die, wait_for

REQUESTS=${SOAK_REQUESTS:-100000}
SEGMENTS=${SOAK_SEGMENTS:-4}
CONC=${SOAK_CONC:-8}
PRELOAD=${SOAK_PRELOAD:-1000}
THREADS=2
TARGET_KB=2048
BODY=$REPO/test/data/ab_sample.txt    # receiver_id 2, helloworld.pdf
SENDER=101 RECEIVER=2
PACKAGES=(apache2 apache2-utils postgresql-15 postgresql-client-15 curl wrk)

log() { printf '[soak %s] %s\n' "$(date +%T)" "$*" >&2; }

[ "$REQUESTS" -ge $((SEGMENTS * THREADS)) ] || die "SOAK_REQUESTS too small"

"$REPO/scripts/ensure-packages.sh" "${PACKAGES[@]}"
[ -f "${INVOICE_MODULE:-$REPO/.libs/mod_invoice.so}" ] || make -C "$REPO" build

# pick_port (scripts/common.sh) checks that nobody answers and that no
# socket, not even one in TIME_WAIT, holds the port.

TMP=$(mktemp -d /tmp/invoice-soak.XXXXXX)
chmod 755 "$TMP"                      # postgres and www-data traverse it
ERROR_LOG=$TMP/httpd/logs/error_log
cleanup() {
    local rc=$?
    set +e
    "$REPO/scripts/httpd.sh" stop "$TMP/httpd" >/dev/null 2>&1
    "$REPO/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1
    if [ "$rc" = 0 ] && [ "${SOAK_KEEP:-}" != 1 ]; then
        rm -rf "$TMP"
    else
        rm -rf "$TMP/pg/data"
        echo "soak: exit $rc; logs kept in $TMP" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

PGPORT=$(pick_port)
PORT=$(pick_port "$PGPORT")
H=http://127.0.0.1:$PORT
W=$TMP/work
mkdir -p "$W"
q() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice "$@"; }

log "PostgreSQL on $PGPORT, Apache on $PORT, in $TMP"
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT" >/dev/null
"$REPO/scripts/httpd.sh" start "$TMP/httpd" "$PORT" "$PGPORT"
PARENT=$(cat "$TMP/httpd/httpd.pid")

# ----------------------------------------------------------------- memory
# "pid rss_kB" for every child of the Apache parent.
children_rss() {
    local c
    for c in $(pgrep -P "$PARENT" | sort -n); do
        awk -v pid="$c" '/^VmRSS:/ { print pid, $2 }' "/proc/$c/status" 2>/dev/null || true
    done
}
SNAPS=()                              # names; $W/rss.<i> hold the tables
snap() {  # label
    local i=${#SNAPS[@]}
    children_rss >"$W/rss.$i"
    SNAPS+=("$1")
    log "RSS $1: $(awk '{ printf "%s%s=%.1fMiB", (NR > 1 ? " " : ""), $1, $2 / 1024 }' "$W/rss.$i")"
}
snap "at start"

# ---------------------------------------------------------------- preload
log "preloading $PRELOAD invoices (ab, 4 connections)"
ab -q -n "$PRELOAD" -c 4 -p "$BODY" -T application/json -H "Authorization: sender $SENDER" \
    "$H/api/sender/invoices" >"$W/preload.ab" 2>&1 || { cat "$W/preload.ab" >&2; die "preload failed"; }
grep -q "^Non-2xx responses" "$W/preload.ab" && { cat "$W/preload.ab" >&2; die "preload got non-2xx answers"; }
q -c "SELECT id FROM invoices WHERE sender_id = $SENDER AND receiver_id = $RECEIVER ORDER BY random()" >"$W/ids"
[ "$(wc -l <"$W/ids")" -ge "$PRELOAD" ] || die "preload stored $(wc -l <"$W/ids") invoices, not $PRELOAD"

# ------------------------------------------------------------------- load
cat >"$W/soak.lua" <<'LUA'
-- soak.sh's mix.  Arguments: IDS BODY QUOTA SENDER RECEIVER PAY_OFFSET
-- NTHREADS DONE_DIR.  A thread that has its QUOTA of answers stops and
-- leaves DONE_DIR/done.<tid>: wrk itself runs until -d or SIGINT, which
-- soak.sh sends once every thread is done.
local threads, counter = {}, 0
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    threads[#threads + 1] = thread
end

local ids, reqs_fixed = {}, {}
local quota, got, k, pay_next, nthreads = 0, 0, 0, 0, 1
local sender, receiver, body, done_dir
counts = {}

function init(args)
    for line in io.lines(args[1]) do ids[#ids + 1] = line end
    local f = assert(io.open(args[2], "rb"))
    body = f:read("*a")
    f:close()
    quota = tonumber(args[3])
    sender, receiver = args[4], args[5]
    nthreads = tonumber(args[7])
    done_dir = args[8]
    pay_next = tonumber(args[6]) + tid
    math.randomseed(os.time() * 1000 + tid * 7919)
    local S = { Authorization = "sender " .. sender }
    local C = { Authorization = "consumer " .. receiver }
    reqs_fixed.create = wrk.format("POST", "/api/sender/invoices",
        { Authorization = "sender " .. sender, ["Content-Type"] = "application/json" }, body)
    reqs_fixed.slist = wrk.format("GET", "/api/sender/invoices?limit=20", S)
    reqs_fixed.clist = wrk.format("GET", "/api/consumer/invoices?limit=20", C)
    reqs_fixed.plist = wrk.format("GET", "/api/consumer/invoices/sender/" .. sender .. "?limit=20", C)
    reqs_fixed.S, reqs_fixed.C = S, C
end

local function any_id() return ids[math.random(#ids)] end

function request()
    k = k + 1
    local slot = k % 20
    local S, C = reqs_fixed.S, reqs_fixed.C
    if slot < 2 then return reqs_fixed.create
    elseif slot < 4 then return reqs_fixed.slist
    elseif slot == 4 then
        return wrk.format("GET", "/api/sender/invoices?limit=20&starting_after=" .. any_id(), S)
    elseif slot < 7 then return reqs_fixed.clist
    elseif slot == 7 then return reqs_fixed.plist
    elseif slot < 11 then return wrk.format("GET", "/api/sender/invoices/" .. any_id(), S)
    elseif slot < 13 then return wrk.format("GET", "/api/consumer/invoices/" .. any_id(), C)
    elseif slot < 15 then
        local id = ids[(pay_next % #ids) + 1]
        pay_next = pay_next + nthreads
        return wrk.format("POST", "/api/consumer/invoices/" .. id .. "/pay", C)
    else return wrk.format("GET", "/api/consumer/invoices/" .. any_id() .. "/file", C)
    end
end

function response(status, headers, rbody)
    counts[status] = (counts[status] or 0) + 1
    got = got + 1
    if got == quota then
        local f = io.open(done_dir .. "/done." .. tid, "w")
        if f then f:close() end
        wrk.thread:stop()
    end
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for s, n in pairs(t:get("counts") or {}) do total[s] = (total[s] or 0) + n end
    end
    for s, n in pairs(total) do io.write(string.format("STATUS %d %d\n", s, n)) end
    local e = summary.errors
    io.write(string.format("ERRORS %d\n", e.connect + e.read + e.write + e.timeout))
    io.write(string.format("LATENCY p50 %.2f p99 %.2f max %.2f\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

PER_SEG=$((REQUESTS / SEGMENTS))
PER_THREAD=$((PER_SEG / THREADS))
PAYS_PER_SEG=$((PER_SEG / 10))
snap "before (after preload)"
FAILED=0
t_start=$(date +%s.%N)
for seg in $(seq 1 "$SEGMENTS"); do
    out=$W/wrk.$seg
    rm -rf "$W/done" && mkdir "$W/done"
    # -d only bounds a segment that would never reach its quota.
    wrk -t "$THREADS" -c "$CONC" -d "${SOAK_SEGMENT_MAX_S:-600}s" --timeout 15s -s "$W/soak.lua" "$H" -- \
        "$W/ids" "$BODY" "$PER_THREAD" "$SENDER" "$RECEIVER" $(( (seg - 1) * PAYS_PER_SEG )) \
        "$THREADS" "$W/done" >"$out" 2>&1 &
    wrk_pid=$!
    while kill -0 "$wrk_pid" 2>/dev/null &&
          [ "$(find "$W/done" -name 'done.*' | wc -l)" -lt "$THREADS" ]; do
        sleep 0.2
    done
    kill -INT "$wrk_pid" 2>/dev/null || true   # wrk prints its summary and done()
    wait "$wrk_pid" || { log "wrk exited $? in segment $seg"; FAILED=1; }
    n=$(awk '$1 == "STATUS" { n += $3 } END { print n + 0 }' "$out")
    errs=$(awk '$1 == "ERRORS" { print $2 }' "$out")
    odd=$(awk '$1 == "STATUS" && $2 != 200 && $2 != 201 && $2 != 409 { printf "%s%d x %d", (o++ ? ", " : ""), $3, $2 }' "$out")
    log "segment $seg: $n answers ($(awk '$1 == "STATUS" { printf "%s%d x %d", (o++ ? ", " : ""), $3, $2 }' "$out")), $(grep '^Requests/sec' "$out" | awk '{ print $2 }') req/s, $(grep '^LATENCY' "$out" | cut -d' ' -f2-) ms"
    [ "${errs:-1}" = 0 ] || { log "!! segment $seg: $errs socket errors"; FAILED=1; }
    [ -z "$odd" ] || { log "!! segment $seg: unexpected statuses: $odd"; FAILED=1; }
    cat "$out" >>"$W/wrk.all"
    snap "after $((seg * PER_SEG)) requests"
done
t_end=$(date +%s.%N)
TOTAL=$(awk '$1 == "STATUS" { n += $3 } END { print n + 0 }' "$W/wrk.all")

# ----------------------------------------------------------------- report
before=$W/rss.1
after=$W/rss.$(( ${#SNAPS[@]} - 1 ))
first_seg=$W/rss.2
echo
echo "soak: $TOTAL requests in $(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.0f", b - a }') s over $CONC connections;" \
     "answers: $(awk '$1 == "STATUS" { c[$2] += $3 } END { for (s in c) printf "%s%d x %d", (o++ ? ", " : ""), c[s], s }' "$W/wrk.all")"
echo "soak: VmRSS per Apache child (KiB); target: growth < $TARGET_KB KiB (2 MiB) per child"
{
    printf '%-8s' pid
    for i in "${!SNAPS[@]}"; do [ "$i" = 0 ] || printf ' %10s' "$( [ "$i" = 1 ] && echo before || awk -v n=$(( (i - 1) * PER_SEG )) 'BEGIN { printf "@%gk", n / 1000 }')"; done
    printf ' %10s %14s %s\n' growth "after-1st-seg" verdict
    for pid in $(awk '{ print $1 }' "$W"/rss.[1-9]* | sort -un); do
        printf '%-8s' "$pid"
        for i in "${!SNAPS[@]}"; do
            [ "$i" = 0 ] && continue
            printf ' %10s' "$(awk -v p="$pid" '$1 == p { print $2 }' "$W/rss.$i")"
        done
        b=$(awk -v p="$pid" '$1 == p { print $2 }' "$before")
        a=$(awk -v p="$pid" '$1 == p { print $2 }' "$after")
        f=$(awk -v p="$pid" '$1 == p { print $2 }' "$first_seg")
        if [ -n "$b" ] && [ -n "$a" ]; then
            g=$((a - b))
            printf ' %10s %14s %s\n' "$(printf '%+d' "$g")" "$([ -n "$f" ] && printf '%+d' $((a - f)) || echo -)" \
                "$([ "$g" -lt "$TARGET_KB" ] && echo "ok (< 2 MiB)" || echo "OVER 2 MiB")"
        else
            printf ' %10s %14s %s\n' - - "$([ -z "$b" ] && echo "started during the soak" || echo "gone during the soak")"
        fi
    done
} | tee "$W/rss.table"

# Crashes: the parent logs them when it reaps a child.
if grep -E -q "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG"; then
    log "!! Apache error log reports a crash:"
    grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" | head -n 10 >&2
    FAILED=1
fi
[ "$FAILED" = 0 ] || { log "soak: requests failed or Apache crashed (see above)"; exit 1; }
log "done (figures are reported, not judged)"
