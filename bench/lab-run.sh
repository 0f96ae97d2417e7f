# The plumbing the lab's figure scripts share (sourced by bench/netlab-figures.sh and
# bench/video-figures.sh, after they set `build` and `script`): the binaries they run, a
# work folder, every started process stopped on exit (also when stopped from outside), and
# waiting for a process to say it is ready.
netlab="$build/devtools/samspil-netlab"
server="$build/server/samspil-server"
cli="$build/client-app/cli/samspil-cli"
for binary in "$netlab" "$server" "$cli"; do
  [ -x "$binary" ] || { echo "$script: $binary is missing (build first)" >&2; exit 1; }
done
work=$(mktemp -d)
lab="samspil-$script-$$"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'cleanup; rm -rf "$work"' EXIT
# Stopped from outside (a test that failed beside it): still stop the lab, servers and clients.
trap 'exit 143' TERM INT

# Waits until FILE holds a line matching PATTERN (or PID died); prints the match.
wait_for() {
  local file="$1" pattern="$2" pid="$3"
  for _ in $(seq 200); do
    if grep -q "$pattern" "$file" 2>/dev/null; then grep -m1 "$pattern" "$file"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "$script: gave up waiting for '$pattern' in $file: $(cat "$file" "${file%.out}.err" 2>/dev/null)" >&2
  return 1
}
