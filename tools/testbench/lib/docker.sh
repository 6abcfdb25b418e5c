# shellcheck shell=bash
# Docker Engine (Debian docker.io) started by hand, plus a registry-free
# busybox image built from Debian's busybox-static.

DOCKER_DIR="$TB_STATE_DIR/docker"
DOCKER_SOCK=/var/run/docker.sock
DOCKER_PIDFILE="$TB_RUN_DIR/dockerd.pid"
DOCKER_DETECTED="$DOCKER_DIR/detected.env"   # storage driver + network mode that work here
DOCKER_LABEL="interlink.testbench"

export DOCKER_HOST="unix://$DOCKER_SOCK"

dk() { timeout 60 docker "$@"; }

docker_answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

docker_healthy() { pid_alive "$DOCKER_PIDFILE" && docker_answers; }

# Directory put first on dockerd's PATH: lets us point `iptables` at the
# legacy backend when the kernel has no nf_tables (without touching
# update-alternatives).
docker_shim_bin() {
  local d="$DOCKER_DIR/bin"
  mkdir -p "$d"
  if [[ ${TB_DOCKER_IPTABLES_BACKEND:-} == legacy ]]; then
    ln -sfn /usr/sbin/iptables-legacy "$d/iptables"
    ln -sfn /usr/sbin/ip6tables-legacy "$d/ip6tables"
  else
    rm -f "$d/iptables" "$d/ip6tables"
  fi
  echo "$d"
}

# docker_write_config STORAGE_DRIVER NETMODE(bridge|nobridge)
docker_write_config() {
  local sd=$1 net=$2 ipt=true br=""
  if [[ $net == nobridge ]]; then ipt=false; br='"bridge": "none",'; fi
  mkdir -p "$DOCKER_DIR/data" "$DOCKER_DIR/exec"
  cat >"$DOCKER_DIR/daemon.json" <<EOF
{
  "hosts": ["unix://$DOCKER_SOCK"],
  "data-root": "$DOCKER_DIR/data",
  "pidfile": "$DOCKER_DIR/dockerd.pid",
  "storage-driver": "$sd",
  "iptables": $ipt,
  $br
  "ip-forward": true,
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "insecure-registries": ["localhost:5000", "127.0.0.1:5000"],
  "log-driver": "json-file",
  "log-opts": {"max-size": "10m", "max-file": "2"},
  "features": {"buildkit": false}
}
EOF
}

docker_start_daemon() {
  local shim
  # stale pidfiles make dockerd / its managed containerd refuse to start
  if ! pid_alive "$DOCKER_DIR/dockerd.pid"; then rm -f "$DOCKER_DIR/dockerd.pid"; fi
  if [[ -S $DOCKER_SOCK ]] && ! docker_answers; then rm -f "$DOCKER_SOCK"; fi
  shim=$(docker_shim_bin)
  start_bg dockerd env PATH="$shim:$PATH" dockerd --config-file "$DOCKER_DIR/daemon.json"
  if ! wait_proc "$DOCKER_PIDFILE" 60 "docker info" docker_answers; then
    tail -n 20 "$TB_LOG_DIR/dockerd.log" >&2
    return 1
  fi
}

docker_stop_daemon() {
  stop_pidfile "$DOCKER_PIDFILE" 30
  # dockerd also writes its own pidfile; make sure nothing is left
  stop_pidfile "$DOCKER_DIR/dockerd.pid" 10
}

# Build busybox:latest from Debian's busybox-static with `docker import`.
docker_build_busybox() {
  if dk image inspect busybox:latest >/dev/null 2>&1; then return 0; fi
  local bb=/bin/busybox rootfs
  [[ -x $bb ]] || die "/bin/busybox (busybox-static) missing"
  file_is_static "$bb" || die "$bb is not statically linked (is busybox-static installed?)"
  rootfs=$(mktemp -d "$TB_STATE_DIR/busybox-rootfs.XXXXXX")
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/tmp,proc,sys,dev}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  chmod 700 "$rootfs/root"
  cp "$bb" "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s
  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
tty:x:5:
www-data:x:33:
users:x:100:
nogroup:x:65534:
EOF
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  local ver
  ver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)
  tar --numeric-owner -C "$rootfs" -cf - . \
    | dk import \
        --change 'CMD ["sh"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "LABEL $DOCKER_LABEL.source=debian-busybox-static $DOCKER_LABEL.busybox-version=$ver" \
        -m "busybox-static $ver from Debian" - busybox:latest >/dev/null
  rm -rf "$rootfs"
  # docker.io/library/busybox:latest is the same reference as busybox:latest
  # (the daemon normalises it), so no extra tag is needed.
  log "built image busybox:latest from Debian busybox-static $ver"
}

file_is_static() {
  # no PT_INTERP program header => static
  ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -c 'Requesting program interpreter' >/dev/null
}

# Functional checks. Echo a reason and fail when something does not work.
docker_check_run() {
  local out
  out=$(dk run --rm --label "$DOCKER_LABEL=check" busybox echo hi 2>&1) || { echo "docker run failed: $out"; return 1; }
  [[ $out == hi ]] || { echo "docker run printed '$out'"; return 1; }
}

