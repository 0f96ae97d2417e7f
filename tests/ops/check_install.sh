#!/usr/bin/env bash
# A school's IT person on a clean Debian 12 (a debootstrap tree, cached; tests/ops/debian_root.sh):
# `apt-get install ./samspil-server_….deb ./samspil-cli_….deb` pulls what they need, makes the
# samspil user and /var/lib/samspil; the school is made with the admin command as that user;
# the server runs as the unit's ExecStart says, under that user and the unit's umask; a teacher's
# samspil-cli inside and a student's on the host side hear each other through it, chat, and the
# lesson is recorded. Then an upgrade to a freshly made next version (one more migration): the
# school, people, chat and recording are all there, the schema migrated, the service comes back.
# `apt-get remove` keeps /var/lib/samspil; `purge` deletes it.
# Usage: check_install.sh BUILD_DIR (the packages in BUILD_DIR/packages, from check_packages.sh).
set -euo pipefail
build=$(cd "$1" && pwd)
name="install"
. "$(dirname "$0")/server_helpers.sh"
. "$(dirname "$0")/debian_root.sh"
trap 'unmount_debian_root; cleanup' EXIT
trap 'exit 143' TERM INT  # a timeout or Ctrl-C still unmounts the tree
step() { echo "$name: $*"; }
started=$SECONDS

deb() { ls "$build"/packages/"$1"_*.deb 2>/dev/null | grep -v '+next' | head -1; }
[ -n "$(deb samspil-server)" ] && [ -n "$(deb samspil-cli)" ] || fail "no packages in $build/packages (scripts/package.sh)"
next_server="$build/tests/samspil-server-next-version"
[ -x "$next_server" ] || fail "no $next_server"

step "a clean Debian 12"
mount_debian_root
mkdir -p "$root/tmp/debs"
cp "$(deb samspil-server)" "$(deb samspil-cli)" "$root/tmp/debs/"
in_root apt-get update -q >"$work/apt-update.txt" 2>&1 || fail "apt-get update: $(tail -3 "$work/apt-update.txt")"

step "apt-get install ./samspil-server_….deb ./samspil-cli_….deb (docs/operations.md)"
in_root sh -c "cd /tmp/debs && apt-get install -y -q ./samspil-server_*.deb ./samspil-cli_*.deb" >"$work/install.txt" 2>&1 || fail "apt-get install: $(tail -5 "$work/install.txt")"
pulled=$(grep -c '^Setting up ' "$work/install.txt" || true)
for library in libwebsockets17 libopus0 libsodium23 libsqlite3-0 libpq5 libogg0; do
  grep -q "^Setting up $library" "$work/install.txt" || fail "installing did not pull $library"
done
in_root getent passwd samspil | grep -q ':/var/lib/samspil:' || fail "no samspil system user"
# (stat inside the tree: its users are not the host's)
[ "$(in_root stat -c '%U:%G %a' /var/lib/samspil)" = "samspil:samspil 750" ] ||
  fail "/var/lib/samspil is $(in_root stat -c '%U:%G %a' /var/lib/samspil)"
[ "$(in_root stat -c '%G %a' /etc/samspil/samspil.conf)" = "samspil 640" ] || fail "the config file is not the service's to read"

step "the IT person sets the port and checks the config"
# A free port for this run where the shipped config says 7400: an edit dpkg must keep on upgrade.
sed -i 's/^port = 7400$/port = 0/' "$root/etc/samspil/samspil.conf"
in_root samspil-server --config /etc/samspil/samspil.conf --check-config >"$work/check.txt" 2>&1 ||
  fail "--check-config: $(cat "$work/check.txt")"

step "the school, made by the admin command as the samspil user"
in_root env SAMSPIL_ADMIN_PASSWORD=anne-secret-1 runuser -u samspil -- samspil-server admin create-school \
  --config /etc/samspil/samspil.conf --name "Odense Musikskole" --admin-login anne@odense.dk --admin-name "Anne Admin" \
  >"$work/school.txt" 2>&1 || fail "admin create-school: $(cat "$work/school.txt")"
[ "$(in_root stat -c %U /var/lib/samspil/samspil.db)" = samspil ] || fail "the database is not the samspil user's"

