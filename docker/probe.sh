#!/bin/bash
# Container health check without curl in the image: GET a path on the local
# Apache over bash's /dev/tcp and succeed on a 200.
#   invoice-probe [PATH]     default /readyz; port $INVOICE_LISTEN_PORT (8080)
set -u
path=${1:-/readyz}
port=${INVOICE_LISTEN_PORT:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nUser-Agent: invoice-probe\r\n\r\n' "$path" >&3
read -r -t 5 _ status _ <&3 || exit 1
[ "$status" = 200 ]
