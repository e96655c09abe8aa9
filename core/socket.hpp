// The socket object: Python's socket.socket on a POSIX descriptor. Every method
// returns a Status (error.hpp) and leaves its result in out-parameters. Every call
// that can wait goes through one helper (Socket::io), which does the mode logic,
// the poll-with-deadline, the EINTR retry and the registration that lets close
// wake it (interrupt.hpp). Nothing here knows about handles.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include <sys/socket.h>

#include <cerrno>
#include <climits>

#include "address.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "message.hpp"
#include "poller.hpp"
#include "relaxed.hpp"
#include "timeout.hpp"

namespace polysock {

class TlsSession;
// Frees a session (tls.cpp, or tls_none.cpp in a build without TLS).
struct TlsSessionDeleter {
  void operator()(TlsSession *s) const;
};
using TlsSessionPtr = std::unique_ptr<TlsSession, TlsSessionDeleter>;

// Cache-line aligned: the fields every call reads (fd_ to tls_) share one line.
class alignas(64) Socket {
 public:
  // socket(family, type, proto); type may carry SOCK_NONBLOCK / SOCK_CLOEXEC.
  static int create(int family, int type, int proto, std::unique_ptr<Socket> *out);
  // socket(fileno=fd): adopts fd itself; negative family/type/proto are read from
  // it. On failure fd stays the caller's.
  static int from_fileno(int fd, int family, int type, int proto, std::unique_ptr<Socket> *out);
  // fromfd(): socket(fileno=dup(fd)).
  static int from_fd(int fd, int family, int type, int proto, std::unique_ptr<Socket> *out);
  static int pair(int family, int type, int proto, std::unique_ptr<Socket> *a,
                  std::unique_ptr<Socket> *b);

  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;
  ~Socket();  // closes the descriptor unless closed or detached already

  // Every connection makes and frees sockets. glibc serves an over-aligned new
  // (aligned_alloc) by splitting a larger chunk, never from its per-thread cache: about
  // 670 instructions a socket, 40% of what a connection cost in the library (callgrind
  // of bench/suite_c connect). These take plain (replaceable) operator new memory,
  // which glibc's cache serves, over-allocated by the alignment, with the block's start
  // kept just before the object.
  static void *operator new(std::size_t size, std::align_val_t align,
                            const std::nothrow_t &) noexcept;
  static void operator delete(void *object, std::align_val_t align) noexcept;
  static void operator delete(void *object, std::align_val_t align,
                              const std::nothrow_t &) noexcept;

  int fd() const { return fd_; }
  int family() const { return family_; }
  int type() const { return type_; }
  int proto() const { return proto_; }

  // The first step of close and detach, before the descriptor is closed or handed
  // out: makes every later call fail with EBADF and drops the socket from its
  // pollers. With calls in flight (another thread holds a reference), it also puts
  // a dead socket in place of the descriptor and interrupts the threads waiting on
  // it, so that every call in flight returns with EBADF; the number stays taken.
  void abort(bool calls_in_flight);
  // Closes the descriptor now, reporting close()'s error; idempotent.
  int close_now();
  // Gives the descriptor away: the destructor will not close it.
  int release_fd();
  // detach() with calls in flight: a descriptor of the socket that none of them can
  // reach (dup'ed before abort(true) replaced fd()), or -1 with errno set.
  int dup_fd() const;
  // Signals the threads waiting on this socket again (detach, see abort).
  void interrupt() const;
  // Puts `keep` (from dup_fd) back under fd() once no call is in flight, and closes it.
  int restore_fd(int keep);

