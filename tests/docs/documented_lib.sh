# Sourced by the documented-command scripts: a working folder, the processes they start
# (stopped on exit, also on failure), and reading a server's port. Needs $what (the
# script's name in messages) and $1 (the build tree). Sets $build, $work, pids.
build="$(cd "$1" && pwd)"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$what: FAILED: $*" >&2; exit 1; }
step() { echo "$what: $*"; }

# Servers start with --port 0 (a free port) where the docs say 7400; this reads the port.
wait_listening() {  # FILE → sets $port
  for _ in $(seq 600); do
    port=$(grep -o 'listening on wss\?://[^:]*:[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  fail "no server came up ($(cat "$1" "$1.err" 2>/dev/null | tail -5))"
}
