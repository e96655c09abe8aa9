#!/usr/bin/env bash
# The one entry point for people and CI:
#   ./dev.sh demo   build every language's examples and run the cross-language demo
#                   (examples/demo.sh: C, Java, C# and Go programs talking to each other)
#   ./dev.sh test   install what is missing, build every preset CI checks, run all tests,
#                   then the API reference, the ABI check and the package/consumer checks
#   ./dev.sh deps   only install the build dependencies (Debian/Ubuntu, needs root)
#   ./dev.sh format reformat the C and C++ sources with .clang-format (test checks it)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(cmake ninja-build g++ pkg-config libgtest-dev libbenchmark-dev binutils iproute2
  dpkg-dev file abigail-tools doxygen
  nlohmann-json3-dev clang-14 libclang-rt-14-dev clang-format-14
  default-jdk-headless swig junit5 valgrind
  golang-go curl python3 socat libssl-dev openssl python3-matplotlib strace)
  # curl and python3: the Go binding's net/http tests talk to them;
  # curl, python3 and socat: the cross-language test of the examples (tests/interop);
  # libssl-dev: TLS (POLYSOCK_TLS), openssl: its tests make certificates and run s_server;
  # python3-matplotlib: bench/run.sh's plot (bench/report.py);
  # strace: tests/pycompare/test_syscalls.py counts system calls against CPython's

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

# Tests run in a private network namespace when one can be made (root, as in CI):
# only loopback exists there, so no test can send a packet off this machine, not
# even through a resolver falling back to DNS.
isolated() {
  if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
    unshare --net sh -c 'ip link set lo up && exec "$@"' isolated "$@"
  else
    "$@"
  fi
}

# The Java binding is built and tested in the debug preset, where a missing JDK, SWIG or
# JUnit fails the configure step; not under ASan, whose runtime would have to be
# preloaded into the JVM (CI still runs every Java test in debug).
java_flag() { if [ "$1" = debug ]; then echo -DPOLYSOCK_BUILD_JAVA=ON; else echo -DPOLYSOCK_BUILD_JAVA=OFF; fi; }
# The Go binding likewise: built, vetted and tested (also under -race) in debug only,
# where a missing go, gofmt or SWIG fails the configure step. Not under ASan/TSan: cgo
# would link the sanitizer runtimes into the Go test binaries (go test -race is Go's own).
go_flag() { if [ "$1" = debug ]; then echo -DPOLYSOCK_BUILD_GO=ON; else echo -DPOLYSOCK_BUILD_GO=OFF; fi; }
# The C# binding likewise: built and tested in the debug preset, where a missing .NET SDK
# or SWIG fails the configure step (its suites, dotnet format and the .nupkg consumer
# check run under ctest there); not under the sanitizers (the .NET host would need
# their runtimes preloaded).
csharp_flag() { if [ "$1" = debug ]; then echo -DPOLYSOCK_BUILD_CSHARP=ON; else echo -DPOLYSOCK_BUILD_CSHARP=OFF; fi; }

# Every C and C++ source of the project, for clang-format.
sources() {
  # (the Go binding's SWIG output, bindings/go/internal/raw/raw_wrap.c, is generated)
  find core capi tests bench examples bindings \( -name '*.[ch]' -o -name '*.[ch]pp' \) \
    ! -path bindings/go/internal/raw/raw_wrap.c -print0
}

# A section of ./dev.sh test, with the time since the start (to see where CI's goes).
step() { printf '== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

build() {  # build PRESET
  cmake --preset "$1" "$(java_flag "$1")" "$(go_flag "$1")" "$(csharp_flag "$1")" >/dev/null
  cmake --build --preset "$1"
}

case "${1:-}" in
  deps)
    deps ;;
  format)
    sources | xargs -0 clang-format-14 -i ;;
  demo)
    deps
    # The debug preset builds every binding and its examples; its log is shown on failure.
    mkdir -p build
    echo "== building the debug preset (log: build/demo-build.log)"
    build debug >build/demo-build.log 2>&1 || { cat build/demo-build.log; exit 1; }
    examples/demo.sh build/debug/examples ;;
  test)
    deps
    step "clang-format (./dev.sh format fixes it)"
    sources | xargs -0 clang-format-14 --dry-run --Werror
    # debug-poll builds the poller's poll() backend and runs the poller suites on it.
    # The load test (LoadTest.*) runs its full 20 s in debug only, 3 s elsewhere.
    for preset in debug asan tsan debug-poll; do
      step "preset $preset"
      build "$preset"
      load_seconds=3
      [ "$preset" = debug ] && load_seconds=20
      rm -f "build/$preset/tests/polysock-load-report.txt"
      POLYSOCK_LOAD_SECONDS=$load_seconds isolated ctest --preset "$preset"
      cat "build/$preset/tests/polysock-load-report.txt" 2>/dev/null || true
    done
    step "valgrind memcheck of the debug build's test suites (exclusions: tests/memcheck.sh)"
    isolated tests/memcheck.sh build/debug
    step "libFuzzer targets, 10 s each (clang)"
    tests/fuzz/run.sh 10
    step "API reference (Doxygen, warnings are errors)"
    cmake --build --preset debug --target docs
    step "benchmark suites: every case of every language once, at tiny sizes (no figure checked)"
    bench/run.sh --build-only --build build/bench
    isolated bench/run.sh --quick --no-build --build build/bench
    step "instructions per call on the hot paths against bench/callgrind_baseline.txt"
    bench/callgrind_guard.sh build/bench
    step "a build without OpenSSL (POLYSOCK_TLS=OFF): the TLS functions say so"
    tests/tls_disabled/run.sh
    step "ABI against the committed baseline (abi/)"
    abi/check.sh
    step "install, .deb/.tar.gz and consumer projects (needs root)"
    tests/consumers/run.sh
    step "every check passed" ;;
  *)
    echo "usage: $0 demo|test|deps|format" >&2
    exit 2 ;;
esac
