#!/usr/bin/env bash
# Builds the Debian packages: samspil-server, samspil-cli, samspil-desktop and
# samspil-plugin, into BUILD_DIR/packages (default build/packages), and prints their names.
# The same build tree as the tests (RelWithDebInfo with the JUCE targets); the packages'
# binaries are stripped.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
bash scripts/install-deps.sh >/dev/null
bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMSPIL_BUILD_JUCE=ON -DSAMSPIL_CORE_TESTS=OFF
mkdir -p "$build/packages"
(cd "$build" && cpack -G DEB -B "$PWD/packages" >/dev/null)
rm -rf "$build/packages/_CPack_Packages"
ls "$build"/packages/*.deb
