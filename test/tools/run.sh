#!/usr/bin/env bash
# mod-invoice-files (sweep, migrate) against a private PostgreSQL + Apache
# (scripts/stack.sh):
#
#   test/tools/run.sh build/mod-invoice-files
#
# 1. invoices created through the API with InvoiceFileStore pg, then with
#    a file: store in the run directory;
# 2. ORPHANS: PostgreSQL SIGKILLed under uploads; PostgreSQL stopped while
#    uploads wrote their files and Apache's children SIGKILLed before the
#    rows (a crash between file and row), PostgreSQL SIGKILLed and
#    restarted; orphans planted by hand.  sweep --dry-run lists exactly the
#    orphans (the files no row names), sweep removes them and keeps every
#    file a row names, a second sweep removes nothing, every invoice
#    downloads intact;
# 3. MIGRATE: pg -> file: interrupted (SIGKILL) and resumed; file: -> pg in
#    two runs (--limit), a tampered file refused (SHA-256 mismatch) and left
#    as it was, then moved once repaired; downloads intact after each step;
#    the tools' lock, the root guard, usage and exit statuses; downloads
#    whose kept facts name the store a file left ask the database again;
# 4. DOWNLOADS WITHOUT THE DATABASE: with PostgreSQL stopped, a file whose
#    facts the children kept downloads intact, an unknown one answers 503.
#
# The tool runs as Apache's user (www-data when we are root), as an
# operator must run it.  INVOICE_KEEP_RUNDIR=1 keeps the run directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -ge 1 ] || { echo "usage: $0 path/to/mod-invoice-files" >&2; exit 2; }
TOOL=$1
case $TOOL in /*) ;; *) TOOL=$PWD/$TOOL ;; esac
[ -x "$TOOL" ] || { echo "tools/run.sh: $TOOL is not an executable" >&2; exit 2; }

# Apache children this test SIGKILLs: httpd logs no crash for SIGKILL, and
# any other crash still fails the run.
stack_crashes() {
    [ -f "$ERROR_LOG" ] || return 0
    local others
    others=$(grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" |
             grep -v "exit signal Killed" || true)
    if [ -n "$others" ]; then
        stack_log "Apache error log reports a crash or a sanitizer report:"
        head -n 20 <<<"$others" >&2
        return 1
    fi
}

STARTED=$(date +%s)
stack_init tools
# The test S3 of the S3 section is stopped however the run ends.
tools_cleanup() {
    local rc=$?
    set +e
    [ ! -d "$RUN_DIR/s3" ] || "$REPO_ROOT/test/s3/s3.sh" stop "$RUN_DIR/s3" >&2
    (exit "$rc")
    stack_cleanup
}
trap tools_cleanup EXIT
FILES=$RUN_DIR/files
STORE=file:$FILES
ORIG=$RUN_DIR/originals          # the bytes of every acknowledged invoice, by id
WORK=$RUN_DIR/work
mkdir -p "$ORIG" "$WORK"
chmod 755 "$WORK"

CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "ok $CHECKS - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
check() {   # check DESCRIPTION COMMAND...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
same() { [ "$1" = "$2" ] || { echo "  expected: [$2]" >&2; echo "  got:      [$1]" >&2; return 1; }; }

sql() { psql -X -qtA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U invoice -d invoice -c "$1"; }

# The tool as Apache's user.  setpriv execs it: "${AS_APACHE[@]}" "$TOOL"
# ... & makes $! the tool itself (a function run with & would be a
# subshell, whose death leaves the tool running).
AS_APACHE=()
[ "$(id -u)" != 0 ] || AS_APACHE=(setpriv --reuid=www-data --regid=www-data --init-groups --)
tool() { "${AS_APACHE[@]}" "$TOOL" "$@"; }

# ---- invoices --------------------------------------------------------------

SAMPLE=$WORK/sample.pdf
sed -e 's/.*"content": *"\([^"]*\)".*/\1/' "$REPO_ROOT/test/data/ab_sample.txt" | base64 -d >"$SAMPLE"

