#!/usr/bin/env bash
# Build the Debian package libapache2-mod-invoice (debian/) in a copy of the
# source tree, so that the work tree is never written to, then check it
# with lintian (any error or warning fails).   make deb
#
#   scripts/build-deb.sh [--from REV] [--version V | --snapshot]
#                        [--out DIR] [--no-lintian]
#
# The copy is the work tree as `make build` sees it (tracked files as they
# are, and untracked ones that .gitignore does not exclude); --from REV
# takes the committed tree of REV instead (a release build: git archive).
# The version is VERSION's, which must be debian/changelog's; --version V
# (or --snapshot: VERSION+gitDATE.SHA) builds as V, in the copy only: V
# goes into VERSION - and so into the module - and a changelog entry.
# BUILD_DEB_PREPARE, when set, is a shell command run in the copy before
# the build (the package test changes a conffile with it).
#
# Output in DIR (default build/deb/): the .deb (and -dbgsym), .dsc,
# .tar.xz, .buildinfo, .changes, build.log and lintian.log.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=libapache2-mod-invoice
FROM=
VERSION_AS=
SNAPSHOT=0
LINTIAN=1
OUT=$REPO/build/deb

log() { echo "build-deb: $*" >&2; }
die() { log "$*"; exit 1; }

while [ $# -gt 0 ]; do
    case $1 in
        --from) FROM=${2:?--from needs a revision}; shift ;;
        --version) VERSION_AS=${2:?--version needs a version}; shift ;;
        --snapshot) SNAPSHOT=1 ;;
        --out) OUT=${2:?--out needs a directory}; shift ;;
        --no-lintian) LINTIAN=0 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $1 (--help)" ;;
    esac
    shift
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/$PKG-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- the source copy -------------------------------------------------------
stage=$tmp/stage
mkdir -p "$stage"
if [ -n "$FROM" ]; then
    git -C "$REPO" archive --format=tar "$FROM" | tar -x -C "$stage"
    what="the committed tree of $FROM ($(git -C "$REPO" rev-parse --short "$FROM"))"
elif git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Files deleted in the work tree but still tracked are left out.
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -x -C "$stage"
    what="the work tree"
    [ -z "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] || what="the work tree (uncommitted changes included)"
else
    tar -C "$REPO" --exclude=./build --exclude=./.libs --exclude=./.run --exclude='*.lo' \
        --exclude='*.slo' --exclude='*.o' --exclude='*.la' -cf - . | tar -x -C "$stage"
    what="$REPO"
fi
[ -f "$stage/debian/changelog" ] || die "no debian/changelog in $what"

V=$(cat "$stage/VERSION")
CL=$(dpkg-parsechangelog -l "$stage/debian/changelog" -S Version)
[ "$CL" = "$V" ] ||
    die "VERSION is $V but debian/changelog's top entry is $CL: a release changes both (dch -v $V)"

if [ "$SNAPSHOT" = 1 ]; then
    VERSION_AS="$V+git$(date -u +%Y%m%d%H%M%S).$(git -C "$REPO" rev-parse --short "${FROM:-HEAD}" 2>/dev/null || echo local)"
fi
if [ -n "$VERSION_AS" ]; then
    case $VERSION_AS in *[!A-Za-z0-9.+~]*) die "--version $VERSION_AS: only A-Za-z0-9.+~ (it becomes a C token sequence and a Debian version)" ;; esac
    dpkg --compare-versions "$VERSION_AS" gt "$V" || die "--version $VERSION_AS does not sort above $V"
    echo "$VERSION_AS" >"$stage/VERSION"
    maint=$(dpkg-parsechangelog -l "$stage/debian/changelog" -S Maintainer)
    { printf '%s (%s) bookworm; urgency=medium\n\n  * Build of %s as %s.\n\n -- %s  %s\n\n' \
          "$PKG" "$VERSION_AS" "$what" "$VERSION_AS" "$maint" "$(date -R)"
      cat "$stage/debian/changelog"; } >"$tmp/changelog"
    mv "$tmp/changelog" "$stage/debian/changelog"
    V=$VERSION_AS
fi
if [ -n "${BUILD_DEB_PREPARE:-}" ]; then
    (cd "$stage" && bash -c "$BUILD_DEB_PREPARE") || die "BUILD_DEB_PREPARE failed: $BUILD_DEB_PREPARE"
fi

# dpkg-buildpackage writes its results beside the tree: $tmp.
src=$tmp/$PKG-$V
mv "$stage" "$src"

# ---- build -------------------------------------------------------------------
log "building $PKG $V from $what (log: $OUT/build.log)"
t0=$SECONDS
(cd "$src" && dpkg-buildpackage -us -uc) >"$tmp/build.log" 2>&1 || {
    cp "$tmp/build.log" "$OUT/build.log"
    tail -n 40 "$tmp/build.log" >&2
    die "dpkg-buildpackage failed (log: $OUT/build.log)"
}
cp "$tmp/build.log" "$OUT/build.log"
changes=${PKG}_${V}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
log "built in $((SECONDS - t0))s"

# ---- lintian -------------------------------------------------------------------
# Before anything is copied to $OUT: a package lintian refuses is not made.
if [ "$LINTIAN" = 1 ]; then
    # --fail-on: errors and warnings fail; info tags are shown.  Overrides
    # live in debian/*lintian-overrides, each with its reason.
    rc=0
    lintian --display-info --fail-on error,warning "$tmp/$changes" >"$OUT/lintian.log" 2>&1 || rc=$?
    grep -v '^running with root privileges' "$OUT/lintian.log" >&2 || true
    [ "$rc" = 0 ] || die "lintian found errors or warnings ($OUT/lintian.log)"
    log "lintian: no errors or warnings"
fi

for f in $(awk '/^Files:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $5 }' "$tmp/$changes") "$changes"; do
    cp "$tmp/$f" "$OUT/"
done
(cd "$OUT" && ls -1 "${PKG}"*_"${V}"_*.deb) | sed "s|^|    $OUT/|" >&2
echo "$OUT/${PKG}_${V}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
