#!/usr/bin/env bash
# The Debian package, installed for real in a clean Debian 12 root
# (make deb-test):
#
#   test/deb/run.sh build/deb/libapache2-mod-invoice_VERSION_ARCH.deb
#
#  1. apt-get install ./the.deb (+ curl) into a fresh bookworm root
#     (test/deb/root.sh; Recommends on, as apt's default): installed, not
#     enabled; its conffiles; apache2 and postgresql-client come along.
#  2. A PostgreSQL of the test's own on the host (the host's binaries, a
#     free port, password authentication) with a role that may create
#     databases, and no database: the operator's steps from README.Debian
#     (passfile, the Define in mods-available/invoice.conf - a conffile
#     edit), then mod-invoice-migrate: without --create-database it creates
#     nothing, with it the database and the schema, printing each migration;
#     a rerun applies nothing; --status as www-data.
#  3. a2enmod invoice, a2ensite libapache2-mod-invoice, apachectl start;
#     mod-invoice-migrate follows a Define Apache sees (apache2.conf);
#     with curl: create, list (sender, consumer), pay (then 409), download
#     (the same bytes), the version on /metrics, MOUNT/openapi.json.
#  4. Upgrade to the same tree rebuilt as VERSION+debtest, whose
#     invoice.conf changed (built in the background meanwhile), with
#     --force-confdef --force-confold: the operator's edits stay, the new
#     file is saved as .dpkg-dist; after apachectl graceful the module says
#     the new version and the invoice is still there.
#  5. apt-get purge: every file and link of the package gone, Apache's
#     configuration still valid, the API gone, the database untouched.
#
# Ports: free loopback ports (the root shares the host's network).  The
# rootfs tarball and downloaded packages are cached under
# $IMAGE_CACHE (default /var/tmp/mod_invoice-image), with the image test's.
# KEEP=1 keeps the work directory (root, logs) after a failure.
# shellcheck source-path=SCRIPTDIR disable=SC2016  # dpkg-query's ${Field} formats are not shell's
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../scripts/common.sh
. "$REPO/scripts/common.sh"
# shellcheck source=root.sh
. "$REPO/test/deb/root.sh"

[ "$(id -u)" = 0 ] || { echo "deb-test: needs root (debootstrap root, chroot, mounts)" >&2; exit 1; }
OLD_DEB=$(readlink -f "${1:?usage: test/deb/run.sh PACKAGE.deb}")
[ -f "$OLD_DEB" ] || die "no such package: $1 (make deb)"
PKG=$(dpkg-deb -f "$OLD_DEB" Package)
V_OLD=$(dpkg-deb -f "$OLD_DEB" Version)
V_NEW=$V_OLD+debtest
PDF=$REPO/test/data/helloworld.pdf
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

WORK=$(mktemp -d /var/tmp/mod_invoice-debtest.XXXXXX)
chmod 755 "$WORK"                      # PostgreSQL runs as postgres below it
PGDIR=$WORK/pg
NEW_OUT=$WORK/new
BUILD_PID=
T_START=$SECONDS
T_STEP=$SECONDS

