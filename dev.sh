#!/usr/bin/env bash
# The one entry point for people and CI:
#   ./dev.sh demo   build and run the echo demo (server and client over loopback)
#   ./dev.sh test   install what is missing, build every preset CI checks, run all tests
#   ./dev.sh deps   only install the build dependencies (Debian/Ubuntu, needs root)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(cmake ninja-build g++ pkg-config libgtest-dev libbenchmark-dev binutils)

deps() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}

build() {  # build PRESET
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1"
}

case "${1:-}" in
  deps)
    deps ;;
  demo)
    deps
    build debug
    ./build/debug/examples/c/echo_demo ;;
  test)
    deps
    for preset in debug asan; do
      echo "== preset $preset"
      build "$preset"
      ctest --preset "$preset"
    done ;;
  *)
    echo "usage: $0 demo|test|deps" >&2
    exit 2 ;;
esac
