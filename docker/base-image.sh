#!/usr/bin/env bash
# Make the Dockerfile's base image, debian:bookworm-slim, available to
# buildah/podman on a machine that has no container registry: debootstrap a
# minimal bookworm from the Debian mirror apt already uses, import it into
# podman's storage and tag it as the official name.  The tag is a local
# stand-in (a minbase debootstrap, close to but not byte-identical with the
# official slim image), so only use this where the registry is unreachable.
#
#   docker/base-image.sh            no-op when the image is already there
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

# The first non-security Debian mirror in apt's sources for $SUITE, deb822
# (*.sources) or one-line (*.list) format; no host name is hard-coded here.
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            function flush() {
                if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") {
                    split(uris, u, " "); print u[1]; found = 1; exit
                }
                types = suites = uris = ""
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            tolower($1) == "types:"  { $1 = ""; types = $0 }
            tolower($1) == "suites:" { $1 = ""; suites = $0 }
            tolower($1) == "uris:"   { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
            END { if (!found) flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        # deb [options] URI SUITE COMPONENTS...
        sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
            awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
    done
}

if podman image exists "$BASE"; then
    exit 0
fi

if [ ! -s "$TARBALL" ]; then
    mirror=$(apt_mirror | head -n 1)
    [ -n "$mirror" ] || { log "no Debian $SUITE mirror found in /etc/apt/sources.list*"; exit 1; }
    mkdir -p "$CACHE"
    rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    log "debootstrap --variant=minbase $SUITE from $mirror (a few minutes)"
    debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
        { tail -n 20 "$CACHE/debootstrap.log" >&2; log "debootstrap failed (log: $CACHE/debootstrap.log)"; exit 1; }
    # What the official slim image drops too: package lists and caches.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$rootfs" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
fi

log "importing $TARBALL as $BASE"
podman import --quiet "$TARBALL" localhost/debian:$SUITE-minbase >/dev/null
podman tag localhost/debian:$SUITE-minbase "$BASE"