log() { echo "deb-test: $*" >&2; }
ok() { echo "deb-test: ok   $*"; }
fail() { log "FAIL: $*"; exit 1; }
step() {
    echo "deb-test: [$((SECONDS - T_STEP))s] done; [$((SECONDS - T_START))s total] == $*"
    T_STEP=$SECONDS
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    [ -z "$BUILD_PID" ] || kill -- -"$BUILD_PID" 2>/dev/null
    if [ "$rc" -ne 0 ]; then
        for f in "$WORK"/*.log "$ROOT"/var/log/apache2/*error*.log "$PGDIR/postgresql.log"; do
            [ -s "$f" ] || continue
            log "---- tail of $f"; tail -n 25 "$f" >&2
        done
    fi
    [ -n "$ROOT" ] && [ -d "$ROOT/tmp" ] && root_save_apt_cache
    root_remove || rc=1
    if [ -f "$PGDIR/data/postmaster.pid" ]; then
        as_pg_user "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null
    fi
    if [ "$rc" -ne 0 ] && [ "${KEEP:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    [ "$rc" -eq 0 ] && echo "deb-test: PASS in $((SECONDS - T_START))s"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- in the background: the upgrade's package, PostgreSQL ----------------------
# The same tree rebuilt as a higher version whose invoice.conf changed: with
# the operator's edit, dpkg would ask (and stop, without a terminal).
BUILD_DEB_PREPARE='printf "\n# (package test: a new version of this conffile)\n" >>conf/invoice.conf' \
    setsid "$REPO/scripts/build-deb.sh" ${DEB_FROM:+--from "$DEB_FROM"} --version "$V_NEW" --out "$NEW_OUT" --no-lintian \
    >"$WORK/build-new.log" 2>&1 &
BUILD_PID=$!

PG_PORT=$(pick_port)
HTTP_PORT=$(pick_port "$PG_PORT")
SUPER_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
INVOICE_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
pg_super() {
    PGPASSWORD=$SUPER_PW psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}
start_pg() {
    mkdir -p "$PGDIR"
    printf '%s\n' "$SUPER_PW" >"$PGDIR/pw"
    chown -R postgres: "$PGDIR"
    as_pg_user "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres --pwfile="$PGDIR/pw" \
        -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1
    cat >>"$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDIR'
max_connections = 400
fsync = off
CONF
    as_pg_user "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgresql.log" -w -t 60 start >/dev/null
    # A role that may create its database, and no database yet.
    pg_super -d postgres -c "CREATE ROLE invoice LOGIN CREATEDB PASSWORD '$INVOICE_PW'"
}
start_pg >"$WORK/pg.log" 2>&1 &
PG_JOB=$!

# ---- 1. install --------------------------------------------------------------------
step "a clean bookworm root (docker/base-image.sh --rootfs)"
root_make "$WORK/root"
R=$ROOT
cp "$OLD_DEB" "$R/tmp/"
OLD_IN_ROOT=/tmp/$(basename "$OLD_DEB")
step "apt-get update; apt-get install .$OLD_IN_ROOT curl"
in_root apt-get update -q >"$WORK/apt-update.log" 2>&1 || fail "apt-get update in the root"
in_root apt-get install -y -q ".$OLD_IN_ROOT" curl </dev/null >"$WORK/install.log" 2>&1 ||
    fail "apt-get install of $(basename "$OLD_DEB")"
[ "$(in_root dpkg-query -W -f '${Version} ${db:Status-Abbrev}' "$PKG")" = "$V_OLD ii " ] ||
    fail "$PKG $V_OLD is not installed: $(in_root dpkg-query -W -f '${Version} ${db:Status-Abbrev}' "$PKG")"
for p in apache2 postgresql-client libaprutil1-dbd-pgsql; do
    in_root dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || fail "$p was not installed with it"
done
ok "apt-get install ./$(basename "$OLD_DEB"): $PKG $V_OLD, with apache2, postgresql-client, libaprutil1-dbd-pgsql"

for f in /usr/lib/apache2/modules/mod_invoice.so /usr/sbin/mod-invoice-migrate /usr/sbin/mod-invoice-files \
         /usr/share/man/man8/mod-invoice-migrate.8.gz /usr/share/man/man8/mod-invoice-files.8.gz \
         /usr/share/libapache2-mod-invoice/sql/001_schema.sql \
         /usr/share/doc/$PKG/README.Debian /usr/share/doc/$PKG/copyright /usr/share/doc/$PKG/changelog.gz; do
    [ -e "$R$f" ] || fail "$f is not installed"
done
for f in README.md CHANGELOG.md docs/directives.md docs/logs.md docs/openapi.yaml; do
    [ -e "$R/usr/share/doc/$PKG/$f" ] || [ -e "$R/usr/share/doc/$PKG/$f.gz" ] || fail "/usr/share/doc/$PKG/$f is not installed"
done
[ -z "$(find "$R/usr/share/doc/$PKG" -name '*.mk*')" ] || fail "Makefile fragments under /usr/share/doc/$PKG"
# The tool's libraries came with the package's dependencies.
in_root mod-invoice-files --help >"$WORK/files-help.log" 2>&1 || { cat "$WORK/files-help.log" >&2; fail "mod-invoice-files --help in the root"; }
ok "installed: the module, mod-invoice-migrate and mod-invoice-files (runs) with their manual pages, the migrations, README.md, CHANGELOG.md, docs/ (directives, logs, openapi.yaml), README.Debian, changelog.gz"
[ "$(cd "$R/usr/share/libapache2-mod-invoice/sql" && echo [0-9]*.sql)" = "$(cd "$REPO/sql" && echo [0-9]*.sql)" ] ||
    log "note: the package's migrations differ from $REPO/sql (the package was built from another tree?)"
conffiles=$(in_root dpkg-query -W -f '${Conffiles}\n' "$PKG" | awk 'NF { print $1 }' | sort)
want=$(printf '%s\n' /etc/apache2/mod-invoice/api.conf /etc/apache2/mods-available/invoice.conf \
    /etc/apache2/mods-available/invoice.load "/etc/apache2/sites-available/$PKG.conf" | sort)
[ "$conffiles" = "$want" ] || fail "conffiles are:"$'\n'"$conffiles"$'\n'"expected:"$'\n'"$want"
ok "conffiles: $(echo "$conffiles" | tr '\n' ' ')"
if [ -e "$R/etc/apache2/mods-enabled/invoice.load" ] || [ -e "$R/etc/apache2/sites-enabled/$PKG.conf" ]; then
    fail "the package enabled the module or the site by itself"
fi
ok "installed disabled: no mods-enabled/invoice.load, no sites-enabled/$PKG.conf"

# ---- 2. the database -------------------------------------------------------------------
step "PostgreSQL on 127.0.0.1:$PG_PORT; passfile; Define; mod-invoice-migrate"
wait "$PG_JOB" || { cat "$WORK/pg.log" >&2; fail "PostgreSQL did not start"; }
install -m 600 /dev/null "$R/etc/apache2/mod-invoice/pgpass"
echo "127.0.0.1:$PG_PORT:*:invoice:$INVOICE_PW" >"$R/etc/apache2/mod-invoice/pgpass"
in_root chown www-data:www-data /etc/apache2/mod-invoice/pgpass
# The operator's edit of a conffile: where the database is.
CONF=$R/etc/apache2/mods-available/invoice.conf
grep -q 'Define INVOICE_DBD_PARAMS "host=localhost port=5432 ' "$CONF" || fail "unexpected Define in invoice.conf"
sed -i "s/Define INVOICE_DBD_PARAMS \"host=localhost port=5432 /Define INVOICE_DBD_PARAMS \"host=127.0.0.1 port=$PG_PORT /" "$CONF"
EDIT="host=127.0.0.1 port=$PG_PORT "
db_exists() { [ "$(pg_super -d postgres -tAc "SELECT count(*) FROM pg_database WHERE datname = 'invoice'")" = 1 ]; }

in_root mod-invoice-migrate >"$WORK/migrate0.log" 2>&1 && fail "mod-invoice-migrate succeeded without a database"
grep -q -- '--create-database' "$WORK/migrate0.log" || { cat "$WORK/migrate0.log" >&2; fail "no hint at --create-database"; }
in_root mod-invoice-migrate --status >>"$WORK/migrate0.log" 2>&1 && fail "--status succeeded without a database"
db_exists && fail "mod-invoice-migrate created the database without --create-database"
ok "mod-invoice-migrate without --create-database: fails, creates nothing"

in_root mod-invoice-migrate --create-database >"$WORK/migrate1.log" 2>&1 ||
    { cat "$WORK/migrate1.log" >&2; fail "mod-invoice-migrate --create-database"; }
sed 's/^/    /' "$WORK/migrate1.log"
grep -q '^created database invoice$' "$WORK/migrate1.log" || fail "it did not say it created the database"
for f in "$R"/usr/share/libapache2-mod-invoice/sql/[0-9]*.sql; do
    grep -q "^applied migration $(basename "$f" .sql)\$" "$WORK/migrate1.log" || fail "$(basename "$f") not reported applied"
done
owner=$(pg_super -d postgres -tAc "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'invoice'")
[ "$owner" = invoice ] || fail "the database is owned by $owner"
n=$(pg_super -d invoice -tAc "SELECT count(*) FROM schema_migrations")
[ "$n" = "$(find "$R/usr/share/libapache2-mod-invoice/sql" -name '[0-9]*.sql' | wc -l)" ] || fail "schema_migrations has $n rows"
in_root mod-invoice-migrate >"$WORK/migrate2.log" 2>&1 || { cat "$WORK/migrate2.log" >&2; fail "second run"; }
grep -q 'applied migration' "$WORK/migrate2.log" && fail "a second run applied again"
grep -q 'nothing applied' "$WORK/migrate2.log" || fail "a second run did not say so: $(cat "$WORK/migrate2.log")"
in_root runuser -u www-data -- mod-invoice-migrate --status >"$WORK/status.log" 2>&1 ||
    { cat "$WORK/status.log" >&2; fail "mod-invoice-migrate --status as www-data"; }
grep -q '^0 pending$' "$WORK/status.log" || fail "--status: $(cat "$WORK/status.log")"
ok "mod-invoice-migrate --create-database: database (owner invoice) and $n migrations, through the passfile; a rerun applies nothing; --status as www-data"

# ---- 3. Apache ------------------------------------------------------------------------
step "a2enmod invoice; a2ensite $PKG; apachectl start on 127.0.0.1:$HTTP_PORT"
sed -i "s/^Listen 80\$/Listen 127.0.0.1:$HTTP_PORT/" "$R/etc/apache2/ports.conf"
# The operator's edit of the site (another conffile): the port.
sed -i "s/<VirtualHost \*:80>/<VirtualHost *:$HTTP_PORT>/" "$R/etc/apache2/sites-available/$PKG.conf"
echo 'ServerName localhost' >"$R/etc/apache2/conf-available/servername.conf"
in_root a2enconf -q servername >/dev/null
in_root a2dissite -q 000-default >/dev/null
in_root a2enmod -q invoice >"$WORK/a2enmod.log" 2>&1 || { cat "$WORK/a2enmod.log" >&2; fail "a2enmod invoice"; }
[ -e "$R/etc/apache2/mods-enabled/dbd.load" ] || fail "a2enmod invoice did not enable dbd"
in_root a2ensite -q "$PKG" >/dev/null
in_root apachectl configtest >"$WORK/configtest.log" 2>&1 || { cat "$WORK/configtest.log" >&2; fail "apachectl configtest"; }
in_root apachectl start || fail "apachectl start"
apache_pid() { cat "$R/run/apache2/apache2.pid" 2>/dev/null; }
wait_for 100 test -s "$R/run/apache2/apache2.pid" || fail "Apache wrote no pid file"
# Shared network: the port must be held by the Apache of this root.
[ "$(readlink "/proc/$(apache_pid)/root")" = "$R" ] || fail "Apache's pid $(apache_pid) is not in the root"
listening() { ss -ltnp | grep -q "127.0.0.1:$HTTP_PORT .*pid=$(apache_pid),"; }
wait_for 100 listening || fail "port $HTTP_PORT is not held by the root's Apache ($(apache_pid))"
ok "Apache $(in_root apache2ctl -v | sed -n 's/^Server version: //p') started in the root, pid $(apache_pid)"
# Apache's value wins: a Define made before invoice.conf is read (here at
# the top of apache2.conf, a port where nothing listens) is what
# mod-invoice-migrate uses too.
BAD_PORT=$(pick_port "$PG_PORT")
cp "$R/etc/apache2/apache2.conf" "$WORK/apache2.conf.orig"
sed -i "1i Define INVOICE_DBD_PARAMS \"host=127.0.0.1 port=$BAD_PORT dbname=invoice user=invoice connect_timeout=2\"" "$R/etc/apache2/apache2.conf"
in_root mod-invoice-migrate --status >"$WORK/migrate-define.log" 2>&1 && fail "mod-invoice-migrate ignored Apache's Define"
grep -q "$BAD_PORT" "$WORK/migrate-define.log" || { cat "$WORK/migrate-define.log" >&2; fail "mod-invoice-migrate did not use Apache's Define"; }
cp "$WORK/apache2.conf.orig" "$R/etc/apache2/apache2.conf"
ok "mod-invoice-migrate takes INVOICE_DBD_PARAMS as Apache defines it (a Define in apache2.conf wins over invoice.conf's)"

B=http://127.0.0.1:$HTTP_PORT
# req WANT CURL_ARGS...: curl in the root; the body in $R/tmp/body.
req() {
    local want=$1 got
    shift
    got=$(in_root curl -s -o /tmp/body -w '%{http_code}' --max-time 20 "$@") || true
    [ "$got" = "$want" ] || { log "curl $*"; head -c 600 "$R/tmp/body" >&2 2>/dev/null; echo >&2; fail "answered $got, expected $want"; }
}
status_of() { in_root curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }
wait_status() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(status_of "$1")" = "$2" ] && return 0
        sleep 0.2
    done
    fail "$1 did not answer $2 within $3s (last: $(status_of "$1"))"
}
version_served() {
    in_root curl -s --max-time 5 "$B/metrics" | grep "^invoice_build_info{version=\"$1\"} 1" >/dev/null  # not -q: curl must not meet a closed pipe
}
wait_status "$B/readyz" 200 60
ok "GET /readyz 200: the module reached the database with the passfile"
version_served "$V_OLD" || fail "/metrics does not say version $V_OLD"
ok "/metrics: invoice_build_info{version=\"$V_OLD\"}"

step "create, list, pay, download"
printf '{"invoice": {"receiver_id": 2, "file_type": "application/pdf", "content": "%s"}}' \
    "$(base64 -w0 "$PDF")" >"$R/tmp/create.json"
cp "$PDF" "$R/tmp/expected.pdf"
create() {
    req 201 -X POST "$B/api/sender/invoices" -H 'Authorization: sender 1' \
        -H 'Content-Type: application/json' --data-binary @/tmp/create.json
    grep -o '"id": *"[0-9a-f-]*"' "$R/tmp/body" | head -n 1 | sed 's/.*"\([0-9a-f-]*\)"$/\1/'
}
ID=$(create)
[ -n "$ID" ] || fail "no id in the create answer: $(cat "$R/tmp/body")"
ok "POST /api/sender/invoices 201, id $ID"
req 200 -H 'Authorization: sender 1' "$B/api/sender/invoices?limit=20"
grep -q "$ID" "$R/tmp/body" || fail "the sender's list lacks $ID"
req 200 -H 'Authorization: consumer 2' "$B/api/consumer/invoices/sender/1"
grep -q "$ID" "$R/tmp/body" || fail "the consumer's list lacks $ID"
ok "GET /api/sender/invoices and /api/consumer/invoices/sender/1 list it"
req 200 -X POST -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/pay"
grep -q '"paid_at": *"' "$R/tmp/body" || fail "pay answered without paid_at: $(cat "$R/tmp/body")"
req 409 -X POST -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/pay"
ok "POST .../pay 200, again 409"
download() {
    req 200 -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$1/file"
    cmp -s "$R/tmp/body" "$PDF" || fail "the download of $1 differs from the upload"
}
download "$ID"
ok "GET .../file 200, the uploaded bytes"
in_root curl -s -o /tmp/openapi.json -w '%{http_code}' --max-time 20 "$B/api/openapi.json" >"$WORK/openapi.code" || true
[ "$(cat "$WORK/openapi.code")" = 200 ] || fail "GET /api/openapi.json answered $(cat "$WORK/openapi.code")"
grep -q '"openapi": *"3\.1' "$R/tmp/openapi.json" || fail "/api/openapi.json is not an OpenAPI 3.1 document"
grep -q '"url": *"/api"' "$R/tmp/openapi.json" || fail "/api/openapi.json does not name its mount /api as its server"
ok "GET /api/openapi.json 200 without Authorization, servers[0].url /api"

# ---- 4. upgrade --------------------------------------------------------------------------
step "upgrade to $V_NEW (built meanwhile) keeping the edited conffiles"
wait "$BUILD_PID" || { BUILD_PID=; cat "$WORK/build-new.log" >&2; fail "building $V_NEW"; }
BUILD_PID=
NEW_DEB=$(tail -n 1 "$WORK/build-new.log")
[ -f "$NEW_DEB" ] || { cat "$WORK/build-new.log" >&2; fail "no package from the $V_NEW build"; }
cp "$NEW_DEB" "$R/tmp/"
in_root apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "./tmp/$(basename "$NEW_DEB")" </dev/null >"$WORK/upgrade.log" 2>&1 || fail "apt-get install of $V_NEW"
[ "$(in_root dpkg-query -W -f '${Version} ${db:Status-Abbrev}' "$PKG")" = "$V_NEW ii " ] || fail "$PKG $V_NEW is not installed"
grep -q "$EDIT" "$CONF" || fail "the edit of invoice.conf was lost"
grep -q 'package test: a new version' "$CONF.dpkg-dist" 2>/dev/null || fail "no invoice.conf.dpkg-dist with the new version"
grep -q "<VirtualHost \*:$HTTP_PORT>" "$R/etc/apache2/sites-available/$PKG.conf" || fail "the edit of the site was lost"
if [ ! -e "$R/etc/apache2/mods-enabled/invoice.load" ] || [ ! -e "$R/etc/apache2/sites-enabled/$PKG.conf" ]; then
    fail "the upgrade disabled the module or the site"
fi
[ "$(stat -c '%U %a' "$R/etc/apache2/mod-invoice/pgpass")" = "www-data 600" ] || fail "the passfile changed"
ok "upgraded to $V_NEW without a prompt: invoice.conf and the site keep their edits, the new invoice.conf is invoice.conf.dpkg-dist"
in_root mod-invoice-migrate >"$WORK/migrate3.log" 2>&1 || { cat "$WORK/migrate3.log" >&2; fail "mod-invoice-migrate after the upgrade"; }
in_root apachectl graceful || fail "apachectl graceful"
end=$((SECONDS + 60))
until version_served "$V_NEW"; do
    [ "$SECONDS" -lt "$end" ] || fail "/metrics does not say $V_NEW after apachectl graceful"
    sleep 0.3
done
wait_status "$B/readyz" 200 60
req 200 -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID"
grep -q '"paid_at": *"' "$R/tmp/body" || fail "$ID lost its payment"
download "$ID"
ID2=$(create)
[ -n "$ID2" ] || fail "no id in the create answer after the upgrade"
download "$ID2"
ok "after apachectl graceful: version $V_NEW served, $ID still paid and downloadable, a new invoice $ID2"

# ---- 5. purge ----------------------------------------------------------------------------
step "apt-get purge $PKG"
in_root apt-get purge -y -q "$PKG" </dev/null >"$WORK/purge.log" 2>&1 || fail "apt-get purge"
st=$(in_root dpkg-query -W -f '${db:Status-Abbrev}' "$PKG" 2>/dev/null || true)
case $st in ""|"un "|"pn ") ;; *) fail "after the purge $PKG is '$st'" ;; esac
for f in /usr/lib/apache2/modules/mod_invoice.so /usr/sbin/mod-invoice-migrate \
         /usr/share/libapache2-mod-invoice /usr/share/doc/$PKG /usr/share/man/man8/mod-invoice-migrate.8.gz \
         /etc/apache2/mods-available/invoice.load /etc/apache2/mods-available/invoice.conf \
         /etc/apache2/mods-available/invoice.conf.dpkg-dist /etc/apache2/mods-enabled/invoice.load \
         /etc/apache2/mods-enabled/invoice.conf /etc/apache2/sites-available/$PKG.conf \
         /etc/apache2/sites-enabled/$PKG.conf /etc/apache2/mod-invoice; do
    if [ -e "$R$f" ] || [ -L "$R$f" ]; then fail "$f is left after the purge"; fi
done
ok "purged: no file, conffile, link or /etc/apache2/mod-invoice (passfile included) left"
in_root apachectl configtest >"$WORK/configtest2.log" 2>&1 || { cat "$WORK/configtest2.log" >&2; fail "configtest after the purge"; }
in_root apachectl graceful
wait_status "$B/api/sender/invoices" 404 30
ok "Apache's configuration is valid without it; after graceful /api is gone (404)"
n=$(pg_super -d invoice -tAc "SELECT count(*) FROM invoices")
[ "$n" = 2 ] || fail "the database has $n invoices after the purge, expected 2"
ok "the database is untouched (2 invoices)"
in_root apachectl stop
root_empty() { [ -z "$(root_pids)" ]; }
wait_for 100 root_empty || fail "Apache did not stop"
step "clean up"
