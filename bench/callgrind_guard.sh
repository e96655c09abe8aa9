#!/usr/bin/env bash
# The per-call cost guard that CI runs (./dev.sh test): instructions per call on the
# hot paths, counted by valgrind's callgrind (repeatable to the instruction, unlike
# wall time), against the figures committed in bench/callgrind_baseline.txt. Fails if
# a polysock path costs more than 10% above its figure; reports raw C beside it.
# Per call = (Ir at N2 calls - Ir at N1 calls) / (N2 - N1): start-up cancels out.
#   bench/callgrind_guard.sh [BUILD_DIR]           check (default build/callgrind)
#   bench/callgrind_guard.sh --update [BUILD_DIR]  rewrite the baseline after a change
#                                                   that is meant to cost what it costs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
build=${1:-$root/build/callgrind}
baseline=$root/bench/callgrind_baseline.txt
n1=20000
n2=60000
command -v valgrind >/dev/null || { echo "callgrind guard: valgrind is not installed" >&2; exit 1; }

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_WERROR=ON \
  -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF -DPOLYSOCK_BUILD_BENCH=ON \
  -DPOLYSOCK_SANITIZE= >/dev/null
cmake --build "$build" --target hot_calls >/dev/null

refs() {  # refs PATH SIDE COUNT: the instructions of one run
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/bench/hot_calls" "$@" 2>&1 |
    sed -n -E 's/.*I[[:space:]]+refs:[[:space:]]+([0-9,]+).*/\1/p' | tr -d ,
}
per_call() {  # per_call PATH SIDE
  local a b
  a=$(refs "$1" "$2" $n1)
  b=$(refs "$1" "$2" $n2)
  [ -n "$a" ] && [ -n "$b" ] || { echo "callgrind guard: no count for $1 $2" >&2; exit 1; }
  awk -v a="$a" -v b="$b" -v n=$((n2 - n1)) 'BEGIN { printf "%.1f", (b - a) / n }'
}

declare -A figure=()
if [ -f "$baseline" ]; then
  while read -r path value _; do
    [[ -z "$path" || "$path" == \#* ]] && continue
    figure[$path]=$value
  done < "$baseline"
fi

failed=0
out=""
printf '%-8s %10s %10s %10s %10s  %s\n' path raw polysock extra committed verdict
for path in eagain recv send poll; do
  raw=$(per_call $path raw)
  ours=$(per_call $path polysock)
  extra=$(awk -v r="$raw" -v p="$ours" 'BEGIN { printf "%.1f", p - r }')
  committed=${figure[$path]:-}
  verdict="new"
  if [ -n "$committed" ]; then
    verdict=$(awk -v p="$ours" -v c="$committed" 'BEGIN {
      if (p > c * 1.10) print "FAIL (more than 10% above)";
      else if (p < c * 0.90) print "ok (10% below: refresh with --update)";
      else print "ok" }')
  fi
  [[ "$verdict" == FAIL* ]] && failed=1
  printf '%-8s %10s %10s %10s %10s  %s\n' $path "$raw" "$ours" "$extra" "${committed:--}" "$verdict"
  out+="$path $ours  # raw C: $raw"$'\n'
done

if [ $update = 1 ]; then
  {
    echo "# Instructions per call through polysock on the hot paths (bench/callgrind_guard.sh)."
    echo "# A change that costs more than 10% above a figure fails CI; one that is meant to"
    echo "# cost what it costs refreshes this file with: bench/callgrind_guard.sh --update"
    echo "# Release build, $(cc --version | head -1), $(ldd --version | head -1)."
    printf '%s' "$out"
  } > "$baseline"
  echo "wrote $baseline"
  exit 0
fi
[ ${#figure[@]} -gt 0 ] || { echo "callgrind guard: no baseline; run with --update" >&2; exit 1; }
[ $failed = 0 ] || { echo "callgrind guard FAILED: a hot path grew (see above)" >&2; exit 1; }
echo "== callgrind guard passed"