  int dup(std::unique_ptr<Socket> *out) const;
  int bind(const char *host, int port);
  int bind(const SockAddr &addr);
  int listen(int backlog);
  // nowait: one attempt whatever the mode, for an event loop that waits itself. In
  // blocking mode the first such attempt makes the descriptor O_NONBLOCK for good
  // (accept4 takes no per-call flag), and the blocking accepts after it try, then wait
  // in poll instead of the kernel: same outcome, the flag differs from CPython's.
  int accept(std::unique_ptr<Socket> *out, Address *peer, bool nowait = false);
  int connect(const char *host, int port);
  int connect(const SockAddr &addr);
  // connect_ex: *out_err is 0 or an errno; the status covers argument/resolver errors.
  int connect_ex(const char *host, int port, int *out_err);
  // nowait (recv, recvfrom, send, sendto): one attempt whatever the mode, for an event
  // loop; MSG_DONTWAIT cannot say it, as CPython polls first with a timeout (item 50).
  int recv(void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait = false);
  int recvfrom(void *buf, std::size_t len, int flags, std::size_t *out_n, Address *from,
               bool nowait = false);
  int send(const void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait = false);
  int sendall(const void *buf, std::size_t len, int flags, std::size_t *out_sent);
  int sendto(const void *buf, std::size_t len, int flags, const char *host, int port,
             std::size_t *out_n, bool nowait = false);
  int sendfile(int file_fd, std::int64_t offset, std::int64_t count, std::int64_t *out_sent);
  int shutdown(int how);
  // sendmsg, recvmsg_into, send_fds, recv_fds (message.cpp). host nullptr: no
  // address. Received descriptors are close-on-exec and the caller's.
  int sendmsg(const iovec *iov, std::size_t niov, const Cmsg *anc, std::size_t nanc, int flags,
              const char *host, int port, std::size_t *out_n);
  int recvmsg(const iovec *iov, std::size_t niov, void *ancbuf, std::size_t ancbufsize, int flags,
              MsgInfo *out);
  int send_fds(const iovec *iov, std::size_t niov, const int *fds, std::size_t nfds, int flags,
               const char *host, int port, std::size_t *out_n);
  int recv_fds(void *buf, std::size_t len, int *fds, std::size_t maxfds, int flags,
               std::size_t *out_nfds, MsgInfo *out);

  // The pollers this socket is registered with (poller.hpp).
  PollerLinks &pollers() { return pollers_; }

  // TLS (tls_socket.cpp): the session that makes this an SSLSocket, or nullptr
  // (never wrapped, unwrapped, or shut down). While there is one, recv, send,
  // sendall, connect, accept and sendfile go through it.
  TlsSession *tls() const { return tls_.load(std::memory_order_relaxed); }
  // Makes this socket an SSLSocket, before its handle is published: starts the
  // engine if the socket is connected and, if the options say so, handshakes.
  int tls_wrap(TlsSessionPtr session, bool connected);
  // nowait: one attempt whatever the mode (MSG_DONTWAIT).
  int tls_do_handshake(bool nowait = false);
  int tls_unwrap(bool nowait = false);
  // The poller's question (poller.cpp): would a read return bytes OpenSSL holds?
  bool tls_has_pending() const;

  int settimeout(Nanos t);
  Nanos timeout() const { return timeout_.load(std::memory_order_relaxed); }

  int setsockopt(int level, int opt, const void *val, std::size_t len);
  int getsockopt(int level, int opt, void *buf, std::size_t *len);
  int getsockname(Address *out);
  int getpeername(Address *out);
  // The raw local and remote sockaddr, for AF_UNIX bytes paths.
  int getsockname(SockAddr *out);
  int getpeername(SockAddr *out);

 private:
  Socket(int fd, int family, int type, int proto, Nanos timeout);
  // Wraps a descriptor, applying the module default timeout as CPython does. On
  // failure fd is left open: the caller decides.
  static int adopt(int fd, int family, int type, int proto, bool nonblocking,
                   std::unique_ptr<Socket> *out);
  // The timeout a new socket of this type takes: 0 with SOCK_NONBLOCK, else the
  // module default.
  static Nanos creation_timeout(int type);
  // Wraps a descriptor already in the mode of timeout (fd is left open on failure).
  static int make(int fd, int family, int type, int proto, Nanos timeout,
                  std::unique_ptr<Socket> *out);
  // CPython's checks of socket(fileno=fd): fd is a socket; reads the family, type
  // and proto that are negative.
  static int inspect(int fd, int *family, int *type, int *proto);

