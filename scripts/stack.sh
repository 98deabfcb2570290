# A private PostgreSQL + Apache for one test or benchmark run (sourced).
#
#   . scripts/stack.sh
#   stack_init NAME             run dir /tmp/invoice-NAME.XXXXXX, EXIT trap
#   stack_start                 free ports, both servers up:
#                               PG_PORT HTTP_PORT BASE_URL PG_DIR HTTPD_DIR
#                               (INVOICE_FILE_STORE=file: puts the files in
#                               a directory of the run, =s3 in a test S3)
#
# On exit both servers are stopped, anything still running from the run
# directory is killed, the Apache error log is checked for crashes
# (stack_crashes, which a caller may redefine), the logs are shown when the
# run failed, and the directory is removed (INVOICE_KEEP_RUNDIR=1 keeps it).
# The exit status is the script's, made 1 by a crash or a leftover.
# shellcheck disable=SC2317  # the cleanup functions run from the EXIT trap

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

stack_log() { echo "${STACK_NAME:-stack}: $*" >&2; }

# Processes still running from the run directory: by command line (Apache,
# postmaster) or working directory (PostgreSQL backends rename themselves
# but keep the data directory as their cwd, also as orphans of a killed
# postmaster).
stack_leftovers() {
    local p cmd cwd
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" != "$$" ] && [ "${p#/proc/}" != "$BASHPID" ] || continue
        cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null ) || continue
        cwd=$(readlink "$p/cwd" 2>/dev/null) || cwd=
        if [[ $cmd == *"$RUN_DIR"* || $cwd == "$RUN_DIR"/* ]]; then
            echo "${p#/proc/}"
        fi
    done
    return 0
}

stack_show_logs() {
    if [ -f "$ERROR_LOG" ]; then
        stack_log "---- tail of the Apache error log ($ERROR_LOG)"
        tail -n 60 "$ERROR_LOG" >&2 || true
    fi
    if [ -f "$PG_LOG" ]; then
        stack_log "---- tail of the PostgreSQL log ($PG_LOG)"
        tail -n 40 "$PG_LOG" >&2 || true
    fi
}

# Non-zero when the error log reports a crashed child.  Crashes are logged
# by the parent when it reaps a child: only meaningful once Apache stopped.
stack_crashes() {
    [ -f "$ERROR_LOG" ] || return 0
    if grep -E -q "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG"; then
        stack_log "Apache error log reports a crash or a sanitizer report:"
        grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$ERROR_LOG" |
            head -n 20 >&2
        return 1
    fi
}

stack_cleanup() {
    local rc=$? pids
    set +e
    trap - EXIT INT TERM
    [ -d "$HTTPD_DIR" ] && { "$REPO_ROOT/scripts/httpd.sh" stop "$HTTPD_DIR" >&2 || stack_log "httpd.sh stop failed"; }
    [ -d "$PG_DIR" ] && { "$REPO_ROOT/scripts/pg.sh" stop "$PG_DIR" >&2 || stack_log "pg.sh stop failed"; }
    [ -d "$RUN_DIR/s3" ] && { "$REPO_ROOT/test/s3/s3.sh" stop "$RUN_DIR/s3" >&2 || stack_log "s3.sh stop failed"; }
    stack_crashes || { [ "$rc" -ne 0 ] || rc=1; }
    [ "$rc" -eq 0 ] || stack_show_logs
    pids=$(stack_leftovers)
    if [ -n "$pids" ]; then
        stack_log "processes left running from $RUN_DIR, terminating: ${pids//$'\n'/ }"
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null
        for _ in $(seq 50); do
            pids=$(stack_leftovers)
            [ -n "$pids" ] || break
            sleep 0.1
        done
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null
        [ "$rc" -ne 0 ] || rc=1
    fi
    if [ "${INVOICE_KEEP_RUNDIR:-}" = 1 ]; then
        stack_log "kept $RUN_DIR"
    else
        rm -rf "$RUN_DIR"
    fi
    exit "$rc"
}

stack_init() {
    STACK_NAME=$1
    RUN_DIR=$(mktemp -d "/tmp/invoice-$1.XXXXXX")
    # PostgreSQL runs as postgres and Apache's children as www-data when we
    # are root: they must reach their directories below this one.
    chmod 755 "$RUN_DIR"
    PG_DIR=$RUN_DIR/pg
    HTTPD_DIR=$RUN_DIR/httpd
    PG_LOG=$PG_DIR/postgresql.log
    ERROR_LOG=$HTTPD_DIR/logs/error_log
    trap stack_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Never send the runs' traffic through a proxy.
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
}

# The file store of the run: INVOICE_FILE_STORE as given, where "file:"
# alone means a directory of the run, and "s3" alone a test S3 of the run
# (s3rver behind a proxy that checks every signature, test/s3/s3.sh) with
# its keys in AWS_* (all exported for httpd.sh and the tests).
stack_file_store() {
    case ${INVOICE_FILE_STORE:-pg} in
        file:) INVOICE_FILE_STORE=file:$RUN_DIR/files ;;
        s3)
            S3_PORT=$(pick_port "$@")
            "$REPO_ROOT/test/s3/s3.sh" start "$RUN_DIR/s3" "$S3_PORT" >&2
            INVOICE_FILE_STORE=s3:http://127.0.0.1:$S3_PORT/invoices
            export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
            ;;
    esac
    export INVOICE_FILE_STORE=${INVOICE_FILE_STORE:-pg}
}

stack_start() {
    PG_PORT=$(pick_port)
    HTTP_PORT=$(pick_port "$PG_PORT")
    BASE_URL=http://127.0.0.1:$HTTP_PORT
    stack_file_store "$PG_PORT" "$HTTP_PORT"
    stack_log "run dir $RUN_DIR, PostgreSQL on 127.0.0.1:$PG_PORT, Apache on 127.0.0.1:$HTTP_PORT, files in $INVOICE_FILE_STORE"
    "$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >&2
    "$REPO_ROOT/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" "$PG_PORT" >&2
}

# As stack_start, with a pgproxy (its binary: $1, copied into the run so
# the clean-up stops it with the rest) between Apache and PostgreSQL:
# PROXY_PORT for the traffic, CONTROL_PORT for its commands.
stack_start_behind_proxy() {
    cp "$1" "$RUN_DIR/pgproxy"
    PG_PORT=$(pick_port)
    PROXY_PORT=$(pick_port "$PG_PORT")
    CONTROL_PORT=$(pick_port "$PG_PORT" "$PROXY_PORT")
    HTTP_PORT=$(pick_port "$PG_PORT" "$PROXY_PORT" "$CONTROL_PORT")
    stack_log "run dir $RUN_DIR, PostgreSQL $PG_PORT behind pgproxy $PROXY_PORT (control $CONTROL_PORT), Apache $HTTP_PORT"
    "$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >&2
    "$RUN_DIR/pgproxy" "$PROXY_PORT" "$PG_PORT" "$CONTROL_PORT" &
    PROXY_PID=$!
    wait_for 50 bash -c "exec 3<>/dev/tcp/127.0.0.1/$CONTROL_PORT" || { stack_log "pgproxy did not start"; exit 1; }
    "$REPO_ROOT/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" "$PROXY_PORT" >&2
}
