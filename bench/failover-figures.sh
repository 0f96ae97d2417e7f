#!/usr/bin/env bash
# How long a lesson is silent when the node holding it dies: three samspil-server nodes on a
# PostgreSQL of their own behind HAProxy (tests/net/nodes_behind_haproxy.sh, which also checks
# that rooms spread, `moved` is followed and an added node takes new rooms), ROUNDS times a
# lesson of three whose node gets kill -9; each round's figure is the longest any of the three
# went without hearing one of the others. Prints every round, then p50 and the worst; fails
# when it measured nothing.
# Usage: bench/failover-figures.sh BUILD_DIR [ROUNDS]   (docs/performance.md: 20 rounds)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:?usage: bench/failover-figures.sh BUILD_DIR [ROUNDS]}" && pwd)"
rounds="${2:-20}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bash "$repo/tests/support/with_postgres.sh" bash "$repo/tests/net/nodes_behind_haproxy.sh" "$build" "$rounds" | tee "$out"
python3 - "$out" "$rounds" <<'PY'
import re, sys
figures = sorted(float(m) for m in re.findall(r"^failover round \d+: .* at most (\d+) ms$", open(sys.argv[1]).read(), re.M))
if len(figures) != int(sys.argv[2]):
    sys.exit("failover figures: measured %d of %s rounds" % (len(figures), sys.argv[2]))
print("failover figures: %d rounds of kill -9; every client hears the others again after p50 %.0f ms, worst %.0f ms"
      % (len(figures), figures[(len(figures) - 1) // 2], figures[-1]))
PY
