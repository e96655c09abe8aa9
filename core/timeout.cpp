// Timeout validation, the module default, and deadlines.
#include "timeout.hpp"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <ctime>

#include "error.hpp"

namespace polysock {
namespace {
std::atomic<Nanos> g_default_timeout{kBlocking};
}

int timeout_from_seconds(double seconds, Nanos *out) {
  if (seconds == kTimeoutNone) {
    *out = kBlocking;
    return kOk;
  }
  if (std::isnan(seconds)) return fail_value("Invalid value NaN (not a number)");
  if (seconds < 0) return fail_value("Timeout value out of range");
  const double ns = std::ceil(seconds * 1e9);  // CPython rounds up (1e-10 s -> 1 ns)
  // CPython's limit: the nanoseconds must fit an int64 (9.2e9 s is accepted).
  if (!(ns < 9223372036854775808.0))
    return fail_value("timestamp out of range for platform time_t");
  *out = static_cast<Nanos>(ns);
  return kOk;
}

double timeout_to_seconds(Nanos t) { return t < 0 ? kTimeoutNone : static_cast<double>(t) / 1e9; }

Nanos default_timeout() { return g_default_timeout.load(std::memory_order_relaxed); }
void set_default_timeout(Nanos t) { g_default_timeout.store(t, std::memory_order_relaxed); }

Nanos monotonic_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Nanos Deadline::end_of(Nanos timeout) {
  const Nanos now = monotonic_now();
  return timeout > INT64_MAX - now ? INT64_MAX : now + timeout;
}

int Deadline::poll_ms() const {
  if (timeout_ < 0) return -1;
  if (timeout_ == 0) return 0;
  const Nanos left = end_ - monotonic_now();
  if (left < 0) return -2;
  const Nanos ms = (left + 999999) / 1000000;
  return ms > 2147483647 ? 2147483647 : static_cast<int>(ms);
}

}  // namespace polysock
