# shellcheck shell=bash
# Kubernetes control plane without kubelets: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler. Nodes are virtual kubelets that the
# tests register themselves.

K8S_DIR="$TB_STATE_DIR/k8s"
K8S_PKI="$K8S_DIR/pki"
K8S_KUBECONFIG="$TB_STATE_DIR/kubeconfig"
K8S_API_PORT=6443
K8S_SERVICE_CIDR=10.0.0.0/24
K8S_SERVICE_IP=10.0.0.1
ETCD_CLIENT_URL=http://127.0.0.1:2379
ETCD_PEER_URL=http://127.0.0.1:2380
K8S_SA_ISSUER=https://kubernetes.default.svc.cluster.local
# Which etcd: "debian" (etcd-server package, 3.4.x) or a path to a binary.
ETCD_BIN="${TESTBENCH_ETCD_BIN:-/usr/bin/etcd}"

kc() { timeout 30 kubectl --kubeconfig "$K8S_KUBECONFIG" "$@"; }

# ---------------------------------------------------------------- PKI
pki_key() {
  [[ -s $1 ]] && return 0
  openssl genrsa -out "$1.tmp" 2048 2>/dev/null
  chmod 600 "$1.tmp"; mv "$1.tmp" "$1"
}

# pki_ca NAME CN
pki_ca() {
  local n=$1 cn=$2
  [[ -s $K8S_PKI/$n.crt && -s $K8S_PKI/$n.key ]] && return 0
  pki_key "$K8S_PKI/$n.key"
  openssl req -x509 -new -key "$K8S_PKI/$n.key" -sha256 -days 3650 -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature,keyEncipherment" \
    -out "$K8S_PKI/$n.crt" 2>/dev/null
}

# pki_cert NAME CA SUBJECT EKU(serverAuth|clientAuth|...) [SAN]
pki_cert() {
  local n=$1 ca=$2 subj=$3 eku=$4 san=${5:-}
  [[ -s $K8S_PKI/$n.crt && -s $K8S_PKI/$n.key ]] && return 0
  pki_key "$K8S_PKI/$n.key"
  local ext="$K8S_PKI/$n.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -key "$K8S_PKI/$n.key" -subj "$subj" -out "$K8S_PKI/$n.csr" 2>/dev/null
  openssl x509 -req -in "$K8S_PKI/$n.csr" -CA "$K8S_PKI/$ca.crt" -CAkey "$K8S_PKI/$ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -sha256 -extfile "$ext" \
    -out "$K8S_PKI/$n.crt" 2>/dev/null
  rm -f "$K8S_PKI/$n.csr" "$ext"
}

# k8s_kubeconfig FILE USER CERTNAME
k8s_kubeconfig() {
  local f=$1 user=$2 cert=$3
  # keep it unless the certificates were regenerated after it was written
  if [[ -s $f && ! $K8S_PKI/$cert.crt -nt $f && ! $K8S_PKI/ca.crt -nt $f ]]; then return 0; fi
  local tmp="$f.tmp"
  rm -f "$tmp"
  kubectl config --kubeconfig="$tmp" set-cluster bench --server="https://127.0.0.1:$K8S_API_PORT" \
    --certificate-authority="$K8S_PKI/ca.crt" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$tmp" set-credentials "$user" \
    --client-certificate="$K8S_PKI/$cert.crt" --client-key="$K8S_PKI/$cert.key" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$tmp" set-context "$user@bench" --cluster=bench --user="$user" >/dev/null
  kubectl config --kubeconfig="$tmp" use-context "$user@bench" >/dev/null
  chmod 600 "$tmp"; mv "$tmp" "$f"
}

k8s_pki() {
  mkdir -p "$K8S_PKI"; chmod 700 "$K8S_PKI"
  local host
  host=$(tb_hostname)
  pki_ca ca kubernetes-testbench-ca
  pki_ca front-proxy-ca front-proxy-testbench-ca
  pki_cert apiserver ca "/CN=kube-apiserver" serverAuth \
    "IP:127.0.0.1,IP:$K8S_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:$host"
  pki_cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  pki_cert admin ca "/O=system:masters/CN=admin" clientAuth
  pki_cert controller-manager ca "/CN=system:kube-controller-manager" clientAuth
  pki_cert scheduler ca "/CN=system:kube-scheduler" clientAuth
  pki_cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
  if [[ ! -s $K8S_PKI/sa.key ]]; then
    pki_key "$K8S_PKI/sa.key"
    rm -f "$K8S_PKI/sa.pub"
  fi
  [[ -s $K8S_PKI/sa.pub ]] || openssl rsa -in "$K8S_PKI/sa.key" -pubout -out "$K8S_PKI/sa.pub" 2>/dev/null
  k8s_kubeconfig "$K8S_KUBECONFIG" admin admin
  k8s_kubeconfig "$K8S_DIR/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  k8s_kubeconfig "$K8S_DIR/scheduler.kubeconfig" system:kube-scheduler scheduler
}

