# Shared helpers for the run/test scripts (sourced, not executed).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Run a command as the user that owns PostgreSQL files: postgres refuses to
# run as root, so root delegates to the `postgres` account.
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

die() { echo "error: $*" >&2; exit 1; }

# Poll a command until it succeeds, at most $1 tenths of a second.
wait_for() {
    local tries=$1; shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# Free: nobody answers a connect, and no socket holds the port (not even a
# client connection in TIME_WAIT, which a later bind() trips over).
port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null &&
    ! { cat /proc/net/tcp /proc/net/tcp6 2>/dev/null || true; } |
        awk -v h=":$(printf %04X "$1")" 'substr($2, length($2) - 4) == h { f = 1 } END { exit !f }'
}

# A free loopback port, not one of the arguments: random in 20000-32767,
# below the kernel's range for outgoing connections (32768-60999), where a
# client socket could take the port between our check and the server's bind.
pick_port() {
    local p avoid
    for _ in $(seq 200); do
        p=$(( 20000 + ( (RANDOM << 15) | RANDOM ) % 12768 ))
        for avoid in "$@"; do [ "$p" != "$avoid" ] || continue 2; done
        if port_free "$p"; then
            echo "$p"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}
