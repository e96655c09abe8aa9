#!/usr/bin/env bash
# The library built without OpenSSL (POLYSOCK_TLS=OFF), and tests/tls_disabled/check.c
# run against it. Usage: tests/tls_disabled/run.sh [BUILD_DIR] (default build/notls)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/notls}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOLYSOCK_TLS=OFF \
  -DPOLYSOCK_WERROR=ON -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF \
  -DPOLYSOCK_BUILD_BENCH=OFF -DPOLYSOCK_SANITIZE= >/dev/null
cmake --build "$build" --target polysock
if objdump -p "$build/capi/libpolysock.so" | grep -q 'NEEDED.*libssl'; then
  echo "FAIL: a POLYSOCK_TLS=OFF library links libssl" >&2
  exit 1
fi
cc -std=c99 -Wall -Wextra -Werror -I"$root/capi/include" -I"$build/generated/include" \
  "$here/check.c" -L"$build/capi" -lpolysock -Wl,-rpath,"$build/capi" -o "$build/tls_disabled_check"
"$build/tls_disabled_check"
