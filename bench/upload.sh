#!/usr/bin/env bash
# Memory of large files, per file store: peak RSS of the Apache children,
# above their idle RSS, while files are uploaded (raw and multipart) and
# downloaded.  `make bench-upload` runs it.
#
# For each backend of BENCH_BACKENDS (default "pg file s3"), one Apache on the
# same PostgreSQL with that InvoiceFileStore (started alone, so the children
# measured are that backend's), then:
#   UPLOAD_MB (20) MiB: raw upload, multipart upload, download;
#   UPLOAD_BIG_MB (32, the uploads' LimitRequestBody) MiB: raw upload and
#   download.
# Each measurement is the largest growth of any child over UPLOAD_ROUNDS (5)
# requests.  Targets: pg < 2.5 x the file (it holds the file on its way to
# and from PostgreSQL); the other stores (file:, s3:) stream, and a 32 MiB
# upload or download stays under 8 MiB above idle.  The table reports; the
# exit status is 1 only when a request fails or a download differs.
#
# A backend is a name that store_of knows (pg, file) or a store as
# InvoiceFileStore writes it (file:/dir, s3:http://host/bucket, with the
# AWS_* variables in the environment): add a name to store_of, with whatever
# it must start, to grow the list.
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

BACKENDS=${BENCH_BACKENDS:-pg file s3}
SIZE_MB=${UPLOAD_MB:-20}
BIG_MB=${UPLOAD_BIG_MB:-32}
ROUNDS=${UPLOAD_ROUNDS:-5}
STREAM_LIMIT_MB=8
RUN=$(mktemp -d /tmp/invoice-upload.XXXXXX)
chmod 755 "$RUN"
HTTPD=                              # the running backend's Apache dir
trap '[ -z "$HTTPD" ] || "$REPO_ROOT/scripts/httpd.sh" stop "$HTTPD" >/dev/null 2>&1;
      [ ! -d "$RUN/s3" ] || "$REPO_ROOT/test/s3/s3.sh" stop "$RUN/s3" >/dev/null 2>&1;
      "$REPO_ROOT/scripts/pg.sh" stop "$RUN/pg" >/dev/null 2>&1; rm -rf "$RUN"' EXIT

PGPORT=$(pick_port)
"$REPO_ROOT/scripts/pg.sh" start "$RUN/pg" "$PGPORT" >/dev/null

