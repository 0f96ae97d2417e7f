#!/usr/bin/env bash
# Does video hurt the audio? (docs/performance.md, "Video".) Two native clients (samspil-cli)
# in a lesson — a teacher beside the server, a student across the network lab's line (or
# both on loopback) — each playing a tone at 5 ms frames, the same run without video and
# with both cameras on (the test pattern, up to 720p30), RUNS times each for the run-to-run
# spread. Prints per direction: the audio's mouth-to-ear p50/p95/p99 and frames concealed;
# with video, the step the sender reached, the video's kbit/s, glass to glass p50/p95 (read
# from the pattern in the decoded pictures) and how much later the picture is ready than
# the sound. Needs root for the lab lines. Fails when a run measured nothing.
#
# Usage: bench/video-figures.sh [BUILD_DIR] [SECONDS] [LINES] [RUNS]
#   e.g. bench/video-figures.sh build 40 "loopback city country home-dsl" 2
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
seconds="${2:-30}"
lines="${3:-loopback city country home-dsl}"
runs="${4:-2}"
script=video-figures
source bench/lab-run.sh

# One direction's row from a listener's --stats: LINE VIDEO RUN DIRECTION STATS.json NAME SENDER.json
row() {
  jq -r --arg line "$1" --arg video "$2" --arg run "$3" --arg way "$4" --arg name "$6" --slurpfile sender "$7" \
    --argjson seconds "$seconds" '
    (.peers[] | select(.name == $name)) as $p
    | ($sender[0].video.sent // null) as $sent
    | ((.video.received // []) | map(select(.stream_id == $p.stream_id)) | .[0]) as $v
    | if $p.mouth_to_ear_ms == null then error("no audio measured")
      elif $video == "720p30" and ($v == null or $v.glass_to_glass_ms == null) then error("no video measured")
      else "| \($line) | \($video) | \($run) | \($way) | \($p.mouth_to_ear_ms.p50 | .*10 | round / 10) | \($p.mouth_to_ear_ms.p95 | .*10 | round / 10) | \($p.mouth_to_ear_ms.p99 | .*10 | round / 10) | \(100 * $p.concealed / ([$p.received, 1] | max) | .*100 | round / 100) % | "
        + (if $v == null then "— | — | — | — |" else
          "\($sent.step // "paused") (\($sent.pauses) pauses) | \($sent.bytes * 8 / 1000 / $seconds | round) | \($v.glass_to_glass_ms.p50 | .*10 | round / 10) / \($v.glass_to_glass_ms.p95 | .*10 | round / 10) | \($v.video_minus_audio_ms // null | if . == null then "—" else (.*10 | round / 10) end) |" end)
      end' "$5"
}

echo "| line | video | run | direction | mouth-to-ear p50 (ms) | p95 | p99 | concealed | sender's step at the end | video kbit/s | glass to glass p50 / p95 (ms) | picture later than sound (ms) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for line in $lines; do
  for video in none 720p30; do
    for run in $(seq "$runs"); do
      dir="$work/$line-$video-$run"
      mkdir -p "$dir"
      videoArgs=()
      [ "$video" != none ] && videoArgs=(--video test-pattern --video-max "$video")
      if [ "$line" = loopback ]; then
        inServer=(); inClient=(); host=127.0.0.1; bind=(--bind 127.0.0.1)
      else
        "$netlab" --profile "$line" --seed "$run" --name "$lab" --duration $((seconds + 15)) --figures "$dir/lab.json" \
          >"$dir/lab.out" 2>"$dir/lab.err" &
        labpid=$!
        pids+=("$labpid")
        wait_for "$dir/lab.out" ready "$labpid" >/dev/null
        inServer=(ip netns exec "$lab-server"); inClient=(ip netns exec "$lab-client"); host=10.77.0.2
        bind=(--bind 10.77.0.2 --allow-plaintext)
      fi
      "${inServer[@]}" "$server" --port 0 "${bind[@]}" --open-rooms --db "$dir/samspil.db" --fast-password-hashing \
        >"$dir/server.out" 2>"$dir/server.err" &
      serverpid=$!
      pids+=("$serverpid")
      port=$(wait_for "$dir/server.out" "listening on ws://" "$serverpid" | sed -n 's/.*:\([0-9]*\)\/ws.*/\1/p')
      url="ws://$host:$port"
      "${inServer[@]}" "$cli" --server "$url" --room video --name Teacher --tone 660 --frame-ms 5 "${videoArgs[@]}" \
        --duration "$seconds" --stats >"$dir/teacher.json" 2>"$dir/teacher.err" &
      teacherpid=$!
      "${inClient[@]}" "$cli" --server "$url" --room video --name Student --tone 440 --frame-ms 5 "${videoArgs[@]}" \
        --duration "$seconds" --stats >"$dir/student.json" 2>"$dir/student.err"
      wait "$teacherpid"
      cleanup
      label=$([ "$video" = none ] && echo "off" || echo "$video")
      row "$line" "$label" "$run" "student → teacher" "$dir/teacher.json" Student "$dir/student.json"
      row "$line" "$label" "$run" "teacher → student" "$dir/student.json" Teacher "$dir/teacher.json"
    done
  done
done
