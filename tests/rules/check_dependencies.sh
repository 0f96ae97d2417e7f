#!/usr/bin/env bash
# The dependency rules hold for the tree, and the check would see a breach: the audio module
# reaching for the client library and libsodium, the server for the client library, in a
# copy of the rules' folders with three planted includes.
set -euo pipefail
source_dir="$(cd "$(dirname "$0")/../.." && pwd)"
bash "$source_dir/scripts/check-dependencies.sh"

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/shared/audio/src" "$tree/server/src"
printf '#include "samspil/net/session_client.h"\n#include <sodium.h>\n' > "$tree/shared/audio/src/planted.cpp"
printf '#include "samspil/net/udp_path_machine.h"\n' > "$tree/server/src/planted.cpp"
if output=$(bash "$source_dir/scripts/check-dependencies.sh" "$tree" 2>&1); then
  echo "check_dependencies: the planted breaches were not seen" >&2
  exit 1
fi
echo "$output"
[ "$(grep -c '^check-dependencies: .*planted.cpp' <<<"$output")" = 3 ] || { echo "check_dependencies: not all three breaches named" >&2; exit 1; }
echo "check_dependencies: the rules hold here, and the three planted breaches were each named"
