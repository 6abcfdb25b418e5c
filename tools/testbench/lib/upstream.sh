# shellcheck shell=bash
# Build upstream interLink (Go) from pinned source tarballs: node controller (`vk`), relay
# (`interlink`) and the Slurm plugin (`slurm-plugin`). They are test peers for the
# interoperability suite (tests/interop) and the side-by-side bench, nothing else.
#
# Sources: $INTERLINK_UPSTREAM_SRC (default: ../shared/upstream beside the repository).
# Binaries: $TB_CACHE_DIR/upstream/<tarball-sha256-prefix>/bin, so a changed tarball is a
# new cache entry and an unchanged one is never rebuilt. `upstream.env` beside the binaries
# records what was built from what (read by the tests).
#
# Without the sources: on a developer machine `up`/`status` only warn (the interop suite then
# says in its summary that it did not run and why); with CI=true it is an error.

UPSTREAM_IL_TARBALL=interlink-0.6.2.tar.gz
UPSTREAM_SLURM_TARBALL=interlink-slurm-plugin-0.6.2-pre5.tar.gz
UPSTREAM_IL_VERSION=0.6.2
UPSTREAM_PROGRAMS=(vk interlink slurm-plugin)

upstream_src_dir() {
  if [[ -n ${INTERLINK_UPSTREAM_SRC:-} ]]; then echo "$INTERLINK_UPSTREAM_SRC"; return; fi
  # tools/testbench -> repository root -> ../shared/upstream; a git worktree elsewhere falls
  # back to the one beside its main checkout
  local beside common
  beside=$(cd "$TB_SELF_DIR/../../.." && echo "$PWD/shared/upstream")
  common=$(git -C "$TB_SELF_DIR" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  if [[ ! -d $beside && -n $common && -d $common/../../shared/upstream ]]; then
    (cd "$common/../../shared/upstream" && pwd)
    return
  fi
  echo "$beside"
}

# upstream_missing_reason: prints why the upstream build cannot run, or nothing.
upstream_missing_reason() {
  local src t
  src=$(upstream_src_dir)
  for t in "$UPSTREAM_IL_TARBALL" "$UPSTREAM_SLURM_TARBALL"; do
    [[ -r $src/$t ]] || { echo "upstream source tarball $src/$t not found (set INTERLINK_UPSTREAM_SRC)"; return; }
  done
  command -v go >/dev/null 2>&1 || [[ -x /usr/local/go/bin/go ]] || echo "Go toolchain not found"
}

# upstream_key: cache key = first 16 hex digits of the sha256 of both tarballs together.
upstream_key() {
  local src
  src=$(upstream_src_dir)
  cat "$src/$UPSTREAM_IL_TARBALL" "$src/$UPSTREAM_SLURM_TARBALL" | sha256sum | cut -c1-16
}

upstream_bin_dir() { echo "$TB_CACHE_DIR/upstream/$(upstream_key)/bin"; }

upstream_binaries_ok() {
  local bindir p
  bindir=$(upstream_bin_dir)
  [[ -s $bindir/upstream.env ]] || return 1
  for p in "${UPSTREAM_PROGRAMS[@]}"; do [[ -x $bindir/$p ]] || return 1; done
}

# upstream_go_env: the bench's private module/build caches (shared with the k8s build).
upstream_go_env() {
  export GOPATH="$TB_CACHE_DIR/go"
  export GOMODCACHE="$TB_CACHE_DIR/go/pkg/mod"
  export GOCACHE="$TB_CACHE_DIR/go-build"
  export GOFLAGS="-trimpath -buildvcs=false"
  export CGO_ENABLED=0
  export GOTOOLCHAIN=local
}

# upstream_compile WORKDIR OUTDIR: extract both tarballs and build the three programs.
upstream_compile() {
  local work=$1 out=$2 src gobin logf="$TB_LOG_DIR/upstream-build.log"
  src=$(upstream_src_dir)
  gobin=$(command -v go || echo /usr/local/go/bin/go)
  tar -xzf "$src/$UPSTREAM_IL_TARBALL" -C "$work"
  tar -xzf "$src/$UPSTREAM_SLURM_TARBALL" -C "$work"
  local ldflags="-X github.com/interlink-hq/interlink/pkg/virtualkubelet.KubeletVersion=$UPSTREAM_IL_VERSION"
  {
    (cd "$work/interLink" && nice -n 10 "$gobin" build -ldflags "$ldflags" -o "$out/vk" ./cmd/virtual-kubelet) &&
      (cd "$work/interLink" && nice -n 10 "$gobin" build -o "$out/interlink" ./cmd/interlink) &&
      (cd "$work/interlink-slurm-plugin" && nice -n 10 "$gobin" build -o "$out/slurm-plugin" ./cmd)
  } >>"$logf" 2>&1
}

upstream_build() {
  local reason bindir tmp t0=$SECONDS
  reason=$(upstream_missing_reason)
  if [[ -n $reason ]]; then
    [[ ${CI:-} == true ]] && die "upstream build: $reason"
    warn "upstream programs not built: $reason; the interop suite will not run"
    return 0
  fi
  if upstream_binaries_ok; then return 0; fi
  bindir=$(upstream_bin_dir)
  upstream_go_env
  log "building upstream interLink $UPSTREAM_IL_VERSION (vk, relay) and Slurm plugin (log $TB_LOG_DIR/upstream-build.log)"
  tmp=$(mktemp -d "$TB_CACHE_DIR/upstream-build.XXXXXX")
  mkdir -p "$tmp/src" "$tmp/bin"
  : >"$TB_LOG_DIR/upstream-build.log"
  if ! upstream_compile "$tmp/src" "$tmp/bin"; then
    tail -n 30 "$TB_LOG_DIR/upstream-build.log" >&2
    rm -rf "$tmp"
    die "upstream build failed (see $TB_LOG_DIR/upstream-build.log)"
  fi
  upstream_write_env "$tmp/bin"
  # publish atomically: a half-built directory is never taken for a cached one
  mkdir -p "$(dirname "$bindir")"
  rm -rf "$bindir"
  mv "$tmp/bin" "$bindir"
  rm -rf "$tmp"
  log "upstream programs built in $((SECONDS - t0))s into $bindir"
}

upstream_write_env() {
  local out=$1 src
  src=$(upstream_src_dir)
  {
    echo "UPSTREAM_INTERLINK_VERSION=$UPSTREAM_IL_VERSION"
    echo "UPSTREAM_INTERLINK_TARBALL=$src/$UPSTREAM_IL_TARBALL"
    echo "UPSTREAM_SLURM_PLUGIN_TARBALL=$src/$UPSTREAM_SLURM_TARBALL"
    echo "UPSTREAM_KEY=$(upstream_key)"
    echo "UPSTREAM_GO=$(go version 2>/dev/null || /usr/local/go/bin/go version)"
    echo "UPSTREAM_BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$out/upstream.env"
}

# `up upstream` builds (nothing is started: the tests run the programs on their own ports).
upstream_up() { upstream_build; }

# Nothing runs as a daemon; `down` keeps the cached binaries.
upstream_down() { :; }

upstream_status() {
  local reason
  reason=$(upstream_missing_reason)
  if [[ -n $reason ]]; then
    printf 'upstream  unavailable %s\n' "$reason"
    [[ ${CI:-} != true ]]
    return
  fi
  if upstream_binaries_ok; then
    printf 'upstream  built bin=%s\n' "$(upstream_bin_dir)"
  else
    printf 'upstream  not built (testbench.sh up upstream) bin=%s\n' "$(upstream_bin_dir)"
    return 1
  fi
}

# Printed by `env`: where the tests find the binaries (empty when unavailable).
upstream_env() {
  local reason
  reason=$(upstream_missing_reason)
  if [[ -z $reason ]] && upstream_binaries_ok; then
    echo "export INTERLINK_UPSTREAM_BIN=$(upstream_bin_dir)"
  else
    echo "export INTERLINK_UPSTREAM_BIN="
  fi
}