# start_service: the unit's ExecStart, as its User= and Group=, with its UMask=.
server_out="$work/server.out"
start_service() {
  local unit="$root/lib/systemd/system/samspil.service" exec_start user umask
  exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
  user=$(sed -n 's/^User=//p' "$unit")
  umask=$(sed -n 's/^UMask=//p' "$unit")
  [ -n "$exec_start" ] && [ "$user" = samspil ] || fail "the unit has no ExecStart or runs as '$user'"
  : >"$server_out"
  chroot --userspec="$user:$user" "$root" /usr/bin/env -i PATH=/usr/bin:/bin /bin/sh -c "umask $umask; exec $exec_start" \
    >"$server_out" 2>"$work/server.err" &
  server_pid=$!
  wait_for_port "$server_out" "$work/server.err"
  S=localhost:$port/api/v1
}
# stop_service: SIGTERM, as systemctl stop (and the package's prerm) sends; it must exit 0.
stop_service() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [ "$status" = 0 ] || fail "the server exited $status on SIGTERM: $(tail -3 "$work/server.err")"
}
sign_in() {  # LOGIN PASSWORD → token
  curl -s -X POST "$S/sign-in" -d "{\"login\":\"$1\",\"password\":\"$2\"}" | jq -r .token
}
# lesson STUDENT_JSON TEACHER_ARGS...: the teacher's samspil-cli from the package inside the
# tree admits the student, who joins with the build's samspil-cli on the host side (440 Hz from
# the teacher, 660 Hz from the student, each recorded by the other).
lesson() {
  local student_json=$1; shift
  rm -rf "$work/heard" "$root/tmp/heard"
  in_root env SAMSPIL_PASSWORD=lise-secret-1 samspil-cli --server "ws://127.0.0.1:$port" --room klaver-odense \
    --name Lise --sign-in lise@odense.dk --admit-all --tone 440 --record /tmp/heard --duration 8 "$@" \
    >"$work/teacher.json" 2>"$work/teacher.err" &
  local teacher=$!
  sleep 1
  SAMSPIL_PASSWORD=ida-secret-1 "$build/client-app/cli/samspil-cli" --server "ws://127.0.0.1:$port" \
    --room klaver-odense --name Ida --sign-in ida@odense.dk --tone 660 --record "$work/heard" --duration 5 --stats \
    >"$student_json" 2>"$work/student.err" || fail "the student's samspil-cli: $(tail -3 "$work/student.err")"
  wait "$teacher" || fail "the teacher's samspil-cli (package): $(tail -3 "$work/teacher.err")"
  jq -e '.peers[] | select(.name == "Lise Lærer") | .received > 300' "$student_json" >/dev/null ||
    fail "the student did not hear the teacher: $(head -c 300 "$student_json")"
  tone_is 440 "$work/heard/Lise Lærer.wav"
  tone_is 660 "$root/tmp/heard/Ida Ærø.wav"
}
tone_is() {  # HZ WAV: what was heard is that tone (sox's frequency estimate, after the first second)
  [ -s "$2" ] || fail "nothing recorded in $2"
  local hz
  hz=$(sox "$2" -n trim 1 stat 2>&1 | awk '/Rough   frequency/ {print $3}')
  awk -v h="${hz:-0}" -v want="$1" 'BEGIN { exit !(h > want * 0.97 && h < want * 1.03) }' ||
    fail "$2 holds ${hz:-nothing} Hz, not $1 Hz"
}

step "the service, as the unit starts it"
start_service
[ "$(stat -c %u "/proc/$server_pid")" = "$(in_root id -u samspil)" ] ||
  fail "the server does not run as samspil"
curl -sf "localhost:$port/healthz" | jq -e '.status == "ok"' >/dev/null || fail "healthz"
grep -q 'src="/js/app.js"' <<<"$(curl -sf "localhost:$port/")" || fail "the packaged browser client is not served"
schema_before=$(curl -sf "localhost:$port/healthz" | jq .schema_version)

step "a teacher, a student, a room and a lesson (docs/api.md), then the lesson itself, recorded"
ADMIN=$(sign_in anne@odense.dk anne-secret-1)
[ -n "$ADMIN" ] && [ "$ADMIN" != null ] || fail "the admin cannot sign in"
curl -sf -X POST "$S/schools/1/members" -H "Authorization: Bearer $ADMIN" \
  -d '{"login":"lise@odense.dk","display_name":"Lise Lærer","password":"lise-secret-1","role":"teacher"}' >/dev/null ||
  fail "add the teacher"
IDA=$(curl -sf -X POST "$S/schools/1/members" -H "Authorization: Bearer $ADMIN" \
  -d '{"login":"ida@odense.dk","display_name":"Ida Ærø","password":"ida-secret-1","role":"student"}' | jq .person_id)
LISE=$(sign_in lise@odense.dk lise-secret-1)
ROOM=$(curl -sf -X POST "$S/schools/1/rooms" -H "Authorization: Bearer $LISE" \
  -d '{"code":"klaver-odense","name":"Klaverrummet"}' | jq .id)
NOW=$(( $(date +%s) * 1000 ))
curl -sf -X POST "$S/schools/1/lessons" -H "Authorization: Bearer $LISE" \
  -d "{\"room_id\":$ROOM,\"title\":\"Klaver\",\"starts_at_ms\":$NOW,\"ends_at_ms\":$((NOW + 2700000)),\"participant_ids\":[$IDA]}" \
  >/dev/null || fail "book the lesson"
lesson "$work/before.json" --record-lesson --chat "Husk skalaerne til næste gang"
jq -e '.chat | map(.text) | index("Husk skalaerne til næste gang") != null' "$work/before.json" >/dev/null ||
  fail "the student did not see the teacher's chat"
IDA_TOKEN=$(sign_in ida@odense.dk ida-secret-1)
for _ in $(seq 100); do  # the mix is made seconds after the lesson ends
  recording=$(curl -sf "$S/recordings" -H "Authorization: Bearer $IDA_TOKEN" | jq -c '.recordings[0] // empty')
  [ -n "$recording" ] && [ "$(jq -r .mix <<<"$recording")" != null ] && break
  sleep 0.1
