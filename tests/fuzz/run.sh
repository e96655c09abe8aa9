#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build/fuzz and runs each one for
# SECONDS seconds (default 20), starting from its seed corpus in tests/fuzz/corpus.
# Fails as soon as a target crashes or one of its checks aborts; the input that did
# it is left in build/fuzz/artifacts/.
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
seconds="${1:-20}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$root/build/fuzz"

cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYSOCK_WERROR=ON -DPOLYSOCK_BUILD_FUZZ=ON \
  -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" --target polysock_fuzz_targets

mkdir -p "$build/artifacts"
for target in inet_aton inet_pton inet_ntop sockaddr; do
  # New inputs go to a corpus under build/; the checked-in seeds are only read.
  work="$build/corpus/$target"
  mkdir -p "$work"
  echo "== fuzz_$target for ${seconds}s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
    "$work" "$root/tests/fuzz/corpus/$target"
done
echo "fuzz: every target ran ${seconds}s without a failure"
