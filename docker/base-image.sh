#!/usr/bin/env bash
# Make the Dockerfile's base image, debian:bookworm-slim, available to
# buildah/podman on a machine that has no container registry: debootstrap a
# minimal bookworm from the Debian mirror apt already uses, import it into
# podman's storage and tag it as the official name.  The tag is a local
# stand-in (a minbase debootstrap, close to but not byte-identical with the
# official slim image), so only use this where the registry is unreachable.
#
#   docker/base-image.sh            no-op when the image is already there
#   docker/base-image.sh --rootfs   only the rootfs tarball (made if absent):
#                                   prints its path (make deb-test unpacks it)
#   docker/base-image.sh --sources  the apt sources the rootfs gets, one
#                                   `deb URI SUITE COMPONENTS` line each
#   docker/base-image.sh --mirror   the Debian mirror debootstrap uses
#
# No mirror is written into the code: the mirror and the suites are the
# machine's own (apt's sources, in whichever format, as apt itself reads
# them: apt-get indextargets), so the image and the package test work
# wherever apt works.  A proxy in apt's configuration (Acquire::http::Proxy)
# is used by debootstrap too.
#
# The rootfs tarball is cached in $IMAGE_CACHE (default
# /var/tmp/mod_invoice-image), outside the repository so that `make clean`
# keeps it: a rerun after a podman storage reset skips debootstrap.
set -euo pipefail

BASE=docker.io/library/debian:bookworm-slim
SUITE=bookworm
CACHE=${IMAGE_CACHE:-/var/tmp/mod_invoice-image}
TARBALL=$CACHE/debian-$SUITE-minbase.tar

log() { echo "base-image: $*" >&2; }

# apt's binary-package sources for $SUITE and its companions
# ($SUITE-updates, $SUITE-security ...): "URI SUITE COMPONENT" lines, as
# apt parsed them from sources.list, *.list and *.sources (deb822).
# --no-release-info: no `apt-get update` needed first.  A machine of
# another Debian release (trixie, sid) has no $SUITE line: its mirrors are
# used with $SUITE in place of its suite's name (trixie-security becomes
# $SUITE-security).
apt_targets() {
    local all
    # shellcheck disable=SC2016  # $(FIELD) is apt's own syntax
    all=$(apt-get indextargets --no-release-info --format '$(TARGET_OF) $(SITE) $(RELEASE) $(COMPONENT)' \
        'Identifier: Packages' | awk '$1 == "deb" && !seen[$2 " " $3 " " $4]++ { print $2, $3, $4 }')
    if awk -v suite="$SUITE" '$2 == suite { f = 1 } END { exit !f }' <<<"$all"; then
        awk -v suite="$SUITE" '$2 == suite || index($2, suite "-") == 1' <<<"$all"
    else
        awk -v suite="$SUITE" 'NF { r = $2; sub(/^[^-]*/, suite, r); k = $1 " " r " " $3; if (!seen[k]++) print k }' <<<"$all"
    fi
}

# The first mirror apt uses for $SUITE itself (not -security, -updates).
apt_mirror() {
    apt_targets | awk -v suite="$SUITE" '$2 == suite { print $1; exit }'
}

# One sources.list line per URI and suite, with the components apt has for
# them: what a root made from this machine's mirror should use.
apt_sources() {
    apt_targets | awk '{ k = $1 " " $2; if (!(k in c)) order[++n] = k; c[k] = c[k] " " $3 }
        END { for (i = 1; i <= n; i++) print "deb " order[i] c[order[i]] }'
}

# apt's HTTP proxy, if one is configured, for debootstrap's downloads.
export_apt_proxy() {
    local proxy=""
    eval "$(apt-config shell proxy Acquire::http::Proxy)"
    if [ -n "$proxy" ] && [ "$proxy" != DIRECT ] && [ -z "${http_proxy:-}" ]; then
        export http_proxy=$proxy
        log "using apt's proxy $proxy"
    fi
}

# The cached tarball of a minbase bookworm, made by debootstrap if absent.
# Concurrent callers (make image-test, make deb-test) wait for one another
# instead of running debootstrap twice.
ensure_rootfs() {
    [ -s "$TARBALL" ] && return 0
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9
    [ -s "$TARBALL" ] && { exec 9>&-; return 0; }
    local mirror sources
    mirror=$(apt_mirror)
    [ -n "$mirror" ] || { log "apt has no Debian $SUITE source (apt-get indextargets)"; exit 1; }
    sources=$(apt_sources)
    export_apt_proxy
    ROOTFS=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    # mktemp -d makes 0700, and debootstrap keeps the mode of /: the _apt
    # and www-data users of the root could not traverse it.
    chmod 755 "$ROOTFS"
    trap 'rm -rf "$ROOTFS"' EXIT
    log "debootstrap --variant=minbase $SUITE from $mirror (a few minutes)"
    debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
        { tail -n 20 "$CACHE/debootstrap.log" >&2; log "debootstrap failed (log: $CACHE/debootstrap.log)"; exit 1; }
    # All of the machine's suites for $SUITE (updates, security), not just
    # the one debootstrap writes.
    printf '%s\n' "$sources" >"$ROOTFS/etc/apt/sources.list"
    # What the official slim image drops too: package lists and caches.
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$ROOTFS" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    rm -rf "$ROOTFS"
    trap - EXIT
    exec 9>&-
}

case ${1:-} in
    --rootfs) ensure_rootfs; echo "$TARBALL"; exit 0 ;;
    --sources|--mirror)
        out=$(if [ "$1" = --mirror ]; then apt_mirror; else apt_sources; fi)
        [ -n "$out" ] || { log "apt has no Debian source (apt-get indextargets)"; exit 1; }
        printf '%s\n' "$out"; exit 0 ;;
    "") ;;
    *) log "unknown argument $1"; exit 2 ;;
esac

if podman image exists "$BASE"; then
    exit 0
fi

ensure_rootfs
log "importing $TARBALL as $BASE"
podman import --quiet "$TARBALL" localhost/debian:$SUITE-minbase >/dev/null
podman tag localhost/debian:$SUITE-minbase "$BASE"
