#!/usr/bin/env bash
# Memory of large files: peak RSS of the Apache children, above their idle
# RSS, while 20 MiB files are uploaded (raw and multipart) and downloaded.
# Target: under 2.5 x the file size.  `make bench-upload` runs it.
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

SIZE_MB=${UPLOAD_MB:-20}
ROUNDS=${UPLOAD_ROUNDS:-5}
RUN=$(mktemp -d /tmp/invoice-upload.XXXXXX)
chmod 755 "$RUN"
trap '"$REPO_ROOT/scripts/httpd.sh" stop "$RUN/httpd" >/dev/null 2>&1;
      "$REPO_ROOT/scripts/pg.sh" stop "$RUN/pg" >/dev/null 2>&1; rm -rf "$RUN"' EXIT

PGPORT=$(pick_port); PORT=$(pick_port "$PGPORT")
"$REPO_ROOT/scripts/pg.sh" start "$RUN/pg" "$PGPORT" >/dev/null
"$REPO_ROOT/scripts/httpd.sh" start "$RUN/httpd" "$PORT" "$PGPORT"
B=http://127.0.0.1:$PORT

FILE=$RUN/big.pdf
{ printf '%%PDF-1.4\n'; head -c $((SIZE_MB * 1048576 - 9)) /dev/urandom; } >"$FILE"
BYTES=$(stat -c %s "$FILE")

children() { pgrep -P "$(cat "$RUN/httpd/httpd.pid")"; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
declare -A IDLE
reset_peaks() {     # the peak RSS (VmHWM) restarts from the current RSS
    local c
    for c in $(children); do
        echo 5 >"/proc/$c/clear_refs"
        IDLE[$c]=$(kb "$c" VmRSS)
    done
}
peak_growth_kb() {  # largest VmHWM - idle RSS over the children
    local c max=0 g
    for c in $(children); do
        g=$(( $(kb "$c" VmHWM) - ${IDLE[$c]:-$(kb "$c" VmRSS)} ))
        [ "$g" -gt "$max" ] && max=$g
    done
    echo "$max"
}
report() {          # report NAME KB
    awk -v n="$1" -v kb="$2" -v f="$BYTES" 'BEGIN {
        printf "%-22s peak RSS above idle %7.1f MiB = %.2f x the file (target < 2.5) %s\n",
               n, kb / 1024, kb * 1024 / f, (kb * 1024 / f < 2.5) ? "PASS" : "FAIL" }'
}

# Warm every child up with a small request so that idle means idle.
for _ in $(seq 20); do curl -s -o /dev/null "$B/healthz"; done

reset_peaks
for _ in $(seq "$ROUNDS"); do
    curl -sf -o /dev/null -H 'Authorization: sender 1' -H 'Content-Type: application/pdf' \
         --data-binary @"$FILE" "$B/api/sender/uploads?receiver_id=2"
done
report "raw upload ${SIZE_MB} MiB" "$(peak_growth_kb)"

reset_peaks
ID=
for _ in $(seq "$ROUNDS"); do
    ID=$(curl -sf -H 'Authorization: sender 1' -F receiver_id=2 \
              -F "file=@$FILE;type=application/pdf" "$B/api/sender/uploads" |
         sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
done
report "multipart ${SIZE_MB} MiB" "$(peak_growth_kb)"

reset_peaks
for _ in $(seq "$ROUNDS"); do
    curl -sf -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$ID/file" | cmp -s - "$FILE" \
        || { echo "download differs" >&2; exit 1; }
done
report "download ${SIZE_MB} MiB" "$(peak_growth_kb)"
echo "children: $(children | wc -l), idle RSS (KiB): $(for c in $(children); do printf '%s ' "$(kb "$c" VmRSS)"; done)"
