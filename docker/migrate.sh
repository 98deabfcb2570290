#!/bin/bash
# Entry point of the migration image: wait for PostgreSQL (at most
# $INVOICE_MIGRATE_WAIT seconds, default 60), then apply sql/ with
# scripts/migrate.sh, which records each file in schema_migrations and
# skips those already applied.  Connection: PGHOST PGPORT PGDATABASE PGUSER,
# PGPASSWORD or PGPASSFILE.  Run one at a time (a Job, a one-shot service).
set -euo pipefail
: "${PGHOST:=db}" "${PGPORT:=5432}" "${PGDATABASE:=invoice}" "${PGUSER:=invoice}"
export PGHOST PGPORT PGDATABASE PGUSER
wait=${INVOICE_MIGRATE_WAIT:-60}
for ((i = 0; ; i++)); do
    pg_isready -q && break
    if [ "$i" -ge "$wait" ]; then
        echo "invoice-migrate: PostgreSQL at $PGHOST:$PGPORT not ready after ${wait}s" >&2
        exit 1
    fi
    sleep 1
done
/opt/mod_invoice/scripts/migrate.sh "$PGPORT" "$PGHOST" "$PGDATABASE" "$PGUSER"
echo "invoice-migrate: $PGDATABASE on $PGHOST:$PGPORT is up to date"
