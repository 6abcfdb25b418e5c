#!/usr/bin/env bash
# The test command: installs dependencies, provisions the real test bench (Docker Engine,
# registry, Slurm, Kubernetes control plane), then lints, type-checks, builds and tests every
# project. A service that cannot be provisioned fails the run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
t0=$SECONDS
install_deps
bench_up all
export TESTBENCH_PROVISIONED=1

rm -rf .vitest-reports
status=0
log "lint, typecheck, build"
npx nx run-many -t lint typecheck build --parallel=2 --outputStyle=static || status=1
log "tests"
npx nx run-many -t test --parallel=1 --outputStyle=static || status=1
node tools/scripts/test-summary.mjs || status=1
log "test command finished in $((SECONDS - t0))s (exit $status)"
exit $status
