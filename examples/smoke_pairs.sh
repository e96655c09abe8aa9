#!/bin/sh
# A quick check of one language's examples on their own, over 127.0.0.1:
#   examples/smoke_pairs.sh BIN_DIR
# BIN_DIR holds the programs (build/<preset>/examples/<lang>/bin). It runs every
# program's --help (exit 0) and a bad usage (exit 2), greeting_client against
# greeting_server, a refused connection (exit 1, Python's message), and file_send to
# file_receive with a small file (bytes and SHA-256 checked). Every wait is bounded
# and every server is killed at the end. The cross-language test covers the rest.
set -eu
bin=$1
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# start NAME ARGS...: runs a server in the background and sets $port from its first
# line, "listening on HOST:PORT" (waiting at most 60 s: a JVM or .NET host starts slowly
# on a busy machine).
start() {
  name=$1
  shift
  "$bin/$name" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server=$!
  i=0
  while [ $i -lt 600 ]; do
    line=$(head -n 1 "$work/$name.out" 2>/dev/null || true)
    case $line in
      "listening on "*:*) port=${line##*:}; return 0 ;;
    esac
    kill -0 "$server" 2>/dev/null || fail "$name exited early: $(cat "$work/$name.err")"
    sleep 0.1
    i=$((i + 1))
  done
  fail "$name did not say where it listens"
}

# finish NAME: the server must exit 0 by itself within 30 s.
finish() {
  i=0
  while kill -0 "$server" 2>/dev/null; do
    [ $i -lt 300 ] || fail "$1 did not exit"
    sleep 0.1
    i=$((i + 1))
  done
  status=0
  wait "$server" || status=$?
  server=
  [ $status -eq 0 ] || fail "$1 exited $status: $(cat "$work/$1.err")"
}

for program in greeting_server greeting_client file_send file_receive multi_client_server \
    multi_client reuse_address lookup udp_echo http_hello; do
  timeout 60 "$bin/$program" --help >"$work/help" || fail "$program --help did not exit 0"
  grep -q "^usage: $program" "$work/help" || fail "$program --help: no usage line"
  status=0
  timeout 60 "$bin/$program" a b c d e >/dev/null 2>"$work/usage" || status=$?
  [ $status -eq 2 ] || fail "$program with five arguments exited $status, not 2"
  grep -q "usage: $program" "$work/usage" || fail "$program: no usage on stderr"
done
echo "ok: --help and bad usage of every program"

start greeting_server 127.0.0.1 0 1
timeout 60 "$bin/greeting_client" 127.0.0.1 "$port" >"$work/greeting" || fail "greeting_client failed"
grep -Eq '^Thank you for connecting, 127\.0\.0\.1:[0-9]+$' "$work/greeting" \
  || fail "unexpected greeting: $(cat "$work/greeting")"
[ "$(wc -l <"$work/greeting")" -eq 1 ] || fail "more than the greeting line"
finish greeting_server
echo "ok: $(cat "$work/greeting")"

# The server has exited: its port now refuses.
status=0
timeout 60 "$bin/greeting_client" 127.0.0.1 "$port" >/dev/null 2>"$work/refused" || status=$?
[ $status -eq 1 ] || fail "greeting_client to a closed port exited $status, not 1"
grep -q '\[Errno 111\] Connection refused' "$work/refused" || fail "refused: $(cat "$work/refused")"
echo "ok: $(cat "$work/refused")"

head -c 1048577 /dev/urandom >"$work/in.bin"
start file_receive 127.0.0.1 0 "$work/out.bin"
timeout 120 "$bin/file_send" 127.0.0.1 "$port" "$work/in.bin" >"$work/sent" || fail "file_send failed: $(cat "$work/sent")"
finish file_receive
sha=$(sha256sum "$work/in.bin" | cut -d' ' -f1)
[ "$(cat "$work/sent")" = "OK 1048577 $sha" ] || fail "file_send printed: $(cat "$work/sent")"
[ "$(cat "$work/file_receive.out" | sed -n 2p)" = "OK 1048577 $sha" ] || fail "file_receive printed: $(cat "$work/file_receive.out")"
cmp -s "$work/in.bin" "$work/out.bin" || fail "the received file differs"
echo "ok: $(cat "$work/sent")"
