// The small OS layer: the few calls that differ between Linux, the BSDs/macOS and
// (later) Windows. Everything else in the core uses plain POSIX sockets.
#pragma once

namespace polysock::os {

// A descriptor that poll() reports readable once wake() has been called on it
// (an eventfd on Linux). Returns -1 with errno set on failure.
int make_wake_fd();
void wake(int wake_fd);
// Consumes pending wake-ups, so that poll() blocks on the descriptor again.
void drain_wake(int wake_fd);

// Sets or clears O_NONBLOCK on fd; returns 0 or an errno value.
int set_nonblocking(int fd, bool on);

// Blocks SIGPIPE on the calling thread for the guard's life and swallows a
// SIGPIPE that the guarded call raised, for calls that take no MSG_NOSIGNAL
// (sendfile). The process's signal dispositions are never changed.
class SigpipeGuard {
 public:
  SigpipeGuard();
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard &) = delete;
  SigpipeGuard &operator=(const SigpipeGuard &) = delete;

 private:
  bool was_pending_ = false;
  bool was_blocked_ = false;
};

}  // namespace polysock::os