# A PDF of n bytes, different each time.
make_pdf() { { printf '%%PDF-1.4\n'; head -c "$(($2 - 9))" /dev/urandom; } >"$1"; }

# The id of a 201 in response file $1 (status $2), its bytes $3 kept.
acknowledged() {
    local id
    [ "$2" = 201 ] || return 1
    id=$(grep -o '"id": *"[0-9a-f-]*"' "$1" | head -n 1 | cut -d'"' -f4)
    [ -n "$id" ] || return 1
    cp "$3" "$ORIG/$id"
    echo "$id"
}

create_json() {
    local code
    code=$(curl -s -o "$WORK/resp" -w '%{http_code}' -X POST -H "Authorization: sender $1" \
        -H 'Content-Type: application/json' --data-binary @"$REPO_ROOT/test/data/ab_sample.txt" \
        "$BASE_URL/api/sender/invoices")
    acknowledged "$WORK/resp" "$code" "$SAMPLE" || fail "create answered $code: $(cat "$WORK/resp")"
}

upload_raw() {   # upload_raw FILE [CURL OPTIONS...]: the answer's status
    local f=$1; shift
    curl -s -o "$f.resp" -w '%{http_code}' "$@" -H 'Authorization: sender 1' \
        -H 'Content-Type: application/pdf' --data-binary @"$f" \
        "$BASE_URL/api/sender/uploads?receiver_id=2" || true
}

upload_new() {   # upload_new BYTES: a new invoice's id
    local f code
    f=$(mktemp "$WORK/up.XXXXXX")
    make_pdf "$f" "$1"
    code=$(upload_raw "$f")
    acknowledged "$f.resp" "$code" "$f" || fail "upload answered $code: $(cat "$f.resp")"
}

metric() {   # metric NAME: its value on /metrics (0 when absent)
    curl -s "$BASE_URL/metrics" | awk -v k="$1" 'index($0, k " ") == 1 {print $NF; found=1} END {if (!found) print 0}'
}

# Every row downloads through the API with the SHA-256 it records, and an
# acknowledged invoice byte for byte; ids given as arguments are skipped.
check_downloads() {
    local id sha receiver code n=0
    while IFS='|' read -r id sha receiver; do
        [[ " $* " != *" $id "* ]] || continue
        code=$(curl -s -o "$WORK/dl" -w '%{http_code}' -H "Authorization: consumer $receiver" \
            "$BASE_URL/api/consumer/invoices/$id/file")
        [ "$code" = 200 ] || { echo "  $id: download answered $code" >&2; return 1; }
        [ "$(sha256sum <"$WORK/dl" | cut -d' ' -f1)" = "$sha" ] ||
            { echo "  $id: downloaded bytes differ from the row's SHA-256" >&2; return 1; }
        if [ -f "$ORIG/$id" ] && ! cmp -s "$WORK/dl" "$ORIG/$id"; then
            echo "  $id: downloaded bytes differ from the upload" >&2; return 1
        fi
        n=$((n + 1))
    done < <(sql "SELECT id, encode(file_sha256, 'hex'), receiver_id FROM invoices ORDER BY id")
    [ "$n" -gt 0 ] && echo "  ($n invoices downloaded intact)"
}

# Every row's file is where the row says (no row without its file).
check_rows_have_files() {
    local id missing=0
    [ "$(sql "SELECT count(*) FROM invoices i LEFT JOIN invoice_files f ON f.invoice_id = i.id
              WHERE i.file_store IS NULL AND f.invoice_id IS NULL")" = 0 ] || return 1
    for id in $(sql "SELECT id FROM invoices WHERE file_store = '$STORE'"); do
        [ -f "$FILES/${id: -2}/$id" ] || { echo "  $id: no file in $STORE" >&2; missing=1; }
    done
    [ "$missing" = 0 ]
}

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
store_ids() { find "$FILES" -mindepth 2 -maxdepth 2 -type f ! -name '.*' -printf '%f\n' | grep -E "$UUID_RE" | sort || true; }
named_ids() { sql "SELECT id FROM invoices WHERE file_store = '$STORE'" | sort; }
orphan_ids() { comm -23 <(store_ids) <(named_ids); }
listed() { awk -v w="$1" '$1 == w { print $(w == "would" ? 3 : 2) }' | sed 's/:$//' | sort; }
lines() { grep -c . || true; }

