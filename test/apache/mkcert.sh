#!/usr/bin/env bash
# A client certificate for the TLS identity tests, signed by the test CA.
#   mkcert.sh CN FILE      writes certificate + key (PEM) to FILE
# PKI (the CA and one key shared by all test clients) is in $INVOICE_IT_PKI.
set -euo pipefail
cn=$1; out=$2; pki=${INVOICE_IT_PKI:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -new -key "$pki/client.key" -subj "/O=mod_invoice tests/CN=$cn" \
    -out "$tmp/req.csr" 2>/dev/null
openssl x509 -req -in "$tmp/req.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
    -CAcreateserial -CAserial "$tmp/ca.srl" -days 2 -out "$tmp/cert.pem" 2>/dev/null
cat "$tmp/cert.pem" "$pki/client.key" >"$out"
