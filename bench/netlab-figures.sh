#!/usr/bin/env bash
# Media across the network lab's lines (docs/performance.md, "Lessons across the network
# lab"), on the WebSocket and on the UDP fast path. For each profile, seed and path:
# samspil-netlab between two namespaces, the server and a teacher (samspil-cli) on the
# server side, a student (samspil-cli) across the line, both playing a tone at 5 ms
# frames. On UDP the clients repeat 1 earlier frame per datagram (2 on bad-wifi).
# Prints, per direction: mouth-to-ear
# p50/p95/p99, concealed frames, gaps over 20 ms per minute, the jitter buffer's target
# (median and highest of its once-a-second samples, and at the end), and the lab's own
# added delay. Needs root. Fails when a run measured nothing.
#
# Usage: bench/netlab-figures.sh [BUILD_DIR] [SECONDS] [SEEDS] [PROFILES] [PATHS]
#   e.g. bench/netlab-figures.sh build 60 "1 2" "lan city country bad-wifi outage" "websocket udp"
#   ("outage" is the city line with everything dropped for 2 s at t = 10 s; paths: websocket,
#   udp (redundancy 1, 2 on bad-wifi), or udp0, udp1, udp2 for that redundancy everywhere)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
seconds="${2:-30}"
seeds="${3:-1 2}"
profiles="${4:-lan city country bad-wifi outage}"
paths="${5:-websocket udp}"
script=netlab-figures
source bench/lab-run.sh

# One direction's row from a listener's --stats: PROFILE SEED DIRECTION STATS.json NAME PATH
row() {
  jq -r --arg profile "$1" --arg seed "$2" --arg way "$3" --arg name "$5" --arg path "$6" --argjson seconds "$seconds" '
    (.peers[] | select(.name == $name)) as $p
    | ($p.jitter_buffer.target_ms_each_second | sort) as $t
    | if $p.mouth_to_ear_ms == null then error("no audio measured")
      elif ($path | startswith("udp")) and .udp.media_sent == 0 then error("the UDP path carried nothing")
      else "| \($profile) | \($seed) | \($path) | \($way) | \($p.mouth_to_ear_ms.p50 | .*10 | round / 10) | \($p.mouth_to_ear_ms.p95 | .*10 | round / 10) | \($p.mouth_to_ear_ms.p99 | .*10 | round / 10) | \(100 * $p.concealed / ([$p.received, 1] | max) | .*100 | round / 100) % | \($p.gaps_over_20ms * 60 / $seconds | .*10 | round / 10) | \($t[($t | length) / 2 | floor] | .*10 | round / 10) / \($t[-1] | .*10 | round / 10) / \($p.jitter_buffer.target_ms_each_second[-1] | .*10 | round / 10) |" end' "$4"
}

echo "| line | seed | path | direction | mouth-to-ear p50 (ms) | p95 | p99 | concealed | gaps > 20 ms per min | jitter-buffer target median / highest / at the end (ms) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for profile in $profiles; do
  for seed in $seeds; do
   for path in $paths; do
    run="$work/$profile-$seed-$path"
    mkdir -p "$run"
    case "$path" in
      websocket) media=(--no-udp) ;;
      udp) media=(--udp-redundancy 1); [ "$profile" = bad-wifi ] && media=(--udp-redundancy 2) ;;
      udp0|udp1|udp2) media=(--udp-redundancy "${path#udp}") ;;
      *) echo "netlab-figures: unknown path $path (websocket, udp, udp0, udp1, udp2)" >&2; exit 1 ;;
    esac
    line=(--profile "$profile")
    [ "$profile" = outage ] && line=(--profile city --outage 10:2)
    "$netlab" "${line[@]}" --seed "$seed" --name "$lab" --duration $((seconds + 15)) --figures "$run/lab.json" \
      >"$run/lab.out" 2>"$run/lab.err" &
    labpid=$!
    pids+=("$labpid")
    wait_for "$run/lab.out" ready "$labpid" >/dev/null
    ip netns exec "$lab-server" "$server" --port 0 --bind 10.77.0.2 --allow-plaintext --open-rooms \
      --db "$run/samspil.db" --fast-password-hashing >"$run/server.out" 2>"$run/server.err" &
    serverpid=$!
    pids+=("$serverpid")
    port=$(wait_for "$run/server.out" "listening on ws://" "$serverpid" | sed -n 's/.*:\([0-9]*\)\/ws.*/\1/p')
    url="ws://10.77.0.2:$port"
    ip netns exec "$lab-server" "$cli" --server "$url" --room lab --name Teacher --tone 660 --frame-ms 5 \
      "${media[@]}" --duration "$seconds" --stats >"$run/teacher.json" 2>"$run/teacher.err" &
    teacherpid=$!
    ip netns exec "$lab-client" "$cli" --server "$url" --room lab --name Student --tone 440 --frame-ms 5 \
      "${media[@]}" --duration "$seconds" --stats >"$run/student.json" 2>"$run/student.err"
    wait "$teacherpid"
    cleanup  # the server and the lab (which writes its figures as it stops)
    row "$profile" "$seed" "student → teacher" "$run/teacher.json" Student "$path"
    row "$profile" "$seed" "teacher → student" "$run/student.json" Teacher "$path"
    jq -r --arg what "$profile, seed $seed, $path" '"\($what): the lab itself added, µs p50/p99/max: up \(.client_to_server.forwarder_lateness_us | "\(.p50)/\(.p99)/\(.max)"), down \(.server_to_client.forwarder_lateness_us | "\(.p50)/\(.p99)/\(.max)"); dropped up \(.client_to_server.dropped | to_entries | map(select(.value > 0) | "\(.key) \(.value)") | join(", ")) of \(.client_to_server.forwarded + (.client_to_server.dropped | add))"' \
      "$run/lab.json" >>"$work/lab-figures.txt"
   done
  done
done
echo
cat "$work/lab-figures.txt"
