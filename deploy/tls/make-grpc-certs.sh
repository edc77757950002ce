#!/usr/bin/env bash
# Makes the local certificates for mutual TLS between Meridian's services (development and tests;
# Kubernetes gets its certificates from cert-manager or a Secret, see docs/operations.md).
#
#   deploy/tls/make-grpc-certs.sh [OUT_DIR]        (default: <repo>/.meridian/tls/grpc)
#
# OUT_DIR/ca.pem is a private CA made here; OUT_DIR/<identity>.pem and <identity>.key are one
# certificate per service plus `operator` (the console, the CLI, the launcher, the test harness).
# Each names its identity in a URI SAN, spiffe://meridian/<identity>, which is what the services
# check (libs/platform/src/grpc/identity.ts); the DNS SAN <identity>.meridian.internal is what
# clients send as SNI. Idempotent: files that exist, verify against the CA and stay valid for
# another week are kept; a missing or expiring CA remakes everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/.meridian/tls/grpc}"
identities=(auth chat group relationship push callback gateway operator)
days=365
keep_s=$((7 * 86400))
command -v openssl >/dev/null || { echo "[grpc-certs] openssl is required (apt-get install -y openssl)" >&2; exit 1; }
mkdir -p "$out"
chmod 700 "$out"

# npm start and a test run may reach here at once in one checkout: one maker at a time.
exec 9>"$out/.lock"
if command -v flock >/dev/null; then flock 9; fi

valid() { # cert [ca]
  [[ -s "$1" ]] && openssl x509 -checkend "$keep_s" -noout -in "$1" >/dev/null 2>&1 || return 1
  [[ -z "${2:-}" ]] || openssl verify -CAfile "$2" "$1" >/dev/null 2>&1
}

made=()
if ! valid "$out/ca.pem" || [[ ! -s "$out/ca.key" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days $((days * 2)) \
    -subj "/O=Meridian/CN=Meridian local gRPC CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$out/ca.key.tmp" -out "$out/ca.pem.tmp" 2>/dev/null
  chmod 600 "$out/ca.key.tmp"
  mv "$out/ca.key.tmp" "$out/ca.key"
  mv "$out/ca.pem.tmp" "$out/ca.pem"
  # Certificates of the previous CA would no longer verify.
  for id in "${identities[@]}"; do rm -f "$out/$id.pem" "$out/$id.key"; done
  made+=(ca)
fi

for id in "${identities[@]}"; do
  if valid "$out/$id.pem" "$out/ca.pem" && [[ -s "$out/$id.key" ]]; then continue; fi
  ext="$(mktemp)"
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=URI:spiffe://meridian/$id,DNS:$id.meridian.internal" >"$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/O=Meridian/CN=$id" -keyout "$out/$id.key.tmp" -out "$out/$id.csr" 2>/dev/null
  openssl x509 -req -in "$out/$id.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" -CAcreateserial \
    -days "$days" -extfile "$ext" -out "$out/$id.pem.tmp" 2>/dev/null
  rm -f "$ext" "$out/$id.csr"
  chmod 600 "$out/$id.key.tmp"
  mv "$out/$id.key.tmp" "$out/$id.key"
  mv "$out/$id.pem.tmp" "$out/$id.pem"
  made+=("$id")
done

if ((${#made[@]})); then
  echo "[grpc-certs] wrote ${made[*]} in $out (local CA, $days days)"
else
  echo "[grpc-certs] certificates in $out are valid"
fi
