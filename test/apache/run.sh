#!/usr/bin/env bash
# The module as an operator meets it, against real servers:
#   1. sites: a mount at /billing (Basic auth) beside someone else's site
#      with its own /api, /metrics and a proxy, which stay untouched;
#   2. identities: the authorization matrix (routes x callers) through
#      every identity source - Basic + htpasswd (remote-user), mod_authn_dbd
#      with a party column (expr=), TLS client certificates (expr=) - and
#      the refusals (no authentication configured, a value that is no
#      party, Require on MOUNT/sender);
#   3. configtest: every bad value is refused, naming the line;
#   4. misconfiguration: each way the database can be set up wrong gives
#      /readyz 503 with the reason and one error-log line;
#   5. secrets: the password in a passfile only the Apache user reads,
#      changed with `apachectl graceful`.
#   test/apache/run.sh INTEGRATION_BINARY
set -euo pipefail
. "$(dirname "$0")/../../scripts/common.sh"

BIN=$1
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$REPO_ROOT/test/apache
MODULE=${INVOICE_MODULE:-$REPO_ROOT/.libs/mod_invoice.so}
MODDIR=$(apxs -q LIBEXECDIR)
RUN=$(mktemp -d /tmp/invoice-apache.XXXXXX)
chmod 755 "$RUN"
PASSED=0; FAILED=0
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

