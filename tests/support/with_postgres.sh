#!/usr/bin/env bash
# with_postgres.sh COMMAND [ARGS…]: runs COMMAND against a PostgreSQL of its own — a new
# cluster in a temporary folder, listening only on a Unix socket there (no TCP port, nothing
# shared with a PostgreSQL the machine may run) — and stops and removes it afterwards, also
# when COMMAND fails. COMMAND finds it in SAMSPIL_TEST_POSTGRES (a postgresql:// URL of the
# maintenance database; tests/support/test_database.cpp makes a database per test in it).
# Run as root (as CI does), the cluster belongs to the postgres user: PostgreSQL refuses root.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "with_postgres.sh: no PostgreSQL server here (apt-get install postgresql-15)" >&2; exit 1; }
dir=$(mktemp -d /tmp/samspil-pg.XXXXXX)
chmod 755 "$dir"
as_owner=()
if [[ $(id -u) == 0 ]]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi

stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

# fsync and the rest off: a test's cluster need not survive a power cut, and they cost seconds.
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export SAMSPIL_TEST_POSTGRES="postgresql://postgres@/postgres?host=$dir"
export SAMSPIL_TEST_POSTGRES_DIR="$dir" SAMSPIL_TEST_POSTGRES_BIN="$bin"
"$@"
