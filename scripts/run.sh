#!/usr/bin/env bash
# `make run` and `make stop`: this checkout's own PostgreSQL and Apache.
#   run.sh start RUNDIR PORT PGPORT   both up (each started only when down)
#   run.sh stop RUNDIR                both down
#
# They live in RUNDIR/pg and RUNDIR/httpd.  Started by root, PostgreSQL runs
# as postgres and Apache's children as www-data, and neither may enter a
# checkout below a directory closed to others (a clone in /root, or in a
# `mktemp -d` directory): then RUNDIR/pg and RUNDIR/httpd are symbolic links
# to a directory of this checkout under /var/lib/mod_invoice-run (named
# after the checkout and a hash of its path), and the permissions of the
# caller's directories stay as they are.
set -euo pipefail
. "$(dirname "$0")/common.sh"

cmd=${1:-}; run=${2:-}; port=${3:-}; pgport=${4:-}
[ -n "$cmd" ] && [ -n "$run" ] || die "usage: run.sh start RUNDIR PORT PGPORT | run.sh stop RUNDIR"
ELSEWHERE=${INVOICE_RUN_ELSEWHERE:-/var/lib/mod_invoice-run}
S=$REPO_ROOT/scripts
# What postgres and www-data enter must be open to them, whatever the
# caller's umask.
umask 022

say() { echo "make run: $*"; }

# Where this checkout's servers go when their users cannot enter RUNDIR.
elsewhere_dir() {
    local repo; repo=$(cd "$REPO_ROOT" && pwd -P)
    echo "$ELSEWHERE/$(basename "$repo")-$(printf %s "$repo" | sha256sum | cut -c1-10)"
}

# place NAME USER: make RUNDIR/NAME a directory USER can enter, by a
# symbolic link to elsewhere_dir/NAME when USER cannot enter RUNDIR.
place() {
    local name=$1 user=$2 link=$run/$1 target closed
    if [ -L "$link" ]; then
        target=$(readlink "$link")
        [ -d "$target" ] || { mkdir -p "$target"; say "$link pointed to $target, which was gone: starting afresh there"; }
        return 0
    fi
    closed=$(first_closed_dir "$user" "$run")
    [ -n "$closed" ] || return 0
    target=$(elsewhere_dir)/$name
    if [ -d "$link" ]; then
        # What a failed start left behind (an initdb log) goes; a cluster
        # made before the directory was closed is the user's data.
        [ ! -e "$link/data/PG_VERSION" ] ||
            die "$link holds a PostgreSQL cluster, but postgres cannot enter $closed any more" \
                "($(stat -c '%A %U' "$closed")): move $link to $target (and make it owned by postgres)," \
                "leave a symbolic link in its place, and run make run again"
        [ "$name" != httpd ] || "$S/httpd.sh" stop "$link"
        rm -rf "$link"
    fi
    mkdir -p "$target"     # 0755 (umask above), pg.sh makes pg/ 0700 postgres
    ln -s "$target" "$link"
}

