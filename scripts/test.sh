#!/usr/bin/env bash
# `npm test`: installs the npm dependencies and the servers if missing, runs
# the whole suite (unit, integration, e2e, reliability short mode) against a
# standalone Redis and, beside it, the integration suites again against a
# 3-master Redis Cluster (its output printed once it ends).
# Extra arguments go to both Jest runs. With JEST_REPORT_DIR set, each run
# writes its --json report there (CI sums them).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
bash scripts/install-servers.sh || exit 1

report() { [ -n "${JEST_REPORT_DIR:-}" ] && echo "--json --outputFile=$JEST_REPORT_DIR/$1.json"; }

status=0
# The Cluster pass runs beside the standalone one: most tests wait on timers
# and servers, not on the two cores, and each pass has its own servers.
cluster_log="$(mktemp -t jest-cluster.XXXXXX)"
# In its own process group, so an interrupted `npm test` stops it and its servers too.
# shellcheck disable=SC2046
NESTJS_OPENFGA_REDIS=cluster setsid npx jest --runInBand test/integration $(report cluster) "$@" >"$cluster_log" 2>&1 &
cluster=$!
trap 'kill -TERM -- -"$cluster" 2>/dev/null; rm -f "$cluster_log"; exit 130' INT TERM
# shellcheck disable=SC2046
npx jest --runInBand $(report standalone) "$@" || status=1
wait "$cluster" || status=1
echo "== integration suites against Redis Cluster (3 masters) =="
cat "$cluster_log"
rm -f "$cluster_log"
exit $status
