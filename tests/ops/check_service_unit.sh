#!/usr/bin/env bash
# The systemd unit, its config file and the man page in packaging/, as an IT person meets
# them: `systemd-analyze verify` accepts the unit, `systemd-analyze security` rates its
# sandbox (printed; held to 2.0 "OK" or better), the shipped config passes --check-config,
# the server runs as the unit's ExecStart says under an unprivileged user and stops cleanly
# on SIGTERM within the unit's TimeoutStopSec, and the man page names every option --help
# does. Usage: check_service_unit.sh BUILD_DIR. Stops what it starts, also on failure.
set -euo pipefail
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
name="service unit"
. "$(dirname "$0")/server_helpers.sh"
server="$build/server/samspil-server"

# The unit, pointing at this build's binary (verify checks that ExecStart exists) and
# with the man page where `man` finds it (verify opens Documentation=).
mkdir -p "$work/man/man1" "$work/units"
cp "$repo/packaging/samspil-server.1" "$work/man/man1/"
sed "s|/usr/bin/samspil-server|$server|" "$repo/packaging/samspil.service" >"$work/units/samspil.service"
# The node template as the build makes it (packaging/CMakeLists.txt), as instance "a".
sed "s|/usr/bin/samspil-server|$server|" "$build/packaging/samspil@.service" >"$work/units/samspil@a.service"
grep -q -- "--node %i" "$work/units/samspil@a.service" || fail "the node template does not start a node"
for unit in samspil.service samspil@a.service; do
  MANPATH="$work/man" systemd-analyze verify "$work/units/$unit" >"$work/verify.txt" 2>&1 ||
    fail "systemd-analyze verify $unit: $(cat "$work/verify.txt")"
  [ ! -s "$work/verify.txt" ] || fail "systemd-analyze verify $unit complains: $(cat "$work/verify.txt")"
done
systemd-analyze security --offline=true "$work/units/samspil.service" >"$work/security.txt" 2>&1 || true
score=$(grep -o 'Overall exposure level for samspil.service: [0-9.]*' "$work/security.txt" | grep -o '[0-9.]*$' || true)
[ -n "$score" ] || fail "systemd-analyze security printed no score: $(tail -3 "$work/security.txt")"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "the sandbox rates $score, worse than 2.0"

# Every option of --help is in the man page.
for option in $("$server" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
  grep -q -- "$(sed 's/-/\\\\-/g' <<<"$option")" "$repo/packaging/samspil-server.1" || fail "the man page lacks $option"
done

# The shipped config, with this test's folders in place of /var/lib and /usr/share.
data="$work/var-lib-samspil"
mkdir -p "$data"
sed -e "s|/var/lib/samspil|$data|" -e "s|/usr/share/samspil/web|$repo/client-app/web|" -e "s|^port = 7400|port = 0|" \
  "$repo/packaging/samspil.conf" >"$work/samspil.conf"
"$server" --config "$work/samspil.conf" --check-config >"$work/check.txt" || fail "--check-config: $(cat "$work/check.txt")"
grep -q "the configuration is fine" "$work/check.txt" || fail "--check-config said: $(cat "$work/check.txt")"

# As the unit runs it: its ExecStart, as an unprivileged user that owns only the data folder.
chown -R nobody:nogroup "$data"
exec_start=$(sed -n 's/^ExecStart=//p' "$work/units/samspil.service" | sed "s|/etc/samspil/samspil.conf|$work/samspil.conf|")
chmod 755 "$work"; chmod 644 "$work/samspil.conf"
setpriv --reuid=nobody --regid=nogroup --clear-groups $exec_start >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
wait_for_port "$work/server.out" "$work/server.err"
curl -sf "localhost:$port/healthz" | jq -e '.status == "ok"' >/dev/null || fail "healthz"
grep -q 'src="/js/app.js"' <<<"$(curl -sf "localhost:$port/")" || fail "the browser client from static-dir"
[ "$(stat -c %U "$data/samspil.db")" = nobody ] || fail "the database is not the service user's"
started=$(date +%s%N)
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
stopped_ms=$(( ($(date +%s%N) - started) / 1000000 ))
[ "$code" = 0 ] || fail "SIGTERM: exit code $code"
[ "$stopped_ms" -lt 15000 ] || fail "it took $stopped_ms ms to stop (TimeoutStopSec=15s)"
echo "service unit: verify clean; systemd-analyze security exposure $score; --check-config fine; ran as nobody and stopped in $stopped_ms ms on SIGTERM"
