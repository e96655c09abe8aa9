// Timeouts and deadlines. A timeout is kept in nanoseconds: kBlocking (-1) is
// Python's None, 0 is non-blocking, a positive value bounds each operation.
#pragma once

#include <cstdint>

namespace polysock {

using Nanos = std::int64_t;
constexpr Nanos kBlocking = -1;

// The C ABI's sentinels, in seconds.
constexpr double kTimeoutNone = -1.0;
constexpr double kTimeoutDefault = -2.0;

// Validates a timeout in seconds as settimeout() does (kTimeoutNone is None;
// other negatives and NaN are ValueError; tiny values round up to 1 ns).
int timeout_from_seconds(double seconds, Nanos *out);
double timeout_to_seconds(Nanos t);

// The module default timeout (setdefaulttimeout), for sockets created from now on.
Nanos default_timeout();
void set_default_timeout(Nanos t);

Nanos monotonic_now();

// One operation's deadline, fixed when the operation starts (sendall included).
class Deadline {
 public:
  explicit Deadline(Nanos timeout) : timeout_(timeout), end_(timeout > 0 ? end_of(timeout) : 0) {}
  Nanos timeout() const { return timeout_; }
  // Milliseconds left for poll(), rounded up; -1 waits forever; -2 if already past.
  int poll_ms() const;

 private:
  static Nanos end_of(Nanos timeout);  // now + timeout, saturated (settimeout(9.2e9))
  Nanos timeout_;
  Nanos end_;
};

}  // namespace polysock
