#!/usr/bin/env bash
# Migrations applied to a database that already holds invoices (issue 15):
#
#   test/faults/migrations.sh
#
# A private PostgreSQL gets a database at schema 003 (sql/001..003 applied
# and recorded in schema_migrations as scripts/migrate.sh records them),
# with invoices in it: unpaid and paid, from two senders, files in
# PostgreSQL.  Then scripts/migrate.sh brings it up to date (004 and any
# later), and:
#   - only the missing migrations are applied; a second run applies none;
#   - old rows get status from their paid state (paid -> 2, else 1), the
#     lifecycle's other columns and the terms null, every constraint holds;
#   - the event backfill: an invoice.created per invoice (at inserted_at)
#     and an invoice.paid per paid one (at paid_at), in the feed's order;
#   - Apache on the migrated database serves them: the old invoices with
#     their status, the feeds with the backfilled events (sender: 7,
#     consumer: 7), a pay of an old unpaid invoice appends its event, a
#     void of an old paid one is 409;
#   - 006: the old rows keep their created event in invoice_events, a new
#     invoice's row is its own, both in one feed.
# Both servers are always stopped (scripts/stack.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

stack_init migrations
export INVOICE_FILE_STORE=pg
PG_PORT=$(pick_port)
HTTP_PORT=$(pick_port "$PG_PORT")
BASE=http://127.0.0.1:$HTTP_PORT/api

failures=0
check() {       # check NAME GOT WANT
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAILED: $1: got '$2', want '$3'" >&2
        failures=$((failures + 1))
    fi
}
q() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U invoice -d "${DB:-invoice}" -tA "$@"; }

stack_log "run dir $RUN_DIR, PostgreSQL on 127.0.0.1:$PG_PORT, Apache on 127.0.0.1:$HTTP_PORT"
"$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
# pg.sh migrated its database to the latest schema: start again at 003
DB=postgres q -c "DROP DATABASE invoice" -c "CREATE DATABASE invoice"
q -c "CREATE TABLE schema_migrations (version text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now())"
old=0
for f in "$REPO_ROOT"/sql/00[123]_*.sql; do
    q -1 -f "$f" -c "INSERT INTO schema_migrations (version) VALUES ('$(basename "$f" .sql)')" >/dev/null
    old=$((old + 1))
done
check "schema 003: three migrations recorded" "$old" 3

# invoices of before: sender 11 -> consumer 22 (3 unpaid, 2 paid), sender
# 33 -> consumer 22 (1 paid, 1 unpaid); inserted a minute apart, oldest first
q >/dev/null <<'SQL'
INSERT INTO invoices (id, sender_id, receiver_id, file_type, file_size, file_sha256,
                      is_payable, paid_at, inserted_at, updated_at)
SELECT v.id::uuid, v.s, 22, 'application/pdf', 12, sha256(convert_to('%PDF-1.4 old', 'UTF8')),
       v.paid IS NULL, v.paid, v.ins, coalesce(v.paid, v.ins)
FROM (VALUES
  ('00000000-0000-4000-8000-000000000001', 11, timestamptz '2024-01-01 10:00Z', NULL::timestamptz),
  ('00000000-0000-4000-8000-000000000002', 11, timestamptz '2024-01-01 10:01Z', timestamptz '2024-01-05 09:00Z'),
  ('00000000-0000-4000-8000-000000000003', 33, timestamptz '2024-01-01 10:02Z', timestamptz '2024-01-03 09:00Z'),
  ('00000000-0000-4000-8000-000000000004', 11, timestamptz '2024-01-01 10:03Z', NULL),
  ('00000000-0000-4000-8000-000000000005', 11, timestamptz '2024-01-01 10:04Z', timestamptz '2024-01-02 09:00Z'),
  ('00000000-0000-4000-8000-000000000006', 33, timestamptz '2024-01-01 10:05Z', NULL),
  ('00000000-0000-4000-8000-000000000007', 11, timestamptz '2024-01-01 10:06Z', NULL)
) AS v(id, s, ins, paid);
INSERT INTO invoice_files (invoice_id, content) SELECT id, convert_to('%PDF-1.4 old', 'UTF8') FROM invoices;
SQL
check "7 invoices of before" "$(q -c "SELECT count(*) FROM invoices")" 7

