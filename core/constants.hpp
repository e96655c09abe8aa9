// Host constants behind net_constant(): built from constants.def, so the names and
// values are exactly the ones the generated public header defines.
#pragma once

#include <cstddef>

namespace polysock {

struct Constant {
  const char *name;  // without the NET_ prefix, e.g. "AF_INET"
  long long value;
};

// Every constant of constants.def, in file order.
const Constant *constants(std::size_t *count);

// Looks a constant up by name, with or without the NET_ prefix; nullptr if unknown.
const Constant *find_constant(const char *name);

}  // namespace polysock
