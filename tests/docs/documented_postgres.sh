#!/usr/bin/env bash
# Runs the PostgreSQL commands docs/operations.md gives ("PostgreSQL instead of the file"),
# as written there with only the server's place changed: the PostgreSQL that
# tests/support/with_postgres.sh started (its socket folder instead of the system's, and
# `-U postgres` on its trusted socket instead of `sudo -u postgres`), a free port instead of
# 7400, a temporary working folder. Every server it starts is stopped on exit.
# Usage: tests/support/with_postgres.sh tests/docs/documented_postgres.sh BUILD_DIR
set -euo pipefail
pg="${SAMSPIL_TEST_POSTGRES_DIR:?run me under tests/support/with_postgres.sh}"
bin="$SAMSPIL_TEST_POSTGRES_BIN"
what="documented PostgreSQL commands"
source "$(dirname "$0")/documented_lib.sh"
cd "$work"
mkdir -p bin && ln -s "$build/server/samspil-server" bin/samspil-server
export PATH="$work/bin:$bin:$PATH"
url() { echo "postgresql://samspil@/$1?host=$pg"; }

step "a school on SQLite first, as every server starts"
SAMSPIL_ADMIN_PASSWORD=anne-secret-1 samspil-server admin create-school --name "Aarhus Musikskole" \
    --admin-login anne@aarhus.dk --admin-name "Anne Admin" --db var/samspil.db >/dev/null

step "createuser and createdb (docs/operations.md)"
createuser -h "$pg" -U postgres samspil || fail "createuser"
createdb -h "$pg" -U postgres --owner samspil samspil || fail "createdb"

step "admin copy-database --from var/samspil.db --to postgresql://samspil@/samspil"
copied=$(samspil-server admin copy-database --from var/samspil.db --to "$(url samspil)") || fail "copy-database"
grep -q "^copied [0-9]* rows of 15 tables: 1 school" <<<"$copied" || fail "copy-database said: $copied"

step "samspil-server --db postgresql://samspil@/samspil --recordings-dir …"
samspil-server --port 0 --db "$(url samspil)" --recordings-dir "$work/recordings" >server.out 2>server.out.err &
pids+=($!)
wait_listening server.out
curl -sf "localhost:$port/healthz" | jq -e '.status == "ok" and .schema_version == 5' >/dev/null || fail "healthz"
curl -sf -X POST "localhost:$port/api/v1/sign-in" -d '{"login":"anne@aarhus.dk","password":"anne-secret-1"}' |
  jq -e '.token | length > 10' >/dev/null || fail "the copied admin does not sign in on PostgreSQL"
second=$(samspil-server --port 0 --db "$(url samspil)" --recordings-dir "$work/recordings" 2>&1 || true)
grep -q "in use by a running samspil-server" <<<"$second" || fail "a second server on the database was not refused: $second"

step "pg_dump and pg_restore (docs/operations.md)"
pg_dump --format=custom --file samspil-$(date +%F).pgdump "$(url samspil)" || fail "pg_dump"
createdb -h "$pg" -U postgres --owner samspil samspil_restored
pg_restore --dbname "$(url samspil_restored)" samspil-$(date +%F).pgdump || fail "pg_restore"
[ "$(psql -At "$(url samspil_restored)" -c 'SELECT COUNT(*) FROM people')" = 1 ] || fail "the restored database lacks the admin"

step "admin backup from PostgreSQL, restore into an SQLite file (docs/operations.md)"
samspil-server admin backup samspil-backup.samspil --db "$(url samspil)" --recordings-dir "$work/recordings" |
  grep -q "^backed up to .*: 1 school, 1 person" || fail "admin backup from PostgreSQL"
samspil-server admin restore samspil-backup.samspil --db restored/samspil.db | grep -q "^restored from" ||
  fail "admin restore into SQLite"
[ "$(sqlite3 restored/samspil.db 'SELECT login FROM people')" = anne@aarhus.dk ] || fail "the SQLite file lacks the admin"
step "all PostgreSQL commands ran as documented"
