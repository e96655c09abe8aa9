#!/usr/bin/env bash
# The cross-language demonstration of ./dev.sh demo: the examples of every language
# (examples/README.md) talking to each other over loopback, printed as it happens.
#   examples/demo.sh build/debug/examples
# It needs all four languages (c java csharp go): a missing one is an error.
set -euo pipefail
examples=$(cd "${1:?usage: $0 build/<preset>/examples}" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for lang in c java csharp go; do
  [ -x "$examples/$lang/bin/greeting_server" ] || {
    echo "demo: the $lang examples are missing from $examples/$lang/bin (build with every binding ON)" >&2
    exit 1
  }
done

bin() { echo "$examples/$1/bin/$2"; }
say() { printf '\n== %s\n' "$*"; }
# Starts a server in the background (output into $work/NAME.out) and waits, at most
# 30 s, for its "listening on 127.0.0.1:PORT" line; sets $port.
serve() {
  local name=$1
  shift
  local out="$work/${name// /_}.out"
  : >"$out" # before the background job opens it, so that the first grep finds it
  "$@" >"$out" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do
    if grep -q '^listening on ' "$out"; then
      port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" | head -1)
      echo "[$name] $(head -1 "$out")"
      return 0
    fi
    sleep 0.1
  done
  echo "demo: $name did not start: $(cat "$out")" >&2
  exit 1
}
# Waits (at most 30 s) for the last server started to exit, then shows the rest of its output.
finish() {
  local name=$1 pid=${pids[-1]}
  timeout 30 tail --pid="$pid" -f /dev/null
  wait "$pid"
  tail -n +2 "$work/${name// /_}.out" | sed "s/^/[$name] /"
}
run() {  # LABEL PROGRAM...: runs a client, prefixing its output with its label
  local label=$1
  shift
  timeout 60 "$@" 2>&1 | sed -u "s/^/[$label] /"
}

say "A Go greeting_server greets a C, a Java and a C# client, all three at once"
serve "go greeting_server" "$(bin go greeting_server)" 127.0.0.1 0 3
clients=()
for lang in c java csharp; do
  run "$lang greeting_client" "$(bin "$lang" greeting_client)" 127.0.0.1 "$port" &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done  # each must succeed
finish "go greeting_server"

say "A 20 MiB file of random bytes, sent by C# (sendfile) to Go, which checks its size and SHA-256"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$work/file.bin"
echo "sha256sum: $(sha256sum "$work/file.bin" | cut -d' ' -f1)"
serve "go file_receive" "$(bin go file_receive)" 127.0.0.1 0 "$work/received.bin"
run "csharp file_send" "$(bin csharp file_send)" 127.0.0.1 "$port" "$work/file.bin"
finish "go file_receive"

say "One C multi_client_server (the poller), three clients at once: Go, Java and C#"
serve "c multi_client_server" "$(bin c multi_client_server)" 127.0.0.1 0 3
export POLYSOCK_EXAMPLE_INTERVAL=0.3
clients=()
for lang in go java csharp; do
  run "$lang multi_client" "$(bin "$lang" multi_client)" 127.0.0.1 "$port" "$lang" 3 &
  clients+=($!)
done
for pid in "${clients[@]}"; do wait "$pid"; done  # each must succeed
finish "c multi_client_server"

say "curl asks the Java http_hello"
serve "java http_hello" "$(bin java http_hello)" 127.0.0.1 0 1
timeout 20 curl -sS -i "http://127.0.0.1:$port/" | tr -d '\r' | sed 's/^/[curl] /'
finish "java http_hello"

say "socat sends a datagram to the C# udp_echo"
serve "csharp udp_echo" "$(bin csharp udp_echo)" 127.0.0.1 0 1
echo "hello over UDP" | timeout 20 socat -t 2 - "UDP:127.0.0.1:$port" | sed 's/^/[socat] /'
finish "csharp udp_echo"

say "The Go reuse_address: why servers set SO_REUSEADDR"
run "go reuse_address" "$(bin go reuse_address)" 127.0.0.1 0
echo
echo "demo: done"
