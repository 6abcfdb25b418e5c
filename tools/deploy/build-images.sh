#!/usr/bin/env bash
# Builds every interLink image from the repository root with the Docker build cache:
#   interlink/{interlink,docker-sidecar,slurm-sidecar,virtual-kubelet,slurm}:$INTERLINK_TAG
# Base images come from a registry when the engine can pull them, else tools/deploy/base-images.sh
# makes them locally (same tags, so the Dockerfiles are the same).
#   bash tools/deploy/build-images.sh [image...]      # default: all five
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
TAG=${INTERLINK_TAG:-local}
images=("$@")
[[ ${#images[@]} -gt 0 ]] || images=(interlink docker-sidecar slurm-sidecar virtual-kubelet slurm)

log() { printf '[%s] build-images: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for base in node:20-bookworm-slim debian:bookworm-slim; do
  docker image inspect "$base" >/dev/null 2>&1 || timeout 60 docker pull -q "$base" >/dev/null 2>&1 || true
done
bash tools/deploy/base-images.sh

export DOCKER_BUILDKIT=0   # the classic builder: the same everywhere, no buildx needed
for img in "${images[@]}"; do
  t0=$SECONDS
  if [[ $img == slurm ]]; then
    args=(-t "interlink/slurm:$TAG" docker/slurm)
  else
    args=(-f "docker/$img/Dockerfile" -t "interlink/$img:$TAG" .)
  fi
  if ! out=$(docker build "${args[@]}" 2>&1); then
    printf '%s\n' "$out" | tail -n 40 >&2
    log "FAILED: interlink/$img:$TAG"
    exit 1
  fi
  log "interlink/$img:$TAG built in $((SECONDS - t0))s ($(docker image inspect -f '{{.Size}}' "interlink/$img:$TAG" | awk '{printf "%.0f MB", $1/1e6}'))"
done
