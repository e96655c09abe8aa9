// Build-time generator: prints <polysock/polysock_constants.h> with this host's
// values for every name in constants.def, so the public header carries the host's
// own numbers (as Python's socket module does) without including system headers.
#include <cstdio>

#include "constants_includes.hpp"

int main() {
  std::puts("/* Generated at build time from core/constants.def: this host's values. */");
  std::puts("#ifndef POLYSOCK_CONSTANTS_H");
  std::puts("#define POLYSOCK_CONSTANTS_H");
#define X(name)                                         \
  {                                                     \
    long long v = static_cast<long long>(name);         \
    if (v >= -2147483647LL - 1 && v <= 2147483647LL)    \
      std::printf("#define NET_%s %lld\n", #name, v);   \
    else                                                \
      std::printf("#define NET_%s %lldLL\n", #name, v); \
  }
#include "constants.def"
#undef X
  std::puts("#endif");
  return 0;
}
