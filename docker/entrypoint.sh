#!/bin/bash
# Entry point of the mod_invoice image.
#   api          (default) Apache + mod_invoice, /etc/mod_invoice/httpd.conf
#   lb           Apache as a load balancer in front of $INVOICE_LB_BACKENDS
#   anything     run as a command (a shell, apache2 -t ...)
# Apache reads its settings as ${VAR} from the environment: every variable
# gets its default here, and nonsensical pool sizes stop the start with a
# clear message rather than a pool that can starve.
set -euo pipefail

# Database (libpq's own variable names, so psql and the migration image
# read the same ConfigMap).  The password: PGPASSWORD or PGPASSFILE.
: "${PGHOST:=db}"
: "${PGPORT:=5432}"
: "${PGDATABASE:=invoice}"
: "${PGUSER:=invoice}"
: "${INVOICE_DB_CONNECT_TIMEOUT:=2}"
: "${INVOICE_DB_STATEMENT_TIMEOUT_MS:=3000}"
: "${INVOICE_DB_APPLICATION_NAME:=mod_invoice}"

# HTTP and the event MPM.
: "${INVOICE_LISTEN_PORT:=8080}"
: "${INVOICE_LISTEN_ADDRESS:=}"          # empty: every address
: "${INVOICE_SERVER_NAME:=localhost}"
: "${INVOICE_LOG_LEVEL:=warn}"
: "${INVOICE_START_SERVERS:=2}"
: "${INVOICE_SERVER_LIMIT:=2}"
: "${INVOICE_THREADS_PER_CHILD:=25}"
# Below ThreadsPerChild: at ServerLimit 1, spares equal to a whole child
# could never be met and Apache would log AH10159 at the first request.
: "${INVOICE_MIN_SPARE_THREADS:=$(( (INVOICE_THREADS_PER_CHILD + 1) / 2 ))}"
: "${INVOICE_GRACEFUL_TIMEOUT:=20}"

# mod_dbd's pool, per child process.
: "${INVOICE_DBD_MIN:=$INVOICE_THREADS_PER_CHILD}"
: "${INVOICE_DBD_KEEP:=$INVOICE_THREADS_PER_CHILD}"
: "${INVOICE_DBD_MAX:=$INVOICE_THREADS_PER_CHILD}"
: "${INVOICE_DBD_EXPTIME:=0}"

# Load balancer (lb): space-separated backend URLs.
: "${INVOICE_LB_BACKENDS:=http://app1:8080 http://app2:8080}"

die() { echo "invoice-entrypoint: $*" >&2; exit 64; }

for v in PGPORT INVOICE_LISTEN_PORT INVOICE_START_SERVERS INVOICE_SERVER_LIMIT \
         INVOICE_THREADS_PER_CHILD INVOICE_MIN_SPARE_THREADS INVOICE_GRACEFUL_TIMEOUT INVOICE_DB_CONNECT_TIMEOUT \
         INVOICE_DB_STATEMENT_TIMEOUT_MS INVOICE_DBD_MIN INVOICE_DBD_KEEP \
         INVOICE_DBD_MAX INVOICE_DBD_EXPTIME; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, not '${!v}'"
done
if [ "$INVOICE_THREADS_PER_CHILD" -lt 1 ] || [ "$INVOICE_SERVER_LIMIT" -lt 1 ]; then
    die "INVOICE_THREADS_PER_CHILD and INVOICE_SERVER_LIMIT must be at least 1"
fi
# mod_dbd's pool has no acquire timeout: a thread that finds it empty waits
# indefinitely, so every worker thread must be able to hold a connection.
if [ "$INVOICE_DBD_MAX" -lt "$INVOICE_THREADS_PER_CHILD" ]; then
    die "INVOICE_DBD_MAX ($INVOICE_DBD_MAX) must be at least INVOICE_THREADS_PER_CHILD ($INVOICE_THREADS_PER_CHILD)"
