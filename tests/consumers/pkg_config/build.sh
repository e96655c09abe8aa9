#!/usr/bin/env bash
# A consumer built with nothing but pkg-config's flags, as a Makefile user would:
#   PKG_CONFIG_PATH=<prefix>/lib/pkgconfig tests/consumers/pkg_config/build.sh OUT
# OUT is the program to write; run it with the library's directory on the loader path.
set -euo pipefail
out=${1:?usage: $0 OUTPUT}
here=$(cd "$(dirname "$0")" && pwd)

cflags=$(pkg-config --cflags polysock)
libs=$(pkg-config --libs polysock)
version=$(pkg-config --modversion polysock)
libdir=$(pkg-config --variable=libdir polysock)
# The SONAME's number is what net_abi_version() must say; the .pc file must agree.
soname=$(objdump -p "$libdir/libpolysock.so" | awk '$1 == "SONAME" {print $2}')
abi=${soname##*.so.}
if [ "$abi" != "$(pkg-config --variable=abi_version polysock)" ]; then
  echo "polysock.pc says ABI $(pkg-config --variable=abi_version polysock), the SONAME $soname" >&2
  exit 1
fi
echo "polysock $version via pkg-config: $cflags $libs ($soname)"

# shellcheck disable=SC2086  # pkg-config's output is a list of words
${CC:-cc} -std=c99 -Wall -Wextra -Werror -pedantic $cflags \
  -DPOLYSOCK_EXPECTED_VERSION="\"$version\"" -DPOLYSOCK_EXPECTED_ABI="$abi" \
  "$here/../loopback_check.c" $libs -o "$out"
