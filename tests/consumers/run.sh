#!/usr/bin/env bash
# Packaging checks from a release build of the library (tests and examples off):
#   0. cmake --install into a fresh prefix, cpack the .deb and the .tar.gz, and check
#      the prefix holds what it must and the tarball holds the same files;
#   1. find_package(polysock CONFIG REQUIRED) consumer against the prefix;
#   2. the same consumer against the installed .deb (apt-get install ./polysock_*.deb,
#      no CMAKE_PREFIX_PATH), then the package is removed again;
#   3. a consumer built with `pkg-config --cflags --libs polysock` against the prefix;
#   4. a Java program (tests/consumers/java/LoopbackCheck.java) compiled and run against
#      the jar the .deb installs, /usr/share/java/polysock.jar (the versionless link);
#   5. the Go consumer module of tests/consumers/go against the prefix (cgo's
#      `#cgo pkg-config: polysock`), dialing the C example echo server and serving the
#      C example echo client, both built with pkg-config against the prefix (all with
#      an RPATH to the prefix's lib).
# Each C consumer is a project of its own, configured outside the library's build, and
# runs tests/consumers/loopback_check.c (exit 0 = bytes went over loopback intact).
# Needs root, for the .deb. Usage: tests/consumers/run.sh [BUILD_DIR] (default build/pkg)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/pkg}
work=$build/consumers        # the prefix and the consumers' own build trees
prefix=$work/prefix

# Each consumer finds polysock only where this script points it.
unset CMAKE_PREFIX_PATH PKG_CONFIG_PATH

