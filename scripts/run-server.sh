#!/usr/bin/env bash
# Sets everything up and starts samspil-server on its embedded defaults:
# SQLite at ./var/samspil.db (created on first run), ws://127.0.0.1:7400/ws.
# Extra arguments go to the server (see --help). BUILD_DIR overrides ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build}"
bash scripts/install-deps.sh
SAMSPIL_TARGETS=samspil-server bash scripts/build.sh "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec "$build/server/samspil-server" "$@"
