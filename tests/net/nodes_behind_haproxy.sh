#!/usr/bin/env bash
# Three samspil-server nodes on one PostgreSQL behind HAProxy (docs/examples/haproxy.cfg,
# with free loopback ports in place of 7400-7403), as docs/operations.md describes them:
#  - six rooms land on more than one node, each room on one;
#  - a teacher signed in through one node and a student with an invite made through another
#    meet in one room and hear each other; a cli sent straight to the wrong node is told
#    `moved` and follows;
#  - kill -9 of the node that holds a lesson of three: everyone is back and hears the others
#    within 5 s, the chat from before is there;
#  - a node added while a lesson runs: new rooms reach it, the lesson is not moved.
# Every process it starts is stopped on exit, also on failure.
# Usage: tests/support/with_postgres.sh tests/net/nodes_behind_haproxy.sh BUILD_DIR [RUNS]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$(cd "$1" && pwd)"
runs="${2:-1}"   # kill -9 rounds (bench/failover-figures.sh asks for 20)
pg="${SAMSPIL_TEST_POSTGRES_DIR:?run me under tests/support/with_postgres.sh}"
server="$build/server/samspil-server"
cli="$build/client-app/cli/samspil-cli"
work=$(mktemp -d)
declare -A node_pid node_port
pids=()
cleanup() {
  for pid in "${pids[@]}" "${node_pid[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "nodes behind HAProxy: FAILED: $*" >&2; for f in "$work"/node-*.err; do echo "== $f" >&2; tail -5 "$f" >&2; done; exit 1; }
step() { echo "nodes behind HAProxy: $*"; }
cd "$work"

createdb -h "$pg" -U postgres samspil
db="postgresql://postgres@/samspil?host=$pg"
psql_q() { psql -At "$db" -c "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

proxy=$(free_port)
start_node() {  # NAME → node_pid, node_port; waits until it listens. Its own address is
  local name=$1 port  # /node/NAME/ws on the proxy (docs/examples/haproxy.cfg)
  port=${node_port[$name]:-$(free_port)}
  "$server" --port "$port" --db "$db" --recordings-dir "$work/recordings" --node "$name" --open-rooms \
    --node-url "ws://127.0.0.1:$proxy/node/$name/ws" --fast-password-hashing >"node-$name.out" 2>"node-$name.err" &
  node_pid[$name]=$!
  node_port[$name]=$port
  for _ in $(seq 200); do grep -q "listening on" "node-$name.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "node $name did not start"
}

SAMSPIL_ADMIN_PASSWORD=anne-secret-1 "$server" admin create-school --name "Aarhus Musikskole" --admin-login anne@aarhus.dk \
  --admin-name "Anne Admin" --db "$db" --fast-password-hashing yes >/dev/null
for name in a b c; do start_node "$name"; done

sed -e "s/127.0.0.1:7400/127.0.0.1:$proxy/" -e "s/127.0.0.1:7401/127.0.0.1:${node_port[a]}/" \
    -e "s/127.0.0.1:7402/127.0.0.1:${node_port[b]}/" -e "s/127.0.0.1:7403/127.0.0.1:${node_port[c]}/" \
    "$repo/docs/examples/haproxy.cfg" >haproxy.cfg
haproxy -f haproxy.cfg -db >haproxy.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "localhost:$proxy/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
sleep 2.5  # two health checks: every node is up in HAProxy's eyes
url="ws://127.0.0.1:$proxy"

step "six rooms through HAProxy land on more than one node, each on one"
for i in 1 2 3 4 5 6; do
  "$cli" --server "$url" --room "rum-$i" --name "Elev $i" --tone 440 --duration 3 >/dev/null 2>"room-$i.err" &
  pids+=($!)
done
sleep 1.5
spread=$(psql_q "SELECT COUNT(DISTINCT node) FROM room_leases WHERE room_code LIKE 'rum-%'")
rooms=$(psql_q "SELECT COUNT(*) FROM room_leases WHERE room_code LIKE 'rum-%'")
[ "$rooms" = 6 ] || fail "six rooms, $rooms leases"
[ "$spread" -ge 2 ] || fail "all six rooms on one node"
step "  the rooms are on $spread nodes: $(psql_q "SELECT string_agg(room_code || '→' || node, ' ' ORDER BY room_code) FROM room_leases")"
wait "${pids[@]: -6}" 2>/dev/null || true

step "a teacher signed in through one node, a student invited through another: one room, each hears the other"
api() { curl -sf "$@"; }
ADMIN=$(api -X POST "localhost:${node_port[a]}/api/v1/sign-in" -d '{"login":"anne@aarhus.dk","password":"anne-secret-1"}' | jq -r .token)
api -X POST "localhost:${node_port[b]}/api/v1/schools/1/members" -H "Authorization: Bearer $ADMIN" \
  -d '{"login":"lise@aarhus.dk","display_name":"Lise Lærer","password":"lise-secret-1","role":"teacher"}' >/dev/null
LISE=$(api -X POST "localhost:${node_port[c]}/api/v1/sign-in" -d '{"login":"lise@aarhus.dk","password":"lise-secret-1"}' | jq -r .token)
ROOM=$(api -X POST "localhost:$proxy/api/v1/schools/1/rooms" -H "Authorization: Bearer $LISE" \
  -d '{"code":"klaver-lise","name":"Lises klaverværelse","drop_in":true}' | jq .id)
CODE=$(api -X POST "localhost:${node_port[b]}/api/v1/rooms/$ROOM/invites" -H "Authorization: Bearer $LISE" -d '{"guest_name":"Ida"}' | jq -r .code)
[ -n "$CODE" ] && [ "$CODE" != null ] || fail "no invite"
SAMSPIL_PASSWORD=lise-secret-1 "$cli" --server "$url" --room klaver-lise --name Lise --sign-in lise@aarhus.dk \
  --admit-all --tone 440 --duration 6 --chat "Velkommen, Ida" --stats >lise.json 2>lise.err &
lise=$!; pids+=($lise)
sleep 1
holder=$(psql_q "SELECT node FROM room_leases WHERE room_code = 'klaver-lise'")
[ -n "$holder" ] || fail "the lesson's room has no lease"
wrong=a; [ "$holder" = a ] && wrong=b
# Through the proxy to a node that does not hold the room (its own address): told where the
# room is, and follows.
"$cli" --server "ws://127.0.0.1:$proxy/node/$wrong/ws" --room klaver-lise --name Ida --invite "$CODE" --tone 660 \
  --duration 4 --stats >ida.json 2>ida.err || fail "Ida's cli: $(tail -3 ida.err)"
wait "$lise" || fail "Lise's cli: $(tail -3 lise.err)"
jq -e '.errors | any(.code == "moved")' ida.json >/dev/null || fail "Ida was not told moved: $(jq -c .errors ida.json)"
jq -e '.peers[] | select(.name == "Lise Lærer") | .received > 300' ida.json >/dev/null || fail "Ida did not hear Lise"
jq -e '.peers[] | select(.name == "Ida") | .received > 300' lise.json >/dev/null || fail "Lise did not hear Ida"
step "  room on node $holder; Ida went to node $wrong first, was moved, and heard Lise"

step "kill -9 of the node holding a lesson of three ($runs round(s)): everyone back within 5 s, the chat kept"
for round in $(seq "$runs"); do
  room="samspil-$round"
  for who in Lise Ida Noah; do
    "$cli" --server "$url" --room "$room" --name "$who" --tone 440 --duration 14 --chat "hej fra $who" --stats \
      >"$room-$who.json" 2>"$room-$who.err" &
    pids+=($!)
  done
  sleep 3
  holder=$(psql_q "SELECT node FROM room_leases WHERE room_code = '$room'")
  [ -n "$holder" ] || fail "round $round: no lease"
  kill -9 "${node_pid[$holder]}"; wait "${node_pid[$holder]}" 2>/dev/null || true
  killed_at=$(date +%s%N)
  wait "${pids[@]: -3}" || fail "round $round: a cli failed"
  # Each listener heard each other person as an old stream (before) and a new one (after the
  # reconnect): the silence is from the last sound of the one to the first of the other.
  worst=0
  for who in Lise Ida Noah; do
    [ "$(jq '.reconnects' "$room-$who.json")" -ge 1 ] || fail "round $round: $who never reconnected"
    gap=$(python3 - "$room-$who.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
me = report.get("name")
worst = 0.0
by_name = {}
for peer in report["peers"]:
    if "first_heard_s" in peer: by_name.setdefault(peer["name"], []).append(peer)
if len(by_name) < 2: sys.exit("heard %d of the two others" % len(by_name))
for name, streams in by_name.items():
    streams.sort(key=lambda p: p["first_heard_s"])
    if len(streams) < 2: sys.exit("%s was not heard again after the failover" % name)
    for before, after in zip(streams, streams[1:]):
        worst = max(worst, (after["first_heard_s"] - before["last_heard_s"]) * 1000)
print("%.0f" % worst)
PY
) || fail "round $round: $who: $gap"
    worst=$(( gap > worst ? gap : worst ))
  done
  for who in Lise Ida Noah; do
    for said in Lise Ida Noah; do
      jq -e --arg t "hej fra $said" '[.chat[].text] | index($t) != null' "$room-$who.json" >/dev/null ||
        fail "round $round: $who lacks the chat line of $said after the failover"
    done
  done
  echo "failover round $round: node $holder killed; each heard the others again after at most $worst ms"
  echo "$worst" >>failover-ms.txt
  python3 -c "import sys; sys.exit(0 if $worst < 5000 else 1)" || fail "round $round: silence of $worst ms"
  start_node "$holder"  # back for the next round (HAProxy sees it again after two checks)
  sleep 2.5
done

step "a recording in progress when its node dies is closed, and mixed once, by another node"
SAMSPIL_PASSWORD=lise-secret-1 "$cli" --server "$url" --room klaver-lise --name Lise --sign-in lise@aarhus.dk \
  --record-lesson --tone 440 --duration 10 >rec-lise.out 2>rec-lise.err &
rec=$!; pids+=($rec)
sleep 3
holder=$(psql_q "SELECT node FROM room_leases WHERE room_code = 'klaver-lise'")
recording=$(psql_q "SELECT id FROM recordings WHERE status = 'recording'")
[ -n "$holder" ] && [ -n "$recording" ] || fail "no recording in progress (holder '$holder'): $(cat rec-lise.err) $(psql_q "SELECT id, status, node, started_at_ms FROM recordings")"
kill -9 "${node_pid[$holder]}"; wait "${node_pid[$holder]}" 2>/dev/null || true
for _ in $(seq 100); do
  [ "$(psql_q "SELECT status FROM recordings WHERE id = $recording")" = interrupted ] &&
    [ -s "$work/recordings/$recording/mix.opus" ] && break
  sleep 0.1
done
[ "$(psql_q "SELECT status FROM recordings WHERE id = $recording")" = interrupted ] || fail "the recording was not closed"
[ -s "$work/recordings/$recording/mix.opus" ] || fail "the interrupted recording got no mix"
finisher=$(psql_q "SELECT node FROM recordings WHERE id = $recording")
[ "$finisher" != "$holder" ] || fail "the dead node is said to have finished its recording"
repaired=$(grep -l "recording $recording/.* was interrupted" node-*.err | wc -l)
[ "$repaired" = 1 ] || fail "$repaired nodes repaired the recording"
wait "$rec" 2>/dev/null || true
start_node "$holder"
sleep 2.5
step "  recording $recording of node $holder: closed and mixed by node $finisher alone"

step "a node added while a lesson runs: new rooms reach it, the lesson is not moved"
"$cli" --server "$url" --room "lang-lektion" --name Lise --tone 440 --duration 8 --stats >long.json 2>long.err &
long=$!; pids+=($long)
sleep 1.5
before=$(psql_q "SELECT node FROM room_leases WHERE room_code = 'lang-lektion'")
start_node d
sed -i "s/^    server c 127.0.0.1:[0-9]*$/&\n    server d 127.0.0.1:${node_port[d]}/" haproxy.cfg
printf 'backend node_d\n    server d 127.0.0.1:%s track nodes/d\n' "${node_port[d]}" >>haproxy.cfg
haproxy -f haproxy.cfg -db -sf "${pids[0]}" >haproxy2.log 2>&1 &
pids+=($!)
sleep 2.5
for i in $(seq 1 12); do
  "$cli" --server "$url" --room "ny-$i" --name "Elev $i" --tone 440 --duration 2 >/dev/null 2>&1 &
  pids+=($!)
done
sleep 1.2
on_d=$(psql_q "SELECT COUNT(*) FROM room_leases WHERE room_code LIKE 'ny-%' AND node = 'd'")
after=$(psql_q "SELECT node FROM room_leases WHERE room_code = 'lang-lektion'")
wait "$long" || fail "the long lesson's cli failed"
[ "$on_d" -ge 1 ] || fail "no new room reached node d"
[ "$before" = "$after" ] || fail "the running lesson moved from $before to $after"
jq -e '.reconnects == 0' long.json >/dev/null || fail "the running lesson reconnected"
step "  $on_d of 12 new rooms on node d; the running lesson stayed on $before"
step "all passed"
