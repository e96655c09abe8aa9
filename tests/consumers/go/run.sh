#!/bin/sh
# Builds the Go consumer module (this directory) outside the polysock module and runs
# it against the C example echo server (and, given, the C example echo client):
#   tests/consumers/go/run.sh MODULE_DIR WORK_DIR ECHO_SERVER [ECHO_CLIENT]
# MODULE_DIR is bindings/go (the polysock Go module, consumed from source as Go does);
# cgo finds the native library with pkg-config, so PKG_CONFIG_PATH (and, for a prefix
# outside the loader's path, CGO_LDFLAGS=-Wl,-rpath,<prefix>/lib) come from the caller.
# No LD_LIBRARY_PATH: the program must find libpolysock by itself.
set -eu
module=$(cd "$1" && pwd)
work=$2
echo_server=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cp "$here/main.go" "$work/"
cat >"$work/go.mod" <<MOD
module polysock.dev/echocheck

go 1.19

require polysock.dev/polysock v0.0.0

replace polysock.dev/polysock => $module
MOD
export GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=on CGO_ENABLED=1
export GOCACHE="${GOCACHE:-$work/gocache}" GOPATH="${GOPATH:-$work/gopath}"
unset LD_LIBRARY_PATH
echo "polysock via pkg-config: $(pkg-config --cflags --libs polysock)"
(cd "$work" && go build -buildvcs=false -o echo_check .)
ldd "$work/echo_check" | grep libpolysock
"$work/echo_check" "$echo_server" ${4:+"$4"}
