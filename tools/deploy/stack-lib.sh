# shellcheck shell=bash
# The local stack's steps (sourced by tools/scripts/stack.sh after tools/scripts/common.sh).
# Everything it writes lives in $STACK_DIR: config/ (generated runtime configs), logs/, run/
# (pidfiles), data/ (pod files, Slurm job directories), kubeconfig (the ServiceAccount's).

STACK_DIR=${STACK_DIR:-/var/lib/interlink-stack}
STACK_INSTANCE=interlink-stack
STACK_NODES=(vk-docker vk-slurm)
# component → "app port health-path" (ports on 127.0.0.1)
declare -A STACK_APP=(
  [docker-sidecar]="docker-sidecar 4010 /healthz"
  [slurm-sidecar]="slurm-sidecar 4011 /healthz"
  [relay-docker]="interlink 3010 /readyz"
  [relay-slurm]="interlink 3011 /readyz"
  [vk-docker]="virtual-kubelet 10265 /healthz"
  [vk-slurm]="virtual-kubelet 10266 /healthz"
)
STACK_ORDER=(docker-sidecar slurm-sidecar relay-docker relay-slurm vk-docker vk-slurm)

stack_build() {
  log "building the apps (nx cache)"
  mkdir -p "$STACK_DIR/logs"
  npx nx run-many -t build -p interlink,docker-sidecar,slurm-sidecar,virtual-kubelet \
    --outputStyle=static >"$STACK_DIR/logs/build.log" 2>&1 || {
    tail -n 40 "$STACK_DIR/logs/build.log" >&2
    die "build failed"
  }
}

die() {
  log "ERROR: $*"
  exit 1
}

stack_configure() {
  mkdir -p "$STACK_DIR"/{config,logs,run,data/docker-sidecar,data/slurm-jobs}
  local c=$STACK_DIR/config
  cat >"$c/docker-sidecar.yaml" <<EOF
SidecarPort: "4010"
SidecarHost: 127.0.0.1
DataRootFolder: $STACK_DIR/data/docker-sidecar
DockerHost: unix:///var/run/docker.sock
InstanceName: $STACK_INSTANCE
EOF
  cat >"$c/slurm-sidecar.yaml" <<EOF
SidecarPort: "4011"
SidecarHost: 127.0.0.1
DataRootFolder: $STACK_DIR/data/slurm-jobs/
Partition: debug
# Commands run on the Slurm node itself; the image is not used (see config/slurm-sidecar).
ContainerRuntime: none
# The stack runs as root and its Slurm pods pick runtime none or docker: a submit user
# (DefaultUID) could not reach the Docker socket, so root stays, said out loud here.
AllowRootWithRuntimeNone: true
MemoryDefault: 256M
Flavors:
  small:
    Description: one CPU, 512 MiB
    CPUDefault: 1
    MemoryDefault: 512M
    SlurmFlags: ["--time=01:00:00"]
EOF
  local backend port
  for backend in docker slurm; do
    port=$([[ $backend == docker ]] && echo 0 || echo 1)
    cat >"$c/relay-$backend.yaml" <<EOF
InterlinkAddress: http://127.0.0.1
InterlinkPort: "301$port"
SidecarURL: http://127.0.0.1
SidecarPort: "401$port"
EOF
    cat >"$c/vk-$backend.yaml" <<EOF
InterlinkURL: http://127.0.0.1
InterlinkPort: "301$port"
DisableCSR: true
MetricsAddress: 127.0.0.1:1026$((5 + port))
NodeLabels: ["virtual-node.interlink/backend=$backend"]
EOF
  done
  stack_kubeconfig
}

# A kubeconfig for the ServiceAccount of kustomizations/base: the virtual kubelets get exactly
# the RBAC a cluster deployment gets.
stack_kubeconfig() {
  local out=$STACK_DIR/kubeconfig
  kubectl apply --server-side --force-conflicts -f kustomizations/base/namespace.yaml \
    -f kustomizations/base/rbac.yaml >/dev/null || die "cannot apply the RBAC"
  kubectl apply --server-side -f - >/dev/null <<'EOF' || die "cannot create the token Secret"
apiVersion: v1
kind: Secret
metadata:
  name: virtual-kubelet-token
  namespace: interlink
  annotations:
    kubernetes.io/service-account.name: virtual-kubelet
type: kubernetes.io/service-account-token
EOF
  local token="" i
  for i in $(seq 60); do
    token=$(kubectl get secret -n interlink virtual-kubelet-token -o jsonpath='{.data.token}' 2>/dev/null | base64 -d)
    [[ -n $token ]] && break
    sleep 0.5
  done
  [[ -n $token ]] || die "the token controller did not fill Secret interlink/virtual-kubelet-token"
  local server ca
  server=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
  umask 077
  cat >"$out" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: stack
    cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
  - name: virtual-kubelet
    user: {token: "$token"}
contexts:
  - name: stack
    context: {cluster: stack, user: virtual-kubelet}
current-context: stack
EOF
  umask 022
}

