#!/usr/bin/env bash
# The operator's files in docs/ops, as an IT person loads them: the alert rules pass
# Prometheus's own promtool, the Grafana dashboard is valid JSON, and every metric either
# names is one a running samspil-server exports on /metrics, each with # HELP and # TYPE.
# Usage: check_ops_files.sh BUILD_DIR. Stops the server it starts, also on failure.
set -euo pipefail
build=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
name="ops files"
. "$(dirname "$0")/server_helpers.sh"

promtool check rules "$repo/docs/ops/samspil-alerts.yml" || fail "promtool check rules docs/ops/samspil-alerts.yml"
jq -e '(.panels | length) >= 6 and all(.panels[]; (.targets | length) > 0)' "$repo/docs/ops/grafana-dashboard.json" >/dev/null ||
  fail "docs/ops/grafana-dashboard.json is not a dashboard with panels"

"$build/server/samspil-server" --port 0 --db "$work/samspil.db" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
wait_for_port "$work/server.out" "$work/server.err"
curl -sf "localhost:$port/metrics" >"$work/metrics.txt" || fail "GET /metrics"

families=$(sed -n 's/^# TYPE \(samspil_[a-z_]*\) .*/\1/p' "$work/metrics.txt" | sort -u)
# Samples, and every family (a labelled counter has no sample before its first count).
exported=$( (grep -o '^samspil_[a-z_]*' "$work/metrics.txt"; echo "$families") | sort -u)
for family in $families; do
  grep -q "^# HELP $family " "$work/metrics.txt" || fail "$family has no # HELP line"
done
referenced=$(cat "$repo/docs/ops/samspil-alerts.yml" "$repo/docs/ops/grafana-dashboard.json" | grep -o 'samspil_[a-z_]*' | sort -u)
checked=0
for name in $referenced; do
  grep -qx "$name" <<<"$exported" || fail "$name is named in docs/ops but the server does not export it"
  checked=$((checked + 1))
done
[ "$checked" -ge 10 ] || fail "only $checked metrics named in docs/ops: the check found too little to mean anything"
echo "ops files: promtool accepts the rules; $(wc -w <<<"$families") metric families, each with HELP; the $checked metrics the rules and the dashboard name all exported"