  // CPython's sock_call_ex: runs `op` (a system call returning -1/errno on failure)
  // in the socket's mode. Non-blocking mode (and MSG_DONTWAIT in blocking mode):
  // one attempt. Blocking mode: the call sleeps in the kernel, as on a plain
  // blocking socket. Timeout mode: poll first, then the call, again on EAGAIN until
  // the deadline. EINTR is retried (PEP 475); a close from another thread ends
  // every wait with EBADF.
  // t is the socket's timeout as the caller read it; `shared`, if given, is a
  // deadline that spans several calls (sendall's), else each call has its own.
  // In timeout mode a send (POLLOUT) is made before the first poll, which waits only if
  // it would block: a socket is almost always writable, so CPython's poll before every
  // send only finds it so (one system call instead of two; a send that finds the buffer
  // full makes three). `full`: the caller knows the buffer is full (sendall after a
  // partial send), so the send waits first, as CPython's; a recv always does.
  template <class Op>
  int io(short events, bool nowait, Nanos t, Op op, ssize_t *out, const Deadline *shared = nullptr,
         bool full = false);
  // io()'s cheap path: one attempt that cannot sleep (MSG_DONTWAIT), EINTR retried.
  template <class Op>
  int attempt(const Op &op, ssize_t *out);
  template <class Op>
  int attempt_failed(const Op &op, ssize_t *out, int err);
  // io()'s blocking mode on a descriptor that blocks: the kernel waits, inside a
  // WaitSection so that a close wakes it. One call, inline, with no deadline or loop;
  // after EINTR (and the interrupt hook) the retry goes through io_waiting.
  template <class Op>
  int blocking(short events, const Op &op, ssize_t *out);
  template <class Op>
  int blocking_failed(short events, const Op &op, ssize_t *out, int err);
  // True if a recv or send cannot wait: no TLS, and non-blocking mode or nowait. One
  // test of one byte on the cheap path (modes_).
  bool never_waits(bool nowait) const {
    const std::uint8_t waits = nowait ? kModeTls : kModeTls | kModeTimeout;
    return relaxed_none_of(word_of(modes_), waits);
  }
  // The system calls of recv and send, as io() and attempt() take them.
  // They hold the call's arguments only: the closure is what the cheap path keeps
  // in its frame across the system call, for the retry after EINTR.
  static auto recv_call(void *buf, std::size_t len, int flags) {
    return [buf, len, flags](int fd, int dontwait) -> ssize_t {
      return ::recv(fd, buf, len, flags | MSG_NOSIGNAL | dontwait);
    };
  }
  static auto send_call(const void *buf, std::size_t len, int flags) {
    return [buf, len, flags](int fd, int dontwait) -> ssize_t {
      return ::send(fd, buf, len, flags | MSG_NOSIGNAL | dontwait);
    };
  }
  // The only writers of timeout_ and tls_ (socket.cpp), which keep modes_ with them;
  // set_timeout_locked under the mode lock (settimeout holds it), set_tls takes it.
  void set_timeout_locked(Nanos t);
  void set_tls(TlsSession *s);
  void update_modes();
  // recv's and send's other cases: TLS, the modes that wait, and bad lengths.
  int recv_general(void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait);
  int send_general(const void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait);
  // recv's result: 0 bytes from the dead socket that close put in place is no end of
  // stream, but EBADF.
  int received(ssize_t n, std::size_t *out_n) const {
    if (n == 0 && aborted_.load(std::memory_order_acquire)) [[unlikely]]
      return fail_os(EBADF);
    *out_n = static_cast<std::size_t>(n);
    return kOk;
  }
  // io()'s blocking and timeout modes, out of line: only the cheap path is inlined.
  template <class Op>
  int io_waiting(short events, Nanos t, const Deadline *shared, bool full, Op op, ssize_t *out);
  // Waits in poll() for `events` on the descriptor until the deadline; the caller
  // is inside a WaitSection, so a close interrupts it.
  int wait(short events, const Deadline &deadline);
  // accept(nowait) in blocking mode: EINVAL unless listening, then O_NONBLOCK for good
  // (made sure of at each call).
  int keep_nonblocking();
  bool aborted() const { return aborted_.load(std::memory_order_seq_cst); }
  // EBADF if the socket was closed under the failed call, the call's error otherwise.
  int fail_io(int err) const {
    return fail_os(aborted_.load(std::memory_order_acquire) ? EBADF : err);
  }
  int wait_connected(const Deadline &deadline, int *out_err);
  int connect_impl(const SockAddr &addr, int *out_err);
  // sendall's loop: sends p[*sent..len) under one deadline, advancing *sent.
  int send_all(const unsigned char *p, std::size_t len, int flags, const Deadline &deadline,
               std::size_t *sent);
  int sendfile_regular(int file_fd, std::int64_t offset, std::int64_t count,
                       std::int64_t *out_sent);
  int sendfile_stream(int file_fd, std::int64_t count, std::int64_t *out_sent);

