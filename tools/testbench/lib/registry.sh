# shellcheck shell=bash
# Local OCI registry (Debian docker-registry = distribution 2.8) on
# 127.0.0.1:5000, with busybox pushed as localhost:5000/busybox:latest.

REGISTRY_DIR="$TB_STATE_DIR/registry"
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_PIDFILE="$TB_RUN_DIR/registry.pid"

registry_answers() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$REGISTRY_ADDR/v2/")" == 200 ]]
}

registry_healthy() { pid_alive "$REGISTRY_PIDFILE" && registry_answers; }

registry_has_busybox() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REGISTRY_ADDR/v2/busybox/manifests/latest")" == 200 ]]
}

registry_write_config() {
  mkdir -p "$REGISTRY_DIR/data"
  cat >"$REGISTRY_DIR/config.yml" <<EOF
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $REGISTRY_ADDR
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
}

registry_up() {
  tb_init_dirs
  ensure_pkgs docker-registry
  if ! registry_healthy; then
    stop_pidfile "$REGISTRY_PIDFILE" 5
    if port_listening 5000 && ! registry_answers; then
      die "port 5000 is taken by something that is not a registry"
    fi
    if registry_answers; then
      warn "registry: something not started by the bench already serves $REGISTRY_ADDR; using it"
    else
      registry_write_config
      log "registry: starting on $REGISTRY_ADDR"
      start_bg registry /usr/bin/docker-registry serve "$REGISTRY_DIR/config.yml"
      wait_proc "$REGISTRY_PIDFILE" 30 "registry on $REGISTRY_ADDR" registry_answers \
        || { tail -n 20 "$TB_LOG_DIR/registry.log" >&2; die "registry did not start"; }
    fi
  else
    log "registry: already running (pid $(pidfile_pid "$REGISTRY_PIDFILE"))"
  fi
  if ! registry_has_busybox; then
    docker_build_busybox
    dk tag busybox:latest localhost:5000/busybox:latest
    dk push localhost:5000/busybox:latest >"$TB_LOG_DIR/registry-push.log" 2>&1 \
      || { cat "$TB_LOG_DIR/registry-push.log" >&2; die "docker push localhost:5000/busybox:latest failed"; }
    log "registry: pushed localhost:5000/busybox:latest"
  fi
  registry_has_busybox || die "registry: localhost:5000/busybox:latest not served"
}

registry_down() {
  if pid_alive "$REGISTRY_PIDFILE"; then log "registry: stopping"; fi
  stop_pidfile "$REGISTRY_PIDFILE" 10
}

registry_status() {
  if registry_healthy; then
    local bb=no
    registry_has_busybox && bb=yes
    echo "registry  running  pid=$(pidfile_pid "$REGISTRY_PIDFILE") addr=$REGISTRY_ADDR busybox=$bb"
    [[ $bb == yes ]]
  elif registry_answers; then
    echo "registry  running  (not started by testbench) addr=$REGISTRY_ADDR"
  else
    echo "registry  stopped"
    return 1
  fi
}
