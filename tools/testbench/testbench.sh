#!/usr/bin/env bash
# Real local test bench: Docker Engine, a local registry, a one-node Slurm
# cluster and a Kubernetes control plane (no kubelet) on one Debian 12 box.
#
#   testbench.sh up [docker|registry|slurm|k8s|upstream|all]... (default: all)
#   testbench.sh down [component...]                     (default: all)
#   testbench.sh status [component...]                   (exit 0 iff healthy)
#   testbench.sh env                                     (eval "$(testbench.sh env)")
#   testbench.sh selftest [component...]                 (end-to-end checks)
#   testbench.sh build-k8s                               (only build/cache binaries)
#   testbench.sh logs COMPONENT                          (tail its log files)
#
# State: $TESTBENCH_STATE_DIR (default /var/lib/interlink-testbench)
# Cache: $TESTBENCH_CACHE_DIR (default /var/cache/interlink-testbench)
set -euo pipefail

TB_SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$TB_SELF_DIR/lib/common.sh"
# shellcheck source=lib/docker.sh
source "$TB_SELF_DIR/lib/docker.sh"
# shellcheck source=lib/registry.sh
source "$TB_SELF_DIR/lib/registry.sh"
# shellcheck source=lib/slurm.sh
source "$TB_SELF_DIR/lib/slurm.sh"
# shellcheck source=lib/k8s_build.sh
source "$TB_SELF_DIR/lib/k8s_build.sh"
# shellcheck source=lib/k8s.sh
source "$TB_SELF_DIR/lib/k8s.sh"
# shellcheck source=lib/upstream.sh
source "$TB_SELF_DIR/lib/upstream.sh"
# shellcheck source=lib/selftest.sh
source "$TB_SELF_DIR/lib/selftest.sh"

ALL_COMPONENTS=(docker registry slurm k8s upstream)

usage() {
  sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

# expand_components ARGS...: validate, map "all"/empty to every component,
# keep dependency order (registry needs docker).
expand_components() {
  local want=() a c
  if [[ $# -eq 0 ]]; then set -- all; fi
  for a in "$@"; do
    case $a in
      all) want+=("${ALL_COMPONENTS[@]}") ;;
      docker|registry|slurm|k8s|upstream) want+=("$a") ;;
      *) die "unknown component '$a' (docker|registry|slurm|k8s|upstream|all)" ;;
    esac
  done
  for c in "${ALL_COMPONENTS[@]}"; do
    for a in "${want[@]}"; do
      if [[ $a == "$c" ]]; then echo "$c"; break; fi
    done
  done
}

# parse_components ARRAY_NAME ARGS...: expand_components into the named array; an unknown
# component exits 2 (a `die` inside `< <(...)` would only end that subshell and leave an empty
# list, so `status typo` used to report success).
parse_components() {
  local -n tb_out=$1
  shift
  local list
  list=$(expand_components "$@") || exit 2
  mapfile -t tb_out <<<"$list"
}

take_lock() {
  tb_init_dirs
  exec 9>"$TB_STATE_DIR/.lock"
  if ! flock -n 9; then
    log "another testbench.sh up/down is running; waiting for it"
    flock 9
  fi
}

cmd_up() {
  local comps c t0=$SECONDS
  parse_components comps "$@"
  take_lock
  # On a cold machine the Kubernetes build is the long pole (CPU bound,
  # niced): run it in the background while the other components install.
  if [[ " ${comps[*]} " == *" k8s "* ]] && ! k8s_binaries_ok; then
    ( k8s_build ) &
    TB_K8S_BUILD_PID=$!
    # never leave an orphaned build behind when another component fails
    trap 'if [[ -n ${TB_K8S_BUILD_PID:-} ]] && kill -0 "$TB_K8S_BUILD_PID" 2>/dev/null; then
            log "waiting for the background Kubernetes build to finish"; wait "$TB_K8S_BUILD_PID" || true; fi' EXIT
  fi
  for c in "${comps[@]}"; do
    case $c in
      docker) timed docker docker_up ;;
      registry) docker_up_quiet; timed registry registry_up ;;
      slurm) timed slurm slurm_up ;;
      k8s) timed k8s k8s_up ;;
      upstream) timed upstream upstream_up ;;
    esac
  done
  log "all requested components (${comps[*]}) up in $((SECONDS - t0))s"
}

cmd_down() {
  local comps c i
  parse_components comps "$@"
  take_lock
  # stop in reverse dependency order
  for ((i = ${#comps[@]} - 1; i >= 0; i--)); do
    c=${comps[$i]}
    case $c in
      docker) docker_down ;;
      registry) registry_down ;;
      slurm) slurm_down ;;
      k8s) k8s_down ;;
      upstream) upstream_down ;;
    esac
  done
}

cmd_status() {
  local comps c rc=0
  parse_components comps "$@"
  tb_init_dirs
  for c in "${comps[@]}"; do
    "${c}_status" || rc=1
  done
  return $rc
}

cmd_env() {
  tb_init_dirs
  local slurm_ready=0
  if slurm_healthy >/dev/null 2>&1; then slurm_ready=1; fi
  echo "export KUBECONFIG=$TB_STATE_DIR/kubeconfig"
  echo "export DOCKER_HOST=unix:///var/run/docker.sock"
  echo "export TESTBENCH_REGISTRY=localhost:5000"
  echo "export TESTBENCH_SLURM_READY=$slurm_ready"
  echo "export TESTBENCH_K8S_VERSION=$(k8s_version)"
  echo "export TESTBENCH_STATE_DIR=$TB_STATE_DIR"
  upstream_env
}

cmd_logs() {
  local c=${1:-}
  [[ -n $c ]] || die "usage: testbench.sh logs COMPONENT|LOGNAME"
  ls "$TB_LOG_DIR"/"$c"*.log >/dev/null 2>&1 || die "no logs matching $TB_LOG_DIR/$c*.log"
  tail -n 50 "$TB_LOG_DIR"/"$c"*.log
}

main() {
  local sub=${1:-}
  [[ $# -gt 0 ]] && shift
  case $sub in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    build-k8s) take_lock; timed k8s-build k8s_build ;;
    logs) cmd_logs "$@" ;;
    selftest) cmd_selftest "$@" ;;
    -h|--help|help|"") usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
