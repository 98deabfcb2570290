#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
# Build the container images from docker/Dockerfile and check them the way
# docker-compose.yml uses them: the migration image migrates a database, two
# API instances and the load balancer (`lb`) run from the runtime image, the
# create / list / pay / download flow goes through the balancer, and the
# probes and the database-outage behaviour are checked on one instance.
#
#   docker/image-test.sh        (make image-test)
#
# With a Docker engine (`docker info` works) it uses docker build / docker
# run --network host.  Without one it builds with buildah (chroot isolation,
# base image from docker/base-image.sh) and runs the images with
# `buildah run --isolation chroot`, which shares the host's network.
# PostgreSQL runs on the host (scripts/pg.sh) on a free port; Apache too.
# Everything started is stopped on exit; the images stay (layer cache).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGE=${IMAGE:-localhost/mod_invoice:test}
MIGRATE_IMAGE=${MIGRATE_IMAGE:-localhost/mod_invoice-migrate:test}
PDF=$REPO/test/data/helloworld.pdf
# The API's database is created by the migration image, not by pg.sh.
DB=invoice_image
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

log() { echo "image-test: $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
ok() { echo "image-test: ok   $*"; }

if docker info >/dev/null 2>&1; then ENGINE=docker; else ENGINE=buildah; fi

RUN_DIR=$(mktemp -d /tmp/invoice-image.XXXXXX)
chmod 755 "$RUN_DIR"          # PostgreSQL runs as postgres below it
PG_DIR=$RUN_DIR/pg
# Apache instances by name (app1 app2 lb): pid of the runner, container, log.
declare -A APACHE_PID APACHE_CTR
APACHE_NAMES=()
CTRS=()

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for n in "${APACHE_NAMES[@]}"; do stop_apache "$n"; done
    for c in "${CTRS[@]}"; do
        if [ "$ENGINE" = docker ]; then docker rm -f "$c" >/dev/null 2>&1; else buildah rm "$c" >/dev/null 2>&1; fi
    done
    [ -d "$PG_DIR" ] && "$REPO/scripts/pg.sh" stop "$PG_DIR" >&2
    for n in "${APACHE_NAMES[@]}"; do
        if grep -E -q "Segmentation fault|exit signal" "$RUN_DIR/$n.log"; then
            log "Apache $n reports a crashed child:"; grep -E "Segmentation fault|exit signal" "$RUN_DIR/$n.log" | head >&2
            [ "$rc" -ne 0 ] || rc=1
        fi
    done
    if [ "$rc" -ne 0 ]; then
        for n in "${APACHE_NAMES[@]}"; do
            log "---- tail of Apache $n's output"; tail -n 30 "$RUN_DIR/$n.log" >&2
        done
        [ -f "$PG_DIR/postgresql.log" ] && { log "---- tail of the PostgreSQL log"; tail -n 20 "$PG_DIR/postgresql.log" >&2; }
    fi
    rm -rf "$RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port below the kernel's ephemeral range (an outgoing connection's
# local port is in use without answering connects).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
    local low p
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    [ "$low" -gt 21000 ] || low=61000
    for _ in $(seq 200); do
        p=$(( 20000 + ( (RANDOM << 15) | RANDOM ) % (low - 20000) ))
        [ "$p" != "${1:-0}" ] && port_free "$p" && { echo "$p"; return 0; }
    done
    die "no free port found"
}

# ---- build ------------------------------------------------------------------
build() {
    local t0=$SECONDS
    cd "$REPO"
    if [ "$ENGINE" = docker ]; then
        log "docker build (runtime, migrate)"
        docker build -q -f docker/Dockerfile --target runtime -t "$IMAGE" . >/dev/null
        docker build -q -f docker/Dockerfile --target migrate -t "$MIGRATE_IMAGE" . >/dev/null
    else
        "$REPO/docker/base-image.sh"
        local target tag
        for target in runtime migrate; do
            tag=$IMAGE; [ "$target" = migrate ] && tag=$MIGRATE_IMAGE
            log "buildah bud --target $target -t $tag (log: build/image-$target.log)"
            mkdir -p "$REPO/build"
            buildah bud --isolation chroot --pull=never --layers --force-rm \
                --ignorefile docker/Dockerfile.dockerignore -f docker/Dockerfile \
                --target "$target" -t "$tag" . >"$REPO/build/image-$target.log" 2>&1 ||
                { tail -n 40 "$REPO/build/image-$target.log" >&2; die "buildah bud --target $target failed"; }
        done
    fi
    ok "built $IMAGE and $MIGRATE_IMAGE with $ENGINE in $((SECONDS - t0))s"
}