step() { echo "-- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  fail "the .deb check installs a package with apt-get: run $0 as root (CI does)"
fi
if dpkg-query -W -f='${Status}' polysock 2>/dev/null | grep -q "install ok installed"; then
  fail "a polysock package is already installed; remove it first: apt-get remove -y polysock"
fi

# A package build, as a distribution would make it: optimised, and without -Werror
# (GCC 12 gives false -Wrestrict warnings at -O3; the debug and asan presets keep
# warnings fatal).
step "release build in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_WERROR=OFF \
  -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF -DPOLYSOCK_BUILD_BENCH=OFF \
  -DPOLYSOCK_BUILD_JAVA=ON -DPOLYSOCK_TLS=ON -DPOLYSOCK_SANITIZE= >/dev/null
cmake --build "$build"

rm -rf "$work" "$build/packages"
step "cmake --install --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
soname=$(objdump -p "$prefix/lib/libpolysock.so" | awk '$1 == "SONAME" {print $2}')
for f in "lib/$soname" lib/libpolysock.so include/polysock/polysock.h \
         include/polysock/polysock_constants.h lib/cmake/polysock/polysockConfig.cmake \
         lib/cmake/polysock/polysockConfigVersion.cmake \
         lib/cmake/polysock/polysockTargets.cmake lib/pkgconfig/polysock.pc; do
  [ -e "$prefix/$f" ] || fail "the install prefix has no $f"
done
[ -L "$prefix/lib/$soname" ] && [ -L "$prefix/lib/libpolysock.so" ] ||
  fail "lib/$soname and lib/libpolysock.so must be symlinks to the versioned file"
# The jar as Debian installs Java libraries: versioned file, versionless link beside it.
jars=("$prefix"/share/java/polysock-*.jar)
[ ${#jars[@]} -eq 1 ] && [ -f "${jars[0]}" ] || fail "the install prefix has no share/java/polysock-<version>.jar"
jar=${jars[0]##*/}
[ "$(readlink "$prefix/share/java/polysock.jar")" = "$jar" ] ||
  fail "share/java/polysock.jar must be a relative symlink to $jar"

step "cpack: .deb and .tar.gz"
(cd "$build" && cpack -B "$build/packages" >/dev/null)
debs=("$build"/packages/polysock_*.deb)
tgzs=("$build"/packages/polysock-*.tar.gz)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in $build/packages"
[ ${#tgzs[@]} -eq 1 ] && [ -f "${tgzs[0]}" ] || fail "expected one .tar.gz in $build/packages"
deb=${debs[0]}
dpkg-deb --field "$deb" Package Version Depends
# The tarball holds exactly what the prefix install does.
diff <(cd "$prefix" && find . ! -type d | sed 's|^\./||' | sort) \
     <(tar tzf "${tgzs[0]}" | grep -v '/$' | sed 's|^[^/]*/||' | sort) ||
  fail "${tgzs[0]##*/} and the prefix install differ"

step "1. find_package consumer against the prefix"
cmake -S "$here/find_package" -B "$work/find_package-prefix" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix"
cmake --build "$work/find_package-prefix"
ldd "$work/find_package-prefix/loopback_check" | grep -F "$prefix/lib/$soname" ||
  fail "the consumer is not linked with $prefix/lib/$soname"
"$work/find_package-prefix/loopback_check"

step "2. find_package consumer against the installed ${deb##*/}"
remove_package() { DEBIAN_FRONTEND=noninteractive apt-get remove -y --purge polysock >/dev/null 2>&1 || true; }
trap remove_package EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" \
  >"$work/apt-install.log" 2>&1 || { cat "$work/apt-install.log" >&2; fail "apt-get install ./${deb##*/}"; }
echo "installed: $(dpkg-query -W -f='${Package} ${Version}' polysock)"
cmake -S "$here/find_package" -B "$work/find_package-deb" -G Ninja
grep -q "^polysock_DIR:PATH=/usr/lib/cmake/polysock$" "$work/find_package-deb/CMakeCache.txt" ||
  fail "find_package did not find the package's /usr/lib/cmake/polysock"
cmake --build "$work/find_package-deb"
ldd "$work/find_package-deb/loopback_check" | grep -E "$soname => /(usr/)?lib/$soname" ||
  fail "the consumer is not linked with /usr/lib/$soname"
"$work/find_package-deb/loopback_check"

step "4. Java consumer against the installed /usr/share/java/polysock.jar"
grep -qx "/usr/share/java/$jar" <<<"$(dpkg -L polysock)" || fail "the package has no /usr/share/java/$jar"
[ "$(readlink /usr/share/java/polysock.jar)" = "$jar" ] ||
  fail "the package's /usr/share/java/polysock.jar is not a link to $jar"
mkdir -p "$work/java"
javac --release 17 -Xlint:all -Werror -cp /usr/share/java/polysock.jar -d "$work/java" \
  "$here/java/LoopbackCheck.java"
env -u LD_LIBRARY_PATH java -cp "/usr/share/java/polysock.jar:$work/java" LoopbackCheck
DEBIAN_FRONTEND=noninteractive apt-get remove -y --purge polysock \
  >"$work/apt-remove.log" 2>&1 || { cat "$work/apt-remove.log" >&2; fail "apt-get remove polysock"; }
trap - EXIT
[ ! -e "/usr/lib/$soname" ] && ! dpkg-query -W -f='${Status}' polysock 2>/dev/null | grep -q installed ||
  fail "the polysock package did not go away cleanly"
echo "removed: polysock"

step "3. pkg-config consumer against the prefix"
mkdir -p "$work/pkg_config"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" "$here/pkg_config/build.sh" "$work/pkg_config/loopback_check"
LD_LIBRARY_PATH="$prefix/lib" "$work/pkg_config/loopback_check"

step "5. Go consumer module against the prefix"
mkdir -p "$work/go"
# shellcheck disable=SC2046  # pkg-config's output is a list of words
for example in echo_server echo_client; do
  ${CC:-cc} -std=c99 -Wall -Wextra -Werror $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags polysock) \
    "$root/examples/c/$example.c" $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --libs polysock) \
    -Wl,-rpath,"$prefix/lib" -o "$work/go/$example"
done
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" CGO_LDFLAGS="-Wl,-rpath,$prefix/lib" \
  "$here/go/run.sh" "$root/bindings/go" "$work/go/consumer" "$work/go/echo_server" "$work/go/echo_client"
ldd "$work/go/consumer/echo_check" | grep -F "$prefix/lib/$soname" ||
  fail "the Go consumer is not linked with $prefix/lib/$soname"

echo "== consumer checks passed: find_package (prefix), find_package (.deb), pkg-config, Java (.deb), Go module"
