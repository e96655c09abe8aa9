// The socket object: Python's socket.socket on a POSIX descriptor. Every method
// returns a Status (error.hpp) and leaves its result in out-parameters. Blocking
// calls wait through one helper (Socket::call), which does the poll-with-deadline,
// the EINTR retry and the wake-up on abort(). Nothing here knows about handles.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "address.hpp"
#include "poller.hpp"
#include "timeout.hpp"

namespace polysock {

class Socket {
 public:
  // socket(family, type, proto); type may carry SOCK_NONBLOCK / SOCK_CLOEXEC.
  static int create(int family, int type, int proto, std::unique_ptr<Socket> *out);
  // socket(fileno=dup(fd)): negative family/type/proto are read from the descriptor.
  static int from_fd(int fd, int family, int type, int proto, std::unique_ptr<Socket> *out);
  static int pair(int family, int type, int proto, std::unique_ptr<Socket> *a,
                  std::unique_ptr<Socket> *b);

  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;
  ~Socket();  // closes the descriptor unless closed or detached already

  int fd() const { return fd_; }
  int family() const { return family_; }
  int type() const { return type_; }
  int proto() const { return proto_; }

  // Wakes every call waiting on this socket (they fail with EBADF) and makes later
  // waits fail at once; drops the socket from its pollers. Used by close (and
  // detach), always before the descriptor is closed; the fd stays open.
  void abort();
  // Closes the descriptor now, reporting close()'s error; idempotent.
  int close_now();
  // Gives the descriptor away: the destructor will not close it.
  int release_fd();

  int dup(std::unique_ptr<Socket> *out) const;
  int bind(const char *host, int port);
  int listen(int backlog);
  int accept(std::unique_ptr<Socket> *out, Address *peer);
  int connect(const char *host, int port);
  int connect(const SockAddr &addr);
  // connect_ex: *out_err is 0 or an errno; the status covers argument/resolver errors.
  int connect_ex(const char *host, int port, int *out_err);
  int recv(void *buf, std::size_t len, int flags, std::size_t *out_n);
  int recvfrom(void *buf, std::size_t len, int flags, std::size_t *out_n, Address *from);
  int send(const void *buf, std::size_t len, int flags, std::size_t *out_n);
  int sendall(const void *buf, std::size_t len, int flags, std::size_t *out_sent);
  int sendto(const void *buf, std::size_t len, int flags, const char *host, int port,
             std::size_t *out_n);
  int sendfile(int file_fd, std::int64_t offset, std::int64_t count, std::int64_t *out_sent);
  int shutdown(int how);

  // The pollers this socket is registered with (poller.hpp).
  PollerLinks &pollers() { return pollers_; }

  int settimeout(Nanos t);
  Nanos timeout() const { return timeout_.load(std::memory_order_relaxed); }

  int setsockopt(int level, int opt, const void *val, std::size_t len);
  int getsockopt(int level, int opt, void *buf, std::size_t *len);
  int getsockname(Address *out);
  int getpeername(Address *out);

 private:
  Socket(int fd, int family, int type, int proto, Nanos timeout);
  // Wraps a fresh descriptor, applying the module default timeout as CPython does.
  static int adopt(int fd, int family, int type, int proto, bool nonblocking,
                   std::unique_ptr<Socket> *out);

  enum class Kernel { kNeverBlocks, kMayBlock };
  // CPython's sock_call_ex: runs `op` (a system call returning -1/errno on failure)
  // until it succeeds, fails for real, or the deadline passes. In timeout mode it
  // polls first; in blocking mode it tries first and polls on EAGAIN (or polls
  // first when the call could block inside the kernel, which close cannot wake).
  template <class Op>
  int call(short events, const Deadline &deadline, Kernel kernel, bool user_nowait, Op op,
           ssize_t *out);
  // Waits for `events` on the descriptor, the deadline, or abort().
  int wait(short events, const Deadline &deadline);
  int wake_fd();
  int wait_connected(const Deadline &deadline, int *out_err);
  int connect_impl(const SockAddr &addr, int *out_err);
  // sendall's loop: sends p[*sent..len) under one deadline, advancing *sent.
  int send_all(const unsigned char *p, std::size_t len, int flags, const Deadline &deadline,
               std::size_t *sent);
  // MSG_NOSIGNAL always; MSG_DONTWAIT in blocking mode, where call() does the waiting.
  int io_flags(int user_flags) const;

  int fd_;
  std::atomic<bool> owns_fd_{true};  // false once detached
  const int family_;
  const int type_;
  const int proto_;
  std::atomic<Nanos> timeout_;
  std::atomic<bool> aborted_{false};
  std::mutex wake_mu_;
  int wake_fd_ = -1;  // an eventfd, made on the first wait, written by abort()
  PollerLinks pollers_;
};

}  // namespace polysock
