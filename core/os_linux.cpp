// The OS layer for Linux (see os.hpp).
#include <fcntl.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <mutex>

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

namespace {

std::mutex g_dead_mu;
int g_dead_fd = -1;  // never closed

int dead_fd() {
  std::lock_guard<std::mutex> lock(g_dead_mu);
  if (g_dead_fd >= 0) return g_dead_fd;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
  ::close(sv[1]);
  ::shutdown(sv[0], SHUT_RDWR);
  g_dead_fd = sv[0];
  return g_dead_fd;
}

// Made when the library is loaded, so that the one descriptor polysock keeps for
// itself is there from the start (and a close under EMFILE still finds it).
[[maybe_unused]] const int g_dead_at_load = dead_fd();

// Set by the wake signal's handler on the thread it interrupts, so that the EINTR it
// causes is told apart from a program's signal (consume_wake).
thread_local __attribute__((tls_model("initial-exec"))) volatile sig_atomic_t t_woken = 0;

void ignore_signal(int) { t_woken = 1; }

int wake_signal() {
  static const int sig = [] {
    const char *env = std::getenv("POLYSOCK_WAKE_SIGNAL");
    const int chosen = env != nullptr ? std::atoi(env) : 0;
    const int s = chosen >= SIGRTMIN && chosen <= SIGRTMAX ? chosen : SIGRTMAX - 6;
    struct sigaction sa {};
    sa.sa_handler = ignore_signal;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;  // SA_ONSTACK: as the Go runtime asks
    sigemptyset(&sa.sa_mask);
    sigaction(s, &sa, nullptr);
    return s;
  }();
  return sig;
}

}  // namespace

int replace_with_dead(int fd) {
  const int dead = dead_fd();
  if (dead < 0) return errno;
  while (::dup3(dead, fd, O_CLOEXEC) < 0) {
    if (errno != EINTR && errno != EBUSY) return errno;
  }
  return 0;
}

void interrupt_thread(pthread_t t) { pthread_kill(t, wake_signal()); }

bool consume_wake() {
  if (t_woken == 0) return false;
  t_woken = 0;
  return true;
}

bool enable_thread_barriers() {
  static const bool enabled = [] {
    const long cmds = ::syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
    return ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  }();
  return enabled;
}

void barrier_all_threads() {
  // Cannot fail once registered (enable_thread_barriers), and is never interrupted.
  (void)::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
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
