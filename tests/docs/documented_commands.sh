#!/usr/bin/env bash
# Runs the commands README.md and docs/ tell a person to run, as written there, with only
# the port (a free one instead of 7400) and the working folder changed, and checks that
# each did what the text promises. Every server and client it starts is stopped on exit,
# also on failure.
# Usage: tests/docs/documented_commands.sh BUILD_DIR   (the tree built with the JUCE targets)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
what="documented commands"
source "$repo/tests/docs/documented_lib.sh"
server_bin="$build/server/samspil-server"
cli_bin="$build/client-app/cli/samspil-cli"
cd "$work"
mkdir -p bin && ln -s "$server_bin" bin/samspil-server && ln -s "$cli_bin" bin/samspil-cli
export PATH="$work/bin:$PATH"

# --- README: the first command starts the server on its embedded defaults -------------------
step "scripts/run-server.sh (README, docs/operations.md)"
# Not in a subshell: $! must be the script itself, which execs the server.
BUILD_DIR="$build" bash "$repo/scripts/run-server.sh" --port 0 --db "$work/run-server/samspil.db" \
   >"$work/run-server.out" 2>"$work/run-server.out.err" &
pids+=($!)
wait_listening "$work/run-server.out"
curl -sf "localhost:$port/healthz" | jq -e '.status == "ok" and .schema_version == 5' >/dev/null || fail "healthz"
grep -q samspil_connections <<<"$(curl -sf "localhost:$port/metrics")" || fail "metrics"
grep -q 'src="/js/app.js"' <<<"$(curl -sf "localhost:$port/")" || fail "the browser client is not served on / (README, docs/browser.md)"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
pgrep -f -- "--db $work/run-server/samspil.db" >/dev/null && fail "the server of run-server.sh outlived its script"
[ -f "$work/run-server/samspil.db" ] || fail "run-server.sh made no database"

# --- README: demo mode, two clients hearing each other ----------------------------------------
step "demo mode: two samspil-cli in an open room (README)"
samspil-server --port 0 --open-rooms --db "$work/demo.db" >"$work/demo.out" 2>"$work/demo.out.err" &
pids+=($!)
wait_listening "$work/demo.out"
samspil-cli --server "ws://127.0.0.1:$port" --room lesson-1 --name Ida --tone 440 --duration 13 >/dev/null 2>&1 &
pids+=($!)
# Lise's 10 s run goes on while the school's first day below is set up (its own server
# and database); her figures are checked after it.
mkdir -p demo
(cd demo && exec samspil-cli --server "ws://127.0.0.1:$port" --room lesson-1 --name Lise \
    --record recordings --duration 10 --chat "Hej Ida!" --stats >"$work/lise.json" 2>/dev/null) &
lise=$!
pids+=($lise)
check_demo() {
  wait "$lise" || fail "Lise's samspil-cli failed"
  jq -e '.peers[] | select(.name == "Ida") | .received > 1000' "$work/lise.json" >/dev/null || fail "Lise did not hear Ida"
  [ -s demo/recordings/Ida.wav ] || fail "no recordings/Ida.wav"
  jq -e '.chat[0].text == "Hej Ida!"' "$work/lise.json" >/dev/null || fail "chat"
}
step "samspil-cli --line-check (docs/cli.md)"
samspil-cli --server "ws://127.0.0.1:$port" --line-check >"$work/line.txt" 2>&1 || fail "line check: $(cat "$work/line.txt")"
grep -q "round trip" "$work/line.txt" || fail "line check printed no verdict"
curl -sf "localhost:$port/healthz" >/dev/null || fail "healthz in demo mode"

# --- README and docs/api.md: a school's first day --------------------------------------------
step "a school: admin, teacher, student, lesson (README, docs/api.md)"
SAMSPIL_ADMIN_PASSWORD=anne-secret-1 samspil-server admin create-school --name "Aarhus Musikskole" \
    --admin-login anne@aarhus.dk --admin-name "Anne Admin" --db "$work/var/samspil.db" >/dev/null
samspil-server admin list-schools --db "$work/var/samspil.db" | grep -q "Aarhus Musikskole" || fail "list-schools"
samspil-server --port 0 --db "$work/var/samspil.db" >"$work/school.out" 2>"$work/school.out.err" &
pids+=($!)
wait_listening "$work/school.out"
S=localhost:$port/api/v1
ADMIN=$(curl -s -X POST $S/sign-in -d '{"login":"anne@aarhus.dk","password":"anne-secret-1"}' | jq -r .token)
[ -n "$ADMIN" ] && [ "$ADMIN" != null ] || fail "admin sign-in"
curl -sf -X POST $S/schools/1/members -H "Authorization: Bearer $ADMIN" \
    -d '{"login":"lise@aarhus.dk","display_name":"Lise Lærer","password":"lise-secret-1","role":"teacher"}' >/dev/null || fail "add teacher"
