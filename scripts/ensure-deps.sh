#!/usr/bin/env bash
# Installs the npm dependencies when they are missing, so the README's first
# commands (`npm run demo`, `npm test`) work on a fresh clone: their scripts
# need ts-node and jest from node_modules before anything else runs.
# Quick and idempotent: when every package the lockfile lists at the top of
# node_modules (optional ones aside: they may not exist for this platform) is
# present, nothing is run. Otherwise `npm ci`, falling back to `npm install`
# (which keeps the locked versions) as .ci/run does: npm 11 can reject a lock
# whose optional packages for other platforms carry no resolved URL.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[ensure-deps] %s\n' "$*" >&2; }

# Prints the lockfile's missing top-level packages, one a line (or "node_modules" when there is none).
missing() {
  node -e '
    const fs = require("fs");
    if (!fs.existsSync("node_modules")) { console.log("node_modules"); process.exit(0); }
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    for (const [path, entry] of Object.entries(lock.packages ?? {})) {
      if (!path.startsWith("node_modules/") || path.includes("/node_modules/", 1) || entry.optional) continue;
      if (!fs.existsSync(path + "/package.json")) console.log(path.slice("node_modules/".length));
    }
  '
}

absent="$(missing)"
[ -z "$absent" ] && exit 0

log "missing: $(echo "$absent" | head -n 5 | tr '\n' ' ')$([ "$(echo "$absent" | wc -l)" -gt 5 ] && echo "… ($(echo "$absent" | wc -l) in all)")"
if [ -L node_modules ]; then
  # A node_modules shared with other checkouts (a symlink): `npm ci` would prune what they need.
  log "node_modules is a symlink to $(readlink node_modules): not installing into it; install the missing packages there yourself"
  exit 1
fi
started=$(date +%s)
log "installing the npm dependencies (npm ci)"
if ! npm ci --no-audit --no-fund; then
  log "npm ci failed; trying npm install (keeps the locked versions)"
  npm install --no-audit --no-fund
fi
log "npm dependencies installed in $(( $(date +%s) - started ))s"