# ---- containers -------------------------------------------------------------
# new_ctr IMAGE: a new container of IMAGE (buildah) or a container name
# (docker), in $CTR; the cleanup removes it.
new_ctr() {
    if [ "$ENGINE" = docker ]; then
        CTR=invoice-image-test-$$-${#CTRS[@]}
    else
        CTR=$(buildah from --pull=never "$1")
    fi
    CTRS+=("$CTR")
}
# in_ctr CTR IMAGE [-e VAR=VALUE...] -- CMD...: run CMD in it, host network.
in_ctr() {
    local ctr=$1 image=$2 envs=()
    shift 2
    while [ "$1" != -- ]; do envs+=("$1" "$2"); shift 2; done
    shift
    if [ "$ENGINE" = docker ]; then
        docker run --rm --name "$ctr" --network host "${envs[@]}" --entrypoint "$1" "$image" "${@:2}"
    else
        buildah run --isolation chroot "${envs[@]}" "$ctr" -- "$@"
    fi
}
in_image() { new_ctr "$1"; in_ctr "$CTR" "$@"; }

# start_apache NAME PORT api|lb [-e VAR=VALUE...]: Apache from the runtime
# image on 127.0.0.1:PORT, in the background, output in $RUN_DIR/NAME.log.
start_apache() {
    local name=$1 port=$2 role=$3
    shift 3
    new_ctr "$IMAGE"
    APACHE_CTR[$name]=$CTR
    APACHE_NAMES+=("$name")
    # The timeout bounds Apache's life even if the cleanup never runs.
    in_ctr "$CTR" "$IMAGE" "$@" -e INVOICE_LISTEN_ADDRESS=127.0.0.1 -e "INVOICE_LISTEN_PORT=$port" \
        -- timeout 900 invoice-entrypoint "$role" >"$RUN_DIR/$name.log" 2>&1 &
    APACHE_PID[$name]=$!
}

# stop_apache NAME: graceful stop with SIGWINCH (the image's STOPSIGNAL).
stop_apache() {
    local pid=${APACHE_PID[$1]:-}
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        if [ "$ENGINE" = docker ]; then
            docker kill -s WINCH "${APACHE_CTR[$1]}" >/dev/null 2>&1
        else
            # chroot isolation shares the host's pid namespace.
            # shellcheck disable=SC2016  # expanded in the container
            buildah run --isolation chroot "${APACHE_CTR[$1]}" -- \
                sh -c 'kill -WINCH "$(cat /run/mod_invoice/httpd.pid)"' 2>/dev/null
        fi
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || log "Apache $1 exited with status $?"
    APACHE_PID[$1]=
}

# ---- HTTP helpers --------------------------------------------------------------
# req EXPECTED_STATUS OUTFILE CURL_ARGS...: the request must answer EXPECTED_STATUS.
req() {
    local want=$1 out=$2 got; shift 2
    got=$(curl -s -o "$out" -w '%{http_code}' --max-time 20 "$@") || true
    [ "$got" = "$want" ] || { log "curl $*"; head -c 600 "$out" >&2 2>/dev/null; echo >&2; die "answered $got, expected $want"; }
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }
# wait_status URL STATUS SECONDS
wait_status() {
    local end=$((SECONDS + $3)) n
    while [ "$SECONDS" -lt "$end" ]; do
        [ "$(status_of "$1")" = "$2" ] && return 0
        for n in "${APACHE_NAMES[@]}"; do
            [ -z "${APACHE_PID[$n]}" ] || kill -0 "${APACHE_PID[$n]}" 2>/dev/null || die "Apache $n exited"
        done
        sleep 0.2
    done
    die "$1 did not answer $2 within $3s (last: $(status_of "$1"))"
}

build

PG_PORT=$(pick_port)
APP1_PORT=$(pick_port "$PG_PORT")
APP2_PORT=$(pick_port "$APP1_PORT")
HTTP_PORT=$(pick_port "$APP2_PORT")
B=http://127.0.0.1:$HTTP_PORT
A1=http://127.0.0.1:$APP1_PORT
A2=http://127.0.0.1:$APP2_PORT
log "PostgreSQL on 127.0.0.1:$PG_PORT; from $IMAGE: API on $APP1_PORT and $APP2_PORT, balancer on $HTTP_PORT"
"$REPO/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U invoice -d postgres \
    -c "CREATE DATABASE $DB" >/dev/null

PGENV=(-e PGHOST=127.0.0.1 -e "PGPORT=$PG_PORT" -e "PGDATABASE=$DB" -e PGUSER=invoice)

# ---- the migration image ------------------------------------------------------
in_image "$MIGRATE_IMAGE" "${PGENV[@]}" -- invoice-migrate >"$RUN_DIR/migrate.log" 2>&1 ||
    { cat "$RUN_DIR/migrate.log" >&2; die "migration image failed"; }
grep -q "applied migration 001_schema" "$RUN_DIR/migrate.log" || { cat "$RUN_DIR/migrate.log" >&2; die "no migration applied"; }
in_image "$MIGRATE_IMAGE" "${PGENV[@]}" -- invoice-migrate >"$RUN_DIR/migrate2.log" 2>&1 ||
    { cat "$RUN_DIR/migrate2.log" >&2; die "second migration run failed"; }
grep -q "applied migration" "$RUN_DIR/migrate2.log" && die "second migration run applied again"
ok "migration image: sql/ applied to $DB, and a rerun applies nothing"

# ---- Apache from the runtime image ------------------------------------------------
# Nonsense pool sizes must stop the start with a message.
if in_image "$IMAGE" -e INVOICE_THREADS_PER_CHILD=25 -e INVOICE_DBD_MAX=10 -- invoice-entrypoint api -t \
        >"$RUN_DIR/bad.log" 2>&1; then
    die "entrypoint accepted INVOICE_DBD_MAX < INVOICE_THREADS_PER_CHILD"
fi
grep -q "INVOICE_DBD_MAX (10) must be at least" "$RUN_DIR/bad.log" || { cat "$RUN_DIR/bad.log" >&2; die "unexpected entrypoint message"; }
ok "entrypoint refuses INVOICE_DBD_MAX < INVOICE_THREADS_PER_CHILD"

start_apache app1 "$APP1_PORT" api "${PGENV[@]}" -e INVOICE_SERVER_LIMIT=1 -e INVOICE_DBD_MIN=1 -e INVOICE_DBD_KEEP=4
start_apache app2 "$APP2_PORT" api "${PGENV[@]}" -e INVOICE_SERVER_LIMIT=1 -e INVOICE_DBD_MIN=1 -e INVOICE_DBD_KEEP=4
start_apache lb "$HTTP_PORT" lb -e "INVOICE_LB_BACKENDS=http://127.0.0.1:$APP1_PORT http://127.0.0.1:$APP2_PORT"

wait_status "$A1/healthz" 200 60
wait_status "$A2/healthz" 200 60
ok "GET /healthz 200 on both API instances"
wait_status "$A1/readyz" 200 30
wait_status "$A2/readyz" 200 30
ok "GET /readyz 200 on both API instances"
wait_status "$B/readyz" 200 30
ok "load balancer up: GET /readyz through it 200"

body=$RUN_DIR/create.json
printf '{"invoice": {"receiver_id": 2, "file_type": "application/pdf", "content": "%s"}}' \
    "$(base64 -w0 "$PDF")" >"$body"
out=$RUN_DIR/out
req 201 "$out" -X POST "$B/api/sender/invoices" -H 'Authorization: sender 1' \
    -H 'Content-Type: application/json' --data-binary "@$body"
ID=$(grep -o '"id": *"[0-9a-f-]*"' "$out" | head -n 1 | sed 's/.*"\([0-9a-f-]*\)"$/\1/')
[ -n "$ID" ] || die "no id in the create answer: $(cat "$out")"
ok "POST /api/sender/invoices 201 (through the balancer), id $ID"

req 200 "$out" -H 'Authorization: sender 1' "$B/api/sender/invoices?limit=20"
grep -q "$ID" "$out" || die "the sender's list lacks $ID"
ok "GET /api/sender/invoices 200, lists it"

req 200 "$out" -H 'Authorization: consumer 2' "$B/api/consumer/invoices/sender/1"
grep -q "$ID" "$out" || die "the consumer's list lacks $ID"
ok "GET /api/consumer/invoices/sender/1 200, lists it"

req 401 "$out" "$B/api/consumer/invoices/$ID"
req 404 "$out" -H 'Authorization: consumer 3' "$B/api/consumer/invoices/$ID"
ok "no identity 401, another consumer 404"

req 200 "$out" -X POST -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/pay"
grep -q '"paid_at": *"' "$out" || die "paid_at not set: $(cat "$out")"
req 409 "$out" -X POST -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/pay"
ok "pay 200, pay again 409"

req 200 "$RUN_DIR/file" -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/file"
cmp -s "$RUN_DIR/file" "$PDF" || die "downloaded file differs from $PDF"
ok "download 200, byte-identical to test/data/helloworld.pdf ($(stat -c %s "$PDF") bytes)"

req 200 "$out" "$B/metrics"
grep -q '^invoice_' "$out" || die "no invoice_ metric in /metrics"
ok "GET /metrics 200"

for n in app1 app2; do
    grep -q '"status":20[01]' "$RUN_DIR/$n.log" || die "no JSON access log line of an API request on $n's stdout"
done
ok "both API instances served API requests (JSON access log on stdout)"
if grep -h ":error\]" "$RUN_DIR/app1.log" "$RUN_DIR/app2.log" "$RUN_DIR/lb.log" >&2; then
    die "error lines in Apache's log (above)"
fi
ok "no error lines in the Apache logs"

# Readiness follows the database; liveness does not.
"$REPO/scripts/pg.sh" stop "$PG_DIR" >/dev/null
wait_status "$A1/readyz" 503 20
[ "$(status_of "$A1/healthz")" = 200 ] || die "/healthz is not 200 while PostgreSQL is down"
ok "PostgreSQL down: /readyz 503, /healthz 200"
"$REPO/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >/dev/null
wait_status "$A1/readyz" 200 30
req 200 "$out" -H 'Authorization: consumer 2' "$A1/api/consumer/invoices/$ID"
req 200 "$out" -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID"
ok "PostgreSQL back: /readyz 200 and the API answers, without an Apache restart"

for n in lb app1 app2; do
    stop_apache "$n"
    grep -q "caught SIGWINCH, shutting down gracefully" "$RUN_DIR/$n.log" || die "Apache $n did not stop gracefully"
done
ok "all three Apache instances stopped gracefully (SIGWINCH)"
echo "image-test: PASS ($ENGINE)"
