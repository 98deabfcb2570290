#!/usr/bin/env bash
# HOT updates of invoices at a given fillfactor: a table of HOT_N invoices
# (bench/scale-load.sql), then HOT_UPDATES single-row updates of each kind
# the API makes -- a first download's receipt (first_downloaded_at), a pay
# (status, is_payable, paid_at, updated_at) -- by pgbench, each kind's
# share of HOT updates from pg_stat_user_tables.
#   bench/hot.sh [FILLFACTOR...]     (default: 100 90; HOT_N=200000, HOT_UPDATES=20000)
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/scripts/common.sh"
N=${HOT_N:-200000}
U=${HOT_UPDATES:-20000}
FFS=${*:-100 90}
TMP=$(mktemp -d /tmp/invoice-hot.XXXXXX)
chmod 755 "$TMP"
trap '"$REPO/scripts/pg.sh" stop "$TMP/pg" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
PGPORT=$(pick_port)
"$REPO/scripts/pg.sh" start "$TMP/pg" "$PGPORT" >/dev/null
q() { psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice "$@"; }
printf '%%PDF-1.4\n%%%%EOF\n' >"$TMP/small.pdf"
PDF_HEX='\x'$(od -An -v -tx1 "$TMP/small.pdf" | tr -d ' \n')
cat >"$TMP/receipt.sql" <<'SQL'
\set k random(1, :ids)
UPDATE invoices SET first_downloaded_at = now() WHERE id = (SELECT id FROM hot_ids WHERE k = :k) AND first_downloaded_at IS NULL;
SQL
cat >"$TMP/pay.sql" <<'SQL'
\set k random(1, :ids)
UPDATE invoices SET status = 2, is_payable = false, paid_at = now(), updated_at = now() WHERE id = (SELECT id FROM hot_ids WHERE k = :k) AND status = 1;
SQL
stats() { q -F ' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'invoices'"; }
printf '%-10s %-16s %9s %9s %6s\n' fillfactor update updates HOT '%'
for ff in $FFS; do
    q -c "ALTER TABLE invoices SET (fillfactor = $ff)"
    q -v n="$N" -v pdf="$PDF_HEX" -f "$BENCH/scale-load.sql"
    q -c "VACUUM ANALYZE invoices"
    q -c "DROP TABLE IF EXISTS hot_ids" -c "CREATE TABLE hot_ids AS SELECT row_number() OVER () AS k, id FROM
          (SELECT id FROM invoices WHERE status = 1 ORDER BY random() LIMIT $((2 * U))) r" -c "CREATE UNIQUE INDEX ON hot_ids (k)"
    for kind in receipt pay; do
        q -c "SELECT pg_stat_force_next_flush()" >/dev/null 2>&1 || true
        b=$(stats)
        "$PG_BIN/pgbench" -n -c 4 -j 2 -t $((U / 4)) -D ids=$((2 * U)) -h 127.0.0.1 -p "$PGPORT" -U invoice \
            -f "$TMP/$kind.sql" invoice >"$TMP/$kind.out" 2>&1 || { cat "$TMP/$kind.out" >&2; exit 1; }
        sleep 1
        a=$(stats)
        echo "$ff $kind $b $a" | awk '{ u = $5 - $3; h = $6 - $4; printf "%-10s %-16s %9d %9d %5.0f%%\n", $1, $2, u, h, u ? 100 * h / u : 0 }'
    done
done