IDA=$(curl -s -X POST $S/schools/1/members -H "Authorization: Bearer $ADMIN" \
    -d '{"login":"ida@aarhus.dk","display_name":"Ida Ærø","password":"ida-secret-1","role":"student"}' | jq .person_id)
LISE=$(curl -s -X POST $S/sign-in -d '{"login":"lise@aarhus.dk","password":"lise-secret-1"}' | jq -r .token)
ROOM=$(curl -s -X POST $S/schools/1/rooms -H "Authorization: Bearer $LISE" \
    -d '{"code":"klaver-lise","name":"Lises klaverværelse"}' | jq .id)
NOW=$(( $(date +%s) * 1000 ))
curl -sf -X POST $S/schools/1/lessons -H "Authorization: Bearer $LISE" \
    -d "{\"room_id\":$ROOM,\"title\":\"Klaver\",\"starts_at_ms\":$NOW,\"ends_at_ms\":$((NOW+2700000)),\"participant_ids\":[$IDA]}" \
    >/dev/null || fail "book the lesson"
SAMSPIL_PASSWORD=lise-secret-1 samspil-cli --server "ws://127.0.0.1:$port" \
    --room klaver-lise --name Lise --sign-in lise@aarhus.dk --admit-all --tone 440 --duration 20 >/dev/null 2>&1 &
pids+=($!)
sleep 1
SAMSPIL_PASSWORD=ida-secret-1 samspil-cli --server "ws://127.0.0.1:$port" \
    --room klaver-lise --name Ida --sign-in ida@aarhus.dk --record recordings --duration 10 --stats >"$work/ida.json" 2>/dev/null
jq -e '.waited == true and (.peers[] | select(.name == "Lise Lærer") | .received > 500)' "$work/ida.json" >/dev/null ||
  fail "Ida did not wait and then hear Lise: $(head -c 400 "$work/ida.json")"
IDA_TOKEN=$(curl -s -X POST $S/sign-in -d '{"login":"ida@aarhus.dk","password":"ida-secret-1"}' | jq -r .token)
curl -sf $S/me/lessons -H "Authorization: Bearer $IDA_TOKEN" | jq -e '.lessons | length == 1' >/dev/null || fail "/me/lessons"
CODE=$(curl -s -X POST $S/rooms/$ROOM/invites -H "Authorization: Bearer $LISE" -d '{"guest_name":"Mentor"}' | jq -r .code)
[ -n "$CODE" ] && [ "$CODE" != null ] || fail "invite"
samspil-cli --server "ws://127.0.0.1:$port" --room klaver-lise --name Mentor --invite "$CODE" --duration 2 --stats \
    >"$work/mentor.json" 2>/dev/null || true
jq -e '.joined == true or .waited == true' "$work/mentor.json" >/dev/null || fail "the invite did not let the mentor in"
step "a student left out of recordings (docs/operations.md)"
TOKEN=$ADMIN
curl -s -X PATCH $S/schools/1/members/$IDA -H "Authorization: Bearer $TOKEN" \
     -H 'Content-Type: application/json' -d '{"may_be_recorded": false}' | jq -e '.may_be_recorded == false' >/dev/null ||
  fail "may_be_recorded"
step "demo mode: Lise heard Ida and wrote recordings/Ida.wav (README)"
check_demo
step "admin reset-password and a backup (docs/operations.md)"
SAMSPIL_NEW_PASSWORD=lise-secret-2 samspil-server admin reset-password --login lise@aarhus.dk --db "$work/var/samspil.db" >/dev/null
curl -s -X POST $S/sign-in -d '{"login":"lise@aarhus.dk","password":"lise-secret-2"}' | jq -e .token >/dev/null ||
  fail "the reset password does not sign in"
samspil-server admin backup var/backup-$(date +%F).samspil --db var/samspil.db | grep -q "^backed up to .*: 1 school, 3 people" ||
  fail "admin backup (docs/operations.md)"
[ "$(sqlite3 "var/backup-$(date +%F).samspil" 'SELECT COUNT(*) FROM people')" = 3 ] || fail "the backup lacks people"
samspil-server admin restore var/backup-$(date +%F).samspil --db restored/samspil.db | grep -q "^restored from" ||
  fail "admin restore (docs/operations.md)"