# ---------------------------------------------------------------- commands
etcd_cmd() {
  echo "$ETCD_BIN" --name bench --data-dir "$K8S_DIR/etcd" \
    --listen-client-urls "$ETCD_CLIENT_URL" --advertise-client-urls "$ETCD_CLIENT_URL" \
    --listen-peer-urls "$ETCD_PEER_URL" --initial-advertise-peer-urls "$ETCD_PEER_URL" \
    --initial-cluster "bench=$ETCD_PEER_URL" --initial-cluster-state new \
    --listen-metrics-urls http://127.0.0.1:2381 \
    --quota-backend-bytes 2147483648 --snapshot-count 10000 \
    --auto-compaction-mode periodic --auto-compaction-retention 1h
}

apiserver_cmd() {
  local b p=$K8S_PKI
  b=$(k8s_bin_dir)
  echo "$b/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port=$K8S_API_PORT \
    --etcd-servers=$ETCD_CLIENT_URL \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true \
    --client-ca-file="$p/ca.crt" \
    --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --kubelet-client-certificate="$p/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$p/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --service-account-issuer=$K8S_SA_ISSUER \
    --service-account-key-file="$p/sa.pub" \
    --service-account-signing-key-file="$p/sa.key" \
    --api-audiences=$K8S_SA_ISSUER \
    --service-cluster-ip-range=$K8S_SERVICE_CIDR \
    --enable-bootstrap-token-auth=true \
    --requestheader-client-ca-file="$p/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-username-headers=X-Remote-User \
    --proxy-client-cert-file="$p/front-proxy-client.crt" \
    --proxy-client-key-file="$p/front-proxy-client.key" \
    --event-ttl=1h \
    --profiling=false \
    --v=1
}

controller_manager_cmd() {
  local b p=$K8S_PKI kcfg=$K8S_DIR/controller-manager.kubeconfig
  b=$(k8s_bin_dir)
  echo "$b/kube-controller-manager" \
    --bind-address=127.0.0.1 \
    --kubeconfig="$kcfg" --authentication-kubeconfig="$kcfg" --authorization-kubeconfig="$kcfg" \
    --client-ca-file="$p/ca.crt" \
    --requestheader-client-ca-file="$p/front-proxy-ca.crt" \
    --cluster-name=bench \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key" \
    --root-ca-file="$p/ca.crt" \
    --service-account-private-key-file="$p/sa.key" \
    --service-cluster-ip-range=$K8S_SERVICE_CIDR \
    --use-service-account-credentials=true \
    --controllers='*' \
    --leader-elect=false \
    --profiling=false \
    --v=1
}

scheduler_cmd() {
  local b kcfg=$K8S_DIR/scheduler.kubeconfig
  b=$(k8s_bin_dir)
  echo "$b/kube-scheduler" \
    --bind-address=127.0.0.1 \
    --kubeconfig="$kcfg" --authentication-kubeconfig="$kcfg" --authorization-kubeconfig="$kcfg" \
    --leader-elect=false \
    --profiling=false \
    --v=1
}