out=$("$REPO_ROOT/scripts/migrate.sh" "$PG_PORT")
want=$(for f in "$REPO_ROOT"/sql/[0-9]*.sql; do
    v=$(basename "$f" .sql)
    case $v in 00[123]_*) ;; *) echo "applied migration $v" ;; esac
done)
check "migrate.sh applies the missing migrations only" "$out" "$want"
check "a second run applies none" "$("$REPO_ROOT/scripts/migrate.sh" "$PG_PORT")" ""

check "status from the paid state" \
    "$(q -c "SELECT string_agg(right(id::text, 1) || ':' || status, ' ' ORDER BY id) FROM invoices")" \
    "1:1 2:2 3:2 4:1 5:2 6:1 7:1"
check "is_payable, paid_at agree with status" \
    "$(q -c "SELECT count(*) FROM invoices WHERE is_payable <> (status = 1) OR (status = 2) <> (paid_at IS NOT NULL)")" 0
check "voided_at, first_downloaded_at and the terms are null" \
    "$(q -c "SELECT count(*) FROM invoices WHERE voided_at IS NOT NULL OR first_downloaded_at IS NOT NULL
             OR amount IS NOT NULL OR currency IS NOT NULL OR due_date IS NOT NULL OR reference IS NOT NULL")" 0
check "every constraint holds (validated)" \
    "$(q -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'invoices'::regclass AND NOT convalidated")" 0
check "backfill: one invoice.created per invoice, at inserted_at" \
    "$(q -c "SELECT count(*) FILTER (WHERE e.created_at = i.inserted_at AND e.status = 1
                                     AND e.updated_at = i.inserted_at) || '/' || count(*)
             FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id WHERE e.type = 1")" "7/7"
check "backfill: one invoice.paid per paid invoice, at paid_at" \
    "$(q -c "SELECT count(*) FILTER (WHERE e.created_at = i.paid_at AND e.paid_at = i.paid_at
                                     AND e.status = 2) || '/' || count(*)
             FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id WHERE e.type = 2")" "3/3"
check "backfill: no other events" "$(q -c "SELECT count(*) FROM invoice_events WHERE type NOT IN (1, 2)")" 0
check "backfill: parties copied" \
    "$(q -c "SELECT count(*) FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id
             WHERE e.sender_id <> i.sender_id OR e.receiver_id <> i.receiver_id")" 0
check "backfill: each invoice's created before its paid in the feed's order" \
    "$(q -c "SELECT count(*) FROM invoice_events p JOIN invoice_events c USING (invoice_id)
             WHERE p.type = 2 AND c.type = 1 AND (p.tx, p.seq) < (c.tx, c.seq)")" 0

# ---- the module on the migrated database --------------------------------
"$REPO_ROOT/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" "$PG_PORT" >/dev/null
api() { curl -sS -o "$RUN_DIR/body" -w '%{http_code}' -H "Authorization: $1" "${@:3}" "$BASE$2"; }

check "an old paid invoice: 200" "$(api 'sender 11' /sender/invoices/00000000-0000-4000-8000-000000000002)" 200
check "... status paid, not payable, paid_at kept" \
    "$(jq -r '.data | "\(.status) \(.is_payable) \(.paid_at) \(.voided_at) \(.amount)"' "$RUN_DIR/body")" \
    "paid false 2024-01-05T09:00:00.000000Z null null"
check "an old unpaid invoice: open, payable" \
    "$(api 'consumer 22' /consumer/invoices/00000000-0000-4000-8000-000000000001 >/dev/null;
       jq -r '.data | "\(.status) \(.is_payable)"' "$RUN_DIR/body")" "open true"
check "?status=paid lists the old paid ones" \
    "$(api 'sender 11' '/sender/invoices?status=paid' >/dev/null; jq -r '[.data[].id[-1:]] | join(",")' "$RUN_DIR/body")" "5,2"
