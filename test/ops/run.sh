#!/usr/bin/env bash
# Operations tests against real servers: health and readiness, Prometheus
# metrics (validated by promtool, counted across children), trace context
# and the JSON access log, the mod_status section, and horizontal
# scale-out: two independent Apache instances on one PostgreSQL, two more
# sharing a file: store, and nodes on one S3 bucket.
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

RUN=$(mktemp -d /tmp/invoice-ops.XXXXXX)
chmod 755 "$RUN"
PASSED=0; FAILED=0
PDF=$REPO_ROOT/test/data/helloworld.pdf
BODY=$REPO_ROOT/test/data/ab_sample.txt

cleanup() {
    set +e
    "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/a" >/dev/null 2>&1
    "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/b" >/dev/null 2>&1
    "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/c" >/dev/null 2>&1
    "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/d" >/dev/null 2>&1
    for n in e f g h; do "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/$n" >/dev/null 2>&1; done
    "$REPO_ROOT/test/s3/s3.sh" stop "$RUN/s3" >/dev/null 2>&1
    "$REPO_ROOT/scripts/pg.sh" stop "$RUN/pg" >/dev/null 2>&1
    rm -rf "$RUN"
}
trap cleanup EXIT

check() {   # check NAME COMMAND...: one assertion, counted
    local name=$1; shift
    if "$@"; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
        echo "FAIL: $name" >&2
    fi
}
eq() { [ "$1" = "$2" ] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }
matches() { [[ $1 =~ $2 ]] || { echo "  [$1] does not match /$2/" >&2; return 1; }; }

status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
header_of() {   # header_of NAME curl-args...
    local name=$1; shift
    curl -s -D - -o /dev/null "$@" | tr -d '\r' | awk -v n="$(echo "$name" | tr 'A-Z' 'a-z')" \
        'BEGIN{FS=": "} tolower($1)==n {print $2; exit}'
}
create() {      # create BASE SENDER -> id
    curl -s -X POST -H "Authorization: sender $2" -H 'Content-Type: application/json' \
        --data-binary @"$BODY" "$1/api/sender/invoices" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p'
}
metric() {      # metric BASE 'name{labels}' -> value (0 when absent)
    curl -s "$1/metrics" | awk -v k="$2" 'index($0, k " ") == 1 {print $NF; found=1} END {if (!found) print 0}'
}

PGPORT=$(pick_port); PA=$(pick_port "$PGPORT"); PB=$(pick_port "$PGPORT" "$PA")
"$REPO_ROOT/scripts/pg.sh" start "$RUN/pg" "$PGPORT" >/dev/null
"$REPO_ROOT/scripts/httpd.sh" start "$RUN/a" "$PA" "$PGPORT"
"$REPO_ROOT/scripts/httpd.sh" start "$RUN/b" "$PB" "$PGPORT"
A=http://127.0.0.1:$PA; B=http://127.0.0.1:$PB

# --- health
check "healthz 200" eq "$(status_of "$A/healthz")" 200
check "readyz 200" eq "$(status_of "$B/readyz")" 200
check "healthz HEAD 200" eq "$(status_of -I "$A/healthz")" 200
check "healthz POST 405" eq "$(status_of -X POST "$A/healthz")" 405

# --- trace context
TP=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
got=$(header_of traceparent -H "traceparent: $TP" -H 'Authorization: sender 5' "$A/api/sender/invoices")
check "traceparent keeps the trace id" matches "$got" '^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$'
check "traceparent gets a new span" matches "$got" '^00-[0-9a-f]{32}-(0[^0]|[^0])'
got=$(header_of traceparent -H 'traceparent: 00-bogus' "$A/api/sender/invoices")
check "malformed traceparent: new trace" matches "$got" '^00-[0-9a-f]{32}-[0-9a-f]{16}-00$'
check "malformed traceparent: not continued" eval '[ "${got:3:32}" != 4bf92f3577b34da6a3ce929d0e0e4736 ]'
rid=$(header_of x-request-id "$A/api/nope")
check "X-Request-Id on a 404" matches "$rid" '^[0-9a-f]{16}$'
got=$(header_of traceparent -X POST -H 'Authorization: sender 1' -H 'Content-Type: application/json' \
      --data-binary @<(head -c 2200000 /dev/zero) "$A/api/sender/invoices")
check "traceparent on httpd's own 413" matches "$got" '^00-[0-9a-f]{32}-'

# --- JSON access log: one object per request, route template, no secrets
id=$(create "$A" 77)
curl -s -o /dev/null -H 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' \
     -H 'Authorization: consumer 2' "$A/api/consumer/invoices/$id"
