#!/usr/bin/env bash
# The ABI check that CI runs (./dev.sh test): builds libpolysock with -g in its own
# build directory and compares it with the committed baseline for its SONAME,
# abi/libpolysock.so.N.abi (abidiff) and abi/libpolysock.so.N.values.
#
# Fails on:
#   - anything abidiff calls incompatible (exit bit 8: a function or symbol removed,
#     a symbol version changed), and any reported change that is not an addition:
#     a changed function signature, a changed sock_address layout, ... (exit bit 4
#     with a non-zero "Removed" or "Changed" count); abidiff errors (bits 1 and 2);
#   - a status code or other SOCK_* value changed or removed;
#   - net_abi_version() and the SONAME's number disagreeing;
#   - no baseline for the SONAME (a new ABI generation starts with update-baseline.sh).
# Reports, and passes: compatible additions (new functions, new SOCK_* values). They
# join the baseline when it is refreshed on purpose with abi/update-baseline.sh.
# Usage: abi/check.sh [BUILD_DIR] (default build/abi-check)
set -euo pipefail
source "$(dirname "$0")/common.sh"
abi_require_tools
build=${1:-$ABI_ROOT/build/abi-check}

fail() { echo "ABI check FAILED: $*" >&2; exit 1; }

abi_build "$build"
soname=$(abi_soname "$build")
abi_version=${soname##*.so.}
reported=$(abi_probe_abi_version "$build")
[ "$reported" = "$abi_version" ] ||
  fail "the SONAME is $soname but net_abi_version() says $reported: they must move together"
echo "ok: SONAME $soname, net_abi_version() = $reported"

baseline=$ABI_ROOT/abi/$soname
[ -f "$baseline.abi" ] && [ -f "$baseline.values" ] ||
  fail "no baseline abi/$soname.abi and .values: a new ABI generation starts with abi/update-baseline.sh (docs/abi.md)"
abi_dump "$build" "$build/$soname.abi"
abi_values "$build" "$build/$soname.values"

# Functions, symbols and the types they reach.
report=$build/abidiff.txt
set +e
abidiff "$baseline.abi" "$build/$soname.abi" > "$report" 2>&1
rc=$?
set -e
if (( rc & 3 )); then
  cat "$report" >&2
  fail "abidiff could not compare (exit $rc)"
fi
if (( rc & 8 )) || grep -qE '[1-9][0-9]* (Removed|Changed|removed|changed)|SONAME changed|architecture changed' "$report"; then
  cat "$report" >&2
  fail "an incompatible change against abi/$soname.abi (abidiff exit $rc): restore the old
interface, or make a new ABI generation on purpose (docs/abi.md, 'Breaking the ABI')"
fi
if (( rc & 4 )); then
  echo "ok: compatible changes against abi/$soname.abi (abidiff exit $rc); they join the baseline with abi/update-baseline.sh:"
  sed 's/^/    /' "$report"
else
  echo "ok: the functions, symbols and types are those of abi/$soname.abi"
fi

# Values compiled into callers: status codes, timeout sentinels.
gone=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$baseline.values") <(LC_ALL=C sort "$build/$soname.values"))
if [ -n "$gone" ]; then
  echo "in abi/$soname.values:" >&2; echo "$gone" | sed 's/^/    /' >&2
  echo "now:" >&2
  for name in $(echo "$gone" | awk '{print $1}'); do
    grep -E "^$name " "$build/$soname.values" | sed 's/^/    /' >&2 || echo "    $name (removed)" >&2
  done
  fail "SOCK_* values changed or removed against abi/$soname.values"
fi
added=$(LC_ALL=C comm -13 <(LC_ALL=C sort "$baseline.values") <(LC_ALL=C sort "$build/$soname.values"))
if [ -n "$added" ]; then
  echo "ok: SOCK_* values added since abi/$soname.values:"; echo "$added" | sed 's/^/    /'
else
  echo "ok: the SOCK_* values are those of abi/$soname.values"
fi
echo "== ABI check passed: nothing incompatible against abi/$soname.*"