check "the sender's feed: the backfill, oldest first" \
    "$(api 'sender 11' /sender/events >/dev/null;
       jq -r '[.data[] | "\(.type[8:11]):\(.invoice_id[-1:])"] | join(" ")' "$RUN_DIR/body")" \
    "cre:1 cre:2 cre:4 cre:5 cre:7 pai:5 pai:2"
check "... each with the invoice as it was then" \
    "$(jq -r '[.data[] | .data.status] | join(" ")' "$RUN_DIR/body")" "open open open open open paid paid"
check "the consumer's feed: both senders' (7 created, 3 paid)" \
    "$(api 'consumer 22' /consumer/events >/dev/null; jq -r '[.data[].type] | group_by(.) | map("\(.[0]):\(length)") | join(" ")' "$RUN_DIR/body")" \
    "invoice.created:7 invoice.paid:3"
last=$(api 'sender 11' /sender/events >/dev/null; jq -r '.data[-1].id' "$RUN_DIR/body")
check "pay of an old unpaid invoice: 200" "$(api 'consumer 22' /consumer/invoices/00000000-0000-4000-8000-000000000004/pay -X POST)" 200
# its event shows within 1 s of the commit (polled a little longer here:
# what is checked is that it comes, after the backfill)
got=
for _ in $(seq 50); do
    api 'sender 11' "/sender/events?starting_after=$last" >/dev/null
    got=$(jq -r '[.data[] | "\(.type):\(.invoice_id[-1:])"] | join(" ")' "$RUN_DIR/body")
    [ -z "$got" ] || break
    sleep 0.1
done
check "... its event follows the backfill" "$got" "invoice.paid:4"
check "void of an old paid invoice: 409" "$(api 'sender 11' /sender/invoices/00000000-0000-4000-8000-000000000005/void -X POST)" 409
check "void of an old unpaid invoice: 200" "$(api 'sender 33' /sender/invoices/00000000-0000-4000-8000-000000000006/void -X POST)" 200
check "the old invoice's history" \
    "$(api 'sender 11' /sender/invoices/00000000-0000-4000-8000-000000000002/events >/dev/null;
       jq -r '[.data[].type] | join(" ")' "$RUN_DIR/body")" "invoice.created invoice.paid"

# 006: the rows of before keep their created event in invoice_events; a
# new invoice's row is its own (tx set, no invoice_events row), and both
# kinds are in one feed, in commit order
check "rows of before: no tx, their created event kept" \
    "$(q -c "SELECT count(*) FILTER (WHERE i.tx IS NULL) || '/' || count(*) FROM invoices i
             JOIN invoice_events e ON e.invoice_id = i.id AND e.type = 1")" "7/7"
last=$(api 'sender 11' /sender/events >/dev/null; jq -r '.data[-1].id' "$RUN_DIR/body")
check "a new invoice: 201" "$(api 'sender 11' /sender/invoices -X POST -H 'Content-Type: application/json' \
                               --data-binary @"$REPO_ROOT/test/data/ab_sample.txt")" 201
new=$(jq -r '.data.id' "$RUN_DIR/body")
check "... its row is its created event" \
    "$(q -c "SELECT (tx IS NOT NULL) || ' ' || (SELECT count(*) FROM invoice_events WHERE invoice_id = i.id)
             FROM invoices i WHERE id = '$new'")" "true 0"
got=
for _ in $(seq 50); do
    api 'sender 11' "/sender/events?starting_after=$last" >/dev/null
    got=$(jq -r --arg id "$new" '[.data[] | "\(.type):\(.invoice_id == $id)"] | join(" ")' "$RUN_DIR/body")
    [ -z "$got" ] || break
    sleep 0.1
done
check "... and follows the backfill in the sender's feed" "$got" "invoice.created:true"
check "... its history" \
    "$(api 'consumer 2' "/consumer/invoices/$new/events" >/dev/null;
       jq -r '[.data[] | "\(.type) \(.data.status)"] | join(",")' "$RUN_DIR/body")" "invoice.created open"

if [ "$failures" -ne 0 ]; then
    stack_log "$failures check(s) failed"
    exit 1
fi
stack_log "all checks passed"
