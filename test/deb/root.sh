# shellcheck shell=bash
# A throwaway Debian 12 root for the package test (sourced by run.sh):
# unpacked from docker/base-image.sh's cached minbase tarball (debootstrap
# the first time), apt pointed at this machine's own mirrors, daemons kept
# from starting by maintainer scripts.  The root shares the host's network,
# so servers started in it use free loopback ports.
#
#   root_make DIR      unpack, mount /proc /sys /dev /dev/pts /run
#   in_root CMD...     run CMD in the root as root, clean environment
#   root_pids          pids of the processes whose / is the root
#   root_remove        stop those processes, unmount, delete

ROOT=
ROOT_APT_CACHE=${IMAGE_CACHE:-/var/tmp/mod_invoice-image}/apt-archives

in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

root_make() {
    local tarball proxy=""
    ROOT=$1
    mkdir -p "$ROOT"
    # mktemp -d made it 0700; tar restores the mode of / anyway.
    chmod 755 "$ROOT"
    tarball=$("$REPO/docker/base-image.sh" --rootfs)
    tar -C "$ROOT" -xf "$tarball"
    "$REPO/docker/base-image.sh" --sources >"$ROOT/etc/apt/sources.list"
    eval "$(apt-config shell proxy Acquire::http::Proxy)"
    [ -z "$proxy" ] || echo "Acquire::http::Proxy \"$proxy\";" >"$ROOT/etc/apt/apt.conf.d/01proxy"
    # A throwaway root: no fsync per unpacked file, no translations.
    echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/deb-test-unsafe-io"
    echo 'Acquire::Languages "none";' >"$ROOT/etc/apt/apt.conf.d/99deb-test-no-translations"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    # invoke-rc.d asks policy-rc.d: no daemon starts from a maintainer
    # script (apache2's would take port 80); the test starts Apache itself.
    printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    mount -t proc proc "$ROOT/proc"
    mount -t sysfs sysfs "$ROOT/sys"
    mount --bind /dev "$ROOT/dev"
    mount --bind /dev/pts "$ROOT/dev/pts"
    # /var/lock is /run/lock: apachectl needs it.
    mount -t tmpfs tmpfs "$ROOT/run"
    mkdir -p "$ROOT/run/lock"
    chmod 1777 "$ROOT/run/lock"
    # Packages downloaded by earlier runs (copied, not shared: two runs at
    # once would contend for one apt lock).
    if [ -d "$ROOT_APT_CACHE" ]; then
        find "$ROOT_APT_CACHE" -maxdepth 1 -name '*.deb' -exec cp -t "$ROOT/var/cache/apt/archives/" {} +
    fi
}

# Keep what apt downloaded for the next run.
root_save_apt_cache() {
    mkdir -p "$ROOT_APT_CACHE"
    find "$ROOT/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec cp -n -t "$ROOT_APT_CACHE/" {} +
}

root_pids() {
    local p
    [ -n "$ROOT" ] || return 0
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
    done
    return 0
}

root_remove() {
    local m pids
    [ -n "$ROOT" ] && [ -d "$ROOT" ] || return 0
    # Whatever still runs in the root was started by this test.
    pids=$(root_pids)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null || true
        for _ in $(seq 50); do [ -z "$(root_pids)" ] && break; sleep 0.1; done
        pids=$(root_pids)
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    fi
    # Deepest first; never delete a root that still has the host's /dev in it.
    awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    if awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/mounts; then
        echo "deb-test: $ROOT is still mounted: not deleted" >&2
        return 1
    fi
    rm -rf "$ROOT"
}
