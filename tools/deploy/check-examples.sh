#!/usr/bin/env bash
# Applies every examples/*.yaml in a fresh namespace and checks that each pod reaches the phase
# its header announces (`# expected-phase: Succeeded`) and that `kubectl logs` (API server →
# virtual kubelet → relay → sidecar) shows the announced text (`# expected-log: <container>=<text>`).
# Needs virtual nodes labelled virtual-node.interlink/backend=docker and =slurm (the local stack
# or the compose bench's virtual kubelets). Ends with "N passed, N failed"; exit 1 on a failure.
#
#   KUBECONFIG=... bash tools/deploy/check-examples.sh [examples/x.yaml ...]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
TIMEOUT=${EXAMPLES_TIMEOUT:-240}
ns=${EXAMPLES_NAMESPACE:-examples-$(date +%s)}
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=(examples/*.yaml)

header() { sed -n "s/^# $1: //p" "$2" | head -n1; }
pod_of() { awk '/^kind: Pod$/{p=1} p&&/^  name: /{print $2; exit}' "$1"; }

kubectl create namespace "$ns" >/dev/null || exit 1
cleanup() {
  # Deleting the pods makes the virtual kubelets remove their containers and Slurm jobs.
  kubectl delete namespace "$ns" --wait=true --timeout=120s >/dev/null 2>&1 ||
    echo "warning: namespace $ns not gone after 120 s" >&2
}
trap cleanup EXIT

for f in "${files[@]}"; do
  kubectl apply -n "$ns" -f "$f" >/dev/null || echo "apply failed: $f" >&2
done

passed=0
failed=0
deadline=$((SECONDS + TIMEOUT))
for f in "${files[@]}"; do
  pod=$(pod_of "$f")
  want=$(header expected-phase "$f")
  log_spec=$(header expected-log "$f")
  phase=""
  while ((SECONDS < deadline)); do
    phase=$(kubectl get pod -n "$ns" "$pod" -o jsonpath='{.status.phase}' 2>/dev/null)
    [[ $phase == "$want" ]] && break
    # A terminal phase other than the expected one will not change any more.
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 2
  done
  problem=""
  if [[ $phase != "$want" ]]; then
    reason=$(kubectl get pod -n "$ns" "$pod" -o jsonpath='{.status.reason} {.status.message} {.status.containerStatuses[*].state}' 2>/dev/null)
    problem="phase ${phase:-none}, want $want ($reason)"
  elif [[ -n $log_spec ]]; then
    container=${log_spec%%=*}
    text=${log_spec#*=}
    logs=$(kubectl logs -n "$ns" "$pod" -c "$container" 2>&1)
    [[ $logs == *"$text"* ]] || problem="logs of $container lack \"$text\": ${logs:0:300}"
  fi
  if [[ -z $problem ]]; then
    echo "PASS $f: $pod $phase${log_spec:+, logs ok}"
    passed=$((passed + 1))
  else
    echo "FAIL $f: $problem"
    failed=$((failed + 1))
  fi
done
echo "examples: $passed passed, $failed failed"
((failed == 0))
