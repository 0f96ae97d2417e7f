#!/usr/bin/env bash
# Takes the README's screenshot of the desktop app's room view in a lesson with video: a
# private JACK server (dummy driver), a server, two samspil-cli students playing tones,
# chatting and filming the test pattern, and the app under Xvfb as the third participant
# (its camera on the test pattern too), which saves a PNG of its window.
# Usage: scripts/screenshot-desktop.sh [OUTPUT.png]   (after a build with SAMSPIL_BUILD_JUCE=ON;
# BUILD_DIR=... for another build tree)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images/desktop-room.png}"
build="${BUILD_DIR:-build}"
app="$build/client-app/desktop/samspil_desktop_artefacts/RelWithDebInfo/samspil"
[ -x "$app" ] || { echo "build the app first: scripts/build.sh build -DSAMSPIL_BUILD_JUCE=ON" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export JACK_DEFAULT_SERVER="samspil-shot-$$"
jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -d dummy -r 48000 -p 128 >"$work/jackd.log" 2>&1 & pids+=($!)
port=$((20000 + RANDOM % 20000))
"$build/server/samspil-server" --open-rooms --port "$port" --db "$work/samspil.db" >"$work/server.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="ws://127.0.0.1:$port"
cli="$build/client-app/cli/samspil-cli"
$cli --server "$url" --room cello-lesson --name "Maja (cello)" --tone 220 --tone-level 0.4 --duration 25 \
  --video test-pattern --video-max 360p30 \
  --chat "Hi! I practised the Bach prelude this week." >/dev/null 2>&1 & pids+=($!)
sleep 0.5
$cli --server "$url" --room cello-lesson --name "Jonas (piano)" --tone 330 --tone-level 0.15 --duration 25 \
  --video test-pattern --video-max 360p30 \
  --chat "I can play the accompaniment from bar 9." >/dev/null 2>&1 & pids+=($!)
sleep 1
mkdir -p "$(dirname "$out")"
xvfb-run -a -s "-screen 0 1280x800x24" "$app" --settings "$work/settings.json" --server "$url" \
  --room cello-lesson --name "Ms Berg" --join --audio-driver JACK --camera test-pattern --camera-on \
  --screenshot "$out" --screenshot-after 12
echo "screenshot: $out"
