#!/usr/bin/env bash
# The per-call cost guard that CI runs (./dev.sh test): instructions per call on the
# hot paths, counted by valgrind's callgrind (repeatable to the instruction, unlike
# wall time), against the figures committed in bench/callgrind_baseline.txt. Fails if
# a figure grows more than 10% above the committed one; reports raw C beside it.
#   C ABI paths (bench/hot_calls.c): per call = (Ir at N2 calls - Ir at N1 calls) /
#     (N2 - N1), so start-up cancels out.
#   Bindings (each suite's eagain case, bench/README.md): callgrind collects only inside
#     the binding's entry point for the call (its JNI function, its SWIG C# wrapper, its
#     Go method: --toggle-collect); per call = what it collected less what the C ABI
#     function under it cost, over the number of calls to that function: the binding's
#     own instructions on top of the C ABI (the part that JIT-compiled code runs before
#     the native entry is not counted: it is not repeatable under valgrind).
#   bench/callgrind_guard.sh [BUILD_DIR]           check (default build/bench, built by
#                                                   bench/run.sh --build-only)
#   bench/callgrind_guard.sh --update [BUILD_DIR]  rewrite the baseline after a change
#                                                   that is meant to cost what it costs
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
build=$(realpath -m "${1:-$root/build/bench}")
baseline=$root/bench/callgrind_baseline.txt
n1=20000
n2=60000
command -v valgrind >/dev/null || { echo "callgrind guard: valgrind is not installed" >&2; exit 1; }

"$root/bench/run.sh" --build-only --build "$build"
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

# binding_per_call ENTRY CAPI_FUNCTION COMMAND...: the binding's instructions per call
# on top of CAPI_FUNCTION, collected inside the functions matching ENTRY.
binding_per_call() {
  local entry=$1 capi=$2 out
  shift 2
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
    --toggle-collect="$entry" "$@" >/dev/null 2>&1 || { rm -f "$out"; echo "callgrind guard: $* failed" >&2; exit 1; }
  python3 - "$out" "$capi" <<'PY' || { rm -f "$out"; exit 1; }
import re, sys
path, capi = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
names, total, calls, inner = {}, 0, 0, 0
for line in lines:  # a name comes with an id's first use, which may follow its calls
    m = re.match(r"c?fn=\((\d+)\) (.*)", line)
    if m:
        names[m.group(1)] = m.group(2).strip()
pending = None  # the callee of the last calls= line, whose cost line follows
callee = None
for line in lines:
    m = re.match(r"(c?fn)=\((\d+)\)", line)
    if m:
        if m.group(1) == "cfn":
            callee = names.get(m.group(2))
        continue
    if line.startswith("calls="):
        pending = callee
        if callee == capi:
            calls += int(line.split()[0][6:])
        continue
    if line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
        continue
    if pending is not None and re.match(r"[0-9+*-]", line):
        if pending == capi:
            inner += int(line.split()[1])
        pending = None
if calls == 0:
    sys.exit(f"callgrind guard: no call to {capi} inside the entry point")
print(f"{(total - inner) / calls:.1f} {inner / calls:.1f}")
PY
  rm -f "$out"
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
verdict() {  # verdict NAME FIGURE: against the committed figure
  local committed=${figure[$1]:-}
  if [ -z "$committed" ]; then echo new; return; fi
  awk -v p="$2" -v c="$committed" 'BEGIN {
    if (p > c * 1.10) print "FAIL (more than 10% above)";
    else if (p < c * 0.90) print "ok (10% below: refresh with --update)";
    else print "ok" }'
}
printf '%-16s %10s %10s %10s %10s  %s\n' path raw polysock extra committed verdict
for path in eagain recv send blocking-recv blocking-sendall poll; do
  raw=$(per_call $path raw)
  ours=$(per_call $path polysock)
  extra=$(awk -v r="$raw" -v p="$ours" 'BEGIN { printf "%.1f", p - r }')
  v=$(verdict $path "$ours")
  [[ "$v" == FAIL* ]] && failed=1
  printf '%-16s %10s %10s %10s %10s  %s\n' $path "$raw" "$ours" "$extra" "${figure[$path]:--}" "$v"
  out+="$path $ours  # raw C: $raw"$'\n'
done

# Each binding's own instructions per would-block recv, on top of the C ABI's (the
# suites' eagain case at a small count). NAME|ENTRY|CAPI|COMMAND
java_cp=$build/bindings/java/polysock.jar:$build/bindings/java/bench-classes
cs_dll=$build/bindings/csharp/dotnet/bin/PolysockBench/Release/net10.0/PolysockBench.dll
bindings=(
  "java.eagain|Java_org_polysock_PolysockNativeJNI_polysock_1java_1try_1recv_1direct|sock_recv|java -cp $java_cp org.polysock.bench.Suite eagain polysock calls=20000"
  "csharp.eagain|CSharp_PolysockfNative_sock_recv___|sock_recv|dotnet $cs_dll eagain polysock calls=20000"
  "go.eagain|polysock.dev/polysock.(*Socket).RecvInto|sock_recv|$build/bench/suite_go eagain polysock calls=20000"
)
export GODEBUG=asyncpreemptoff=1  # Go's preemption signals trip callgrind's toggling
printf '%-16s %10s %10s %10s %10s  %s\n' binding "C ABI" binding "on top" committed verdict
for entry in "${bindings[@]}"; do
  IFS='|' read -r name fn capi command <<<"$entry"
  read -r -a argv <<<"$command"
  read -r top inner < <(binding_per_call "$fn" "$capi" "${argv[@]}")
  [ -n "$top" ] || { echo "callgrind guard: no count for $name" >&2; exit 1; }
  v=$(verdict "$name" "$top")
  [[ "$v" == FAIL* ]] && failed=1
  total=$(awk -v a="$top" -v b="$inner" 'BEGIN { printf "%.1f", a + b }')
  printf '%-16s %10s %10s %10s %10s  %s\n' "$name" "$inner" "$total" "$top" "${figure[$name]:--}" "$v"
  out+="$name $top  # on top of the C ABI's $inner ($capi)"$'\n'
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
