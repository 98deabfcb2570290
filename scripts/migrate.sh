#!/usr/bin/env bash
# Apply sql/NNN_*.sql in order, each once, recording them in schema_migrations.
#   migrate.sh PORT [HOST] [DB] [USER]
# One psql session under an advisory lock, so that two runs at once (two
# deploy jobs) apply each migration once; each file in its own transaction.
set -euo pipefail
. "$(dirname "$0")/common.sh"
port=${1:?usage: migrate.sh PORT [HOST] [DB] [USER]}
host=${2:-127.0.0.1}; db=${3:-invoice}; user=${4:-invoice}

script() {
    echo "SELECT pg_advisory_lock(hashtext('mod_invoice.migrate')) AS locked \\gset"
    echo "CREATE TABLE IF NOT EXISTS schema_migrations (
            version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());"
    for f in "$REPO_ROOT"/sql/[0-9]*.sql; do
        v=$(basename "$f" .sql)
        echo "SELECT NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = '$v') AS todo \\gset"
        echo "\\if :todo"
        echo "BEGIN;"
        echo "\\i '$f'"
        echo "INSERT INTO schema_migrations (version) VALUES ('$v');"
        echo "COMMIT;"
        echo "\\echo applied migration $v"
        echo "\\endif"
    done
}

script | PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 \
    -h "$host" -p "$port" -U "$user" -d "$db" -f -