[ "$(sqlite3 restored/samspil.db 'SELECT COUNT(*) FROM people')" = 3 ] || fail "the restored database lacks people"
refusal=$(samspil-server admin restore var/backup-$(date +%F).samspil --db var/samspil.db 2>&1 || true)
grep -q "in use by a running samspil-server" <<<"$refusal" || fail "admin restore onto the running server was not refused: $refusal"
printf 'port = 7400\ndb = var/samspil.db  # beside the demo\n' > samspil.conf
samspil-server --config samspil.conf --check-config | grep -q "the configuration is fine" || fail "--check-config (docs/operations.md)"
samspil-server admin expire-recordings --db var/samspil.db --as-of $(( ($(date +%s) + 86400) * 1000 )) |
  grep -q "^deleted 0 recordings" || fail "admin expire-recordings (docs/operations.md)"
samspil-server --help | grep -q -- "--open-rooms" || fail "--help"

# --- docs/operations.md: TLS ------------------------------------------------------------------
step "TLS with a self-signed certificate (docs/operations.md)"
bash "$repo/scripts/make-dev-cert.sh" tls samspil.skole.local >/dev/null
# --bind 127.0.0.1 instead of 0.0.0.0: a test listens on loopback only.
samspil-server --bind 127.0.0.1 --port 0 --cert tls/cert.pem --key tls/key.pem --db "$work/tls.db" \
    >"$work/tls.out" 2>"$work/tls.out.err" &
pids+=($!)
wait_listening "$work/tls.out"
# The certificate names the host given and loopback: trusted with --cacert, no -k.
curl -sf --cacert tls/cert.pem "https://127.0.0.1:$port/healthz" | jq -e '.status == "ok"' >/dev/null ||
  fail "https healthz with the dev certificate"
[ "$(stat -c %a tls/key.pem)" = 600 ] || fail "make-dev-cert.sh left the key readable by others"

step "samspil-netlab by hand (docs/operations.md): a line check across the city line"
"$build/devtools/samspil-netlab" --profile city --duration 30 >"$work/netlab.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q ready "$work/netlab.out" && break; sleep 0.1; done
grep -q ready "$work/netlab.out" || fail "samspil-netlab did not start: $(cat "$work/netlab.out")"
# ip netns exec execs the server: $! is the server itself.
ip netns exec samspil-lab-server "$server_bin" --bind 10.77.0.2 --allow-plaintext --port 0 --db "$work/lab.db" \
  >"$work/lab-server.out" 2>"$work/lab-server.out.err" &
pids+=($!)
wait_listening "$work/lab-server.out"
ip netns exec samspil-lab-client "$cli_bin" --server "ws://10.77.0.2:$port" --line-check >"$work/lab-line.json" ||
  fail "line check across the lab"
# 10 ms each way: the round trip through the lab cannot be under 16 ms.
jq -e '.answered > 40 and .rtt_min_ms >= 16' "$work/lab-line.json" >/dev/null ||
  fail "the lab's city line did not delay the line check: $(cat "$work/lab-line.json")"
kill "${pids[-1]}" "${pids[-2]}"; wait "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true

# --- docs/performance.md ----------------------------------------------------------------------
# The measuring commands of docs/performance.md below are checked to measure something,
# not for their figures (those come from full runs), so they run side by side.
step "bench/netlab-figures.sh (docs/performance.md), a short run on one line, beside the next commands"
(cd "$repo" && exec bash bench/netlab-figures.sh "$build" 4 1 city) >"$work/netlab-figures.txt" 2>&1 &
netlab_figures=$!
pids+=("$netlab_figures")
step "bench/video-figures.sh (docs/performance.md), a short run on loopback and one line, beside the next commands"
(cd "$repo" && exec bash bench/video-figures.sh "$build" 5 "loopback city" 1) >"$work/video-figures.txt" 2>&1 &
video_figures=$!
pids+=("$video_figures")
step "scripts/measure-latency.sh (docs/performance.md)"
(cd "$repo" && BUILD_DIR="$build" bash scripts/measure-latency.sh 5 4) >"$work/latency.json" || fail "measure-latency.sh"
jq -e '.mouth_to_ear_ms.mean > 2 and .mouth_to_ear_ms.mean < 100' "$work/latency.json" >/dev/null ||
  fail "measure-latency.sh: $(cat "$work/latency.json")"
# Each bench run starts its own server on a free port.
step "samspil-bench, samspil-bench --udp, --record-rooms, --video (UDP and WebSocket) and samspil-audio-bench (docs/performance.md), small runs side by side"
"$build/bench/samspil-bench" --participants 8 --room-size 4 --frame-ms 5 --duration 2 --json >"$work/bench.txt" 2>"$work/bench.err" &
bench_pids=($!)
"$build/bench/samspil-bench" --participants 8 --room-size 4 --frame-ms 5 --duration 2 --udp --json >"$work/bench-udp.txt" 2>"$work/bench-udp.err" &
bench_pids+=($!)
"$build/bench/samspil-bench" --participants 8 --room-size 4 --frame-ms 5 --duration 2 --record-rooms 2 --json \
  >"$work/bench-record.txt" 2>"$work/bench-record.err" &
