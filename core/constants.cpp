// The run-time table of host constants (see constants.def).
#include "constants.hpp"

#include <cstring>

#include "constants_includes.hpp"

namespace polysock {
namespace {

const Constant kConstants[] = {
#define X(name) {#name, static_cast<long long>(name)},
#include "constants.def"
#undef X
};

}  // namespace

const Constant *constants(std::size_t *count) {
  *count = sizeof kConstants / sizeof kConstants[0];
  return kConstants;
}

const Constant *find_constant(const char *name) {
  if (name == nullptr) return nullptr;
  if (std::strncmp(name, "NET_", 4) == 0) name += 4;
  for (const Constant &c : kConstants) {
    if (std::strcmp(c.name, name) == 0) return &c;
  }
  return nullptr;
}

}  // namespace polysock
