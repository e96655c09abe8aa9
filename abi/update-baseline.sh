#!/usr/bin/env bash
# Records the ABI baseline on purpose: abi/libpolysock.so.N.abi and .values, from a
# fresh RelWithDebInfo build of the working tree in build/abi-baseline (removed and
# made again each time, nothing taken from the environment's compiler flags), so the
# same sources give the same files. Then `git diff abi/` shows what the ABI gains.
#
# It refuses to record an incompatible change under an unchanged SONAME, since the
# libraries already out there would break: make a new ABI generation instead (bump
# POLYSOCK_ABI_VERSION and the major version together, see docs/abi.md), or, before
# any release has been made, pass --accept-break.
# Usage: abi/update-baseline.sh [--accept-break]
set -euo pipefail
source "$(dirname "$0")/common.sh"
abi_require_tools
accept_break=no
case "${1:-}" in
  "") ;;
  --accept-break) accept_break=yes ;;
  *) echo "usage: $0 [--accept-break]" >&2; exit 2 ;;
esac

build=$ABI_ROOT/build/abi-baseline
rm -rf "$build"
abi_build "$build"
soname=$(abi_soname "$build")
reported=$(abi_probe_abi_version "$build")
if [ "$reported" != "${soname##*.so.}" ]; then
  echo "the SONAME is $soname but net_abi_version() says $reported: fix that first" >&2
  exit 1
fi
abi_dump "$build" "$build/$soname.abi"
abi_values "$build" "$build/$soname.values"

out=$ABI_ROOT/abi/$soname
if [ -f "$out.abi" ] && [ -f "$out.values" ]; then
  # The same judgement as check.sh, so nothing incompatible slips in by a refresh.
  if ! "$ABI_ROOT/abi/check.sh" "$build" >"$build/check.txt" 2>&1; then
    cat "$build/check.txt" >&2
    if [ "$accept_break" != yes ]; then
      echo "not recorded: the change is incompatible under the same SONAME $soname" >&2
      exit 1
    fi
    echo "recording an incompatible change under $soname (--accept-break)" >&2
  else
    grep -v '^ok: SONAME' "$build/check.txt" || true
  fi
else
  echo "a new ABI generation: $soname"
fi
cp "$build/$soname.abi" "$out.abi"
cp "$build/$soname.values" "$out.values"
echo "wrote abi/$soname.abi and abi/$soname.values; review with: git diff -- abi/"
