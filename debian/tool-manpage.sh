#!/bin/sh
# A manual page for an operator command, made from its --help text (see
# TOOLS in debian/rules):   debian/tool-manpage.sh build/NAME >NAME.8
set -eu
bin=$1
name=$(basename "$bin")
help=$("$bin" --help 2>&1) || true
[ -n "$help" ] || { echo "$0: $bin --help printed nothing" >&2; exit 1; }
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
cat <<MAN
.TH $(echo "$name" | tr '[:lower:]' '[:upper:]') 8 "$date" "libapache2-mod-invoice" "System Administration"
.SH NAME
$name \\- operator command of mod_invoice
.SH DESCRIPTION
This page is the text of
.BR "$(echo "$name" | sed 's/-/\\-/g') \\-\\-help" :
.PP
.nf
MAN
# roff: backslashes, lines starting with a control character, minus signs.
printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e "s/^[.']/\\\\\\&&/" -e 's/-/\\-/g'
cat <<MAN
.fi
.SH SEE ALSO
.BR mod\\-invoice\\-migrate (8),
.I /usr/share/doc/libapache2-mod-invoice/README.Debian
MAN
