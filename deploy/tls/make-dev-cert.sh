#!/usr/bin/env bash
# Makes a self-signed certificate for 127.0.0.1/localhost (development and TLS tests only).
# Usage: deploy/tls/make-dev-cert.sh [OUT_DIR]   (default: <repo>/.meridian/tls)
# Then run a gateway with MERIDIAN_TLS_CERT_FILE=OUT_DIR/cert.pem MERIDIAN_TLS_KEY_FILE=OUT_DIR/key.pem.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/.meridian/tls}"
command -v openssl >/dev/null || { echo "[tls] openssl is required (apt-get install -y openssl)" >&2; exit 1; }
mkdir -p "$out"
if [[ -s "$out/cert.pem" && -s "$out/key.pem" ]] && openssl x509 -checkend 86400 -noout -in "$out/cert.pem" >/dev/null 2>&1; then
  echo "[tls] $out/cert.pem exists and is valid for another day"
  exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=meridian-dev" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$out/key.pem" -out "$out/cert.pem" 2>/dev/null
chmod 600 "$out/key.pem"
echo "[tls] wrote $out/cert.pem and $out/key.pem (self-signed, 30 days, 127.0.0.1 and localhost)"
