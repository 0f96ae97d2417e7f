# Sourced by the ops checks: a temporary folder, a server started in the background and
# stopped on exit (also on failure), and waiting for the port it prints.
# Needs: $name (for messages). Sets: $work, $server_pid, $port.
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "$name: FAILED: $*" >&2; exit 1; }

# wait_for_port OUT_FILE ERR_FILE: the port from the server's "listening on" line.
wait_for_port() {
  port=""
  for _ in $(seq 200); do
    port=$(grep -o 'listening on ws://[^:]*:[0-9]*' "$1" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  fail "no server came up: $(tail -3 "$2")"
}
