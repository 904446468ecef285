#!/usr/bin/env bash
# `npm test`: installs the npm dependencies and the servers if missing, runs
# the whole suite (unit, integration, e2e, reliability short mode) against a
# standalone Redis, then the integration suites again against a 3-master
# Redis Cluster.
# Extra arguments go to both Jest runs. With JEST_REPORT_DIR set, each run
# writes its --json report there (CI sums them).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
bash scripts/install-servers.sh || exit 1

report() { [ -n "${JEST_REPORT_DIR:-}" ] && echo "--json --outputFile=$JEST_REPORT_DIR/$1.json"; }

status=0
# shellcheck disable=SC2046
npx jest --runInBand $(report standalone) "$@" || status=1
echo "== integration suites against Redis Cluster (3 masters) =="
# shellcheck disable=SC2046
NESTJS_OPENFGA_REDIS=cluster npx jest --runInBand test/integration $(report cluster) "$@" || status=1
exit $status
