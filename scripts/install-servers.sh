#!/usr/bin/env bash
# Installs the real servers the tests, demo and benchmarks run against.
# Idempotent: each step is skipped when its result is already present.
#   - redis-server from Debian (apt-get), when missing
#   - PostgreSQL from Debian (apt-get), when no initdb is found under
#     /usr/lib/postgresql/*/bin (only the benchmarks' OpenFGA-on-Postgres
#     line needs it; a failed install is logged, not fatal, and that line
#     then reports the error)
#   - OpenFGA built from source with `go install` into .tools/bin (git-ignored),
#     skipped when the stamped version already matches
set -euo pipefail

OPENFGA_VERSION="${OPENFGA_VERSION:-v1.18.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
bin="$tools/bin"
stamp="$tools/openfga.version"

log() { printf '[install-servers] %s\n' "$*" >&2; }

if [ "${NESTJS_OPENFGA_SERVERS:-local}" = "testcontainers" ]; then
  log "NESTJS_OPENFGA_SERVERS=testcontainers: servers come from Docker, nothing to install"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server (apt-get)"
  if [ "$(id -u)" = "0" ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system instance on 6379; the harness uses its own ports, so stop it.
  $sudo service redis-server stop >/dev/null 2>&1 || true
fi
log "redis: $(redis-server --version | awk '{print $3}')"

# The newest installed PostgreSQL's bin dir (initdb, pg_ctl, postgres), or nothing.
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bindir)" ] || [ ! -x "$(pg_bindir)/initdb" ]; then
  log "installing postgresql (apt-get)"
  if [ "$(id -u)" = "0" ]; then sudo=""; else sudo="sudo"; fi
  started=$(date +%s)
  if $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; then
    # Debian starts a system cluster on 5432; the harness runs throwaway clusters of its own, so stop it.
    $sudo service postgresql stop >/dev/null 2>&1 || true
    log "postgresql installed in $(( $(date +%s) - started ))s"
  else
    log "could not install postgresql; the benchmarks on OpenFGA-on-Postgres will report this as an error"
  fi
fi
if [ -n "$(pg_bindir)" ]; then log "postgres: $("$(pg_bindir)/postgres" --version | awk '{print $3}') in $(pg_bindir)"; fi

if [ -x "$bin/openfga" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$OPENFGA_VERSION" ]; then
  log "openfga $OPENFGA_VERSION already built"
else
  if ! command -v go >/dev/null 2>&1; then
    for candidate in /usr/local/go/bin /usr/lib/go/bin; do
      [ -x "$candidate/go" ] && PATH="$candidate:$PATH"
    done
  fi
  command -v go >/dev/null 2>&1 || { log "Go is required to build OpenFGA (needs Go >= 1.25)"; exit 1; }
  log "building openfga $OPENFGA_VERSION with $(go version) (a few minutes, once)"
  mkdir -p "$bin"
  started=$(date +%s)
  GOBIN="$bin" go install "github.com/openfga/openfga/cmd/openfga@$OPENFGA_VERSION"
  echo "$OPENFGA_VERSION" > "$stamp"
  log "openfga built in $(( $(date +%s) - started ))s"
fi