sleep 0.2
line=$(grep 0af7651916cd43dd8448eb211c80319c "$RUN/a/logs/access_log" | tail -1)
check "log: route template" matches "$line" '"route":"GET /consumer/invoices/\{id\}"'
check "log: caller" matches "$line" '"role":"consumer","caller_id":"2"'
check "log: invoice id" matches "$line" "\"invoice_id\":\"$id\""
check "log: status and duration" matches "$line" '"status":200,"duration_us":[0-9]+,'
check "log: no raw path" eq "$(grep -c "/api/consumer/invoices/$id" "$RUN/a/logs/access_log")" 0
check "log: no Authorization value" eq "$(grep -c 'consumer 2' "$RUN/a/logs/access_log")" 0
if command -v json_pp >/dev/null; then
    check "log: valid JSON" eval 'tail -5 "$RUN/a/logs/access_log" | while read -r l; do echo "$l" | json_pp >/dev/null || exit 1; done'
fi

# --- scale-out: created on A, listed, paid and downloaded on B
id=$(create "$A" 501)
check "B lists A's invoice" matches "$(curl -s -H 'Authorization: consumer 2' "$B/api/consumer/invoices/sender/501")" "\"id\":\"$id\""
check "B downloads it" eval 'curl -s -H "Authorization: consumer 2" "$B/api/consumer/invoices/$id/file" | cmp -s - "$PDF"'
id=$(create "$B" 502)
codes=$( { for i in $(seq 10); do
             if [ $((i % 2)) = 0 ]; then base=$A; else base=$B; fi
             curl -s -o /dev/null -w '%{http_code}\n' -X POST -H 'Authorization: consumer 2' \
                  "$base/api/consumer/invoices/$id/pay" &
           done; wait; } | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')
check "concurrent pays over A and B: one 200, nine 409" eq "$codes" "200:1 409:9 "

# --- an Idempotency-Key's answer, from either node, after a graceful restart
keyed() {       # keyed BASE: the body of a create under one key, then its headers
    curl -s -D "$RUN/keyed.h" -H 'Authorization: sender 504' -H "Idempotency-Key: $KEY" \
         -H 'Content-Type: application/json' --data-binary @"$BODY" "$1/api/sender/invoices"
}
KEY=ops-key-$RANDOM$RANDOM
first=$(keyed "$A")
check "keyed create on A" matches "$first" '"id":"[0-9a-f-]{36}"'
check "the same key on B replays A's answer" eq "$(keyed "$B")" "$first"
check "... marked as a replay" eval 'grep -qi "^Idempotent-Replayed: true" "$RUN/keyed.h"'
kill -USR1 "$(cat "$RUN/a/httpd.pid")"
for _ in $(seq 50); do [ "$(status_of "$A/healthz")" = 200 ] && break; sleep 0.1; done
check "... and on A after a graceful restart" eq "$(keyed "$A")" "$first"

# --- metrics: exact deltas for traffic sent to B, across its children
before_created=$(metric "$B" invoice_created_total)
before_201=$(metric "$B" 'invoice_http_requests_total{route="POST /sender/invoices",status="2xx"}')
before_404=$(metric "$B" 'invoice_http_requests_total{route="unmatched",status="4xx"}')
before_422=$(metric "$B" 'invoice_rejected_requests_total{reason="invalid_fields"}')
seq 40 | xargs -P 8 -I{} curl -s -o /dev/null -X POST -H 'Authorization: sender 600' \
    -H 'Content-Type: application/json' --data-binary @"$BODY" "$B/api/sender/invoices"
seq 12 | xargs -P 4 -I{} curl -s -o /dev/null "$B/api/nope/{}"
seq 5 | xargs -P 5 -I@ curl -s -o /dev/null -X POST -H 'Authorization: sender 600' \
    -H 'Content-Type: application/json' -d '{"invoice":{}}' "$B/api/sender/invoices"
check "children serving B" eval '[ "$(pgrep -P "$(cat "$RUN/b/httpd.pid")" | wc -l)" -ge 2 ]'
check "created counter" eq "$(( $(metric "$B" invoice_created_total) - before_created ))" 40
check "2xx creates" eq "$(( $(metric "$B" 'invoice_http_requests_total{route="POST /sender/invoices",status="2xx"}') - before_201 ))" 40
check "404s" eq "$(( $(metric "$B" 'invoice_http_requests_total{route="unmatched",status="4xx"}') - before_404 ))" 12
check "422s by reason" eq "$(( $(metric "$B" 'invoice_rejected_requests_total{reason="invalid_fields"}') - before_422 ))" 5
check "bytes uploaded" eval '[ "$(metric "$B" invoice_uploaded_bytes_total)" -ge $((40 * 6718)) ]'
check "build info" eval 'curl -s "$B/metrics" >"$RUN/metrics.txt"; grep -q "^invoice_build_info{version=\"$(cat "$REPO_ROOT/VERSION")\"} 1$" "$RUN/metrics.txt"'
check "promtool check metrics" eval 'curl -s "$B/metrics" | promtool check metrics'
# The dashboard's queries parse (as recording rules) and name our metrics.
{ echo "groups:"; echo "- name: dashboard"; echo "  rules:"
  n=0; sed -n 's/^ *"expr": "\(.*\)",\{0,1\}$/\1/p' "$REPO_ROOT/docker/grafana/dashboard.json" | sed 's/\\"/"/g' |
  while IFS= read -r e; do n=$((n + 1)); printf "  - record: dashboard:q%d\n    expr: '%s'\n" "$n" "$e"; done
} >"$RUN/dashboard-rules.yml"
check "dashboard queries parse" eval 'promtool check rules "$RUN/dashboard-rules.yml" >/dev/null'
check "dashboard uses only our metrics" eval '[ "$(grep -c "invoice_" "$RUN/dashboard-rules.yml")" -ge 12 ]'
check "latency histogram count" eval '[ "$(metric "$B" "invoice_http_request_duration_seconds_count{route=\"POST /sender/invoices\"}")" -ge 40 ]'

# Counters survive a graceful restart and never go backwards.
c1=$(metric "$B" invoice_created_total)
kill -USR1 "$(cat "$RUN/b/httpd.pid")"
for _ in $(seq 50); do [ "$(status_of "$B/healthz")" = 200 ] && break; sleep 0.1; done
create "$B" 600 >/dev/null
check "counters survive graceful restart" eq "$(metric "$B" invoice_created_total)" $((c1 + 1))

# --- two nodes sharing a file: store (a volume both mount): created on C,
# downloaded byte-identical through D, the file written once, by C.
PC=$(pick_port "$PGPORT" "$PA" "$PB"); PD=$(pick_port "$PGPORT" "$PA" "$PB" "$PC")
INVOICE_FILE_STORE=file:$RUN/shared "$REPO_ROOT/scripts/httpd.sh" start "$RUN/c" "$PC" "$PGPORT"
INVOICE_FILE_STORE=file:$RUN/shared "$REPO_ROOT/scripts/httpd.sh" start "$RUN/d" "$PD" "$PGPORT"
C=http://127.0.0.1:$PC; D=http://127.0.0.1:$PD
shared_id=$(create "$C" 701)
check "C stores the file in the shared directory" eval '[ -f "$RUN/shared/${shared_id: -2}/$shared_id" ]'
check "D downloads C's file byte-identical" eval 'curl -s -H "Authorization: consumer 2" "$D/api/consumer/invoices/$shared_id/file" | cmp -s - "$PDF"'
check "D serves a range of it" eq "$(curl -s -H 'Authorization: consumer 2' -H 'Range: bytes=0-4' "$D/api/consumer/invoices/$shared_id/file")" "%PDF-"
check "A (pg store) reads it too: rows say where" eval 'curl -s -H "Authorization: consumer 2" "$A/api/consumer/invoices/$shared_id/file" | cmp -s - "$PDF"'
check "C counts its write" eval '[ "$(metric "$C" "invoice_file_store_seconds_count{backend=\"file\",op=\"write\"}")" -ge 1 ]'
check "D counts its read" eval '[ "$(metric "$D" "invoice_file_store_seconds_count{backend=\"file\",op=\"read\"}")" -ge 1 ]'
"$REPO_ROOT/scripts/httpd.sh" stop "$RUN/c"; "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/d"

# --- two nodes on one bucket (a test S3 that checks every signature):
# created on E, downloaded through E (proxied) and F (a redirect to a
# presigned URL); refused keys and a missing bucket are misconfigurations.
S3P=$(pick_port "$PGPORT" "$PA" "$PB")
"$REPO_ROOT/test/s3/s3.sh" start "$RUN/s3" "$S3P" >/dev/null
BUCKET=http://127.0.0.1:$S3P/invoices
s3_node() {     # s3_node NAME STORE SECRET [EXTRA CONF LINE]: an Apache on it
    local port; port=$(pick_port "$PGPORT" "$PA" "$PB" "$S3P")
    mkdir -p "$RUN/$1"; echo "${4:-}" >"$RUN/$1/extra.conf"
    AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=$3 AWS_REGION=us-east-1 \
        INVOICE_FILE_STORE=$2 "$REPO_ROOT/scripts/httpd.sh" start "$RUN/$1" "$port" "$PGPORT" >/dev/null
    echo "http://127.0.0.1:$port"
}
E=$(s3_node e "s3:$BUCKET" S3RVER)
F=$(s3_node f "s3:$BUCKET" S3RVER "InvoiceS3Delivery redirect")
s3_id=$(create "$E" 702)
check "E downloads its S3 file (proxied)" eval 'curl -s -H "Authorization: consumer 2" "$E/api/consumer/invoices/$s3_id/file" | cmp -s - "$PDF"'
check "F answers 302 to a presigned URL" matches "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Authorization: consumer 2' "$F/api/consumer/invoices/$s3_id/file")" "^302 $BUCKET/$s3_id\?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
check "... which the bucket serves byte-identical" eval 'curl -s -L -H "Authorization: consumer 2" "$F/api/consumer/invoices/$s3_id/file" | cmp -s - "$PDF"'
check "... only after the caller's scope check" eq "$(status_of -H 'Authorization: consumer 3' "$F/api/consumer/invoices/$s3_id/file")" 404
"$REPO_ROOT/scripts/httpd.sh" stop "$RUN/e"; "$REPO_ROOT/scripts/httpd.sh" stop "$RUN/f"
G=$(s3_node g "s3:$BUCKET" WRONG)
check "refused keys: readyz 503 naming them" matches "$(curl -s "$G/readyz")" 'misconfiguration.*|refused the credentials'
check "refused keys: a create is 503 misconfiguration" matches "$(curl -s -X POST -H 'Authorization: sender 703' -H 'Content-Type: application/json' --data-binary @"$BODY" "$G/api/sender/invoices")" '"status":503.*"cause":"misconfiguration"'
"$REPO_ROOT/scripts/httpd.sh" stop "$RUN/g"
H=$(s3_node h "s3:http://127.0.0.1:$S3P/nobucket" S3RVER)
check "missing bucket: readyz 503 naming it" matches "$(curl -s "$H/readyz")" 'no bucket nobucket'
"$REPO_ROOT/scripts/httpd.sh" stop "$RUN/h"
"$REPO_ROOT/test/s3/s3.sh" stop "$RUN/s3"

# --- mod_status section
check "server-status shows our counters" matches "$(curl -s "$B/server-status?auto")" 'InvoiceCreated: [0-9]+'

# --- every list is served by an index, in order: no Seq Scan, no Sort.
# The table is tiny here, so the planner is told to avoid what it would
# otherwise prefer; it still falls back to them when no index fits.
plan() {
    psql -X -q -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice -tA \
        -c "SET enable_seqscan = off" -c "SET enable_bitmapscan = off" \
        -c "SET enable_sort = off" -c "EXPLAIN $1"
}
# The shapes of store/pg/statements.c: a list of one status is one index
# range; a list of every status, the merge of its three status ranges.
NEWEST="ORDER BY inserted_at DESC, id DESC LIMIT 21"
one_status() { echo "SELECT id, inserted_at FROM invoices WHERE $1 AND status = $2 $NEWEST"; }
every_status() { echo "SELECT * FROM (($(one_status "$1" 1)) UNION ALL ($(one_status "$1" 2)) UNION ALL ($(one_status "$1" 3))) u $NEWEST"; }
for scope in "sender_id = 1" "receiver_id = 2" "receiver_id = 2 AND sender_id = 1"; do
  for q in "$(one_status "$scope" 2)" "$(every_status "$scope")"; do
    p=$(plan "$q" | grep -v "Sort Key:")     # a Merge Append names its key
    echo "$p" | grep -q "Sort\|Seq Scan" && printf 'plan for %s:\n%s\n' "$q" "$p" >&2
    check "index order: $q" eval '[[ $p == *"Index"* && $p != *"Seq Scan"* && $p != *"Sort"* ]]'
  done
done

# --- readiness follows the database; liveness does not
"$REPO_ROOT/scripts/pg.sh" stop "$RUN/pg" >/dev/null
check "readyz 503 without database" eq "$(status_of "$A/readyz")" 503
check "readyz Retry-After" eq "$(header_of retry-after "$A/readyz")" 2
check "healthz still 200" eq "$(status_of "$A/healthz")" 200
grep -q "\[trace [0-9a-f]\{32\}\]" "$RUN/a/logs/error_log"; check "error log lines carry the trace id" eq $? 0
"$REPO_ROOT/scripts/pg.sh" start "$RUN/pg" "$PGPORT" >/dev/null
ok=0; for _ in $(seq 50); do [ "$(status_of "$A/readyz")" = 200 ] && { ok=1; break; }; sleep 0.2; done
check "readyz recovers" eq "$ok" 1

echo "ops: $PASSED passed, $FAILED failed"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
