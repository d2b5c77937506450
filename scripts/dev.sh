#!/usr/bin/env bash
# One entry point for a fresh Debian 12 + Node 20 machine (root):
#   bash scripts/dev.sh setup   install Debian tools, pnpm, node modules; build
#   bash scripts/dev.sh demo    setup, then run scripts/demo.sh
#   bash scripts/dev.sh test    setup, then run the whole test suite
# setup is idempotent and quick when everything is already there.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION=10.34.9
# Tools the tests drive for real (independent oracles, runtimes, registry),
# Chromium for inspect-tool's report screenshots, getfattr/setfattr (attr) for
# xattrs, iptables for CNI port mapping, and podman for the pod-run benchmark.
DEBIAN_PACKAGES=(
  skopeo umoci oci-image-tool busybox-static docker-registry runc crun
  containernetworking-plugins catatonit conmon buildah apache2-utils openssl
  iproute2 chromium attr iptables podman
)

log() { printf '[dev.sh] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_debian_packages() {
  local pkg status
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || printf '%s\n' "$pkg"
  done
}

setup_debian() {
  local missing
  mapfile -t missing < <(missing_debian_packages)
  if [ "${#missing[@]}" -eq 0 ]; then
    log "Debian packages: all present"
    return
  fi
  log "Debian packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

setup_pnpm() {
  local current=""
  if command -v pnpm >/dev/null 2>&1; then current=$(pnpm --version 2>/dev/null || true); fi
  if [ "$current" = "$PNPM_VERSION" ]; then
    log "pnpm $PNPM_VERSION: present"
    return
  fi
  log "pnpm: installing $PNPM_VERSION (found '${current:-none}')"
  # corepack cannot verify signatures against this registry; npm installs it fine.
  npm i -g "pnpm@$PNPM_VERSION" --no-fund --no-audit
}

setup_node_modules() {
  # zstd-napi builds from source with node-gyp: point it at the installed
  # Node headers instead of letting it download them.
  export npm_config_nodedir=/usr
  log "pnpm install --frozen-lockfile"
  # No prompt without a TTY (CI) if node_modules must be rebuilt from scratch.
  pnpm install --frozen-lockfile --prefer-offline --config.confirmModulesPurge=false
  log "pnpm build"
  pnpm build
}

cmd_setup() {
  setup_debian
  setup_pnpm
  setup_node_modules
}

cmd_demo() {
  cmd_setup
  bash scripts/demo.sh
}

cmd_test() {
  cmd_setup
  log "pnpm exec vitest run $*"
  pnpm exec vitest run "$@"
}

usage() {
  sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    setup) cmd_setup "$@" ;;
    demo) cmd_demo "$@" ;;
    test) cmd_test "$@" ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
