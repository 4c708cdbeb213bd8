#!/usr/bin/env bash
# Makes a test PKI for trying HTTPS and SITHS log-in by hand (never for production): a CA "Test SITHS e-id CA",
# a server certificate for localhost/127.0.0.1, and client certificates whose subject serialNumber is an HSA-id,
# a test personnummer, and nothing, each also as a PKCS#12 file (password "test") to import into a browser.
# Usage: scripts/make-test-certs.sh [DIR]   (default target/test-certs)
# Then:  BLANKETT_TLS_CERT=DIR/server.pem BLANKETT_TLS_KEY=DIR/server-key.pem BLANKETT_TLS_CLIENT_CA=DIR/ca.pem \
#        target/release/blankett serve
set -euo pipefail
cd "$(dirname "$0")/.."
command -v openssl >/dev/null || { echo "make-test-certs.sh: openssl is missing" >&2; exit 1; }
dir="${1:-target/test-certs}"
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca-key.pem
openssl req -x509 -new -key ca-key.pem -days 365 -subj "/C=SE/O=Blankett test/CN=Test SITHS e-id CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

# sign NAME SUBJECT EXTENSIONS
sign() {
  key "$1-key.pem"
  openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr"
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 365 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign server "/CN=localhost" \
  "$(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature')"
client_ext="$(printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature')"
sign client-hsa "/C=SE/CN=Test Testsson/serialNumber=SE2321000016-1003" "$client_ext"
sign client-personnummer "/C=SE/CN=Test Testsson/serialNumber=19121212-1212" "$client_ext"
sign client-utan-serienummer "/C=SE/CN=Test Testsson" "$client_ext"
for c in client-hsa client-personnummer client-utan-serienummer; do
  openssl pkcs12 -export -in "$c.pem" -inkey "$c-key.pem" -certfile ca.pem -name "$c" \
    -passout pass:test -out "$c.p12"
done
echo "make-test-certs.sh: test certificates in $(pwd)"
