#!/usr/bin/env bash
# The benchmark driver (issue 18): builds the library and one suite program per language
# (C, Java, C#, Go), runs every case they list, several rounds, and regenerates the
# figures in docs/benchmarks.md (table of medians and ratios, plot) from the results.
#
#   bench/run.sh [--rounds N] [--only REGEX] [--quick] [--no-build|--build-only] [--no-docs]
#                [--build DIR]
#
#   --rounds N     rounds (default 5): every round runs every case once, in an order
#                  that rotates from round to round, so the cases of a comparison share
#                  the machine's noise; the report takes medians and per-round ratios
#   --only REGEX   only the benchmarks whose name matches (bulk-pinned, bulk, rtt-pinned,
#                  rtt, connect, eagain, echo-1000, echo-10000, tls-bulk); -pinned: the
#                  whole program on one CPU (taskset -c 0), so that both ends share it and
#                  the figure is their CPU cost, not where the scheduler put them
#   --quick        tiny sizes and one round: checks that every case runs (CI does this;
#                  its figures mean nothing and never reach the docs)
#   --langs LIST   only these suites (default c,java,csharp,go; C's raw side is the
#                  baseline of every ratio, so c is always run)
#   --no-docs      keep the results in the build tree only
#   --build DIR    the build tree (default build/bench); --build-only stops after building,
#                  --no-build uses what is there (CI builds, then runs in a network namespace)
#
# Each suite program measures one case per invocation and prints "RESULT <number>"
# (bench/README.md: the protocol); the driver never trusts a program to compare itself.
# Results: <build>/results/results.tsv and run.log; the docs get docs/benchmarks/results.tsv,
# docs/benchmarks/ratios.png and the generated part of docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=5
only=.
quick=0
build_it=1
build_only=0
docs=1
build=$root/build/bench
langs=(c java csharp go)
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --quick) quick=1; rounds=1; docs=0; shift ;;
    --no-build) build_it=0; shift ;;
    --build-only) build_only=1; shift ;;
    --no-docs) docs=0; shift ;;
    --langs)
      langs=(c)
      for l in ${2//,/ }; do
        case $l in c) ;; java|csharp|go) langs+=("$l") ;; *) echo "bench/run.sh: no suite $l" >&2; exit 2 ;; esac
      done
      shift 2 ;;
    --build) build=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: bench/run.sh [--rounds N] [--only REGEX] [--quick] [--no-build|--build-only] [--no-docs] [--build DIR]" >&2
       exit 2 ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --rounds takes a positive number" >&2; exit 2; }
for tool in java dotnet go taskset openssl; do
  command -v $tool >/dev/null || { echo "bench/run.sh: $tool is missing (./dev.sh deps)" >&2; exit 1; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench/run.sh: needs two CPUs (the echo cases pin the server and the load apart)" >&2; exit 1; }

# ---- Build: an optimised library and every suite --------------------------------------
cs_dll=$build/bindings/csharp/dotnet/bin/PolysockBench/Release/net10.0/PolysockBench.dll
if [ $build_it -eq 1 ]; then
  echo "== building (Release) in $build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_WERROR=ON \
    -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF -DPOLYSOCK_BUILD_BENCH=ON \
    -DPOLYSOCK_BUILD_JAVA=ON -DPOLYSOCK_BUILD_CSHARP=ON -DPOLYSOCK_BUILD_GO=ON -DPOLYSOCK_SANITIZE= >/dev/null
  cmake --build "$build" --target suite_c loadgen polysock_java_bench polysock_nupkg polysock_go >/dev/null
  PolysockBuildDir=$build/bindings/csharp dotnet build -nologo -v q -c Release \
    "$root/bench/csharp/PolysockBench.csproj" >/dev/null
  # The build tree's own Go cache: with a shared one, go build can reuse a package
  # linked for another build tree and the suite loads that tree's libpolysock (its RPATH).
  (cd "$root/bench/go" && PKG_CONFIG_PATH=$build/bindings/go/pkgconfig \
    GOCACHE=$build/bindings/go/gocache GOFLAGS=-buildvcs=false go build -o "$build/bench/suite_go" .)
fi
[ $build_only -eq 1 ] && exit 0
java_cp=$build/bindings/java/polysock.jar:$build/bindings/java/bench-classes
declare -A suite=(
  [c]="$build/bench/suite_c"
  [java]="java -cp $java_cp org.polysock.bench.Suite"
  [csharp]="dotnet $cs_dll"
  [go]="$build/bench/suite_go"
)
loadgen=$build/bench/loadgen

# ---- Parameters -------------------------------------------------------------------------
if [ $quick -eq 1 ]; then
  bulk=(bytes=16777216) rtt=(trips=500) connect=(count=200) eagain=(calls=20000)
  tls=(bytes=4194304) echo_seconds=1 echo_conns=(100 1000)
else
  bulk=(bytes=1073741824) rtt=(trips=20000) connect=(count=5000) eagain=(calls=1000000)
  tls=(bytes=268435456) echo_seconds=3 echo_conns=(1000 10000)
fi
benchmarks=(bulk-pinned bulk rtt-pinned rtt connect eagain "echo-${echo_conns[0]}" "echo-${echo_conns[1]}" tls-bulk)

out=$build/results
mkdir -p "$out"
results=$out/results.tsv
log=$out/run.log
: >"$log"
certs=$(mktemp -d)
trap 'rm -rf "$certs"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$certs/key.pem" -out "$certs/cert.pem" 2>>"$log"
openssl pkcs12 -export -passout pass:polysock -in "$certs/cert.pem" -inkey "$certs/key.pem" \
  -out "$certs/cert.p12" 2>>"$log"
tls+=("cert=$certs/cert.pem" "key=$certs/key.pem" "p12=$certs/cert.p12")
ulimit -n "$(ulimit -Hn)"  # 10,000 connections on each side of the echo cases

# ---- The cases each suite lists -----------------------------------------------------------
declare -A cases=()  # benchmark name of the suites -> "lang:impl ..."
for lang in "${langs[@]}"; do
  listing=$(${suite[$lang]} list) || { echo "bench/run.sh: $lang suite: list failed" >&2; exit 1; }
  while read -r b impl; do
    [ -n "$b" ] && cases[$b]+="$lang:$impl "
  done <<<"$listing"
done
suite_bench() {  # the suite's benchmark for one of ours
  case $1 in *-pinned) echo "${1%-pinned}" ;; echo-*) echo echo-server ;; *) echo "$1" ;; esac
}

