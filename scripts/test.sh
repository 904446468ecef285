#!/usr/bin/env bash
# `npm test`: installs the npm dependencies and the servers if missing, runs
# the whole suite (unit, integration, e2e, reliability short mode) against a
# standalone Redis, in two shards, and the integration suites again against a
# 3-master Redis Cluster: three Jest runs at once, each with its own servers
# (most tests wait on timers and servers, not on the two cores). The first
# shard prints as it goes; the others' output follows once they end.
# Extra arguments go to every Jest run. With JEST_REPORT_DIR set, each run
# writes its --json report there (CI sums them).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh || exit 1
bash scripts/install-servers.sh || exit 1

report() { [ -n "${JEST_REPORT_DIR:-}" ] && echo "--json --outputFile=$JEST_REPORT_DIR/$1.json"; }

status=0
logs=()
pids=()
# In the background and in its own process group, so an interrupted `npm test` stops it and its servers too.
background() {
  local log
  log="$(mktemp -t jest-run.XXXXXX)"
  logs+=("$log")
  setsid "$@" >"$log" 2>&1 &
  pids+=($!)
}
stop() {
  for pid in "${pids[@]}"; do kill -TERM -- -"$pid" 2>/dev/null; done
  rm -f "${logs[@]}"
  exit 130
}
trap stop INT TERM

# shellcheck disable=SC2046
background env NESTJS_OPENFGA_REDIS=cluster npx jest --runInBand test/integration $(report cluster) "$@"
# shellcheck disable=SC2046
background npx jest --runInBand --shard=2/2 --passWithNoTests $(report standalone-2) "$@"
# shellcheck disable=SC2046
npx jest --runInBand --shard=1/2 --passWithNoTests $(report standalone-1) "$@" || status=1

titles=("integration suites against Redis Cluster (3 masters)" "standalone Redis, second shard")
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || status=1
  echo "== ${titles[$i]} =="
  cat "${logs[$i]}"
  rm -f "${logs[$i]}"
done
exit $status
