#!/usr/bin/env bash
# Measures mouth-to-ear latency between two samspil-cli clients on loopback.
# Usage: scripts/measure-latency.sh FRAME_MS SECONDS   (after scripts/build.sh build)
set -euo pipefail
cd "$(dirname "$0")/.."
frame_ms="${1:-5}"
seconds="${2:-20}"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

./build/server/samspil-server --port 0 --db "$work/samspil.db" >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.05; done
url=$(grep -o 'ws://[^ ]*' "$work/server.out" | sed 's#/ws$##')

./build/client-app/cli/samspil-cli --server "$url" --room latency --name A --tone 440 \
  --frame-ms "$frame_ms" --duration "$seconds" --stats >"$work/a.json" 2>/dev/null &
./build/client-app/cli/samspil-cli --server "$url" --room latency --name B \
  --frame-ms "$frame_ms" --duration "$seconds" --stats >"$work/b.json" 2>/dev/null
wait %2 2>/dev/null || true
sleep 0.2
jq -c --arg f "$frame_ms" '{frame_ms: ($f|tonumber)} + (.peers[0] | {mouth_to_ear_ms, added_latency_ms: .jitter_buffer.added_latency_ms,
  max_depth_packets: .jitter_buffer.max_depth_packets, received, lost, concealed, underruns, dropped_to_catch_up, jitter_ms})' "$work/b.json"
