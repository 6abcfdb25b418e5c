# Shared by tools/scripts/*.sh: repository root, dependency install, bench env.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO_ROOT"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Installs from the lockfile only when node_modules does not match it (a fresh clone, or a
# changed lock). `npm install` rather than `npm ci`: this npm writes locks without the other
# platforms' optional packages, which `npm ci` then refuses as out of sync.
install_deps() {
  local stamp=node_modules/.package-lock.sha
  local want
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    log "installing npm dependencies from package-lock.json"
    npm install --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
}

bench_up() {
  log "provisioning the test bench: $*"
  bash tools/testbench/testbench.sh up "$@"
  eval "$(bash tools/testbench/testbench.sh env)"
}
