#!/usr/bin/env bash
# Apply sql/NNN_*.sql in order, each once, recording them in schema_migrations.
#   migrate.sh PORT [HOST] [DB] [USER]
set -euo pipefail
. "$(dirname "$0")/common.sh"
port=${1:?usage: migrate.sh PORT [HOST] [DB] [USER]}
host=${2:-127.0.0.1}; db=${3:-invoice}; user=${4:-invoice}
q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$user" -d "$db" "$@"; }

q -c "CREATE TABLE IF NOT EXISTS schema_migrations (
        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
for f in "$REPO_ROOT"/sql/[0-9]*.sql; do
    v=$(basename "$f" .sql)
    if [ -z "$(q -tAc "SELECT 1 FROM schema_migrations WHERE version = '$v'")" ]; then
        # One transaction per file: a migration applies whole or not at all.
        q -1 -f "$f" -c "INSERT INTO schema_migrations (version) VALUES ('$v')"
        echo "applied migration $v"
    fi
done
