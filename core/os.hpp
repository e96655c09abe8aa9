// The small OS layer: the few calls that differ between Linux, the BSDs/macOS and
// (later) Windows. Everything else in the core uses plain POSIX sockets.
#pragma once

#include <pthread.h>

namespace polysock::os {

// A descriptor that poll() reports readable once wake() has been called on it
// (an eventfd on Linux). Returns -1 with errno set on failure.
int make_wake_fd();
void wake(int wake_fd);
// Consumes pending wake-ups, so that poll() blocks on the descriptor again.
void drain_wake(int wake_fd);

// Sets or clears O_NONBLOCK on fd; returns 0 or an errno value.
int set_nonblocking(int fd, bool on);

// Makes fd name a dead socket (dup3 over it, close-on-exec): one whose peer is
// gone, so that every system call on it returns at once (recv 0 bytes, send EPIPE,
// accept EINVAL, poll POLLHUP). The dead socket is made once per process. Returns
// 0 or an errno value.
int replace_with_dead(int fd);

// Interrupts a system call that thread t is sleeping in, by sending it the wake
// signal: a real-time signal (SIGRTMAX - 6, or POLYSOCK_WAKE_SIGNAL from the
// environment) whose handler does nothing. The handler is installed on first use
// with SA_RESTART, so calls the signal reaches elsewhere restart as if nothing
// happened (poll and epoll_wait report EINTR, as for any signal).
void interrupt_thread(pthread_t t);
// Whether the wake signal reached the calling thread since the last call (and
// forgets it): an EINTR it explains is polysock's own, not the program's.
bool consume_wake();

// The asymmetric fence that lets a call mark itself in flight with plain stores
// (handle_table.hpp): barrier_all_threads() returns only once every other thread of
// the process has run a full memory barrier, so a store it made before that point
// is seen, and a load it makes after sees what the caller stored before. Linux's
// membarrier (private expedited: an IPI to the CPUs running this process's threads,
// none to others). enable_thread_barriers() registers the process once and says
// whether the kernel offers it; without it, callers never rely on the barrier.
bool enable_thread_barriers();
void barrier_all_threads();

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