pid_of() { cat "$STACK_DIR/run/$1.pid" 2>/dev/null || true; }
running() {
  local pid
  pid=$(pid_of "$1")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}
healthy() {
  local spec port path
  read -r _ port path <<<"${STACK_APP[$1]}"
  curl -fsS -m 3 "http://127.0.0.1:$port$path" >/dev/null 2>&1
}

start_component() {
  local name=$1 app port path
  read -r app port path <<<"${STACK_APP[$name]}"
  if running "$name" && healthy "$name"; then return 0; fi
  if running "$name"; then kill "$(pid_of "$name")" 2>/dev/null; sleep 1; fi
  local args=() env=()
  case $name in
    docker-sidecar | relay-*) args=(--config "$STACK_DIR/config/$name.yaml") ;;
    slurm-sidecar) args=(--config "$STACK_DIR/config/$name.yaml") ;;
    vk-*)
      local kport=$([[ $name == vk-docker ]] && echo 10250 || echo 10251)
      env=(NODENAME="$name" KUBECONFIG="$STACK_DIR/kubeconfig" KUBELET_PORT="$kport" POD_IP=127.0.0.1
        CONFIGPATH="$STACK_DIR/config/$name.yaml")
      ;;
  esac
  log "starting $name"
  env "${env[@]}" setsid nohup node --enable-source-maps "dist/apps/$app/main.js" "${args[@]}" \
    >>"$STACK_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STACK_DIR/run/$name.pid"
}

wait_healthy() {
  local name=$1 deadline=$((SECONDS + ${2:-60}))
  until healthy "$name"; do
    if ! running "$name"; then
      tail -n 20 "$STACK_DIR/logs/$name.log" >&2
      die "$name exited"
    fi
    ((SECONDS < deadline)) || {
      tail -n 20 "$STACK_DIR/logs/$name.log" >&2
      die "$name not healthy after ${2:-60}s"
    }
    sleep 0.5
  done
}

stack_start() {
  local group name any=0
  for name in "${STACK_ORDER[@]}"; do running "$name" && any=1; done
  # No component running: whatever an earlier stack left (killed, machine restarted) is stale.
  ((any)) || stack_sweep "left by an earlier stack that was not stopped" stale-pods
  for group in "docker-sidecar slurm-sidecar" "relay-docker relay-slurm" "vk-docker vk-slurm"; do
    for name in $group; do start_component "$name"; done
    for name in $group; do wait_healthy "$name" 60; done
  done
}

stack_wait_ready() {
  local timeout=${1:-180} node
  for node in "${STACK_NODES[@]}"; do
    kubectl wait --for=condition=Ready "node/$node" --timeout="${timeout}s" >/dev/null ||
      die "node $node not Ready (see $STACK_DIR/logs/$node.log)"
  done
  log "nodes Ready: ${STACK_NODES[*]}"
}

