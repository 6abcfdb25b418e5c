#!/bin/sh
# Runs the Docker sidecar as the unprivileged `node` user. Started as root (the image default),
# it first joins the group that owns the Docker socket, whatever its gid on this host, and makes
# sure DataRootFolder is writable; started with --user it runs as given.
set -eu
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
sock=${sock#unix://}
if [ "$(id -u)" = 0 ] && [ "${RUN_AS_ROOT:-false}" != true ]; then
  groups=node
  if [ -S "$sock" ]; then groups="node,$(stat -c %g "$sock")"; fi
  if [ -n "${DATAROOTFOLDER:-}" ]; then
    mkdir -p "$DATAROOTFOLDER"
    chown node:node "$DATAROOTFOLDER"
  fi
  exec setpriv --reuid=node --regid=node --groups="$groups" --inh-caps=-all -- \
    node --enable-source-maps /app/main.js "$@"
fi
exec node --enable-source-maps /app/main.js "$@"
