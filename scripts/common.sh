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

# The range the test suites pick their ports from: INVOICE_TEST_PORTS=LO-HI,
# by default 20000-32767, below the kernel's range for outgoing connections
# (32768-60999), where a client socket could take the port between our
# check and the server's bind.
test_port_range() {
    local r=${INVOICE_TEST_PORTS:-20000-32767} lo hi
    lo=${r%-*}; hi=${r#*-}
    case $lo$hi in ''|*[!0-9]*) die "INVOICE_TEST_PORTS=$r: expected LOW-HIGH, e.g. 40000-40999" ;; esac
    [ "$lo" -ge 1024 ] && [ "$hi" -le 65535 ] && [ $((hi - lo)) -ge 50 ] ||
        die "INVOICE_TEST_PORTS=$r: expected 1024 <= LOW, LOW + 50 <= HIGH <= 65535"
    echo "$lo $hi"
}

# A free loopback port in the test range, not one of the arguments.
pick_port() {
    local p avoid lo hi
    read -r lo hi < <(test_port_range) || return 1
    for _ in $(seq 200); do
        p=$(( lo + ( (RANDOM << 15) | RANDOM ) % (hi - lo + 1) ))
        for avoid in "$@"; do [ "$p" != "$avoid" ] || continue 2; done
        if port_free "$p"; then
            echo "$p"
            return 0
        fi
    done
    echo "no free port found in $lo-$hi (INVOICE_TEST_PORTS)" >&2
    return 1
}

# Whether USER may enter DIR (search permission on DIR and every directory
# above it): what PostgreSQL (postgres) and Apache's children (www-data)
# need of their directories when root starts them.
user_can_enter() {
    [ "$(id -u)" = 0 ] || return 0
    setpriv --reuid="$1" --regid="$(id -gn "$1")" --init-groups test -x "$2" 2>/dev/null
}

# The first directory on DIR's path that USER may not enter (empty if none).
first_closed_dir() {
    local user=$1 path=$2 prefix="" part rest
    user_can_enter "$user" "$path" && return 0
    rest=${path#/}
    user_can_enter "$user" / || { echo /; return 0; }
    while [ -n "$rest" ]; do
        part=${rest%%/*}; rest=${rest#"$part"}; rest=${rest#/}
        prefix=$prefix/$part
        user_can_enter "$user" "$prefix" || { echo "$prefix"; return 0; }
    done
}
