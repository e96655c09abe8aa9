# Shared by abi/check.sh and abi/update-baseline.sh (sourced, not run): how the
# library is built for ABI work and how its ABI is written down. Both scripts must
# describe the library the same way, or the comparison means nothing.
#
# The ABI of libpolysock.so.N is kept as two files in abi/:
#   libpolysock.so.N.abi     abidw's XML of the exported functions, the types they
#                            reach (sock_address ...) and the ELF symbols with their
#                            version; read by abidiff
#   libpolysock.so.N.values  "NAME value" for every SOCK_*/TLS_* enumerator and numeric
#                            SOCK_*/TLS_* macro of the public headers (status codes, timeout
#                            sentinels, event bits): values compiled into callers,
#                            which abidiff cannot see
# Source lines and directories are left out (a translation unit is named by its file
# name only), so the files change only when the ABI does, wherever the tree is.

ABI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ABI_HEADERS_DIR=$ABI_ROOT/capi/include/polysock

abi_require_tools() {
  local tool
  for tool in abidw abidiff cmake ninja cc objdump; do
    command -v "$tool" >/dev/null ||
      { echo "abi: $tool is missing (./dev.sh deps installs abigail-tools and the rest)" >&2; exit 1; }
  done
}

# abi_build BUILD_DIR: libpolysock alone, RelWithDebInfo (-O2 -g: abidw reads the
# DWARF), with nothing taken from the environment's compiler flags. -fno-ipa-icf keeps
# GCC from folding identical functions (net_htonl and net_ntohl) into one body, which
# would leave one of them without debug info and so without a checked signature.
abi_build() {
  env -u CFLAGS -u CXXFLAGS -u CPPFLAGS -u LDFLAGS \
    cmake -S "$ABI_ROOT" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS=-fno-ipa-icf \
      -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF -DPOLYSOCK_BUILD_BENCH=OFF \
      -DPOLYSOCK_SANITIZE= -DPOLYSOCK_WERROR=OFF >/dev/null
  if ! cmake --build "$1" --target polysock > "$1/abi_build.log" 2>&1; then
    cat "$1/abi_build.log" >&2
    echo "abi: building libpolysock in $1 failed" >&2
    return 1
  fi
}

abi_library() { echo "$1/capi/libpolysock.so"; }

# abi_soname BUILD_DIR: e.g. libpolysock.so.1
abi_soname() { objdump -p "$(abi_library "$1")" | awk '$1 == "SONAME" {print $2}'; }

# abi_dump BUILD_DIR OUT: the .abi file. Only what the public headers define and the
# exported functions reach; no source locations, corpus or compilation paths.
abi_dump() {
  abidw --exported-interfaces-only \
    --headers-dir "$ABI_HEADERS_DIR" --headers-dir "$1/generated/include/polysock" \
    --drop-private-types --no-corpus-path --no-comp-dir-path --no-show-locs --short-locs \
    --out-file "$2" "$(abi_library "$1")"
}

# abi_values BUILD_DIR OUT: the .values file, made by compiling and running a program
# that prints each SOCK_* enumerator (given with an explicit "= value") and each
# SOCK_* macro of the public headers whose value is a number.
abi_values() {
  local name names probe=$1/abi_values_probe
  names=$(sed -n -E -e 's/^[[:space:]]*((SOCK|TLS)_[A-Za-z0-9_]+)[[:space:]]*=.*/\1/p' \
                    -e 's/^#[[:space:]]*define[[:space:]]+((SOCK|TLS)_[A-Za-z0-9_]+)[[:space:]]+[-(0-9].*/\1/p' \
                    "$ABI_HEADERS_DIR"/*.h | LC_ALL=C sort -u)
  {
    echo '#include <polysock/polysock.h>'
    echo '#include <stdio.h>'
    echo 'int main(void) {'
    for name in $names; do
      echo "  printf(\"%s %.17g\\n\", \"$name\", (double)($name));"
    done
    echo '  return 0;'
    echo '}'
  } > "$probe.c"
  cc -std=c99 -Wall -Werror -I"$ABI_ROOT/capi/include" -I"$1/generated/include" \
    "$probe.c" -o "$probe"
  "$probe" > "$2"
}

# abi_probe_abi_version BUILD_DIR: what net_abi_version() of the built library says.
abi_probe_abi_version() {
  local probe=$1/abi_version_probe
  printf '%s\n' '#include <polysock/polysock.h>' '#include <stdio.h>' \
    'int main(void) { printf("%d\n", net_abi_version()); return 0; }' > "$probe.c"
  cc -std=c99 -Wall -Werror -I"$ABI_ROOT/capi/include" -I"$1/generated/include" \
    "$probe.c" -L"$1/capi" -lpolysock -Wl,-rpath,"$1/capi" -o "$probe"
  "$probe"
}
