#!/usr/bin/env bash
# A self-signed certificate and key for a school's test server (not for real lessons:
# browsers and the apps warn about it unless told to trust it). docs/operations.md, "TLS".
# Usage: scripts/make-dev-cert.sh DIR [HOSTNAME]...
#   writes DIR/cert.pem and DIR/key.pem (key readable by its owner only), valid 90 days,
#   for the names given (default: localhost) and 127.0.0.1 / ::1.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [HOSTNAME]..." >&2
  exit 2
fi
dir="$1"; shift
names=("${@:-localhost}")
[ ${#names[@]} -gt 0 ] || names=(localhost)
mkdir -p "$dir"
san="IP:127.0.0.1,IP:::1"
for name in "${names[@]}"; do san="DNS:$name,$san"; done
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 90 \
  -subj "/CN=${names[0]}" -addext "subjectAltName=$san" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chmod 644 "$dir/cert.pem"
echo "make-dev-cert: $dir/cert.pem and $dir/key.pem for ${names[*]} (self-signed, 90 days)"