# Say where the servers are when they are not in RUNDIR itself.
tell_elsewhere() {
    local who=() links=() closed="" c
    if [ -L "$run/pg" ]; then who+=("postgres (PostgreSQL)"); links+=(.run/pg); fi
    if [ -L "$run/httpd" ]; then who+=("www-data (Apache's children)"); links+=(.run/httpd); fi
    [ ${#who[@]} -gt 0 ] || return 0
    # For a port conflict's message: whose make run this is.
    (cd "$REPO_ROOT" && pwd -P) >"$(elsewhere_dir)/checkout" 2>/dev/null || true
    c=$(first_closed_dir postgres "$run"); [ -n "$c" ] || c=$(first_closed_dir www-data "$run")
    [ -z "$c" ] || closed="$c ($(stat -c '%A %U' "$c"))"
    if [ ${#who[@]} = 2 ]; then
        say "${who[0]} and ${who[1]} cannot enter ${closed:-this checkout}, so both run from" \
            "$(elsewhere_dir) (.run/pg and .run/httpd point there; your directories are left as they are)"
    else
        say "${who[0]} cannot enter ${closed:-this checkout}, so it runs from" \
            "$(readlink "$run/${links[0]#.run/}") (${links[0]} points there; your directories are left as they are)"
    fi
}

# Who listens on 127.0.0.1:PORT (empty when nobody does), and which
# checkout it belongs to when it is another checkout's make run.
listener() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    local pid args repo=""
    pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2) || true
    if [ -n "$pid" ] && args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) && [ -n "$args" ]; then
        case $args in
            *"$ELSEWHERE"/*) repo=${args#*"$ELSEWHERE"/}; repo=$(cat "$ELSEWHERE/${repo%%/*}/checkout" 2>/dev/null) || repo= ;;
            */.run/*) repo=${args#* /}; repo=/${repo%%/.run/*} ;;
        esac
        echo "pid $pid (${args% })${repo:+, the make run of $repo (make stop there stops it)}"
    else
        echo "another program"
    fi
}

# The first port above $1 that nobody uses, other than $2.
free_port_after() {
    local p=$1
    for _ in $(seq 50); do
        p=$((p + 1))
        [ "$p" != "${2:-}" ] || continue
        if [ -z "$(listener "$p")" ] && port_free "$p"; then echo "$p"; return 0; fi
    done
    echo "<another port>"
}

check_port() {  # check_port VAR VALUE
    case $2 in ''|*[!0-9]*) die "$1=$2 is not a port number" ;; esac
    [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "$1=$2 is not a port number"
}

start() {
    check_port PORT "$port"
    check_port PGPORT "$pgport"
    mkdir -p "$run"
    run=$(cd "$run" && pwd -P)
    place pg postgres
    place httpd www-data
    tell_elsewhere
    # One instance per checkout: another port is a question for the user.
    local hp pp who
    hp=$("$S/httpd.sh" port "$run/httpd" 2>/dev/null) || hp=
    pp=$("$S/pg.sh" port "$run/pg" 2>/dev/null) || pp=
    if [ -n "$hp" ] && [ "$hp" != "$port" ]; then
        die "this checkout's mod_invoice already runs on http://127.0.0.1:$hp/api" \
            "(PostgreSQL on 127.0.0.1:${pp:-?}), not on port $port. Use it there (PORT=$hp)," \
            "or move it: make stop && PORT=$port make run"
    fi
    if [ -n "$pp" ] && [ "$pp" != "$pgport" ]; then
        die "this checkout's PostgreSQL already runs on 127.0.0.1:$pp, not on PGPORT=$pgport." \
            "Keep it there (PGPORT=$pp), or move it: make stop && PGPORT=$pgport make run"
    fi
    if [ -z "$pp" ] && who=$(listener "$pgport") && [ -n "$who" ]; then
        die "127.0.0.1:$pgport (PGPORT) is taken by $who." \
            "Choose another port: PGPORT=$(free_port_after "$pgport" "$port") make run"
    fi
    if [ -z "$hp" ] && who=$(listener "$port") && [ -n "$who" ]; then
        die "127.0.0.1:$port (PORT) is taken by $who." \
            "Choose another port: PORT=$(free_port_after "$port" "$pgport") make run"
    fi

    "$S/pg.sh" start "$run/pg" "$pgport"
    "$S/httpd.sh" start "$run/httpd" "$port" "$pgport"
    echo "mod_invoice is answering on http://127.0.0.1:$port/api (PostgreSQL on 127.0.0.1:$pgport); make stop stops both"
}

stop() {
    local hp="" pp="" stopped=()
    [ -d "$run" ] || { echo "stopped (nothing was running)"; return 0; }
    # -e follows the links: one that points nowhere has nothing running.
    if [ -e "$run/httpd" ]; then
        hp=$("$S/httpd.sh" port "$run/httpd" 2>/dev/null) || hp=
        "$S/httpd.sh" stop "$run/httpd"
    fi
    if [ -e "$run/pg" ]; then
        pp=$("$S/pg.sh" port "$run/pg" 2>/dev/null) || pp=
        "$S/pg.sh" stop "$run/pg"
    fi
    [ -z "$hp" ] || stopped+=("Apache (127.0.0.1:$hp)")
    [ -z "$pp" ] || stopped+=("PostgreSQL (127.0.0.1:$pp)")
    case ${#stopped[@]} in
        0) echo "stopped (nothing was running)" ;;
        1) echo "stopped ${stopped[0]}" ;;
        *) echo "stopped ${stopped[0]} and ${stopped[1]}" ;;
    esac
}

case "$cmd" in
    start) start ;;
    stop) stop ;;
    *) die "unknown command $cmd" ;;
esac