bench_pids+=($!)
"$build/bench/samspil-audio-bench" 2 240 128 >"$work/audio-bench.json" 2>"$work/audio-bench.err" &
bench_pids+=($!)
pids+=("${bench_pids[@]}")
for path in udp websocket; do
  flag=$([ "$path" = udp ] && echo --udp || true)
  "$build/bench/samspil-bench" --participants 4 --room-size 2 --frame-ms 5 --duration 2 $flag --video 360p30 --json \
    >"$work/bench-video-$path.txt" 2>"$work/bench-video-$path.err" &
  bench_pids+=($!)
done
names=("samspil-bench" "samspil-bench --udp" "samspil-bench --record-rooms" "samspil-audio-bench"
  "samspil-bench --udp --video" "samspil-bench --video")
for i in "${!bench_pids[@]}"; do wait "${bench_pids[$i]}" || fail "${names[$i]} exited with an error"; done
tail -1 "$work/bench.txt" | jq -e '.joined == 9' >/dev/null || fail "samspil-bench: $(tail -3 "$work/bench.txt")"
tail -1 "$work/bench-udp.txt" | jq -e '.joined == 9 and .on_udp == 8 and .udp_packets_out_per_s > 1000' >/dev/null ||
  fail "samspil-bench --udp: $(cat "$work/bench-udp.txt")"
tail -1 "$work/bench-record.txt" |
  jq -e '.joined == 9 and .recordings_started == 2 and .recorded_kib_per_s > 10 and .mixes_made == 2
         and (.server_cpu_percent_by_thread | has("sp-recorder")) and .server_drops == 0' >/dev/null ||
  fail "samspil-bench --record-rooms measured nothing: $(tail -1 "$work/bench-record.txt")"
for path in udp websocket; do
  tail -1 "$work/bench-video-$path.txt" |
    jq -e '.joined == 5 and .video.frames_in_per_s > 90 and .video.received_by_clients_per_s > 90
           and .video.kbit_per_s_per_participant_in > 200 and .video.relay_p99_ms > 0' >/dev/null ||
    fail "samspil-bench --video measured nothing on $path: $(tail -1 "$work/bench-video-$path.txt")"
done
jq -e '.frames_sent > 100 and .peer_heard > 100 and .callback_us.mean > 0' "$work/audio-bench.json" >/dev/null ||
  fail "samspil-audio-bench measured nothing: $(cat "$work/audio-bench.json")"
wait "$netlab_figures" || fail "netlab-figures.sh: $(cat "$work/netlab-figures.txt")"
wait "$video_figures" || fail "video-figures.sh: $(cat "$work/video-figures.txt")"
for line in loopback city; do
  grep -Eq "^\\| $line \\| 720p30 \\| 1 \\| student → teacher \\| [0-9.]+ \\| .* \\| [0-9.]+ / [0-9.]+ \\|" "$work/video-figures.txt" ||
    fail "video-figures.sh measured no video on $line: $(cat "$work/video-figures.txt")"
done
for path in websocket udp; do
  grep -Eq "^\\| city \\| 1 \\| $path \\| student → teacher \\| [0-9.]+ \\|" "$work/netlab-figures.txt" ||
    fail "netlab-figures.sh measured nothing on $path: $(cat "$work/netlab-figures.txt")"
done

# --- the desktop app and the plugin (docs/desktop.md, docs/plugin.md) --------------------------
if [ -x "$build/client-app/desktop/samspil_desktop_artefacts/RelWithDebInfo/samspil" ]; then
  step "install-desktop.sh and install-plugin.sh into a folder (docs/desktop.md, docs/plugin.md)"
  (cd "$repo" && PREFIX="$work/prefix" bash scripts/install-desktop.sh) >/dev/null
  "$work/prefix/bin/samspil" --help | grep -q -- "--server" || fail "samspil --help"
  grep -q "Exec=$work/prefix/bin/samspil" "$work/prefix/share/applications/samspil.desktop" || fail "menu entry"
  (cd "$repo" && PREFIX="$work/prefix" bash scripts/install-plugin.sh) >/dev/null
  [ -f "$work/prefix/lib/lv2/Samspil.lv2/manifest.ttl" ] || fail "LV2 not installed"
  [ -d "$work/prefix/lib/vst3/Samspil.vst3" ] || fail "VST3 not installed"
  step "scripts/screenshot-desktop.sh (README): a lesson with video, photographed"
  (cd "$repo" && BUILD_DIR="$build" bash scripts/screenshot-desktop.sh "$work/desktop-room.png") >/dev/null ||
    fail "screenshot-desktop.sh"
  [ "$(stat -c %s "$work/desktop-room.png")" -gt 30000 ] || fail "screenshot-desktop.sh made no picture"
fi
echo "documented commands: all passed"