  // TLS: one operation on the session in the socket's mode (tls_socket.cpp). step
  // makes one non-waiting attempt and says which event it wants; tls_io waits for
  // it (as io() does) until the deadline. timeout_message: the handshake's, or
  // nullptr for "The read/write operation timed out" by the event waited for.
  template <class Step>
  int tls_io(bool nowait, const Deadline *shared, const char *timeout_message, Step step);
  int tls_recv(TlsSession *s, void *buf, std::size_t len, int flags, std::size_t *out_n);
  int tls_send(TlsSession *s, const void *buf, std::size_t len, int flags, std::size_t *out_n);
  int tls_send_all(TlsSession *s, const unsigned char *p, std::size_t len, int flags,
                   const Deadline &deadline, std::size_t *sent);
  int tls_handshake_in_mode(TlsSession *s, bool nowait = false);
  // Before a connect: the engine on the descriptor (Python makes _sslobj first).
  int tls_before_connect();
  // After a successful connect: the handshake, if the options say so.
  int tls_after_connect();
  // After a connect that failed: the engine goes, so that connect can be retried.
  void tls_connect_failed();
  // After accept on a wrapped listener: conn becomes a server-side SSLSocket.
  int tls_accepted(std::unique_ptr<Socket> *conn);
  // What Python's SSLSocket refuses (sendto, sendmsg, dup...): ValueError.
  int tls_refuse(const char *what) const;

  int fd_;
  std::atomic<bool> owns_fd_{true};  // false once detached
  // The descriptor stays O_NONBLOCK in blocking mode too (keep_nonblocking): blocking
  // calls wait in poll. Written under the mode lock (socket.cpp).
  std::atomic<bool> kept_nonblocking_{false};
  const int family_;
  const int type_;
  const int proto_;
  std::atomic<Nanos> timeout_;
  std::atomic<bool> aborted_{false};
  // What the cheap path tests of timeout_ and tls_, in one byte: kModeTimeout if the
  // timeout is not 0 (the socket may wait), kModeTls if there is a session. Written
  // with them, under the mode lock (set_timeout_locked, set_tls), so it always agrees.
  static constexpr std::uint8_t kModeTimeout = 1;
  static constexpr std::uint8_t kModeTls = 2;
  std::atomic<std::uint8_t> modes_;
  // Read by every call with fd_, timeout_ and aborted_: kept in their cache line,
  // before the poller links (a mutex and a vector) push it into the next (perf:
  // an echo server at 10,000 connections missed the cache on it in each recv).
  std::atomic<TlsSession *> tls_{nullptr};
  PollerLinks pollers_;
  TlsSessionPtr tls_owner_;  // the session lives as long as the socket, even unwrapped
};

// The hot paths, here so that the C ABI's functions inline them: a non-blocking
// call is the handle lookup, one system call and, on failure, the error record.

// op(fd, dontwait) makes the system call on fd; for calls that take flags, `dontwait`
// is the MSG_DONTWAIT to add: in non-blocking and timeout modes, so that a dup in
// blocking mode (which shares O_NONBLOCK) cannot make them sleep in the kernel, and
// never in blocking mode, where the kernel waits as on a plain socket.
template <class Op>
inline int Socket::io(short events, bool nowait, Nanos t, Op op, ssize_t *out,
                      const Deadline *shared, bool full) {
  if (t == 0 || (nowait && t < 0)) [[likely]] {
    return attempt(op, out);  // never sleeps, so it needs no registration
  }
  if (t < 0 && !kept_nonblocking_.load(std::memory_order_relaxed)) return blocking(events, op, out);
  return io_waiting(events, t, shared, full, op, out);
}

template <class Op>
inline int Socket::blocking(short events, const Op &op, ssize_t *out) {
  int err;
  {
    const WaitSection waiting(this);
    if (aborted()) [[unlikely]]
      return fail_os(EBADF);
    const ssize_t n = op(fd_, 0);
    if (n >= 0) [[likely]] {
      *out = n;
      return kOk;
    }
    err = errno;
  }
  return blocking_failed(events, op, out, err);
}

// The call failed: a close under it (EBADF), EINTR (PEP 475: io_waiting retries, in a
// new WaitSection that sees a close made since), or the error, EAGAIN included
// (SO_RCVTIMEO), as CPython reports it.
template <class Op>
__attribute__((noinline)) int Socket::blocking_failed(short events, const Op &op, ssize_t *out,
                                                      int err) {
  if (aborted()) return fail_os(EBADF);
  if (err != EINTR) return fail_os(err);
  if (int st = on_eintr()) return st;
  return io_waiting(events, -1, nullptr, false, op, out);
}

template <class Op>
inline int Socket::attempt(const Op &op, ssize_t *out) {
  const ssize_t n = op(fd_, MSG_DONTWAIT);
  if (n >= 0) [[likely]] {
    *out = n;
    return kOk;
  }
  const int err = errno;
  // Not ready: the call met this socket, not the dead one that a close puts in
  // place (which never says EAGAIN), so it ran before any close and needs no check.
  if (err == EAGAIN) [[likely]]
    return fail_os(EAGAIN);
  return attempt_failed(op, out, err);
}

// Out of line, and op by reference, so that the cheap path keeps no copy of the
// call's arguments across the system call, only the closure in its frame.
template <class Op>
__attribute__((noinline)) int Socket::attempt_failed(const Op &op, ssize_t *out, int err) {
  while (err == EINTR) {
    const ssize_t n = op(fd_, MSG_DONTWAIT);
    if (n >= 0) {
      *out = n;
      return kOk;
    }
    err = errno;
  }
  return fail_io(err);
}

template <class Op>
__attribute__((noinline)) int Socket::io_waiting(short events, Nanos t, const Deadline *shared,
                                                 bool full, Op op, ssize_t *out) {
  const Deadline own(shared != nullptr ? 0 : t);
  const Deadline &deadline = shared != nullptr ? *shared : own;
  const WaitSection waiting(this);
  if (aborted()) return fail_os(EBADF);
  // Blocking mode on a descriptor kept non-blocking waits in poll, after a first try
  // (as the kernel's blocking call would).
  const bool polls = t > 0 || kept_nonblocking_.load(std::memory_order_relaxed);
  for (bool wait_first = t > 0 && (events != POLLOUT || full);; wait_first = polls) {
    if (wait_first) {
      if (int st = wait(events, deadline)) return st;
    }
    const ssize_t n = op(fd_, t >= 0 ? MSG_DONTWAIT : 0);
    if (n >= 0) {
      *out = n;
      return kOk;
    }
    const int err = errno;
    if (aborted()) return fail_os(EBADF);
    if (err == EINTR) {  // PEP 475, unless the program's interrupt hook says stop
      if (int st = on_eintr()) return st;
      continue;
    }
    if (polls && (err == EAGAIN || err == EWOULDBLOCK)) continue;  // not ready (yet)
    return fail_os(err);  // blocking mode reports EAGAIN as CPython does (SO_RCVTIMEO)
  }
}

// The cheap path, inline: a call that cannot wait (no TLS, and non-blocking mode or
// a _try call) is one attempt. Everything else is out of line, in recv_general.
inline int Socket::recv(void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait) {
  if (len - 1 < static_cast<std::size_t>(SSIZE_MAX) && never_waits(nowait)) [[likely]] {
    const auto op = recv_call(buf, len, flags);
    ssize_t n;
    if (int st = attempt(op, &n)) [[unlikely]]
      return st;
    return received(n, out_n);
  }
  return recv_general(buf, len, flags, out_n, nowait);
}

inline int Socket::send(const void *buf, std::size_t len, int flags, std::size_t *out_n,
                        bool nowait) {
  if (len <= static_cast<std::size_t>(SSIZE_MAX) && never_waits(nowait)) [[likely]] {
    const auto op = send_call(buf, len, flags);
    ssize_t n;
    if (int st = attempt(op, &n)) [[unlikely]]
      return st;
    *out_n = static_cast<std::size_t>(n);
    return kOk;
  }
  return send_general(buf, len, flags, out_n, nowait);
}

}  // namespace polysock
