#!/usr/bin/env bash
# Makes the public base images the Dockerfiles start FROM when no registry is reachable:
#   debian:bookworm-slim    debootstrap (minbase) from the Debian mirror this host uses
#   node:20-bookworm-slim   that rootfs + this host's Node 20 runtime and npm, user node (1000)
# An image that already exists (pulled from Docker Hub, or made by an earlier run) is kept, so
# on a machine with registry access nothing here runs. The Dockerfiles are the same either way.
#
#   bash tools/deploy/base-images.sh [--force]
set -euo pipefail

DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}
NODE_IMAGE=${NODE_IMAGE:-node:20-bookworm-slim}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
force=0
[[ ${1:-} == --force ]] && force=1

log() { printf '[%s] base-images: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
have_image() { [[ $force == 0 ]] && docker image inspect "$1" >/dev/null 2>&1; }

if have_image "$DEBIAN_IMAGE" && have_image "$NODE_IMAGE"; then
  log "$DEBIAN_IMAGE and $NODE_IMAGE present"
  exit 0
fi

node_bin=$(command -v node)
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[[ $node_major == 20 ]] || { echo "base-images: host node is v$node_major, need 20" >&2; exit 1; }
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
[[ -f $npm_dir/package.json ]] || { echo "base-images: cannot find npm's package directory" >&2; exit 1; }

command -v debootstrap >/dev/null 2>&1 || {
  log "installing debootstrap"
  apt-get install -y -q debootstrap >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q debootstrap >/dev/null; }
}

work=$(mktemp -d /var/tmp/interlink-rootfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

log "debootstrap bookworm (minbase) from $MIRROR"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}

# Same sources as the official image. The mirror here may serve a dated snapshot, so
# Valid-Until is not enforced inside this locally made image (the host does the same).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cat >"$root/etc/apt/apt.conf.d/99local-mirror" <<'EOF'
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
EOF
# What the official slim image trims: docs, man pages, apt caches.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
echo 'APT::Install-Recommends "false";' >"$root/etc/apt/apt.conf.d/99no-recommends"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/var/log/*.log
: >"$root/etc/hostname"
# Trust what this host trusts beyond Debian's bundle (e.g. a TLS-inspecting egress proxy's CA),
# so that `npm ci` inside a build behaves as it does on the host.
extra_ca=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  extra_ca=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi

if ! have_image "$DEBIAN_IMAGE"; then
  log "importing $DEBIAN_IMAGE"
  tar -C "$root" --numeric-owner -c . | docker import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
fi

if ! have_image "$NODE_IMAGE"; then
  # The official image: node and npm under /usr/local, a `node` user with uid/gid 1000.
  node_version=$("$node_bin" --version)
  install -m 0755 "$node_bin" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  chroot "$root" node --version >/dev/null
  log "importing $NODE_IMAGE ($node_version)"
  tar -C "$root" --numeric-owner -c . | docker import \
    --change "ENV NODE_VERSION=${node_version#v}" \
    "${extra_ca[@]}" --change 'CMD ["node"]' - "$NODE_IMAGE" >/dev/null
fi
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^(${DEBIAN_IMAGE}|${NODE_IMAGE}) " >&2
