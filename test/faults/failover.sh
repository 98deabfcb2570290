#!/usr/bin/env bash
# Failover to a streaming-replication standby (test_failover.c).
#
#   test/faults/failover.sh TEST_BINARY
#
# Starts, all under one run directory (scripts/stack.sh):
#   - the primary: scripts/pg.sh's cluster (migrations applied), plus
#     wal_level=replica, max_wal_senders, a replication line in pg_hba.conf
#     and SYNCHRONOUS replication (synchronous_commit=on,
#     synchronous_standby_names='*'): without it a commit acknowledged to
#     the client may not have reached the standby, and a failover loses it;
#   - the standby: pg_basebackup -R -X stream from the primary, in the same
#     layout as pg.sh's (standby/data, standby/postgresql.log), started on
#     its own port.  synchronous_standby_names is set on the primary only
#     after the base backup, so the standby does not inherit it: once
#     promoted, alone, it must not wait for a standby of its own;
#   - Apache "ro": DBDParams naming only the standby (phase 1: what a client
#     sees after a failover to a standby that is still read-only);
#   - Apache "rw": both hosts with target_session_attrs=read-write (phase 2),
#     through httpd.sh's INVOICE_DBD_PARAMS_OVERRIDE.
# The binary stops Apache "ro" after phase 1, SIGKILLs the primary under
# load and promotes the standby (FAILOVER_PROMOTE).  On exit both clusters
# and both Apaches are stopped, and anything left from the run directory is
# a failure (stack_leftovers).  INVOICE_KEEP_RUNDIR=1 keeps the logs and
# responses.csv (every response of phase 2).
# shellcheck disable=SC2317  # the clean-up functions run from the EXIT trap
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/stack.sh"

[ $# -eq 1 ] || { echo "usage: $0 TEST_BINARY" >&2; exit 2; }
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$BIN" ] || { echo "failover.sh: $BIN is not an executable" >&2; exit 2; }

stack_init failover
STANDBY_DIR=$RUN_DIR/standby
STANDBY_LOG=$STANDBY_DIR/postgresql.log
RO_HTTPD_DIR=$RUN_DIR/httpd-ro
RO_ERROR_LOG=$RO_HTTPD_DIR/logs/error_log

# Both Apaches' error logs: no crashed child (nothing here kills one).
stack_crashes() {
    local log bad=0
    for log in "$ERROR_LOG" "$RO_ERROR_LOG"; do
        [ -f "$log" ] || continue
        if grep -E -q "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$log"; then
            stack_log "$log reports a crash or a sanitizer report:"
            grep -E "Segmentation fault|exit signal|AddressSanitizer|runtime error:" "$log" | head -n 20 >&2
            bad=1
        fi
    done
    return "$bad"
}

# The stack's clean-up, after what only this test starts: Apache "ro" and
# the standby (pg.sh stop works on any cluster in its layout).
failover_cleanup() {
    local rc=$?
    set +e
    [ -d "$RO_HTTPD_DIR" ] && { "$REPO_ROOT/scripts/httpd.sh" stop "$RO_HTTPD_DIR" >&2 || stack_log "httpd.sh stop (ro) failed"; }
    [ -d "$STANDBY_DIR/data" ] && { "$REPO_ROOT/scripts/pg.sh" stop "$STANDBY_DIR" >&2 || stack_log "pg.sh stop (standby) failed"; }
    # The SIGKILLed primary left its postmaster.pid: drop it unless that pid
    # still is a process in the data directory (never signal a reused pid).
    local pm
    pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) &&
        [ "$(readlink "/proc/$pm/cwd" 2>/dev/null)" != "$PG_DIR/data" ] && rm -f "$PG_DIR/data/postmaster.pid"
    if [ "$rc" -ne 0 ]; then
        [ -f "$STANDBY_LOG" ] && { stack_log "---- tail of the standby's log ($STANDBY_LOG)"; tail -n 30 "$STANDBY_LOG" >&2; }
        [ -f "$RO_ERROR_LOG" ] && { stack_log "---- tail of Apache ro's error log"; tail -n 20 "$RO_ERROR_LOG" >&2; }
    fi
    (exit "$rc")
    stack_cleanup
}
trap failover_cleanup EXIT

T0=$SECONDS
PG_PORT=$(pick_port)
STANDBY_PORT=$(pick_port "$PG_PORT")
HTTP_PORT=$(pick_port "$PG_PORT" "$STANDBY_PORT")
RO_PORT=$(pick_port "$PG_PORT" "$STANDBY_PORT" "$HTTP_PORT")
stack_log "run dir $RUN_DIR: primary $PG_PORT, standby $STANDBY_PORT, Apache rw $HTTP_PORT, Apache ro $RO_PORT"

sql() {  # sql PORT QUERY: one value
    psql -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p "$1" -U invoice -d invoice -c "$2"
}