fi
if [ "$INVOICE_DBD_MIN" -gt "$INVOICE_DBD_KEEP" ] || [ "$INVOICE_DBD_KEEP" -gt "$INVOICE_DBD_MAX" ]; then
    die "need INVOICE_DBD_MIN <= INVOICE_DBD_KEEP <= INVOICE_DBD_MAX"
fi

INVOICE_MAX_REQUEST_WORKERS=$((INVOICE_SERVER_LIMIT * INVOICE_THREADS_PER_CHILD))
INVOICE_LISTEN=${INVOICE_LISTEN_ADDRESS:+$INVOICE_LISTEN_ADDRESS:}$INVOICE_LISTEN_PORT
[ "$INVOICE_START_SERVERS" -le "$INVOICE_SERVER_LIMIT" ] || INVOICE_START_SERVERS=$INVOICE_SERVER_LIMIT

export PGHOST PGPORT PGDATABASE PGUSER INVOICE_DB_CONNECT_TIMEOUT \
       INVOICE_DB_STATEMENT_TIMEOUT_MS INVOICE_DB_APPLICATION_NAME INVOICE_LISTEN \
       INVOICE_LISTEN_PORT INVOICE_SERVER_NAME INVOICE_LOG_LEVEL INVOICE_START_SERVERS \
       INVOICE_SERVER_LIMIT INVOICE_THREADS_PER_CHILD INVOICE_MIN_SPARE_THREADS INVOICE_MAX_REQUEST_WORKERS \
       INVOICE_GRACEFUL_TIMEOUT INVOICE_DBD_MIN INVOICE_DBD_KEEP INVOICE_DBD_MAX \
       INVOICE_DBD_EXPTIME

# Logs go to the container's stdout/stderr.  runc and crun hand a non-root
# container its stdio, so Apache can reopen them by path; where the runtime
# keeps them root's (`buildah run`), Apache pipes its logs through cat, which
# inherits stdout (a piped ErrorLog cannot reach stderr).
if [ -z "${INVOICE_ERROR_LOG:-}" ]; then
    INVOICE_ERROR_LOG='||/bin/cat'
    if [ -w /proc/self/fd/2 ]; then INVOICE_ERROR_LOG=/proc/self/fd/2; fi
fi
if [ -z "${INVOICE_ACCESS_LOG:-}" ]; then
    INVOICE_ACCESS_LOG='||/bin/cat'
    if [ -w /proc/self/fd/1 ]; then INVOICE_ACCESS_LOG=/proc/self/fd/1; fi
fi
export INVOICE_ERROR_LOG INVOICE_ACCESS_LOG

# A pid file left by a killed container would make Apache refuse to start.
rm -f /run/mod_invoice/httpd.pid

case "${1:-api}" in
    api)
        shift || true
        exec /usr/sbin/apache2 -DFOREGROUND -f /etc/mod_invoice/httpd.conf "$@"
        ;;
    lb)
        shift
        members=/run/mod_invoice/lb-members.conf
        : >"$members"
        for url in $INVOICE_LB_BACKENDS; do
            [[ $url =~ ^https?://[A-Za-z0-9._:-]+/?$ ]] || die "bad backend URL in INVOICE_LB_BACKENDS: '$url'"
            # retry: seconds a member that refused a connection stays out;
            # ttl: idle pooled connections are dropped before the member's
            # KeepAliveTimeout (5 s) closes them under a request (a 502);
            # hc*: out of the rotation after 2 failed /readyz, back after 1.
            echo "BalancerMember ${url%/} retry=5 ttl=3 hcmethod=GET hcuri=/readyz hcinterval=5 hcfails=2 hcpasses=1" >>"$members"
        done
        [ -s "$members" ] || die "INVOICE_LB_BACKENDS is empty"
        exec /usr/sbin/apache2 -DFOREGROUND -f /etc/mod_invoice/lb.conf "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
