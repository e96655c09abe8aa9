// The OS layer for Linux (see os.hpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "os.hpp"

namespace polysock::os {

int make_wake_fd() { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void wake(int wake_fd) {
  const std::uint64_t one = 1;
  ssize_t n;
  do {
    n = ::write(wake_fd, &one, sizeof one);
  } while (n < 0 && errno == EINTR);
}

void drain_wake(int wake_fd) {
  std::uint64_t count;
  ssize_t n;
  do {
    n = ::read(wake_fd, &count, sizeof count);  // non-blocking: EAGAIN if none pending
  } while (n < 0 && errno == EINTR);
}

int set_nonblocking(int fd, bool on) {
  int flag = on ? 1 : 0;
  return ioctl(fd, FIONBIO, &flag) == 0 ? 0 : errno;
}

SigpipeGuard::SigpipeGuard() {
  sigset_t pipe, old, pending;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe, &old);
  was_blocked_ = sigismember(&old, SIGPIPE) == 1;
}

SigpipeGuard::~SigpipeGuard() {
  const int saved = errno;
  sigset_t pipe, pending;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigpending(&pending);
  if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  if (!was_blocked_) pthread_sigmask(SIG_UNBLOCK, &pipe, nullptr);
  errno = saved;
}

}  // namespace polysock::os