stop_apache() {     # stop_apache CONF
    [ -f "$1" ] || return 0
    apachectl -f "$1" -k stop >/dev/null 2>&1 || true
    local pidfile; pidfile=$(sed -n 's/^PidFile "\(.*\)"/\1/p' "$1")
    for _ in $(seq 100); do [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null || return 0; sleep 0.1; done
}
cleanup() {
    local rc=$?
    set +e
    for c in "$RUN"/*/httpd.conf; do stop_apache "$c"; done
    "$REPO_ROOT/scripts/pg.sh" stop "$RUN/pg" >/dev/null 2>&1
    if grep -l "Segmentation fault\|exit signal\|AddressSanitizer" "$RUN"/*/error_log 2>/dev/null; then
        echo "apache: a child crashed" >&2; rc=1
    fi
    [ "$rc" = 0 ] || { for l in "$RUN"/*/error_log; do echo "---- $l"; tail -n 30 "$l"; done >&2; }
    [ "${INVOICE_KEEP_RUNDIR:-}" = 1 ] && echo "kept $RUN" >&2 || rm -rf "$RUN"
    exit "$rc"
}
trap cleanup EXIT

check() {   # check NAME COMMAND...: one assertion, counted
    local name=$1; shift
    if "$@"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); echo "FAIL: $name" >&2; fi
}
eq() { [ "$1" = "$2" ] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }
has() { [[ $1 == *"$2"* ]] || { echo "  [$1] lacks [$2]" >&2; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "  [$1] has [$2]" >&2; return 1; }; }

# curl -D- -o- with status, headers and body in one string
fetch() { curl -s -D - "$@" | tr -d '\r'; }
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U invoice "$@"; }
wait_ready() {      # wait_ready URL [curl args]: until /readyz says 200
    for _ in $(seq 100); do [ "$(status_of "$@")" = 200 ] && return 0; sleep 0.1; done
    return 1
}

# --- servers --------------------------------------------------------------
PGPORT=$(pick_port); PORT=$(pick_port "$PGPORT"); TLSPORT=$(pick_port "$PGPORT" "$PORT")
BACKPORT=$(pick_port "$PGPORT" "$PORT" "$TLSPORT")
echo "apache: run dir $RUN, PostgreSQL $PGPORT, sites $PORT, TLS $TLSPORT" >&2
"$REPO_ROOT/scripts/pg.sh" start "$RUN/pg" "$PGPORT" >/dev/null
psql_q -d invoice -c "CREATE TABLE api_users (name text PRIMARY KEY, password text NOT NULL, party text NOT NULL)"
user_group=""
if [ "$(id -u)" = 0 ]; then user_group=$'User www-data\nGroup www-data'; fi

# conf_from TEMPLATE DIR: the template with @NAME@ filled in, as DIR/httpd.conf
conf_from() {
    mkdir -p "$2/run"
    [ "$(id -u)" = 0 ] && chown www-data: "$2/run"
    sed -e "s|@DIR@|$2|g" -e "s|@RUN@|$RUN|g" -e "s|@PORT@|$PORT|g" -e "s|@TLSPORT@|$TLSPORT|g" \
        -e "s|@BACKPORT@|$BACKPORT|g" -e "s|@PGPORT@|$PGPORT|g" -e "s|@MODULE@|$MODULE|g" \
        -e "s|@MODDIR@|$MODDIR|g" -e "s|@REPO@|$REPO_ROOT|g" -e "s|@STRICT_SENDER@|${STRICT_SENDER:-0}|g" \
        "$1" | awk -v ug="$user_group" '{ if ($0 == "@USER_GROUP@") print ug; else print }' >"$2/httpd.conf"
}

# PKI: a CA, the server's certificate, one key for every client certificate.
PKI=$RUN/pki
mkdir -p "$PKI" "$RUN/certs"
( cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=mod_invoice test CA" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
  openssl genrsa -out client.key 2048 2>/dev/null )
export INVOICE_IT_PKI=$PKI
mkcert() { "$HERE/mkcert.sh" "$1" "$RUN/certs/$2.pem"; }

# Content of someone else's site, and the htpasswd file.
mkdir -p "$RUN/htdocs/site/api" "$RUN/htdocs/backend" "$RUN/htdocs/api" "$RUN/htdocs/none"
echo "the site's own api page" >"$RUN/htdocs/site/api/index.html"
echo "the site's own metrics file" >"$RUN/htdocs/site/metrics"
echo "the backend behind the site's proxy" >"$RUN/htdocs/backend/index.html"
: >"$RUN/htpasswd"
[ "$(id -u)" = 0 ] && chown www-data: "$RUN/htpasswd"
chmod 644 "$RUN/htpasswd"
sha_of() { printf '{SHA}%s' "$(printf '%s' "$1" | openssl dgst -sha1 -binary | base64)"; }
add_user() { echo "$1:$(sha_of "pw-$1")" >>"$RUN/htpasswd"; }    # as identity.c does
STRICT_SENDER=$(( 2000000000 + RANDOM ))
add_user "$STRICT_SENDER"; add_user 77; add_user "bob"

mkdir -p "$RUN/sites"
conf_from "$HERE/httpd.conf.in" "$RUN/sites"
apachectl -f "$RUN/sites/httpd.conf" -k start
B=http://127.0.0.1:$PORT
check "api.test ready" wait_ready "$B/readyz"

# --- 1. sites ---------------------------------------------------------------
S=(-H "Host: site.test")
check "site: its /api page" eq "$(curl -s "${S[@]}" "$B/api/")" "the site's own api page"
check "site: its /metrics file" eq "$(curl -s "${S[@]}" "$B/metrics")" "the site's own metrics file"
r=$(fetch "${S[@]}" "$B/api/sender/invoices")
check "site: /api/sender/invoices is the site's 404" has "$r" "HTTP/1.1 404"
check "site: ... as httpd's HTML page" lacks "$r" "problem+json"
check "site: its proxy" eq "$(curl -s "${S[@]}" "$B/proxied/")" "the backend behind the site's proxy"
check "api.test: no /metrics here" eq "$(status_of "$B/metrics")" 404
check "api.test: the path beside a mount is not ours" eq "$(status_of "$B/billingx/sender/invoices")" 404
check "readyz: only the exact path is a health check" eq "$(status_of "$B/readyz/anything")" 404

u77=(-u "77:pw-77")
r=$(fetch "$B/billing/sender/invoices")
check "basic: no credentials: 401" has "$r" "HTTP/1.1 401"
check "basic: 401 keeps mod_auth_basic's challenge" has "$r" 'WWW-Authenticate: Basic realm="invoices"'
check "basic: 401 is problem+json" has "$r" "Content-Type: application/problem+json"
check "basic: 401 carries a trace" has "$r" "traceparent: 00-"
r=$(fetch "${u77[@]}" -H 'Content-Type: application/json' --data-binary @"$REPO_ROOT/test/data/ab_sample.txt" "$B/billing/sender/invoices")
check "basic: create at the mount: 201" has "$r" "HTTP/1.1 201"
check "basic: Location under the mount" has "$r" "Location: /billing/sender/invoices/"
check "basic: created for user 77" has "$r" '"sender_id":77'
check "basic: the Authorization header is Apache's" eq "$(status_of -H 'Authorization: sender 77' "$B/billing/sender/invoices")" 401
r=$(fetch "${u77[@]}" -X POST -H 'Content-Type: application/json' --data-binary @<(head -c 2200000 /dev/zero) "$B/billing/sender/invoices")
check "basic: 413 in the mount is problem+json" has "$r" "Content-Type: application/problem+json"
check "basic: ... with the limit" has "$r" '"status":413'
r=$(fetch "${u77[@]}" -X DELETE "$B/billing/sender/invoices")
check "basic: 405 names the path's methods" has "$r" "Allow: GET, HEAD, POST"
check "basic: TRACE in the mount: 405" eq "$(status_of "${u77[@]}" -X TRACE "$B/billing/sender/invoices")" 405
ub=(-u "bob:pw-bob")
r=$(fetch "${ub[@]}" "$B/billing/sender/invoices")
check "basic: a user that is no party: 403" has "$r" "HTTP/1.1 403"
check "basic: ... problem+json" has "$r" "application/problem+json"
check "basic: ... logged" eval 'grep -q "INV00103.*bob.*is not a party" "$RUN/sites/error_log"'
r=$(fetch "$B/noauth/openapi.json")
check "openapi: MOUNT/openapi.json asks for no caller" has "$r" "HTTP/1.1 200"
check "openapi: ... its servers[0].url is the mount" has "$r" '"servers":[{"url":"/noauth"'
check "openapi: ... at /billing too, behind Apache's Basic" has "$(curl -s "${u77[@]}" "$B/billing/openapi.json")" '"servers":[{"url":"/billing"'
r=$(fetch "$B/noauth/sender/invoices")
check "no authentication configured: 401" has "$r" "HTTP/1.1 401"
check "... and the log says so" eval 'grep -q "INV00103.*has no authentication" "$RUN/sites/error_log"'
check "strict: the allowed sender" eq "$(status_of -u "$STRICT_SENDER:pw-$STRICT_SENDER" "$B/strict/sender/invoices")" 200
r=$(fetch "${u77[@]}" "$B/strict/sender/invoices")
check "strict: another user on /strict/sender: 403 (Require)" has "$r" "HTTP/1.1 403"
check "strict: ... problem+json" has "$r" "application/problem+json"
check "strict: anyone as a consumer" eq "$(status_of "${u77[@]}" "$B/strict/consumer/invoices")" 200

# --- 2. identities: the whole matrix in every mode ----------------------
matrix() {      # matrix MODE MOUNT BASE_URL
    INVOICE_BASE_URL=$3 INVOICE_IT_IDENTITY=$1 INVOICE_IT_MOUNT=$2 \
    INVOICE_PG_DSN="host=127.0.0.1 port=$PGPORT dbname=invoice user=invoice" \
    INVOICE_PG_RESTART=false INVOICE_PG_STOP=false INVOICE_PG_START=false \
    INVOICE_DATA_DIR="$REPO_ROOT/test/data" INVOICE_IT_HTPASSWD="$RUN/htpasswd" \
    INVOICE_IT_CA="$PKI/ca.pem" INVOICE_IT_CERTDIR="$RUN/certs" INVOICE_IT_MKCERT="$HERE/mkcert.sh" \
    IT_OPENAPI_LOG="$RUN/openapi-$1.jsonl" \
    INVOICE_TEST_FILTER=t_authz_matrix timeout 300 "$BIN" >"$RUN/matrix-$1.log" 2>&1 ||
        { cat "$RUN/matrix-$1.log" >&2; return 1; }
    grep "combinations checked" "$RUN/matrix-$1.log" >&2
    # every answer as docs/openapi.yaml describes it (test/openapi/validate.py;
    # the matrix sets up its invoices through /api)
    /usr/bin/python3 "$REPO_ROOT/test/openapi/validate.py" "$REPO_ROOT/docs/openapi.yaml" \
        "$RUN/openapi-$1.jsonl" "$2,/api" >"$RUN/openapi-$1.txt" || return 1
    head -n 1 "$RUN/openapi-$1.txt" >&2
}
check "matrix: Basic + htpasswd (remote-user)" matrix basic /billing "$B"
check "matrix: mod_authn_dbd party column (expr=)" matrix dbd /dbd "$B"
T=https://localhost:$TLSPORT
TLS=(--cacert "$PKI/ca.pem" --resolve "localhost:$TLSPORT:127.0.0.1")
check "matrix: client certificates (expr=)" matrix cert /tls "$T"
mkcert 77 plain77; mkcert bob bob
check "cert: CN 77 acts as a sender" eq "$(status_of "${TLS[@]}" --cert "$RUN/certs/plain77.pem" "$T/tls/sender/invoices")" 200
check "cert: ... and as a consumer" eq "$(status_of "${TLS[@]}" --cert "$RUN/certs/plain77.pem" "$T/tls/consumer/invoices")" 200
r=$(fetch "${TLS[@]}" --cert "$RUN/certs/bob.pem" "$T/tls/consumer/invoices")
check "cert: CN bob: 403" has "$r" "HTTP/1.1 403"
r=$(fetch "${TLS[@]}" "$T/tls/consumer/invoices")
check "cert: no certificate: 401 problem+json" has "$r" "HTTP/1.1 401"
psql_q -d invoice -c "INSERT INTO api_users VALUES ('carol', '$(sha_of pw-carol)', 'carol')" >/dev/null
check "dbd: a party column that is no party: 403" eq "$(status_of -u carol:pw-carol "$B/dbd/consumer/invoices")" 403

# Idempotency-Keys expire after InvoiceIdempotencyTTL and are purged.
TTLS=$(( 1500000000 + RANDOM ))
ttl_create() {     # ttl_create RECEIVER: the status of a create under key ttl-key
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: sender $TTLS" -H 'Idempotency-Key: ttl-key' \
         -H 'Content-Type: application/json' \
         --data-binary "{\"invoice\":{\"receiver_id\":$1,\"file_type\":\"application/pdf\",\"content\":\"JVBERi0xLjQK\"}}" \
         "$B/shortttl/sender/invoices"
}
keys_of() { psql_q -d invoice -tAc "SELECT count(*) FROM idempotency_keys WHERE role = 1 AND caller = $TTLS"; }
check "ttl: a key" eq "$(ttl_create 5)" 201
check "ttl: the key with another request: 422" eq "$(ttl_create 6)" 422
sleep 2.5
check "ttl: expired, the key is free again" eq "$(ttl_create 6)" 201
check "ttl: one row for the key" eq "$(keys_of)" 1
purged() { for _ in $(seq 150); do [ "$(keys_of)" = 0 ] && return 0; sleep 0.1; done; return 1; }
check "ttl: expired keys are purged" purged
check "no 'conflicting SQL statements' warnings" eval '! grep -q "conflicting SQL" "$RUN/sites/error_log"'
check "the module says its version at start" eval 'grep -q "INV00402: mod_invoice/$(cat "$REPO_ROOT/VERSION") configured" "$RUN/sites/error_log"'
check "... and in httpd's own start line" eval 'grep -q "AH00489: Apache/.* mod_invoice/$(cat "$REPO_ROOT/VERSION")" "$RUN/sites/error_log"'
stop_apache "$RUN/sites/httpd.conf"

# --- 3. configtest: bad values are refused, naming the line ---------------
CT=$RUN/configtest
mkdir -p "$CT"
# configtest NAME EXPECTED-TEXT [--no-dbd] < config lines
configtest() {
    local name=$1 want=$2 dbd=1 conf out rc=0
    [ "${3:-}" = --no-dbd ] && dbd=0
    conf=$CT/$name.conf
    { echo "ServerRoot \"$CT\""; echo "ServerName ct.test"; echo "Listen 127.0.0.1:$PORT"
      echo "PidFile \"$CT/httpd.pid\""; echo "ErrorLog \"$CT/error_log\""
      echo "LoadModule mpm_event_module $MODDIR/mod_mpm_event.so"
      echo "LoadModule authz_core_module $MODDIR/mod_authz_core.so"
      [ $dbd = 1 ] && echo "LoadModule dbd_module $MODDIR/mod_dbd.so"
      echo "LoadModule invoice_module $MODULE"
      cat; } >"$conf"
    out=$("${APACHE_HTTPD:-/usr/sbin/apache2}" -t -f "$conf" 2>&1) || rc=$?
    if [ "$want" = OK ]; then
        [ $rc = 0 ] || { echo "  $name: configtest failed: $out" >&2; return 1; }
    else
        [ $rc != 0 ] || { echo "  $name: configtest passed" >&2; return 1; }
        [[ $out == *"$want"* ]] || { echo "  $name: [$out] lacks [$want]" >&2; return 1; }
    fi
    LAST_OUT=$out
}
DBD="DBDriver pgsql
DBDParams \"host=127.0.0.1 port=$PGPORT dbname=invoice user=invoice\""
check "configtest: a good mount" configtest good OK <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceIdentity \"expr=%{REMOTE_USER}\"
</Location>"
check "configtest: unknown InvoiceIdentity mode" configtest mode "InvoiceIdentity must be header, remote-user or \"expr=...\", not 'cookie'" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceIdentity cookie
</Location>"
check "configtest: ... names the line" has "$LAST_OUT" "Syntax error on line 14 of $CT/mode.conf"
check "configtest: a bad expression" configtest expr "InvoiceIdentity: cannot parse the expression" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceIdentity \"expr=%{SSL_CLIENT_S_DN_CN\"
</Location>"
check "configtest: an unknown variable" configtest var "does not exist" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceIdentity \"expr=%{NO_SUCH_VARIABLE}\"
</Location>"
check "configtest: InvoiceAPI at server level" configtest server "InvoiceAPI not allowed here" <<<"$DBD
InvoiceAPI On"
check "configtest: InvoiceAPI in <VirtualHost>" configtest vhost "not allowed" <<<"$DBD
<VirtualHost 127.0.0.1:$PORT>
    InvoiceAPI On
</VirtualHost>"
check "configtest: InvoiceAPI in <LocationMatch>" configtest match "InvoiceAPI must be placed directly inside <Location /path>" <<<"$DBD
<LocationMatch ^/api>
    InvoiceAPI On
</LocationMatch>"
check "configtest: InvoiceAPI in <Directory>" configtest dir "cannot occur within <Directory> section" <<<"$DBD
<Directory /srv>
    InvoiceAPI On
</Directory>"
check "configtest: InvoiceAPI Maybe" configtest flag "InvoiceAPI must be On or Off" <<<"$DBD
<Location /api>
    InvoiceAPI Maybe
</Location>"
check "configtest: a mount without DBDriver" configtest nodriver "INV00401: InvoiceAPI On at $CT/nodriver.conf:11 (<Location /api>): its server has no DBDriver" <<<"<Location /api>
    InvoiceAPI On
</Location>"
check "configtest: DBDParams with an undefined variable" configtest undefined "its DBDParams do not parse" <<<"DBDriver pgsql
DBDParams \"\${NO_SUCH_DEFINE}\"
<Location /api>
    InvoiceAPI On
</Location>"
check "configtest: DBDMax below DBDMin" configtest minmax "its DBDMax (2) is below DBDMin (5)" <<<"$DBD
DBDMin 5
DBDMax 2
<Location /api>
    InvoiceAPI On
</Location>"
check "configtest: a mount without mod_dbd" configtest nodbd "INV00001: InvoiceAPI On at $CT/nodbd.conf:10 needs mod_dbd" --no-dbd <<<"<Location /api>
    InvoiceAPI On
</Location>"
check "configtest: the module alone, no mount: fine" configtest alone OK --no-dbd </dev/null
check "configtest: a typo in SetHandler" configtest typo "INV00403: SetHandler invoice-helth at $CT/typo.conf:13" <<<"$DBD
<Location /healthz>
    SetHandler invoice-helth
</Location>"
check "configtest: a bad InvoiceIdempotencyTTL" configtest ttl "InvoiceIdempotencyTTL must be a duration from 1s to 30d" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceIdempotencyTTL 1y
</Location>"

check "configtest: InvoiceFileStore with an unknown scheme" configtest store "InvoiceFileStore: 'ftp://x' names no store" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceFileStore ftp://x
</Location>"
check "configtest: a relative file: store" configtest relstore "INV00404: InvoiceFileStore file:files at $CT/relstore.conf:14: file: needs an absolute directory" <<<"$DBD
<Location /api>
    InvoiceAPI On
    InvoiceFileStore file:files
</Location>"
printf '[default]\naws_access_key_id = AK\naws_secret_access_key = SECRET\n' >"$CT/creds"
chmod 644 "$CT/creds"
check "configtest: an S3 credentials file others may read" configtest s3creds "chmod 600" <<<"$DBD
InvoiceS3CredentialsFile $CT/creds
<Location /api>
    InvoiceAPI On
    InvoiceFileStore s3:http://127.0.0.1:9/invoices
</Location>"
check "configtest: ... and never shows the secret" eval '[[ $LAST_OUT != *SECRET* ]]'
chmod 600 "$CT/creds"
check "configtest: an S3 store with a private credentials file" configtest s3ok OK <<<"$DBD
InvoiceS3CredentialsFile $CT/creds
InvoiceS3Delivery redirect
<Location /api>
    InvoiceAPI On
    InvoiceFileStore s3:http://127.0.0.1:9/invoices
</Location>"
check "configtest: a bad InvoiceS3Delivery" configtest delivery "InvoiceS3Delivery must be proxy or redirect" <<<"$DBD
InvoiceS3Delivery teleport"
check "configtest: a bad InvoiceDownloadCache" configtest dlcache "InvoiceDownloadCache must be a number from 0 to 4194304 (entries; 0: off), not '64k'" <<<"$DBD
InvoiceDownloadCache 64k"
check "configtest: InvoiceDownloadCache 0 (off)" configtest dlcacheoff OK <<<"$DBD
InvoiceDownloadCache 0"

# --- 4. misconfiguration: /readyz says why, the log says it once ----------
# A role with a password (scram) for the password cases, and databases
# without the schema or with an older one.
as_pg_user sed -i "1i host all invoice_secret 127.0.0.1/32 scram-sha-256" "$RUN/pg/data/pg_hba.conf"
as_pg_user "$PG_BIN/pg_ctl" -D "$RUN/pg/data" reload >/dev/null
psql_q -d invoice -c "CREATE ROLE invoice_secret LOGIN PASSWORD 'first-secret'" \
    -c "GRANT ALL ON ALL TABLES IN SCHEMA public TO invoice_secret" >/dev/null
psql_q -d postgres -c "CREATE DATABASE invoice_empty" -c "CREATE DATABASE invoice_old" >/dev/null
psql_q -d invoice_old -c "CREATE TABLE schema_migrations (version text PRIMARY KEY)" \
    -c "INSERT INTO schema_migrations VALUES ('000_bootstrap')" >/dev/null
CLOSED=$(pick_port "$PGPORT" "$PORT" "$TLSPORT" "$BACKPORT")
MC=$RUN/misconfig
mkdir -p "$MC"
site() {    # site NAME DBDPARAMS [more lines]: a vhost with a mount and /readyz
    printf '<VirtualHost 127.0.0.1:%s>\n    ServerName %s.test\n    DBDParams "%s"\n%s\n' "$PORT" "$1" "$2" "${3:-}"
    printf '    <Location /api>\n        InvoiceAPI On\n    </Location>\n'
    printf '    <Location /readyz>\n        SetHandler invoice-health\n    </Location>\n</VirtualHost>\n'
}
P="host=127.0.0.1 port=$PGPORT connect_timeout=2"
{ sed -n '1,/^SSLSessionCache/p' "$HERE/httpd.conf.in" | grep -v "^Listen.*@\(TLS\|BACK\)PORT@"
  echo "DBDriver pgsql"; echo "DBDParams \"$P dbname=invoice user=invoice\""
  echo "DBDMin 1"; echo "DBDKeep 2"; echo "DBDMax 10"
  site good "$P dbname=invoice user=invoice"
  site wrongpw "$P dbname=invoice user=invoice_secret password=wrong"
  site nodb "$P dbname=no_such_database user=invoice"
  site noschema "$P dbname=invoice_empty user=invoice"
  site oldschema "$P dbname=invoice_old user=invoice"
  site down "host=127.0.0.1 port=$CLOSED dbname=invoice user=invoice connect_timeout=2"
  site budget "$P dbname=invoice user=invoice application_name=budget" "    DBDMax 300"
} >"$MC/httpd.conf.in"
conf_from "$MC/httpd.conf.in" "$MC"
apachectl -f "$MC/httpd.conf" -k start
readyz_of() {      # readyz_of SITE ("" for the default site)
    if [ -n "$1" ]; then curl -s -H "Host: $1.test" "$B/readyz"; else curl -s "$B/readyz"; fi
}
# why NAME CAUSE TEXT: /readyz 503 with that cause and reason (once diagnosed)
why() {
    local body
    for _ in $(seq 100); do
        body=$(readyz_of "$1")
        [[ $body == *"\"cause\":\"$2\""* && $body == *"$3"* ]] && return 0
        sleep 0.1
    done
    echo "  $1: /readyz said $body" >&2; return 1
}
check "misconfig: a good site is ready" wait_ready -H "Host: good.test" "$B/readyz"
check "misconfig: wrong password" why wrongpw misconfiguration "password authentication failed"
check "misconfig: no such database" why nodb misconfiguration 'database \"no_such_database\" does not exist'
check "misconfig: schema not migrated" why noschema misconfiguration "no schema_migrations table): run mod-invoice-migrate"
NEED=$(ls "$REPO_ROOT/sql" | sed -n 's/^0*\([0-9][0-9]*\)_.*/\1/p' | sort -n | tail -n 1)
check "misconfig: schema too old" why oldschema misconfiguration "the schema is at migration 0, this module needs $NEED: run mod-invoice-migrate"
check "misconfig: database down is an outage" why down outage "Connection refused"
check "misconfig: /readyz 503 has Retry-After" has "$(fetch -H 'Host: nodb.test' "$B/readyz")" "Retry-After: 2"
r=$(curl -s -H 'Host: wrongpw.test' -H 'Authorization: sender 5' "$B/api/sender/invoices")
check "misconfig: an API call says misconfiguration" has "$r" '"cause":"misconfiguration"'
check "misconfig: ... without the reason's details" lacks "$r" "password"
check "misconfig: an outage says so" has "$(curl -s -H 'Host: down.test' -H 'Authorization: sender 5' "$B/api/sender/invoices")" '"cause":"outage"'
sleep 0.5
for c in "INV00410: misconfiguration: cannot connect to the database: .*password authentication failed" \
         "INV00410: misconfiguration: cannot connect to the database: .*database \"no_such_database\" does not exist" \
         "INV00410: misconfiguration: the database has no schema" \
         "INV00410: misconfiguration: the schema is at migration 0, this module needs $NEED" \
         "INV00411: database unavailable: cannot connect to the database: .*Connection refused"; do
    check "misconfig: logged: ${c%%:*}...${c: -30}" eval 'grep -q "$c" "$MC/error_log"'
done
check "misconfig: each cause logged once (not once per child)" \
    eq "$(grep -c 'INV00410: misconfiguration: the schema is at migration 0' "$MC/error_log")" 1
check "misconfig: the connection budget warning" eval 'grep -q "INV00413: PostgreSQL accepts .* this node alone may open 600 (up to 2 children x DBDMax 300)" "$MC/error_log"'
check "misconfig: the budget site still serves" eq "$(status_of -H 'Host: budget.test' "$B/readyz")" 200
stop_apache "$MC/httpd.conf"

# --- 5. secrets: a passfile only the Apache user reads; graceful --------
SE=$RUN/secret
mkdir -p "$SE"
pass() {    # pass PASSWORD: the passfile, 0600, the Apache user's
    echo "127.0.0.1:$PGPORT:invoice:invoice_secret:$1" >"$SE/pgpass"
    chmod 600 "$SE/pgpass"
    [ "$(id -u)" = 0 ] && chown www-data: "$SE/pgpass"
    return 0
}
pass first-secret
{ sed -n '1,/^SSLSessionCache/p' "$HERE/httpd.conf.in" | grep -v "^Listen.*@\(TLS\|BACK\)PORT@"
  echo "Define INVOICE_DBD_PARAMS \"host=127.0.0.1 port=$PGPORT dbname=invoice user=invoice_secret passfile=$SE/pgpass connect_timeout=2\""
  echo "Include \"$REPO_ROOT/conf/invoice.conf\""
  echo "DBDMin 1"; echo "DBDKeep 2"; echo "DBDMax 10"
  echo "Include \"$REPO_ROOT/conf/invoice-api.conf\""
} >"$SE/httpd.conf.in"
conf_from "$SE/httpd.conf.in" "$SE"
apachectl -f "$SE/httpd.conf" -k start
create() { curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: sender 9' -H 'Content-Type: application/json' \
           --data-binary @"$REPO_ROOT/test/data/ab_sample.txt" "$B/api/sender/invoices"; }
check "secret: ready with the passfile" wait_ready "$B/readyz"
check "secret: creates" eq "$(create)" 201
check "secret: the passfile is the Apache user's alone" eq "$(stat -c %a "$SE/pgpass")" 600
check "secret: no password in the configuration" eval '! grep -rq "first-secret" "$SE/httpd.conf" "$REPO_ROOT/conf"'
psql_q -d invoice -c "ALTER ROLE invoice_secret PASSWORD 'second-secret'" >/dev/null
apachectl -f "$SE/httpd.conf" -k graceful
check "secret: a changed password, old passfile: says so" why "" misconfiguration "password authentication failed"
pass second-secret
apachectl -f "$SE/httpd.conf" -k graceful
check "secret: new passfile + graceful: ready again" wait_ready "$B/readyz"
creates_soon() { for _ in $(seq 50); do [ "$(create)" = 201 ] && return 0; sleep 0.1; done; return 1; }
check "secret: creates again" creates_soon
stop_apache "$SE/httpd.conf"

echo "apache: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
