# shellcheck shell=bash
# Build kube-apiserver / kube-controller-manager / kube-scheduler from the Go
# modules of k8s.io/kubernetes (no prebuilt downloads are possible here).

K8S_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)

# k8s_version: version to run; matches `kubectl version --client` with any
# "-suffix" stripped (v1.32.4-dispatcher -> v1.32.4). Override with
# TESTBENCH_K8S_VERSION.
k8s_version() {
  if [[ -n ${TESTBENCH_K8S_VERSION:-} ]]; then echo "$TESTBENCH_K8S_VERSION"; return; fi
  local v=""
  if command -v kubectl >/dev/null 2>&1; then
    v=$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1)
  fi
  v=${v%%-*}; v=${v%%+*}
  [[ $v =~ ^v1\.[0-9]+\.[0-9]+$ ]] || v=v1.32.4
  echo "$v"
}

k8s_bin_dir() { echo "$TB_CACHE_DIR/k8s-$(k8s_version)/bin"; }

# Go environment private to the bench (module + build cache under cache dir).
k8s_go_env() {
  export GOROOT_BIN=/usr/local/go/bin
  export GOPATH="$TB_CACHE_DIR/go"
  export GOMODCACHE="$TB_CACHE_DIR/go/pkg/mod"
  export GOCACHE="$TB_CACHE_DIR/go-build"
  # The checksum-database mirror reachable here answers 404 for
  # k8s.io/kubernetes and several k8s.io/* staging modules; skip the sumdb
  # for those (go.sum still pins them), everything else is still verified.
  export GONOSUMDB="${GONOSUMDB:-k8s.io,sigs.k8s.io}"
  export GOFLAGS="-trimpath -mod=mod -buildvcs=false"
  export CGO_ENABLED=0
  export GOTOOLCHAIN=local
}

k8s_binaries_ok() {
  local v bindir c
  v=$(k8s_version); bindir=$(k8s_bin_dir)
  for c in "${K8S_COMPONENTS[@]}"; do
    [[ -x $bindir/$c ]] || return 1
    "$bindir/$c" --version 2>/dev/null | grep -cx "Kubernetes $v" >/dev/null || return 1
  done
}

k8s_build() {
  local v bindir src gobin kdir minor patch stagingv
  v=$(k8s_version); bindir=$(k8s_bin_dir)
  if k8s_binaries_ok; then return 0; fi
  gobin=/usr/local/go/bin/go
  [[ -x $gobin ]] || gobin=$(command -v go) || die "Go toolchain not found"
  k8s_go_env
  minor=${v#v1.}; minor=${minor%%.*}; patch=${v##*.}
  stagingv="v0.$minor.$patch"
  src="$TB_CACHE_DIR/k8s-$v/src"
  mkdir -p "$src" "$bindir"
  log "building Kubernetes $v control plane from Go modules (CPU bound: ~5-10 min on 2 cores; log $TB_LOG_DIR/k8s-build.log)"
  kdir=$( cd "$src" && "$gobin" mod download -json "k8s.io/kubernetes@$v" | sed -n 's/^[[:space:]]*"Dir": *"\(.*\)",\{0,1\}$/\1/p' )
  [[ -n $kdir && -f $kdir/go.mod ]] || die "go mod download k8s.io/kubernetes@$v failed"
  local gover staging
  gover=$(awk '$1=="go"{print $2; exit}' "$kdir/go.mod")
  # every staging repo replaced by ./staging/src/... in kubernetes' go.mod
  staging=$(awk '/^replace *\(/{r=1;next} r&&/^\)/{r=0} r&&$3 ~ /^\.\/staging\// {print $1}' "$kdir/go.mod")
  [[ -n $staging ]] || die "could not parse replace block of $kdir/go.mod"
  {
    echo "module interlink.local/testbench/k8sbuild"
    echo
    echo "go $gover"
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    echo "replace ("
    local m
    for m in $staging; do echo "	$m => $m $stagingv"; done
    echo ")"
  } >"$src/go.mod"
  # A file that imports the commands' libraries so `go mod tidy` sees them.
  cat >"$src/tools.go" <<'EOF'
package k8sbuild

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
)
EOF
  : >"$TB_LOG_DIR/k8s-build.log"
  log "resolving modules (go mod tidy)"
  ( cd "$src" && nice -n 10 "$gobin" mod tidy ) >>"$TB_LOG_DIR/k8s-build.log" 2>&1 \
    || { tail -n 30 "$TB_LOG_DIR/k8s-build.log" >&2; die "go mod tidy failed"; }
  local commit ldflags pkgs=() c
  commit=$(sed -n 's/.*"Hash": *"\([0-9a-f]*\)".*/\1/p' "$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$v.info" 2>/dev/null | head -n1)
  ldflags="-s -w"
  local pkgv
  for pkgv in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkgv.gitVersion=$v -X $pkgv.gitMajor=1 -X $pkgv.gitMinor=$minor"
    ldflags+=" -X $pkgv.gitTreeState=clean -X $pkgv.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    [[ -n $commit ]] && ldflags+=" -X $pkgv.gitCommit=$commit"
  done
  for c in "${K8S_COMPONENTS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  log "compiling ${K8S_COMPONENTS[*]} (progress every 250 packages)"
  local t0=$SECONDS rc=0
  set +o pipefail
  ( cd "$src" && nice -n 10 "$gobin" build -v -ldflags "$ldflags" -o "$bindir/" "${pkgs[@]}" 2>&1; echo "BUILD_RC=$?" ) \
    | tee -a "$TB_LOG_DIR/k8s-build.log" \
    | awk -v t0="$(date +%s)" '/^BUILD_RC=/{next} {n++} n%250==0 {printf "[testbench] k8s build: %d packages compiled (%ds)\n", n, systime()-t0 > "/dev/stderr"}'
  set -o pipefail
  rc=$(sed -n 's/^BUILD_RC=//p' "$TB_LOG_DIR/k8s-build.log" | tail -n1)
  if [[ $rc != 0 ]]; then
    tail -n 40 "$TB_LOG_DIR/k8s-build.log" >&2
    die "Kubernetes build failed (rc=$rc)"
  fi
  k8s_binaries_ok || die "built binaries do not report version $v"
  log "Kubernetes $v binaries built in $((SECONDS - t0))s into $bindir"
}
