#!/usr/bin/env bash
# Installs everything Samspil builds and tests with, from Debian 12 packages.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config
  # libraries
  libwebsockets-dev libwebsockets-evlib-ev libopus-dev libsqlite3-dev libsodium-dev nlohmann-json3-dev catch2
  libogg-dev libopusfile-dev
  # the store on PostgreSQL (libpq), and a real PostgreSQL 15 and HAProxy for the tests of
  # several nodes
  libpq-dev postgresql-15 haproxy
  # video in the native clients: VP8 (libvpx), picture conversion (libyuv), cameras (libv4l)
  libvpx-dev libyuv-dev libv4l-dev
  # the JUCE desktop app and plugin (JUCE 7.0.5; it pulls in its own X11/GTK -dev packages)
  juce-modules-source libfreetype-dev libasound2-dev libjack-jackd2-dev libx11-dev libxrandr-dev
  libxinerama-dev libxcursor-dev libxext-dev libfontconfig1-dev libgl-dev lv2-dev fonts-dejavu-core
  # tests and scripts: real hosts for the app and the plugin, audio tools
  openssl jq curl sqlite3 jackd2 jalv lilv-utils xvfb xauth
  # recordings are checked with Opus's own tools, ffprobe and sox
  opus-tools ffmpeg sox
  # network namespaces for the tests that check what the server listens on, and the
  # network lab; nginx and Caddy as TLS proxies in front of the server (docs/examples/)
  iproute2 nginx caddy
  # promtool checks the Prometheus alert rules in docs/ops; systemd-analyze, man and
  # setpriv check the service unit in packaging/
  prometheus systemd man-db util-linux
  # the Debian packages: dpkg-shlibdeps (dpkg-dev) works out their dependencies, lintian checks
  # them, and they are installed into a clean Debian 12 made by debootstrap
  dpkg-dev lintian file debootstrap
  # fuzzing (libFuzzer is part of clang)
  clang
  # the browser client's tests: Debian's browsers (driven by puppeteer-core from npm), and
  # a PulseAudio null sink as Firefox's sound card (its built-in stand-in runs 13 % slow)
  chromium firefox-esr pulseaudio
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
# Packages that bring a service (nginx, caddy) must not start it here: tests start their own.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && made_policy=1
fi
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi
