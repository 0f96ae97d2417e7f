#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang and runs each for SECONDS (default 15), starting
# from the seed corpus in tests/fuzz/corpus (copied: the repository is not changed).
# Exits non-zero on any finding; prints executions per harness. One more harness at a time than there are cores.
# Usage: tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-15}"
build="${2:-build-fuzz}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
# A tree already configured for fuzzing (scripts/test.sh's sanitizer tree) is used as it
# is; any other is configured here with clang.
if ! grep -q '^SAMSPIL_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DSAMSPIL_FUZZ=ON -DSAMSPIL_BUILD_TESTS=OFF -DSAMSPIL_BUILD_JUCE=OFF >/dev/null
fi
harnesses=(fuzz_control_message:control fuzz_media_packet:media fuzz_udp_datagram:udp fuzz_api_body:api fuzz_settings_json:settings
  fuzz_video:video)
ninja -C "$build" "${harnesses[@]%%:*}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one harness from a copy of its corpus; prints its line, or the finding and exits 1.
run_harness() {
  local harness="${1%%:*}" corpus="${1##*:}"
  mkdir -p "$work/$corpus"
  cp tests/fuzz/corpus/"$corpus"/* "$work/$corpus/"
  local log="$work/$harness.log"
  if ! "$build/tests/fuzz/$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$work/$harness-" "$work/$corpus" >"$log" 2>&1; then
    echo "fuzz: $harness found a problem:"; tail -60 "$log"
    for artifact in "$work/$harness"-*; do [ -e "$artifact" ] && { echo "input:"; xxd "$artifact" | head -20; }; done
    return 1
  fi
  local runs
  runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' || true)
  if [ -z "$runs" ] || [ "$runs" -eq 0 ]; then
    echo "fuzz: $harness ran nothing"; tail -20 "$log"; return 1
  fi
  echo "fuzz: $harness: $runs executions in ${seconds} s, corpus $(ls "$work/$corpus" | wc -l) inputs, no finding"
}

# Each harness is one process; one more than there are cores at a time (six on two
# cores: three, then three — two rounds of SECONDS instead of three).
parallel=$(( $(nproc) + 1 ))
failed=0
for ((i = 0; i < ${#harnesses[@]}; i += parallel)); do
  pids=()
  for entry in "${harnesses[@]:i:parallel}"; do
    run_harness "$entry" >"$work/${entry%%:*}.result" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  for entry in "${harnesses[@]:i:parallel}"; do cat "$work/${entry%%:*}.result"; done
done
exit "$failed"