# The InvoiceFileStore of a backend; "s3" starts the test S3 (s3rver behind
# the proxy that checks every signature, test/s3/s3.sh) and exports its keys
# (a node process outside Apache: its memory is not counted).
store_of() {
    case $1 in
        pg) echo pg ;;
        file) echo "file:$RUN/files" ;;
        s3)
            local port
            port=$(pick_port "$PGPORT")
            "$REPO_ROOT/test/s3/s3.sh" start "$RUN/s3" "$port" >&2
            echo "s3:http://127.0.0.1:$port/invoices" ;;
        file:/*|s3:*) echo "$1" ;;
        *) die "backend '$1': not one store_of knows (pg, file, s3, file:/dir, s3:URL)" ;;
    esac
}
label_of() { case $1 in pg) echo pg ;; file) echo file: ;; s3) echo s3: ;; *) echo "${1%%:*}:" ;; esac; }

make_pdf() {  # file MiB
    { printf '%%PDF-1.4\n'; head -c $(($2 * 1048576 - 9)) /dev/urandom; } >"$1"
}
FILE=$RUN/file.pdf BIGFILE=$RUN/big.pdf
make_pdf "$FILE" "$SIZE_MB"
make_pdf "$BIGFILE" "$BIG_MB"

children() { pgrep -P "$(cat "$HTTPD/httpd.pid")"; }
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
declare -A IDLE
reset_peaks() {     # the peak RSS (VmHWM) restarts from the current RSS
    local c
    IDLE=()
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
SUMMARY=$RUN/summary.txt
: >"$SUMMARY"
report() {          # report BACKEND NAME FILE KB: against the backend's target
    local bytes; bytes=$(stat -c %s "$3")
    awk -v b="$1" -v n="$2" -v kb="$4" -v f="$bytes" -v lim="$STREAM_LIMIT_MB" 'BEGIN {
        x = kb * 1024 / f
        if (b == "pg") { t = "< 2.5 x the file"; ok = x < 2.5 } else { t = "< " lim " MiB"; ok = kb < lim * 1024 }
        printf "  %-22s peak RSS above idle %7.1f MiB = %.2f x the file (target %s) %s\n",
               n, kb / 1024, x, t, ok ? "PASS" : "FAIL" }'
    echo "$1|$2|$4" >>"$SUMMARY"
}

upload_raw() {      # file -> the new invoice's id
    curl -sf -H 'Authorization: sender 1' -H 'Content-Type: application/pdf' \
         --data-binary @"$1" "$B/api/sender/uploads?receiver_id=2" |
        sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p'
}
upload_multipart() {
    curl -sf -H 'Authorization: sender 1' -F receiver_id=2 \
         -F "file=@$1;type=application/pdf" "$B/api/sender/uploads" |
        sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p'
}
download_rounds() { # id file
    for _ in $(seq "$ROUNDS"); do
        curl -sf -H 'Authorization: consumer 2' "$B/api/consumer/invoices/$1/file" | cmp -s - "$2" ||
            die "download of $1 differs from $2"
    done
}
upload_rounds() {   # raw|multipart file -> the last id
    local id=
    for _ in $(seq "$ROUNDS"); do
        id=$(upload_"$1" "$2")
        [ -n "$id" ] || die "$1 upload of $2 failed"
    done
    echo "$id"
}

i=0
for backend in $BACKENDS; do
    i=$((i + 1))
    store=$(store_of "$backend")
    # s3rver's fixed keys (store_of runs in a subshell: exported here).
    [ "$backend" != s3 ] || export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
    label=$(label_of "$backend")
    PORT=$(pick_port "$PGPORT")
    HTTPD=$RUN/httpd-$i
    INVOICE_FILE_STORE=$store "$REPO_ROOT/scripts/httpd.sh" start "$HTTPD" "$PORT" "$PGPORT"
    B=http://127.0.0.1:$PORT
    echo "backend $label (InvoiceFileStore $store)"
    # Warm every child up with a small request so that idle means idle.
    for _ in $(seq 20); do curl -s -o /dev/null "$B/healthz"; done

    reset_peaks
    upload_rounds raw "$FILE" >/dev/null
    report "$label" "raw upload ${SIZE_MB} MiB" "$FILE" "$(peak_growth_kb)"
    reset_peaks
    ID=$(upload_rounds multipart "$FILE")
    report "$label" "multipart ${SIZE_MB} MiB" "$FILE" "$(peak_growth_kb)"
    reset_peaks
    download_rounds "$ID" "$FILE"
    report "$label" "download ${SIZE_MB} MiB" "$FILE" "$(peak_growth_kb)"

    reset_peaks
    ID=$(upload_rounds raw "$BIGFILE")
    report "$label" "raw upload ${BIG_MB} MiB" "$BIGFILE" "$(peak_growth_kb)"
    reset_peaks
    download_rounds "$ID" "$BIGFILE"
    report "$label" "download ${BIG_MB} MiB" "$BIGFILE" "$(peak_growth_kb)"

    # The rows are where the backend says.
    where=$(psql -X -tA -h 127.0.0.1 -p "$PGPORT" -U invoice -d invoice \
                 -c "SELECT coalesce(file_store, 'pg') FROM invoices WHERE id = '$ID'")
    [ "$where" = "$store" ] || die "backend $label: the invoice's row says its file is in '$where', not '$store'"
    echo "  children: $(children | wc -l), idle RSS (KiB): $(for c in $(children); do printf '%s ' "$(kb "$c" VmRSS)"; done)"
    "$REPO_ROOT/scripts/httpd.sh" stop "$HTTPD"
    HTTPD=
done

# Per backend: the 32 MiB figures side by side.
echo
printf '%-10s %26s %26s   %s\n' backend "upload ${BIG_MB} MiB above idle" "download ${BIG_MB} MiB above idle" target
awk -F'|' -v up="raw upload ${BIG_MB} MiB" -v dl="download ${BIG_MB} MiB" -v lim="$STREAM_LIMIT_MB" -v mb="$BIG_MB" '
    $2 == up { u[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
    $2 == dl { d[$1] = $3 }
    END { for (i = 1; i <= n; i++) { b = order[i]
              t = b == "pg" ? sprintf("< %.0f MiB (2.5 x)", 2.5 * mb) : "< " lim " MiB"
              m = b == "pg" ? 2.5 * mb : lim
              printf "%-10s %22.1f MiB %22.1f MiB   %s %s\n", b, u[b] / 1024, d[b] / 1024, t,
                     (u[b] < m * 1024 && d[b] < m * 1024) ? "PASS" : "FAIL" } }' "$SUMMARY"