docker_check_shared_netns() {
  local id out
  id=$(dk run -d --label "$DOCKER_LABEL=check" busybox sh -c 'echo shared-netns-ok >/tmp/index.html; httpd -f -p 127.0.0.1:18080 -h /tmp' 2>&1) \
    || { echo "cannot start netns holder: $id"; return 1; }
  out=$(dk run --rm --label "$DOCKER_LABEL=check" --network "container:$id" busybox \
        sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:18080/index.html && exit 0; sleep 0.3; done; exit 1' 2>&1) || true
  dk rm -f "$id" >/dev/null 2>&1 || true
  [[ $out == *shared-netns-ok* ]] || { echo "container:<id> network sharing failed: $out"; return 1; }
}

docker_check_limits() {
  local out
  out=$(dk run --rm --label "$DOCKER_LABEL=check" --memory 64m --cpus 0.5 busybox echo limits-ok 2>&1) \
    || { echo "--memory/--cpus container failed: $out"; return 1; }
  [[ $out == *limits-ok* ]] || { echo "limits container printed '$out'"; return 1; }
}

docker_check_all() {
  docker_check_run && docker_check_shared_netns && docker_check_limits
}

# Try storage driver / network combinations until containers really run.
docker_detect_and_start() {
  local sd net reason
  local drivers=(overlay2 fuse-overlayfs vfs) nets=(bridge nobridge)
  for sd in "${drivers[@]}"; do
    if [[ $sd == fuse-overlayfs ]]; then
      [[ -e /dev/fuse ]] || continue
      ensure_pkgs fuse-overlayfs
    fi
    for net in "${nets[@]}"; do
      for TB_DOCKER_IPTABLES_BACKEND in default legacy; do
        if [[ $net == nobridge && $TB_DOCKER_IPTABLES_BACKEND == legacy ]]; then continue; fi
        if [[ $TB_DOCKER_IPTABLES_BACKEND == legacy && ! -x /usr/sbin/iptables-legacy ]]; then continue; fi
        log "docker: trying storage-driver=$sd network=$net iptables=$TB_DOCKER_IPTABLES_BACKEND"
        docker_write_config "$sd" "$net"
        if docker_start_daemon; then
          if [[ "$(dk info --format '{{.Driver}}' 2>/dev/null)" == "$sd" ]] \
             && docker_build_busybox && reason=$(docker_check_all); then
            printf 'TB_DOCKER_STORAGE_DRIVER=%s\nTB_DOCKER_NET=%s\nTB_DOCKER_IPTABLES_BACKEND=%s\n' \
              "$sd" "$net" "$TB_DOCKER_IPTABLES_BACKEND" >"$DOCKER_DETECTED"
            log "docker: using storage-driver=$sd network=$net iptables=$TB_DOCKER_IPTABLES_BACKEND"
            return 0
          fi
          warn "docker: storage-driver=$sd network=$net does not work: ${reason:-daemon/driver problem}"
        else
          warn "docker: dockerd does not start with storage-driver=$sd network=$net (see $TB_LOG_DIR/dockerd.log)"
        fi
        docker_stop_daemon
        reason=""
      done
    done
  done
  die "no working Docker configuration found (see $TB_LOG_DIR/dockerd.log)"
}

docker_up() {
  tb_init_dirs
  ensure_pkgs docker.io busybox-static binutils
  mkdir -p "$DOCKER_DIR"
  if docker_healthy; then
    docker_build_busybox
    log "docker: already running (pid $(pidfile_pid "$DOCKER_PIDFILE"))"
    return 0
  fi
  if docker_answers; then
    warn "docker: a dockerd not started by the bench answers on $DOCKER_SOCK; using it as is"
    docker_build_busybox
    return 0
  fi
  docker_stop_daemon
  if [[ -s $DOCKER_DETECTED ]]; then
    # shellcheck disable=SC1090
    source "$DOCKER_DETECTED"
    docker_write_config "$TB_DOCKER_STORAGE_DRIVER" "$TB_DOCKER_NET"
    docker_start_daemon || die "dockerd did not start (see $TB_LOG_DIR/dockerd.log)"
    docker_build_busybox
    local reason
    if ! reason=$(docker_check_all); then
      warn "docker: previously detected config no longer works ($reason); re-detecting"
      docker_stop_daemon
      rm -f "$DOCKER_DETECTED"
      docker_detect_and_start
    fi
  else
    docker_detect_and_start
  fi
  log "docker: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}' 2>/dev/null), storage $(dk info --format '{{.Driver}}'), busybox ok, shared netns ok, --memory/--cpus ok"
}

# used by other components that need docker running but should not print timing
docker_up_quiet() { docker_healthy || docker_answers || docker_up; }

docker_down() {
  if docker_answers; then
    local ids
    ids=$(dk ps -aq --filter "label=$DOCKER_LABEL" 2>/dev/null || true)
    if [[ -n $ids ]]; then
      # shellcheck disable=SC2086
      dk rm -f $ids >/dev/null 2>&1 || true
    fi
  fi
  if pid_alive "$DOCKER_PIDFILE"; then
    log "docker: stopping dockerd"
  fi
  docker_stop_daemon
}

docker_status() {
  if docker_healthy; then
    local drv
    drv=$(dk info --format '{{.ServerVersion}} storage={{.Driver}} containers={{.ContainersRunning}}' 2>/dev/null)
    if dk image inspect busybox:latest >/dev/null 2>&1; then
      echo "docker    running  pid=$(pidfile_pid "$DOCKER_PIDFILE") $drv busybox=yes socket=$DOCKER_SOCK"
    else
      echo "docker    degraded pid=$(pidfile_pid "$DOCKER_PIDFILE") $drv busybox=MISSING"
      return 1
    fi
  elif docker_answers; then
    echo "docker    running  (not started by testbench) socket=$DOCKER_SOCK"
  else
    echo "docker    stopped"
    return 1
  fi
}