done
[ -n "$recording" ] && [ "$(jq -r .mix <<<"$recording")" != null ] || fail "no recording with a mix: $recording"

step "stop the service; upgrade to a freshly made next version with one more migration"
stop_service
version=$(dpkg-deb -f "$(deb samspil-server)" Version)
next_version="$version+next1"
dpkg --compare-versions "$next_version" gt "$version" || fail "$next_version is not newer than $version"
dpkg-deb -R "$(deb samspil-server)" "$work/next"
install -m 0755 "$next_server" "$work/next/usr/bin/samspil-server"
strip --strip-unneeded --remove-section=.comment "$work/next/usr/bin/samspil-server"
sed -i "s/^Version: .*/Version: $next_version/" "$work/next/DEBIAN/control"
binary_sum=$(cd "$work/next" && md5sum usr/bin/samspil-server)
sed -i "s|^[0-9a-f]*  usr/bin/samspil-server\$|$binary_sum|" "$work/next/DEBIAN/md5sums"
grep -qx "$binary_sum" "$work/next/DEBIAN/md5sums" || fail "the md5sums of the next version"
mkdir -p "$root/tmp/debs/next"
dpkg-deb --root-owner-group -b "$work/next" "$root/tmp/debs/next/samspil-server_${next_version}_amd64.deb" >/dev/null
in_root sh -c "cd /tmp/debs/next && apt-get install -y -q ./samspil-server_*.deb" >"$work/upgrade.txt" 2>&1 ||
  fail "the upgrade: $(tail -5 "$work/upgrade.txt")"
[ "$(in_root dpkg-query -W -f '${Version}' samspil-server)" = "$next_version" ] || fail "samspil-server was not upgraded"
grep -qx 'port = 0' "$root/etc/samspil/samspil.conf" || fail "the upgrade lost the IT person's edit of samspil.conf"

step "after the upgrade: the data is there, the schema migrated, the service is back"
start_service
schema_after=$(curl -sf "localhost:$port/healthz" | jq .schema_version)
[ "$schema_after" = $((schema_before + 1)) ] || fail "schema $schema_before became $schema_after, not $((schema_before + 1))"
[ "$(sqlite3 "$root/var/lib/samspil/samspil.db" 'SELECT note FROM upgrade_check')" = "migrated by the next version" ] ||
  fail "the next version's migration did not run"
in_root runuser -u samspil -- samspil-server admin list-schools --config /etc/samspil/samspil.conf |
  grep -q "Odense Musikskole" || fail "admin list-schools after the upgrade"
IDA_TOKEN=$(sign_in ida@odense.dk ida-secret-1)
[ -n "$IDA_TOKEN" ] && [ "$IDA_TOKEN" != null ] || fail "the student's password no longer signs in"
curl -sf "$S/recordings" -H "Authorization: Bearer $IDA_TOKEN" >"$work/recordings.json"
jq -e '.recordings | length == 1' "$work/recordings.json" >/dev/null || fail "the recording is gone: $(cat "$work/recordings.json")"
track=$(jq -r '.recordings[0].tracks[] | select(.name == "Lise Lærer") | .download' "$work/recordings.json")
curl -sf "localhost:$port$track" -H "Authorization: Bearer $IDA_TOKEN" -o "$work/lise.opus" || fail "download the teacher's track"
opusdec --quiet --rate 48000 "$work/lise.opus" "$work/lise-track.wav" 2>/dev/null || fail "the teacher's track does not decode"
tone_is 440 "$work/lise-track.wav"
lesson "$work/after.json"
jq -e '.chat | map(.text) | index("Husk skalaerne til næste gang") != null' "$work/after.json" >/dev/null ||
  fail "the room's chat was lost in the upgrade"
stop_service

step "apt-get remove keeps the data; purge deletes it"
in_root apt-get remove -y -q samspil-server >"$work/remove.txt" 2>&1 || fail "remove: $(tail -3 "$work/remove.txt")"
[ ! -e "$root/usr/bin/samspil-server" ] || fail "remove left the binary"
[ -s "$root/var/lib/samspil/samspil.db" ] || fail "remove deleted the schools' data"
[ -n "$(ls "$root/var/lib/samspil/recordings")" ] || fail "remove deleted the recordings"
in_root apt-get purge -y -q samspil-server >"$work/purge.txt" 2>&1 || fail "purge: $(tail -3 "$work/purge.txt")"
[ ! -e "$root/var/lib/samspil" ] || fail "purge left /var/lib/samspil"
[ ! -e "$root/etc/samspil/samspil.conf" ] || fail "purge left /etc/samspil/samspil.conf"

# The packages and the tree are hundreds of MB of page cache to write back: done here, not
# during the next test (the JACK and browser tests measure audio with real clocks).
sync
echo "$name: installed on a clean Debian 12 ($pulled packages set up), school made, lesson heard both ways and" \
  "recorded, upgraded $version → $next_version (schema $schema_before → $schema_after, school, people, chat and" \
  "recording kept), removed (data kept) and purged (data gone) in $((SECONDS - started)) s"
