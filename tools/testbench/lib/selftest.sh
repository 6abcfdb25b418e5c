# shellcheck shell=bash
# `testbench.sh selftest [component...]`: end-to-end checks of a running bench.
# Creates only objects named/labelled testbench-selftest and removes them.

ST_PASS=0
ST_FAIL=0
st_ok()   { ST_PASS=$((ST_PASS + 1)); printf 'PASS %s\n' "$*"; }
st_bad()  { ST_FAIL=$((ST_FAIL + 1)); printf 'FAIL %s\n' "$*"; }
# st_check DESCRIPTION CMD...
st_check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then st_ok "$d"; else st_bad "$d"; fi; }

selftest_docker() {
  local out id
  out=$(dk run --rm --label "$DOCKER_LABEL=selftest" busybox sh -c 'echo hi' 2>&1)
  st_check "docker run --rm busybox sh -c 'echo hi' -> '$out'" test "$out" = hi
  id=$(dk run -d --label "$DOCKER_LABEL=selftest" --name testbench-selftest-pod busybox \
        sh -c 'mkdir -p /www && echo pod-netns-ok >/www/index.html && httpd -f -p 8080 -h /www')
  out=$(dk run --rm --label "$DOCKER_LABEL=selftest" --network "container:$id" busybox \
        sh -c 'for i in $(seq 20); do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.25; done; exit 1' 2>&1 || true)
  st_check "second container reaches 127.0.0.1:8080 in first container's netns (--network container:<id>) -> '$out'" \
    test "$out" = pod-netns-ok
  # nc variant: a listener in one container, a client in a container sharing its netns
  local id2
  id2=$(dk run -d --label "$DOCKER_LABEL=selftest" busybox sh -c 'echo nc-ok | nc -l -p 8081')
  out=$(dk run --rm --label "$DOCKER_LABEL=selftest" --network "container:$id2" busybox \
        sh -c 'for i in $(seq 20); do r=$(nc 127.0.0.1 8081 </dev/null) && [ -n "$r" ] && echo "$r" && exit 0; sleep 0.25; done; exit 1' 2>&1 || true)
  st_check "nc -l -p 8081 in one container, nc 127.0.0.1 8081 from a netns-sharing container -> '$out'" test "$out" = nc-ok
  dk rm -f "$id" "$id2" >/dev/null 2>&1 || true
  out=$(dk run --rm --label "$DOCKER_LABEL=selftest" --memory 64m --cpus 0.5 busybox \
        sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes' 2>&1)
  st_check "container with --memory 64m --cpus 0.5 runs, memory limit inside = $out" test "$out" = 67108864
  out=$(dk run --rm --label "$DOCKER_LABEL=selftest" busybox sh -c 'exit 7' >/dev/null 2>&1; echo $?)
  st_check "container exit code is propagated (exit 7 -> $out)" test "$out" = 7
}

selftest_registry() {
  st_check "docker pull localhost:5000/busybox:latest" dk pull -q localhost:5000/busybox:latest
  if dk pull localhost:5000/testbench-does-not-exist:latest >/dev/null 2>&1; then
    st_bad "pull of a non-existent image fails"
  else
    st_ok "pull of a non-existent image fails"
  fi
}

selftest_slurm() {
  local id st ec
  id=$(sbatch --parsable -J testbench-selftest -o /dev/null --wrap 'echo hi') || { st_bad "sbatch"; return; }
  id=${id%%;*}
  local id2
  id2=$(sbatch --parsable -J testbench-selftest-fail -o /dev/null --wrap 'exit 3') || { st_bad "sbatch"; return; }
  id2=${id2%%;*}
  local deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    [[ -z "$(squeue -h -j "$id,$id2" 2>/dev/null)" ]] && break
    sleep 0.5
  done
  st=$(scontrol show job "$id" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  st_check "sbatch --wrap 'echo hi' job $id COMPLETED (scontrol show job: $st)" test "$st" = COMPLETED
  # sacct may lag a moment behind slurmctld
  deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    st=$(sacct -n -X -P -j "$id" -o State 2>/dev/null | head -n1)
    ec=$(sacct -n -X -P -j "$id2" -o State,ExitCode 2>/dev/null | head -n1)
    [[ $st == COMPLETED && $ec == FAILED\|3:0 ]] && break
    sleep 1
  done
  st_check "sacct: job $id COMPLETED ($st)" test "$st" = COMPLETED
  st_check "sacct: job $id2 (exit 3) FAILED|3:0 ($ec)" test "$ec" = 'FAILED|3:0'
}

selftest_k8s() {
  local ns=testbench-selftest node=vk-testbench-selftest out
  out=$(kc get nodes 2>&1) ; st_check "kubectl get nodes answers" test $? -eq 0
  kc delete ns "$ns" --ignore-not-found --wait=true >/dev/null 2>&1 || true
  kc delete node "$node" --ignore-not-found >/dev/null 2>&1 || true
  st_check "kubectl create ns $ns" kc create ns "$ns"
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: $ns}
spec:
  nodeSelector: {kubernetes.io/hostname: no-such-node}
  containers: [{name: c, image: localhost:5000/busybox:latest, command: [sleep, "3600"]}]
EOF
  sleep 3
  out=$(kc -n "$ns" get pod pending -o jsonpath='{.status.phase}/{.spec.nodeName}/{.status.conditions[?(@.type=="PodScheduled")].reason}')
  st_check "pod with nodeSelector for a missing node stays Pending ($out)" test "$out" = "Pending//Unschedulable"
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $node
  labels: {type: virtual-kubelet, kubernetes.io/hostname: $node, kubernetes.io/role: agent}
spec:
  taints: [{key: virtual-node.interlink/no-schedule, value: "true", effect: NoSchedule}]
EOF
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  kc patch node "$node" --subresource=status --type=merge -p "{\"status\":{
    \"capacity\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},
    \"allocatable\":{\"cpu\":\"8\",\"memory\":\"16Gi\",\"pods\":\"110\"},
    \"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$node\"}],
    \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"testbench\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null
  out=$(kc get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
  st_check "Node $node created with Ready=True status via --subresource=status ($out)" test "$out" = True
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: on-vk, namespace: $ns}
spec:
  nodeSelector: {kubernetes.io/hostname: $node}
  tolerations: [{key: virtual-node.interlink/no-schedule, operator: Exists, effect: NoSchedule}]
  containers: [{name: c, image: localhost:5000/busybox:latest, command: [sleep, "3600"]}]
EOF
  for _ in $(seq 40); do
    out=$(kc -n "$ns" get pod on-vk -o jsonpath='{.spec.nodeName}')
    [[ -n $out ]] && break
    sleep 0.5
  done
  st_check "pod with matching nodeSelector+toleration scheduled by kube-scheduler onto $node (nodeName=$out)" test "$out" = "$node"
  out=$(kc -n "$ns" get pod on-vk -o jsonpath='{.spec.volumes[0].projected.sources[0].serviceAccountToken.path}')
  st_check "pod got a projected service-account token volume ($out)" test "$out" = token
  out=$(kc -n default create token default --duration=10m 2>&1)
  st_check "kubectl create token default (TokenRequest) -> JWT of ${#out} chars" test "$(cut -d. -f1 <<<"$out" | head -c 3)" = eyJ
  out=$(kc -n "$ns" get configmap kube-root-ca.crt -o name 2>&1)
  st_check "kube-root-ca.crt ConfigMap published in new namespaces" test "$out" = configmap/kube-root-ca.crt
  # CSR for kubernetes.io/kubelet-serving, as a virtual kubelet would file it
  local tmp csrname=testbench-selftest-csr
  tmp=$(mktemp -d)
  openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/k" -subj "/O=system:nodes/CN=system:node:$node" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:$node" -out "$tmp/csr" 2>/dev/null
  kc delete csr "$csrname" --ignore-not-found >/dev/null 2>&1 || true
  kc apply -f - >/dev/null <<EOF
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {name: $csrname}
spec:
  signerName: kubernetes.io/kubelet-serving
  request: $(base64 -w0 <"$tmp/csr")
  usages: [digital signature, key encipherment, server auth]
EOF
  st_check "kubectl certificate approve $csrname" kc certificate approve "$csrname"
  for _ in $(seq 40); do
    out=$(kc get csr "$csrname" -o jsonpath='{.status.certificate}')
    [[ -n $out ]] && break
    sleep 0.5
  done
  local subj=""
  [[ -n $out ]] && subj=$(base64 -d <<<"$out" | openssl x509 -noout -subject 2>/dev/null)
  st_check "kubelet-serving CSR got a certificate issued ($subj)" test -n "$subj"
  rm -rf "$tmp"
  # cleanup
  kc delete csr "$csrname" --ignore-not-found >/dev/null 2>&1 || true
  kc -n "$ns" delete pod --all --grace-period=0 --force >/dev/null 2>&1 || true
  kc delete ns "$ns" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  kc delete node "$node" --ignore-not-found >/dev/null 2>&1 || true
}

selftest_upstream() {
  local reason bindir p
  reason=$(upstream_missing_reason)
  if [[ -n $reason ]]; then
    if [[ ${CI:-} == true ]]; then st_bad "upstream: $reason"; else echo "upstream: not checked ($reason)"; fi
    return
  fi
  bindir=$(upstream_bin_dir)
  for p in "${UPSTREAM_PROGRAMS[@]}"; do
    st_check "upstream $p built (ELF executable at $bindir/$p)" sh -c "head -c4 '$bindir/$p' | grep -q ELF"
  done
}

cmd_selftest() {
  local comps c
  parse_components comps "$@"
  tb_init_dirs
  for c in "${comps[@]}"; do
    echo "== selftest $c"
    "selftest_$c"
  done
  echo "selftest: $ST_PASS passed, $ST_FAIL failed"
  [[ $ST_FAIL -eq 0 ]]
}