# ---------------------------------------------------------------- health
etcd_answers() { [[ "$(curl -s --max-time 3 "$ETCD_CLIENT_URL/health")" == *'"health":"true"'* ]]; }
apiserver_ready() { [[ "$(kc get --raw /readyz 2>/dev/null)" == ok ]]; }
secure_healthz() { [[ "$(curl -sk --max-time 3 "https://127.0.0.1:$1/healthz")" == ok ]]; }
controller_manager_answers() { secure_healthz 10257; }
scheduler_answers() { secure_healthz 10259; }
default_sa_exists() { kc -n default get serviceaccount default >/dev/null 2>&1; }

# k8s_daemon NAME HEALTHFN TIMEOUT: (re)start NAME unless it is alive and
# was started with the same command line; then wait for HEALTHFN.
k8s_daemon() {
  local name=$1 health=$2 t=$3 cmd
  # word-split the generated command (paths contain no spaces)
  read -r -a cmd <<<"$("${name//-/_}_cmd")"
  if daemon_current "$name" "${cmd[@]}" && "$health"; then
    return 0
  fi
  stop_pidfile "$TB_RUN_DIR/$name.pid" 20
  log "k8s: starting $name"
  start_bg "$name" "${cmd[@]}"
  wait_proc "$TB_RUN_DIR/$name.pid" "$t" "$name healthy" "$health" \
    || { tail -n 25 "$TB_LOG_DIR/$name.log" >&2; die "$name did not become healthy"; }
}

etcd_version_ok() {
  # kube-apiserver 1.32 talks to etcd >= 3.4 (3.5.x recommended).
  # (no `| grep -q`: with pipefail an early grep exit SIGPIPEs the writer)
  [[ "$("$ETCD_BIN" --version 2>/dev/null)" =~ etcd\ Version:\ 3\.(4|5|6)\. ]]
}

k8s_healthy() {
  local c
  for c in etcd apiserver controller-manager scheduler; do
    pid_alive "$TB_RUN_DIR/$c.pid" || return 1
  done
  apiserver_ready
}

k8s_up() {
  tb_init_dirs
  local pkgs=(openssl curl)
  [[ $ETCD_BIN == /usr/bin/etcd ]] && pkgs+=(etcd-server)
  ensure_pkgs "${pkgs[@]}"
  command -v kubectl >/dev/null || die "kubectl not found on PATH"
  etcd_version_ok || die "$ETCD_BIN is not etcd 3.4/3.5/3.6"
  if [[ -n ${TB_K8S_BUILD_PID:-} ]]; then
    k8s_binaries_ok || log "k8s: waiting for the background Kubernetes build"
    wait "$TB_K8S_BUILD_PID" || die "Kubernetes build failed (see $TB_LOG_DIR/k8s-build.log)"
    TB_K8S_BUILD_PID=""
  fi
  k8s_build
  mkdir -p "$K8S_DIR/etcd"; chmod 700 "$K8S_DIR/etcd"
  k8s_pki
  local before
  before=$(cat "$TB_RUN_DIR"/{etcd,apiserver,controller-manager,scheduler}.pid 2>/dev/null | tr '\n' ' ' || true)
  k8s_daemon etcd etcd_answers 60
  k8s_daemon apiserver apiserver_ready 180
  k8s_daemon controller-manager controller_manager_answers 90
  k8s_daemon scheduler scheduler_answers 90
  wait_until 90 "ServiceAccount default/default" default_sa_exists \
    || { tail -n 25 "$TB_LOG_DIR/controller-manager.log" >&2; die "default ServiceAccount not created"; }
  local after
  after=$(cat "$TB_RUN_DIR"/{etcd,apiserver,controller-manager,scheduler}.pid 2>/dev/null | tr '\n' ' ' || true)
  if [[ $before == "$after" ]]; then
    log "k8s: already running ($(kc version -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | tail -n1) at https://127.0.0.1:$K8S_API_PORT)"
  else
    log "k8s: $(k8s_version) control plane ready at https://127.0.0.1:$K8S_API_PORT (etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p')), KUBECONFIG=$K8S_KUBECONFIG"
  fi
}

k8s_down() {
  local c any=0
  for c in scheduler controller-manager apiserver etcd; do
    pid_alive "$TB_RUN_DIR/$c.pid" && any=1
  done
  [[ $any == 1 ]] && log "k8s: stopping control plane"
  for c in scheduler controller-manager apiserver etcd; do
    stop_pidfile "$TB_RUN_DIR/$c.pid" 30
  done
}

k8s_status() {
  local c d="" bad=0
  for c in etcd apiserver controller-manager scheduler; do
    if pid_alive "$TB_RUN_DIR/$c.pid"; then d+=" $c=$(pidfile_pid "$TB_RUN_DIR/$c.pid")"; else d+=" $c=down"; bad=1; fi
  done
  if [[ $bad == 0 ]] && apiserver_ready; then
    echo "k8s       running  $(k8s_version) https://127.0.0.1:$K8S_API_PORT${d} kubeconfig=$K8S_KUBECONFIG"
  else
    [[ $bad == 0 ]] && d+=" readyz=FAIL"
    echo "k8s       stopped ${d# }"
    return 1
  fi
}
