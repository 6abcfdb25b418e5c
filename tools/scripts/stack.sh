#!/usr/bin/env bash
# The one-command local stack (`npm run stack`): the test bench (Kubernetes control plane, Docker
# Engine, Slurm), the four apps built and started on this host, two virtual nodes:
#   vk-docker  → relay 127.0.0.1:3010 → docker-sidecar 127.0.0.1:4010 → Docker Engine
#   vk-slurm   → relay 127.0.0.1:3011 → slurm-sidecar  127.0.0.1:4011 → Slurm (partition debug)
# The virtual kubelets run with the ServiceAccount and RBAC of kustomizations/base.
#
#   bash tools/scripts/stack.sh up       # default; idempotent
#   bash tools/scripts/stack.sh status   # exit 0 iff every process runs and both nodes are Ready
#   bash tools/scripts/stack.sh stop     # deletes the pods on the virtual nodes (containers and
#                                        # jobs go with them), stops the apps, removes the Nodes
#   bash tools/scripts/stack.sh down     # stop + the test bench
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source tools/deploy/stack-lib.sh

cmd=${1:-up}
case $cmd in
  up)
    t0=$SECONDS
    # The tests run this from inside vitest: node_modules must not be replaced under them.
    [[ ${STACK_SKIP_DEPS:-0} == 1 ]] || install_deps
    bench_up all
    stack_build
    stack_configure
    stack_start
    stack_wait_ready 180
    log "stack up in $((SECONDS - t0))s"
    stack_usage
    ;;
  status) stack_status ;;
  stop) stack_stop ;;
  down)
    stack_stop
    bash tools/testbench/testbench.sh down
    ;;
  logs) tail -n "${2:-50}" "$STACK_DIR"/logs/*.log ;;
  *)
    echo "usage: stack.sh up|status|stop|down|logs" >&2
    exit 2
    ;;
esac
