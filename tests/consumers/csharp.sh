#!/usr/bin/env bash
# The C# consumer check: bindings/csharp/consumer/EchoCheck, a console project of its
# own, restores Polysock.<version>.nupkg by PackageReference from the build's package
# folder (in a fresh package cache, so a stale copy can never be used), builds, and runs
# against the C example echo server without LD_LIBRARY_PATH. Run by ctest
# (csharp_consumer_echo) in a build with POLYSOCK_BUILD_CSHARP=ON.
# Usage: tests/consumers/csharp.sh CSHARP_BUILD_DIR VERSION ECHO_SERVER
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$1 version=$2 echo_server=$3
work=$build/consumer
package=$build/packages/Polysock.$version.nupkg
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset LD_LIBRARY_PATH

fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$package" ] || fail "no $package (build the polysock_nupkg target)"
# The listing is read once: `unzip -l | grep -q` under pipefail fails whenever grep's
# early exit makes unzip die of SIGPIPE.
listing=$(unzip -l "$package")
for f in lib/net8.0/Polysock.dll runtimes/linux-x64/native/libpolysock_csharp.so \
         runtimes/linux-x64/native/libpolysock.so.1; do
  grep -q " $f\$" <<<"$listing" || fail "${package##*/} has no $f"
done

rm -rf "$work"
mkdir -p "$work"
# Restore only from the package folder (and the machine's one): offline, as under ctest
# in a network namespace, into a fresh package cache.
cat >"$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="built" value="$build/packages" />
    <add key="local" value="/opt/nuget/packages" />
  </packageSources>
</configuration>
CONFIG
PolysockBuildDir=$build PolysockDotnetDir=$work/dotnet dotnet build \
  "$root/bindings/csharp/consumer/EchoCheck/EchoCheck.csproj" -c Release --disable-build-servers -nologo -v:minimal \
  -p:PolysockVersion="$version" -p:RestorePackagesPath="$work/packages" \
  -p:RestoreConfigFile="$work/nuget.config" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; fail "the consumer did not build against ${package##*/}"; }
[ -d "$work/packages/polysock/$version" ] || fail "Polysock $version was not restored from the package"
app=$work/dotnet/bin/EchoCheck/Release/net10.0/EchoCheck.dll
[ -f "$(dirname "$app")/runtimes/linux-x64/native/libpolysock_csharp.so" ] ||
  fail "the consumer's output has no runtimes/linux-x64/native/libpolysock_csharp.so"
dotnet "$app" "$echo_server"