# ---- Running one case ----------------------------------------------------------------------
failures=0
run_case() {  # run_case BENCHMARK LANG IMPL ROUND: appends a line to $results
  local b=$1 lang=$2 impl=$3 round=$4 value="" status=0 output
  local cmd=(${suite[$lang]})
  echo "-- round $round $b $lang $impl" >>"$log"
  case $b in
    echo-*)
      output=$(echo_case "${b#echo-}" "${cmd[@]}" echo-server "$impl" 2>>"$log") || status=$?
      ;;
    *)
      local params pin=()
      case $b in
        bulk) params=("${bulk[@]}") ;;
        bulk-pinned) params=("${bulk[@]}"); pin=(taskset -c 0) ;;
        rtt) params=("${rtt[@]}") ;;
        rtt-pinned) params=("${rtt[@]}"); pin=(taskset -c 0) ;;
        connect) params=("${connect[@]}") ;;
        eagain) params=("${eagain[@]}") ;;
        tls-bulk) params=("${tls[@]}") ;;
      esac
      output=$(timeout 600 "${pin[@]}" "${cmd[@]}" "$(suite_bench "$b")" "$impl" "${params[@]}" \
        2>>"$log") || status=$?
      ;;
  esac
  echo "$output" >>"$log"
  value=$(sed -n 's/^RESULT \([0-9.eE+-]*\)$/\1/p' <<<"$output" | tail -1)
  if [ $status -ne 0 ] || [ -z "$value" ]; then
    echo "   FAILED: round $round $b $lang $impl (status $status; see $log)" >&2
    failures=$((failures + 1))
    value=NA
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$b" "$lang" "$impl" "$value" >>"$results"
  printf '   %-12s %-7s %-16s %s\n' "$b" "$lang" "$impl" "$value"
}

# echo_case CONNS COMMAND...: the server (pinned to CPU 0) under the load generator
# (pinned to CPU 1); prints the generator's output.
echo_case() {
  local conns=$1 port="" tag rc=0
  shift
  coproc SERVER { exec taskset -c 0 "$@"; }
  local pid=$SERVER_PID in=${SERVER[1]} from=${SERVER[0]}
  while read -t 60 -r tag port <&"$from"; do
    [ "$tag" = PORT ] && break
    port=""
  done
  if [ -n "$port" ]; then
    taskset -c 1 "$loadgen" port="$port" pid="$pid" conns="$conns" seconds=$echo_seconds || rc=$?
  else
    echo "bench/run.sh: the echo server printed no PORT line" >&2
    rc=1
  fi
  exec {in}>&-  # stdin's EOF: the server ends
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bench/run.sh: the echo server did not end on stdin's EOF" >&2
    kill -9 "$pid" 2>/dev/null || true
    rc=1
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

# ---- The rounds ------------------------------------------------------------------------------
{
  echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "command	bench/run.sh --rounds $rounds$([ "$only" = . ] || echo " --only '$only'")"
  echo "commit	$(git -C "$root" rev-parse --short HEAD 2>/dev/null)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)')"
  echo "cpu	$(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "kernel	$(uname -sr)"
  echo "load	$(cut -d' ' -f1-3 /proc/loadavg) (at the start)"
  echo "cc	$(cc --version | head -1)"
  echo "java	$(java -version 2>&1 | head -1)"
  echo "dotnet	.NET SDK $(dotnet --version)"
  echo "go	$(go version)"
  echo "openssl	$(openssl version)"
} >"$out/machine.tsv"
: >"$results"
started=$(date +%s)
for ((round = 1; round <= rounds; round++)); do
  echo "== round $round of $rounds"
  for b in "${benchmarks[@]}"; do
    [[ $b =~ $only ]] || continue
    read -r -a list <<<"${cases[$(suite_bench "$b")]:-}"
    n=${#list[@]}
    for ((k = 0; k < n; k++)); do  # rotate the order from round to round
      IFS=: read -r lang impl <<<"${list[$(((k + round - 1) % n))]}"
      run_case "$b" "$lang" "$impl" "$round"
    done
  done
done
echo "load	$(cut -d' ' -f1-3 /proc/loadavg) (at the end; $(( ($(date +%s) - started) / 60 )) min)" \
  >>"$out/machine.tsv"

py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # Debian's, with Debian's matplotlib
if [ $docs -eq 1 ]; then
  mkdir -p "$root/docs/benchmarks"
  cp "$results" "$root/docs/benchmarks/results.tsv"
  cp "$out/machine.tsv" "$root/docs/benchmarks/machine.tsv"
  $py "$root/bench/report.py" --results "$results" --machine "$out/machine.tsv" \
    --page "$root/docs/benchmarks.md" --plot "$root/docs/benchmarks/ratios.png"
else
  $py "$root/bench/report.py" --results "$results" --machine "$out/machine.tsv" \
    --page "$out/benchmarks.md" --plot "$out/ratios.png"
fi
if [ $failures -ne 0 ]; then
  echo "bench/run.sh: $failures case(s) failed (see $log)" >&2
  exit 1
fi