DSN=
start_stack() {
    export INVOICE_FILE_STORE=pg
    stack_start
    DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice"
}

restart_apache() {   # restart_apache STORE
    "$REPO_ROOT/scripts/httpd.sh" stop "$HTTPD_DIR" >&2
    INVOICE_FILE_STORE=$1 "$REPO_ROOT/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" "$PG_PORT" >&2
}

# ---- the crashes ------------------------------------------------------------

# The children of process $1, from /proc/PID/stat: "PID (NAME) STATE PPID ...".
children_of() {
    local f line rest
    for f in /proc/[0-9]*/stat; do
        { read -r line <"$f"; } 2>/dev/null || continue
        rest=${line##*) }
        rest=${rest#* }
        [ "${rest%% *}" != "$1" ] || echo "${line%% *}"
    done
}

pg_pids() {
    local pm
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
    echo "$pm"
    children_of "$pm"
}

kill_postgres() {   # the postmaster and its children, as test/faults do
    local pids
    pids=$(pg_pids)
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    for _ in $(seq 100); do
        # shellcheck disable=SC2086
        kill -0 $pids 2>/dev/null || break
        sleep 0.1
    done
}

restart_postgres() {
    "$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >&2
    wait_for 100 curl -sf -o /dev/null "$BASE_URL/readyz" || fail "the API is not ready after PostgreSQL restarted"
}

# Uploads at several paces, PostgreSQL SIGKILLed while they are in flight.
crash_postgres_under_uploads() {
    local i f pids=() code acked=0
    for i in $(seq 10); do
        f=$WORK/c1-$i; make_pdf "$f" $((150000 + i * 7000))
        ( upload_raw "$f" --max-time 30 --limit-rate "$((i * 60))k" >"$f.code" ) &
        pids+=($!)
    done
    sleep 0.7
    kill_postgres
    echo "  PostgreSQL SIGKILLed with uploads in flight"
    restart_postgres
    wait "${pids[@]}" || true
    for i in $(seq 10); do
        f=$WORK/c1-$i; code=$(cat "$f.code")
        if acknowledged "$f.resp" "$code" "$f" >/dev/null; then acked=$((acked + 1)); fi
    done
    echo "  $acked of 10 uploads answered 201"
}

# PostgreSQL stopped: uploads write their files, then wait for their rows;
# Apache's children SIGKILLed then (a crash between file and row), then
# PostgreSQL SIGKILLed and restarted.
crash_between_file_and_row() {
    local i f pids=() before now
    before=$(store_ids | lines)
    # shellcheck disable=SC2046
    kill -STOP $(pg_pids)
    for i in $(seq 6); do
        f=$WORK/c2-$i; make_pdf "$f" $((90000 + i * 1000))
        ( upload_raw "$f" --max-time 20 >"$f.code" ) &
        pids+=($!)
    done
    for _ in $(seq 15); do
        now=$(store_ids | lines)
        [ "$now" -lt $((before + 6)) ] || break
        sleep 0.1
    done
    # shellcheck disable=SC2046
    kill -KILL $(children_of "$(cat "$HTTPD_DIR/httpd.pid")") 2>/dev/null || true
    echo "  $((now - before)) files written, Apache's children SIGKILLed before their rows"
    kill_postgres
    wait "${pids[@]}" || true
    restart_postgres
}

# ---- usage ---------------------------------------------------------------

section_usage() {
    local out rc
    out=$("$TOOL" --help) && rc=0 || rc=$?
    check "--help: exit 0 and the usage" same "$rc:$(grep -c '^usage: mod-invoice-files sweep' <<<"$out")" "0:1"
    "$TOOL" sweep --store "$STORE" >/dev/null 2>&1 && rc=0 || rc=$?
    check "no --db: exit 2" same "$rc" 2
    "$TOOL" migrate --db "$DSN" --to pg --bogus >/dev/null 2>&1 && rc=0 || rc=$?
    check "an unknown option: exit 2" same "$rc" 2
    "$TOOL" sweep --db "$DSN" --store "$STORE" --older-than soon >/dev/null 2>&1 && rc=0 || rc=$?
    check "a bad duration: exit 2" same "$rc" 2
    out=$("$TOOL" sweep --db "host=127.0.0.1 port=1 dbname=x connect_timeout=2" --store "$STORE" 2>&1) && rc=0 || rc=$?
    check "no database: exit 1, said why" same "$rc:$(grep -c 'cannot connect to the database' <<<"$out")" "1:1"
    out=$(tool sweep --db "$DSN" --store "nfs:/x" 2>&1) && rc=0 || rc=$?
    check "an unknown scheme: exit 1, said why" same "$rc:$(grep -c 'names no file store' <<<"$out")" "1:1"
}

# ---- orphans -----------------------------------------------------------------

PG_ROW_ID=
plant_orphans() {
    local id d
    # Old: even the default --older-than (1h) takes it.
    OLD_ORPHAN=$(cat /proc/sys/kernel/random/uuid)
    d=$FILES/${OLD_ORPHAN: -2}; mkdir -p "$d"; head -c 5000 /dev/urandom >"$d/$OLD_ORPHAN"
    touch -d '2 hours ago' "$d/$OLD_ORPHAN"
    # New: only --older-than 0 takes it.
    id=$(cat /proc/sys/kernel/random/uuid)
    d=$FILES/${id: -2}; mkdir -p "$d"; head -c 3000 /dev/urandom >"$d/$id"
    # The id of a row whose file is in PostgreSQL: not this store's file.
    PG_ROW_ID=$(sql "SELECT id FROM invoices WHERE file_store IS NULL ORDER BY id LIMIT 1")
    d=$FILES/${PG_ROW_ID: -2}; mkdir -p "$d"; cp "$SAMPLE" "$d/$PG_ROW_ID"
    # Not an invoice id: never touched.
    echo "notes" >"$FILES/${PG_ROW_ID: -2}/NOTES.txt"
    [ "$(id -u)" != 0 ] || chown -R www-data: "$FILES"
}

section_orphans() {
    local out rc expected files_before
    echo "# ORPHANS"
    crash_postgres_under_uploads
    echo "  orphans after the PostgreSQL crash: $(orphan_ids | lines)"
    crash_between_file_and_row
    local crash_orphans; crash_orphans=$(orphan_ids | lines)
    check "the crash between file and row left orphans ($crash_orphans)" test "$crash_orphans" -ge 1
    check "no row without its file after the crashes" check_rows_have_files
    plant_orphans
    expected=$(orphan_ids)
    echo "  orphans expected: $(lines <<<"$expected") (the files no row of $STORE names)"

    out=$(tool sweep --db "$DSN" --store "$STORE" --dry-run) && rc=0 || rc=$?
    check "sweep --dry-run (1h): only the old planted orphan" same "$rc:$(listed would <<<"$out")" "0:$OLD_ORPHAN"
    files_before=$(store_ids)
    out=$(tool sweep --db "$DSN" --store "$STORE" --older-than 0 --dry-run 2>"$WORK/err") && rc=0 || rc=$?
    check "sweep --older-than 0 --dry-run lists exactly the orphans" same "$rc:$(listed would <<<"$out")" "0:$expected"
    check "... the row naming pg counts as an orphan" grep -q "would remove $PG_ROW_ID (its row names pg)" <<<"$out"
    check "... and removes nothing" same "$(store_ids)" "$files_before"
    check "... warns that --older-than is short" grep -q "under a minute" "$WORK/err"
    check "... NOTES.txt is ignored" grep -q "^ignored NOTES.txt" <<<"$out"

    out=$(tool sweep --db "$DSN" --store "$STORE" --older-than 0 2>/dev/null) && rc=0 || rc=$?
    echo "  $(tail -n 1 <<<"$out")"
    check "sweep --older-than 0 removes exactly the orphans" same "$rc:$(listed removed <<<"$out")" "0:$expected"
    check "... and keeps every file a row names" same "$(store_ids)" "$(named_ids)"
    check "... and NOTES.txt" test -f "$FILES/${PG_ROW_ID: -2}/NOTES.txt"
    check "... summary counts" grep -q "orphans removed, $(named_ids | lines) kept, 1 ignored, 0 failed$" <<<"$(tail -n 1 <<<"$out")"
    out=$(tool sweep --db "$DSN" --store "$STORE" --older-than 0 2>/dev/null) && rc=0 || rc=$?
    check "a second sweep removes nothing" same "$rc:$(listed removed <<<"$out" | lines)" "0:0"
    check "... and says so" grep -q " 0 orphans removed" <<<"$out"
    check "every invoice downloads intact" check_downloads
}

# ---- migrate -----------------------------------------------------------------

not_running() { ! kill -0 "$1" 2>/dev/null; }

wait_lock_free() {
    for _ in $(seq 50); do
        [ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

section_migrate_out_of_pg() {
    local total out rc pid moved left
    echo "# MIGRATE pg -> $STORE"
    total=$(sql "SELECT count(*) FROM invoices WHERE file_store IS NULL")
    check "rows in PostgreSQL to move: $total" test "$total" -ge 5
    if [ "$(id -u)" = 0 ]; then
        out=$("$TOOL" migrate --db "$DSN" --to "$STORE" 2>&1) && rc=0 || rc=$?
        check "as root into a directory of www-data: refused, exit 1" same "$rc:$(grep -c 'belongs to www-data' <<<"$out")" "1:1"
    fi
    "${AS_APACHE[@]}" "$TOOL" migrate --db "$DSN" --to "$STORE" --batch 1 --pause 700ms \
        >"$WORK/m1.out" 2>"$WORK/m1.err" &
    pid=$!
    for _ in $(seq 100); do
        moved=$(grep -c '^moved ' "$WORK/m1.out" || true)
        [ "$moved" -lt 2 ] || break
        sleep 0.1
    done
    out=$(tool sweep --db "$DSN" --store "$STORE" --dry-run 2>&1) && rc=0 || rc=$?
    check "a sweep beside a migration is refused (exit 1)" same "$rc:$(grep -c 'another sweep or migration' <<<"$out")" "1:1"
    kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
    check "the migration is gone" not_running "$pid"
    left=$(sql "SELECT count(*) FROM invoices WHERE file_store IS NULL")
    echo "  migration SIGKILLed after $(grep -c '^moved ' "$WORK/m1.out") of $total rows"
    check "interrupted mid-way ($left rows left in PostgreSQL)" test "$left" -gt 0 -a "$left" -lt "$total"
    check "no row without its file after the interruption" check_rows_have_files
    check "every invoice downloads intact after the interruption" check_downloads
    wait_lock_free || fail "the killed migration's lock was not released"

    out=$(tool migrate --db "$DSN" --to "$STORE" --batch 2) && rc=0 || rc=$?
    echo "  $(tail -n 1 <<<"$out")"
    check "the migration resumed: exit 0, the $left rows left moved" \
        same "$rc:$(tail -n 1 <<<"$out")" "0:migrate to $STORE: $left moved, 0 skipped, 0 failed"
    check "... every row names $STORE" same "$(sql "SELECT count(*) FROM invoices WHERE file_store IS DISTINCT FROM '$STORE'")" 0
    check "... no invoice_files row is left" same "$(sql "SELECT count(*) FROM invoice_files")" 0
    check "... every row's file is in the store" check_rows_have_files
    check "... no orphan in the store" same "$(orphan_ids | lines)" 0
    check "every invoice downloads intact" check_downloads
    out=$(tool migrate --db "$DSN" --to "$STORE") && rc=0 || rc=$?
    check "run again: nothing to move" same "$rc:$(tail -n 1 <<<"$out")" "0:migrate to $STORE: 0 moved, 0 skipped, 0 failed"
}

section_migrate_into_pg() {
    local out rc victim total first3 f pid left
    echo "# MIGRATE $STORE -> pg"
    total=$(sql "SELECT count(*) FROM invoices")
    victim=$(sql "SELECT id FROM invoices ORDER BY id DESC LIMIT 1")
    [ -f "$ORIG/$victim" ] || victim=$(sql "SELECT id FROM invoices ORDER BY id DESC" | while read -r i; do [ -f "$ORIG/$i" ] && { echo "$i"; break; }; done)
    f=$FILES/${victim: -2}/$victim
    printf 'X' | dd of="$f" bs=1 seek=200 conv=notrunc status=none
    cp "$f" "$WORK/tampered"
    first3=$(sql "SELECT id FROM invoices ORDER BY id LIMIT 3")

    # A download keeps its file's facts in the child that served it, with
    # the store its row named (src/httpd/filecache.h); once the file moved,
    # those facts name a store it left, and the download asks the database
    # again.  Ten downloads each: every child is likely to keep the three.
    local id i moved
    for i in $(seq 10); do
        for id in $first3; do
            curl -s -o /dev/null -H "Authorization: consumer $(sql "SELECT receiver_id FROM invoices WHERE id = '$id'")" \
                "$BASE_URL/api/consumer/invoices/$id/file"
        done
    done
    moved=$(metric invoice_download_facts_moved_total)

    out=$(tool migrate --db "$DSN" --to pg --from "$STORE" --limit 3) && rc=0 || rc=$?
    check "--limit 3: the first three rows moved" same "$rc:$(listed moved <<<"$out")" "0:$first3"
    check "... their copies in the store removed" same "$(store_ids | lines)" $((total - 3))
    check "... downloads kept their facts, which named the store: every invoice (but the tampered) downloads intact" \
        check_downloads "$victim"
    check "... the kept facts of the moved files were found stale (/metrics)" \
        test "$(metric invoice_download_facts_moved_total)" -gt "$moved"

    # PostgreSQL restarted under a migration, between two rows (the tool is
    # held still meanwhile, in its pause): it reconnects, takes its lock
    # again and goes on.
    "${AS_APACHE[@]}" "$TOOL" migrate --db "$DSN" --to pg --batch 1 --pause 2s --limit 3 \
        >"$WORK/m3.out" 2>"$WORK/m3.err" &
    pid=$!
    for _ in $(seq 100); do
        [ "$(grep -c '^moved ' "$WORK/m3.out" || true)" -lt 1 ] || break
        sleep 0.1
    done
    kill -STOP "$pid"
    "$REPO_ROOT/scripts/pg.sh" restart "$PG_DIR" "$PG_PORT" >&2
    kill -CONT "$pid"
    wait "$pid" && rc=0 || rc=$?
    echo "  $(tail -n 1 "$WORK/m3.out") (PostgreSQL restarted after the first)"
    check "PostgreSQL restarted under a migration: it reconnected, took its lock again" \
        grep -q "lock is taken again" "$WORK/m3.err"
    check "... and moved the next rows: exit 0" same "$rc:$(tail -n 1 "$WORK/m3.out")" "0:migrate to pg: 3 moved, 0 skipped, 0 failed"
    check "... no row without its file" check_rows_have_files
    wait_for 100 curl -sf -o /dev/null "$BASE_URL/readyz" || fail "the API is not ready after PostgreSQL restarted"

    left=$(named_ids | lines)
    out=$(tool migrate --db "$DSN" --to pg --batch 2 2>"$WORK/m2.err") && rc=0 || rc=$?
    echo "  $(tail -n 1 <<<"$out")"
    check "the tampered file: exit 1" same "$rc" 1
    check "... refused with a SHA-256 mismatch" grep -q "failed $victim ($STORE -> pg): SHA-256 mismatch" "$WORK/m2.err"
    check "... the others moved" same "$(tail -n 1 <<<"$out")" "migrate to pg: $((left - 1)) moved, 0 skipped, 1 failed"
    check "... its row still names $STORE" same "$(sql "SELECT file_store FROM invoices WHERE id = '$victim'")" "$STORE"
    check "... its file is left as it was" cmp -s "$f" "$WORK/tampered"
    check "... no invoice_files row for it" same "$(sql "SELECT count(*) FROM invoice_files WHERE invoice_id = '$victim'")" 0
    check "... every other row is in PostgreSQL" same "$(sql "SELECT count(*) FROM invoice_files")" $((total - 1))
    check "... and only its file is left in the store" same "$(store_ids)" "$victim"
    check "every other invoice downloads intact" check_downloads "$victim"

    cp "$ORIG/$victim" "$f"
    out=$(tool migrate --db "$DSN" --to pg) && rc=0 || rc=$?
    check "repaired, it moves: exit 0" same "$rc:$(listed moved <<<"$out")" "0:$victim"
    check "... every row is in PostgreSQL" same "$(sql "SELECT count(*) FROM invoices WHERE file_store IS NOT NULL"):$(sql "SELECT count(*) FROM invoice_files")" "0:$total"
    check "... the store is empty" same "$(store_ids | lines)" 0
    check "every invoice downloads intact" check_downloads
}

# ---- downloads without the database -------------------------------------------

# The facts a download keeps (src/httpd/filecache.h) answer the next
# downloads of that file without the database: with PostgreSQL stopped,
# a kept file still downloads intact; one no child kept answers 503.
section_downloads_without_db() {
    local id rcv sha ok=0 i
    echo "# DOWNLOADS WITHOUT THE DATABASE"
    IFS='|' read -r id rcv sha < <(sql "SELECT id, receiver_id, encode(file_sha256, 'hex') FROM invoices
                                        WHERE file_store = '$STORE' ORDER BY id LIMIT 1")
    # 30 downloads, each on its own connection: every child (at most 3)
    # serves some, and keeps the facts.
    for i in $(seq 30); do
        curl -s -o /dev/null -H "Authorization: consumer $rcv" "$BASE_URL/api/consumer/invoices/$id/file"
    done
    "$REPO_ROOT/scripts/pg.sh" stop "$PG_DIR" >/dev/null
    for i in $(seq 10); do
        [ "$(curl -s -o "$WORK/nodb" -w '%{http_code}' -H "Authorization: consumer $rcv" \
                 "$BASE_URL/api/consumer/invoices/$id/file")" = 200 ] &&
            [ "$(sha256sum <"$WORK/nodb" | cut -d' ' -f1)" = "$sha" ] && ok=$((ok + 1))
    done
    check "PostgreSQL stopped: a file whose facts the children kept downloads intact (10 of 10)" same "$ok" 10
    check "... one they did not keep answers 503" same "$(curl -s -o /dev/null -w '%{http_code}' \
        -H "Authorization: consumer $rcv" "$BASE_URL/api/consumer/invoices/00000000-0000-4000-8000-000000000001/file")" 503
    check "... and the kept file for another consumer asks the database: 503, not the file" \
        same "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: consumer $((rcv + 1000))" \
                    "$BASE_URL/api/consumer/invoices/$id/file")" 503
    "$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
    wait_for 100 curl -sf -o /dev/null "$BASE_URL/readyz" || fail "the API is not ready after PostgreSQL started"
    check "PostgreSQL back: the kept file for another consumer answers 404" \
        same "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: consumer $((rcv + 1000))" \
                    "$BASE_URL/api/consumer/invoices/$id/file")" 404
}

# ---- s3 ---------------------------------------------------------------------

s3_url() { echo "http://127.0.0.1:$S3_PORT/invoices${1:-}"; }
s3_keys() {
    curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER \
        -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$(s3_url '?list-type=2')" |
        grep -o '<Key>[^<]*</Key>' | sed -e 's/<Key>//' -e 's|</Key>||' | sort || true
}
s3_put() {   # s3_put KEY FILE: an object planted behind the tool's back
    curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -X PUT \
        -H "x-amz-content-sha256: $(sha256sum <"$2" | cut -d' ' -f1)" \
        --data-binary @"$2" "$(s3_url "/$1")" >/dev/null
}
s3_ids() { sql "SELECT id FROM invoices WHERE file_store = '$S3STORE'" | sort; }

# pg -> s3, a sweep of the bucket, s3 -> file: (the test S3 of
# test/s3/s3.sh: s3rver behind a proxy that checks every signature).
section_s3() {
    local out rc key help
    echo "# S3"
    help=$("$TOOL" --help)
    if ! grep -q 'File stores of this build:.*s3' <<<"$help" || ! command -v node >/dev/null; then
        echo "  skipped: this build has no s3 backend, or there is no node for the test S3"
        return 0
    fi
    S3_PORT=$(pick_port "$PG_PORT" "$HTTP_PORT")
    "$REPO_ROOT/test/s3/s3.sh" start "$RUN_DIR/s3" "$S3_PORT" >&2
    S3STORE=s3:$(s3_url)
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
    restart_apache "$STORE"     # so that Apache has the keys to read the bucket

    out=$(tool migrate --db "$DSN" --to "$S3STORE" --limit 4) && rc=0 || rc=$?
    check "pg -> s3: 4 moved" same "$rc:$(listed moved <<<"$out" | lines)" "0:4"
    check "... the bucket holds exactly their objects" same "$(s3_keys)" "$(s3_ids)"
    check "every invoice downloads intact" check_downloads
    key=$(cat /proc/sys/kernel/random/uuid)
    head -c 4000 /dev/urandom >"$WORK/object"
    s3_put "$key" "$WORK/object" || fail "cannot plant an object in the test S3"
    out=$(tool sweep --db "$DSN" --store "$S3STORE" --older-than 0 --dry-run 2>/dev/null) && rc=0 || rc=$?
    check "sweep of s3 --dry-run: exactly the planted object" same "$rc:$(listed would <<<"$out")" "0:$key"
    out=$(tool sweep --db "$DSN" --store "$S3STORE" --older-than 0 2>/dev/null) && rc=0 || rc=$?
    check "sweep of s3 removes it and keeps the rows' objects" same "$rc:$(s3_keys)" "0:$(s3_ids)"
    out=$(tool migrate --db "$DSN" --from "$S3STORE" --to "$STORE") && rc=0 || rc=$?
    check "s3 -> file: 4 moved" same "$rc:$(listed moved <<<"$out" | lines)" "0:4"
    check "... the bucket is empty" same "$(s3_keys | lines)" 0
    check "every invoice downloads intact" check_downloads
}

# ---- the run ---------------------------------------------------------------------

start_stack
section_usage
echo "# invoices in PostgreSQL (InvoiceFileStore pg)"
for s in 1 2 3 4; do create_json "$s" >/dev/null; done
upload_new 20000 >/dev/null
upload_new 400000 >/dev/null
upload_new 2600000 >/dev/null     # over 1 MiB: COPY and chunked reads
check "7 invoices in PostgreSQL" same "$(sql "SELECT count(*) FROM invoice_files")" 7

echo "# invoices in $STORE"
restart_apache "$STORE"
for s in 1 2 3; do create_json "$s" >/dev/null; done
upload_new 30000 >/dev/null
upload_new 3100000 >/dev/null
check "5 invoices in $STORE" same "$(named_ids | lines)" 5
check "every invoice downloads intact" check_downloads

section_downloads_without_db
section_orphans
section_migrate_out_of_pg
section_migrate_into_pg
section_s3
echo "test/tools: $CHECKS checks passed in $(( $(date +%s) - STARTED )) s"
