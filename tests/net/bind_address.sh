#!/usr/bin/env bash
# --bind means what it says. In a network namespace of its own (loopback plus a "LAN"
# address, 10.99.0.1 and fd00:99::1, on its lo), samspil-server is started on one address
# at a time; the test connects to every address and checks that only the bound one answers
# (GET /healthz), and that binding beyond loopback without TLS is refused with a sentence
# unless --allow-plaintext is given. Needs root (ip netns). Traffic never leaves the namespace.
# Usage: bind_address.sh SAMSPIL_SERVER_BINARY
set -euo pipefail
server="$1"
ns="samspil-bind-$$"
work=$(mktemp -d)
pid=""
stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi
}
cleanup() {
  stop_server
  # Anything still running in the namespace (a server the test lost track of) goes with it.
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
inside() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
inside ip link set lo up
inside ip addr add 10.99.0.1/32 dev lo
inside ip addr add fd00:99::1/128 dev lo nodad
addresses=(127.0.0.1 10.99.0.1 ::1 fd00:99::1)

# Starts the server inside the namespace; sets $port from its first line.
start() {
  # ip netns exec execs the server: $! is the server itself.
  ip netns exec "$ns" "$server" --port 0 --db "$work/samspil.db" --fast-password-hashing "$@" >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on ws:\/\/.*:\([0-9]*\)\/ws.*/\1/p' "$work/out" | head -1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || fail "the server did not start with $*: $(cat "$work/err")"
    sleep 0.1
  done
  fail "the server printed no port with $*"
}

# Whether GET /healthz on ADDRESS:$port answers "ok".
answers() {
  inside timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "GET /healthz HTTP/1.0\r\nHost: test\r\n\r\n" >&3; cat <&3' _ "$1" "$port" 2>/dev/null | grep -q '"ok"'
}

# Bound to $1 (with the other arguments): only the addresses listed in $reachable answer.
expect_only() {
  local bound="$1"; shift
  start --bind "$bound" "$@"
  for address in "${addresses[@]}"; do
    if [[ " $reachable " == *" $address "* ]]; then
      answers "$address" || fail "--bind $bound: $address does not answer"
    else
      ! answers "$address" || fail "--bind $bound: $address answers, it must not"
    fi
  done
  echo "--bind $bound $*: answers on ${reachable}, refused elsewhere"
  stop_server
  [ -z "$(ip netns pids "$ns")" ] || fail "--bind $bound: the server did not stop"
}

reachable="127.0.0.1" expect_only 127.0.0.1
reachable="::1" expect_only ::1
reachable="10.99.0.1" expect_only 10.99.0.1 --allow-plaintext
reachable="fd00:99::1" expect_only fd00:99::1 --allow-plaintext
reachable="127.0.0.1 10.99.0.1" expect_only 0.0.0.0 --allow-plaintext
reachable="127.0.0.1 10.99.0.1 ::1 fd00:99::1" expect_only :: --allow-plaintext

# Beyond loopback without TLS: refused, with the reason and the way out.
if inside "$server" --port 0 --bind 0.0.0.0 --db "$work/samspil.db" >"$work/out" 2>"$work/err"; then
  fail "--bind 0.0.0.0 without --cert/--key or --allow-plaintext started"
fi
grep -q -- "--allow-plaintext" "$work/err" || fail "the refusal does not say what to do: $(cat "$work/err")"
echo "--bind 0.0.0.0 without TLS: refused ($(head -c 120 "$work/err")...)"