stack_status() {
  local name ok=0 node
  for name in "${STACK_ORDER[@]}"; do
    if running "$name" && healthy "$name"; then
      printf '%-15s running pid=%s healthy\n' "$name" "$(pid_of "$name")"
    elif running "$name"; then
      printf '%-15s running pid=%s NOT healthy\n' "$name" "$(pid_of "$name")"
      ok=1
    else
      printf '%-15s stopped\n' "$name"
      ok=1
    fi
  done
  eval "$(bash tools/testbench/testbench.sh env 2>/dev/null)" || true
  for node in "${STACK_NODES[@]}"; do
    local ready
    ready=$(kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    printf '%-15s node Ready=%s\n' "$node" "${ready:-absent}"
    [[ $ready == True ]] || ok=1
  done
  return $ok
}

stop_pid() {
  local name=$1 pid i
  pid=$(pid_of "$name")
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$STACK_DIR/run/$name.pid"
}

stack_stop() {
  eval "$(bash tools/testbench/testbench.sh env 2>/dev/null)" || true
  local node
  # With the virtual kubelets still running, deleting the pods deletes their containers and jobs
  # the normal way (relay → sidecar).
  if kubectl version --request-timeout=5s >/dev/null 2>&1; then
    for node in "${STACK_NODES[@]}"; do
      if running "$node"; then
        kubectl delete pods -A --field-selector "spec.nodeName=$node" --wait=true --timeout=90s >/dev/null 2>&1 ||
          log "pods on $node not all gone after 90s"
      fi
    done
  fi
  local i
  for ((i = ${#STACK_ORDER[@]} - 1; i >= 0; i--)); do stop_pid "${STACK_ORDER[i]}"; done
  if kubectl version --request-timeout=5s >/dev/null 2>&1; then
    # Pods still bound to a removed node are garbage-collected by the control plane.
    kubectl delete pods -A --field-selector "spec.nodeName=vk-docker" --force --grace-period=0 >/dev/null 2>&1
    kubectl delete pods -A --field-selector "spec.nodeName=vk-slurm" --force --grace-period=0 >/dev/null 2>&1
    kubectl delete node "${STACK_NODES[@]}" --ignore-not-found >/dev/null 2>&1
  fi
  # Safety net: anything the sidecars did not remove (e.g. a sidecar that had crashed).
  stack_sweep "leftover"
  log "stack stopped"
}

# Removes the stack's containers and cancels its Slurm jobs; with "stale-pods", first deletes the
# pods still bound to the stack's nodes (their virtual kubelet is gone, they would run again).
stack_sweep() {
  local what=$1 ids jobs live
  if [[ ${2:-} == stale-pods ]]; then
    eval "$(bash tools/testbench/testbench.sh env 2>/dev/null)" || true
    if kubectl version --request-timeout=5s >/dev/null 2>&1; then
      local node
      for node in "${STACK_NODES[@]}"; do
        ids=$(kubectl get pods -A --field-selector "spec.nodeName=$node" -o name 2>/dev/null | wc -l)
        ((ids == 0)) && continue
        log "deleting $ids pod(s) on $node $what"
        kubectl delete pods -A --field-selector "spec.nodeName=$node" --force --grace-period=0 >/dev/null 2>&1 || true
      done
    fi
  fi
  ids=$(docker ps -aq --filter "label=interlink.sidecar=$STACK_INSTANCE" 2>/dev/null || true)
  if [[ -n $ids ]]; then
    log "removing $(wc -w <<<"$ids") container(s) $what:" \
      $(docker inspect --format '{{.Name}}' $ids 2>/dev/null | tr -d / || true)
    docker rm -f $ids >/dev/null 2>&1
  fi
  jobs=$(cat "$STACK_DIR"/data/slurm-jobs/*/JobID.jid 2>/dev/null | tr -s '\n ' ' ' || true)
  if [[ -n ${jobs// /} ]] && command -v squeue >/dev/null; then
    live=$(squeue --noheader --format=%i --jobs="${jobs// /,}" 2>/dev/null | tr '\n' ' ' || true)
    if [[ -n ${live// /} ]]; then
      log "cancelling Slurm job(s) $what: $live"
      scancel $live 2>/dev/null || true
    fi
  fi
  # The sidecars' stored pods: a sidecar restarts what it finds there, so a pod deleted while
  # the stack was down would come back as an orphan on the next start. Dot-directories are the
  # sidecars' own (.tombstones: UIDs of deleted pods, kept so late creates stay refused).
  local dirs
  dirs=$(find "$STACK_DIR"/data/docker-sidecar "$STACK_DIR"/data/slurm-jobs -mindepth 1 -maxdepth 1 ! -name '.*' 2>/dev/null || true)
  if [[ -n $dirs ]]; then
    log "removing $(wc -l <<<"$dirs") stored pod director(y/ies) $what"
    xargs rm -rf <<<"$dirs"
  fi
}

stack_usage() {
  cat <<EOF

interLink local stack is running:
  nodes       vk-docker (Docker Engine), vk-slurm (Slurm partition debug)
  relays      http://127.0.0.1:3010 (docker), http://127.0.0.1:3011 (slurm)
  logs        $STACK_DIR/logs/*.log       status: npm run stack -- status

Try it:
  export KUBECONFIG=$KUBECONFIG
  kubectl get nodes
  kubectl apply -f examples/hello-world.yaml
  kubectl get pod hello-world -w
  kubectl logs hello-world
  bash tools/deploy/check-examples.sh     # every example, checked

Stop: npm run stack -- stop    (bench too: npm run stack -- down)
EOF
}
