#!/usr/bin/env bash
# Measures mouth-to-ear latency between two samspil-cli clients on loopback, in an open
# room of a server of its own. Prints one JSON line of figures; fails (exit 1) when it
# measured nothing (no join, no packets, no latency figure).
# Usage: scripts/measure-latency.sh FRAME_MS SECONDS   (after scripts/build.sh build)
# BUILD_DIR overrides ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
frame_ms="${1:-5}"
seconds="${2:-20}"
build="${BUILD_DIR:-build}"
work=$(mktemp -d)
server=""
a=""
cleanup() {
  for pid in $a $server; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$build/server/samspil-server" --port 0 --open-rooms --db "$work/samspil.db" >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 200); do grep -q listening "$work/server.out" && break; sleep 0.05; done
url=$(grep -o 'ws://[^ ]*' "$work/server.out" | sed 's#/ws$##' || true)
if [ -z "$url" ]; then
  echo "measure-latency: the server did not start:" >&2; cat "$work/server.err" >&2; exit 1
fi

"$build/client-app/cli/samspil-cli" --server "$url" --room latency --name A --tone 440 \
  --frame-ms "$frame_ms" --duration "$((seconds + 1))" --stats >"$work/a.json" 2>"$work/a.err" &
a=$!
status=0
"$build/client-app/cli/samspil-cli" --server "$url" --room latency --name B \
  --frame-ms "$frame_ms" --duration "$seconds" --stats >"$work/b.json" 2>"$work/b.err" || status=$?
if [ "$status" -ne 0 ]; then
  echo "measure-latency: the listening client failed (exit $status):" >&2; cat "$work/b.err" "$work/b.json" >&2; exit 1
fi
result=$(jq -c --arg f "$frame_ms" '{frame_ms: ($f|tonumber)} + ((.peers // [])[0] // {} | {mouth_to_ear_ms,
  added_latency_ms: .jitter_buffer.added_latency_ms, max_depth_packets: .jitter_buffer.max_depth_packets, received,
  lost, concealed, underruns, dropped_to_catch_up, jitter_ms})' "$work/b.json")
echo "$result"
# Fail loudly when nothing was measured: a latency figure and packets must be there.
if ! jq -e '(.mouth_to_ear_ms | type) == "object" or (.mouth_to_ear_ms | type) == "number"' <<<"$result" >/dev/null ||
   ! jq -e '(.received // 0) > 0' <<<"$result" >/dev/null; then
  echo "measure-latency: measured nothing (no packets or no latency figure)" >&2
  exit 1
fi
