#!/usr/bin/env bash
# A test S3 on loopback: s3rver behind the verifying SigV4 proxy, in one
# node process (sigv4-proxy.js).  Never a real bucket.
#   s3.sh start DIR PORT   buckets named in S3_BUCKETS (default invoices),
#                          data under DIR/data, log DIR/s3.log, pid DIR/s3.pid;
#                          S3_SESSION_TOKEN, when set, is the only token
#                          a request may carry
#   s3.sh stop DIR         no-op when not running
# Credentials: s3rver's fixed pair, S3RVER / S3RVER.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/common.sh"

cmd=${1:-}; dir=${2:-}; port=${3:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: s3.sh start DIR PORT | s3.sh stop DIR"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

running_pid() {
    local pid
    [ -f "$dir/s3.pid" ] || return 1
    pid=$(cat "$dir/s3.pid")
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

answers() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; }

start() {
    [ -n "$port" ] || die "s3.sh start needs a PORT"
    # nodejs from Debian comes without npm; other builds (NodeSource) bundle it.
    command -v node >/dev/null && command -v npm >/dev/null ||
        "$here/../../scripts/ensure-packages.sh" nodejs npm
    if [ ! -d "$here/node_modules" ]; then
        (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund >"$dir/npm.log" 2>&1) ||
            { cat "$dir/npm.log" >&2; die "npm ci failed in $here"; }
    fi
    stop
    mkdir -p "$dir/data"
    # s3rver makes continuation tokens with DES, which OpenSSL 3 keeps in
    # its legacy provider: without it, any listing of more than one page
    # fails (500).
    S3RVER_DIR="$dir/data" S3_BUCKETS="${S3_BUCKETS:-invoices}" \
        node --openssl-legacy-provider "$here/sigv4-proxy.js" "$port" 0 \
        >"$dir/s3.log" 2>&1 </dev/null &
    echo $! >"$dir/s3.pid"
    # s3rver needs 0.5-1.8 s here before its first answer.
    for _ in $(seq 100); do
        answers && return 0
        running_pid >/dev/null || { cat "$dir/s3.log" >&2; die "the test S3 exited"; }
        sleep 0.1
    done
    cat "$dir/s3.log" >&2
    stop
    die "the test S3 did not answer on 127.0.0.1:$port within 10 s"
}

stop() {
    local pid
    pid=$(running_pid) || { rm -f "$dir/s3.pid"; return 0; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    ! kill -0 "$pid" 2>/dev/null || kill -9 "$pid"
    rm -f "$dir/s3.pid"
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) die "unknown command $cmd" ;;
esac