# ---- the primary: pg.sh's cluster, then replication settings (a restart:
# wal_level and max_wal_senders are read at start only).
"$REPO_ROOT/scripts/pg.sh" start "$PG_DIR" "$PG_PORT" >&2
cat >>"$PG_DIR/data/postgresql.conf" <<CONF
# failover.sh: a primary with a synchronous streaming standby
wal_level = replica
max_wal_senders = 5
hot_standby = on
synchronous_commit = on
CONF
echo "host replication invoice 127.0.0.1/32 trust" >>"$PG_DIR/data/pg_hba.conf"
"$REPO_ROOT/scripts/pg.sh" restart "$PG_DIR" "$PG_PORT" >&2

# ---- the standby: a base backup streaming its WAL, -R writes standby.signal
# and primary_conninfo.
mkdir -p "$STANDBY_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$STANDBY_DIR"
as_pg_user "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U invoice \
    -D "$STANDBY_DIR/data" -R -X stream -c fast >&2
sed -i "s|^unix_socket_directories.*|unix_socket_directories = '$STANDBY_DIR'|" \
    "$STANDBY_DIR/data/postgresql.conf"
as_pg_user "$PG_BIN/pg_ctl" -D "$STANDBY_DIR/data" -l "$STANDBY_LOG" -w -t 60 \
    -o "-p $STANDBY_PORT" start >/dev/null || { tail -20 "$STANDBY_LOG" >&2; die "the standby did not start"; }
wait_for 100 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$STANDBY_PORT" -U invoice -d invoice ||
    die "the standby is not ready on $STANDBY_PORT"

# ---- now synchronous: every commit waits for the standby's flush.
sql "$PG_PORT" "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
sql "$PG_PORT" "SELECT pg_reload_conf()" >/dev/null
sync_state() { [ "$(sql "$PG_PORT" "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'")" = sync ]; }
wait_for 150 sync_state || die "the standby does not replicate synchronously: $(sql "$PG_PORT" "SELECT state, sync_state FROM pg_stat_replication")"
stack_log "primary $PG_PORT -> standby $STANDBY_PORT: streaming, sync (in recovery: $(sql "$STANDBY_PORT" "SELECT pg_is_in_recovery()"))"

# ---- the two Apaches.  The parameters are conf/httpd.conf.in's, with
# connect_timeout=2 (libpq's minimum: each host costs at most that).
DEFAULT_TAIL="application_name=mod_invoice options='-c statement_timeout=10000'"
RO_PARAMS="host=127.0.0.1 port=$STANDBY_PORT dbname=invoice user=invoice connect_timeout=2 $DEFAULT_TAIL"
RW_PARAMS="host=127.0.0.1,127.0.0.1 port=$PG_PORT,$STANDBY_PORT dbname=invoice user=invoice connect_timeout=2 target_session_attrs=read-write $DEFAULT_TAIL"
INVOICE_DBD_PARAMS_OVERRIDE=$RO_PARAMS "$REPO_ROOT/scripts/httpd.sh" start "$RO_HTTPD_DIR" "$RO_PORT" >&2
INVOICE_DBD_PARAMS_OVERRIDE=$RW_PARAMS "$REPO_ROOT/scripts/httpd.sh" start "$HTTPD_DIR" "$HTTP_PORT" >&2
stack_log "set-up took $((SECONDS - T0)) s"

export FAILOVER_RO_URL=http://127.0.0.1:$RO_PORT
export FAILOVER_URL=http://127.0.0.1:$HTTP_PORT
export FAILOVER_PRIMARY_DSN="host=127.0.0.1 port=$PG_PORT dbname=invoice user=invoice connect_timeout=2"
export FAILOVER_STANDBY_DSN="host=127.0.0.1 port=$STANDBY_PORT dbname=invoice user=invoice connect_timeout=2"
export FAILOVER_PRIMARY_DATA=$PG_DIR/data
export FAILOVER_RO_STOP="'$REPO_ROOT/scripts/httpd.sh' stop '$RO_HTTPD_DIR' >&2"
if [ "$(id -u)" = 0 ]; then
    export FAILOVER_PROMOTE="runuser -u postgres -- '$PG_BIN/pg_ctl' -D '$STANDBY_DIR/data' -w -t 30 promote >&2"
else
    export FAILOVER_PROMOTE="'$PG_BIN/pg_ctl' -D '$STANDBY_DIR/data' -w -t 30 promote >&2"
fi
export FAILOVER_DATA_DIR=$REPO_ROOT/test/data
export FAILOVER_RESPONSES=$RUN_DIR/responses.csv   # kept with INVOICE_KEEP_RUNDIR=1

status=0
timeout --kill-after=10 120 "$BIN" || status=$?
[ "$status" -ne 124 ] || stack_log "the test binary timed out"
stack_log "whole run $((SECONDS - T0)) s"
exit "$status"
