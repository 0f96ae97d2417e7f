#!/usr/bin/env bash
# Installs everything Samspil builds and tests with, from Debian 12 packages.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config
  # libraries
  libwebsockets-dev libwebsockets-evlib-ev libopus-dev libsqlite3-dev libsodium-dev nlohmann-json3-dev catch2
  libogg-dev
  # tests and scripts
  openssl jq curl
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
