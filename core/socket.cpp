// The socket object (see socket.hpp). CPython's Modules/socketmodule.c is the model
// for every behaviour here; the comments say where polysock differs and why.
#include "socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <mutex>
#include <vector>

#include "error.hpp"
#include "interrupt.hpp"
#include "os.hpp"

namespace polysock {
namespace {

constexpr int kTypeFlags = SOCK_NONBLOCK | SOCK_CLOEXEC;

int ssize_limit(std::size_t len) {
  return len > static_cast<std::size_t>(SSIZE_MAX) ? fail_value("buffer length too large") : kOk;
}

}  // namespace

Socket::Socket(int fd, int family, int type, int proto, Nanos timeout)
    : fd_(fd),
      family_(family),
      type_(type & ~kTypeFlags),
      proto_(proto),
      timeout_(timeout),
      modes_(timeout != 0 ? kModeTimeout : 0) {}

Socket::~Socket() {
  if (fd_ >= 0 && owns_fd_.load()) ::close(fd_);
}

void *Socket::operator new(std::size_t size, std::align_val_t align,
                           const std::nothrow_t &) noexcept {
  const auto alignment = static_cast<std::uintptr_t>(align);
  void *block = ::operator new(size + alignment + sizeof(void *), std::nothrow);
  if (block == nullptr) return nullptr;
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(block) + sizeof(void *);
  void **object = reinterpret_cast<void **>((first + alignment - 1) & ~(alignment - 1));
  object[-1] = block;
  return object;
}

void Socket::operator delete(void *object, std::align_val_t) noexcept {
  if (object != nullptr) ::operator delete(static_cast<void **>(object)[-1]);
}

void Socket::operator delete(void *object, std::align_val_t align,
                             const std::nothrow_t &) noexcept {
  operator delete(object, align);
}

int Socket::make(int fd, int family, int type, int proto, Nanos timeout,
                 std::unique_ptr<Socket> *out) {
  out->reset(new (std::nothrow) Socket(fd, family, type, proto, timeout));
  if (!*out) return fail_nomem();
  return kOk;
}

Nanos Socket::creation_timeout(int type) {
  // CPython's init_sockobject: SOCK_NONBLOCK means timeout 0; otherwise the module
  // default applies, and a default other than None puts the fd in O_NONBLOCK.
  return (type & SOCK_NONBLOCK) != 0 ? 0 : default_timeout();
}

int Socket::adopt(int fd, int family, int type, int proto, bool nonblocking,
                  std::unique_ptr<Socket> *out) {
  const Nanos t = creation_timeout(nonblocking ? SOCK_NONBLOCK : 0);
  if (!nonblocking && t >= 0) {
    if (int err = os::set_nonblocking(fd, true)) return fail_os(err);
  }
  return make(fd, family, type, proto, t, out);
}

// A new descriptor gets its O_NONBLOCK from socket() / socketpair() itself: the state
// CPython reaches with a separate ioctl after the call (any timeout but None), in one
// system call less.
int Socket::create(int family, int type, int proto, std::unique_ptr<Socket> *out) {
  const Nanos t = creation_timeout(type);
  const int fd = ::socket(family, type | SOCK_CLOEXEC | (t >= 0 ? SOCK_NONBLOCK : 0), proto);
  if (fd < 0) return fail_os(errno);
  const int st = make(fd, family, type, proto, t, out);
  if (st != kOk) ::close(fd);
  return st;
}

int Socket::inspect(int fd, int *family, int *type, int *proto) {
  if (fd < 0) return fail_value("negative file descriptor");
  // CPython validates the descriptor with getsockname (EBADF, ENOTSOCK).
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0) return fail_os(errno);
  if (*family < 0) *family = ss.ss_family;
  int v = 0;
  socklen_t vl = sizeof v;
  if (*type < 0) {
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vl) != 0) return fail_os(errno);
    *type = v;
  }
  if (*proto < 0) {
    vl = sizeof v;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &vl) != 0) return fail_os(errno);
    *proto = v;
  }
  return kOk;
}

int Socket::from_fileno(int fd, int family, int type, int proto, std::unique_ptr<Socket> *out) {
  if (int st = inspect(fd, &family, &type, &proto)) return st;
  // As CPython (contract item 43): with a None default an O_NONBLOCK flag already on
  // the descriptor is left alone.
  return adopt(fd, family, type, proto, false, out);
}

int Socket::from_fd(int fd, int family, int type, int proto, std::unique_ptr<Socket> *out) {
  if (int st = inspect(fd, &family, &type, &proto)) return st;
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return fail_os(errno);
  // With a None default, the shared file description's O_NONBLOCK stays, so the
  // original owner is not changed.
  const int st = adopt(copy, family, type, proto, false, out);
  if (st != kOk) ::close(copy);
  return st;
}

int Socket::pair(int family, int type, int proto, std::unique_ptr<Socket> *a,
                 std::unique_ptr<Socket> *b) {
  int fds[2];
  const Nanos t = creation_timeout(type);
  if (::socketpair(family, type | SOCK_CLOEXEC | (t >= 0 ? SOCK_NONBLOCK : 0), proto, fds) != 0)
    return fail_os(errno);
  int st = make(fds[0], family, type, proto, t, a);
  if (st != kOk) {
    ::close(fds[0]);
    ::close(fds[1]);
    return st;
  }
  st = make(fds[1], family, type, proto, t, b);
  if (st != kOk) {
    ::close(fds[1]);
    a->reset();
  }
  return st;
}

void Socket::abort(bool calls_in_flight) {
  aborted_.store(true, std::memory_order_seq_cst);  // pairs with io()'s WaitSection
  // Now, while the descriptor is this socket's: epoll must forget it first.
  pollers_.drop_all();
  if (!calls_in_flight) return;
  // Calls that start from now on meet the dead socket; those asleep are signalled.
  // If no dead socket can be had (no descriptor left), the signal alone still
  // wakes the calls already asleep.
  (void)os::replace_with_dead(fd_);
  interrupt_waiters(this);
}

int Socket::close_now() {
  if (fd_ < 0 || !owns_fd_.load()) return kOk;
  const int fd = fd_;
  fd_ = -1;
  // POSIX leaves the fd state unspecified after EINTR; Linux always closes it.
  if (::close(fd) != 0 && errno != EINTR) return fail_os(errno);
  return kOk;
}

int Socket::release_fd() {
  // fd_ itself stays as it is: calls still in flight may read it until they return.
  owns_fd_.store(false);
  return fd_;
}

void Socket::interrupt() const { interrupt_waiters(this); }

int Socket::dup_fd() const { return ::fcntl(fd_, F_DUPFD_CLOEXEC, 0); }

int Socket::restore_fd(int keep) {
  int r;
  do {
    r = ::dup3(keep, fd_, O_CLOEXEC);
  } while (r < 0 && (errno == EINTR || errno == EBUSY));
  const int err = r < 0 ? errno : 0;
  ::close(keep);
  return err == 0 ? kOk : fail_os(err);
}

int Socket::wait(short events, const Deadline &deadline) {
  for (;;) {
    if (aborted()) return fail_os(EBADF);
    const int ms = deadline.poll_ms();
    if (ms == -2) return fail_timeout();
    pollfd pfd{fd_, events, 0};
    const int n = ::poll(&pfd, 1, ms);
    if (n < 0) {
      if (errno == EINTR) {  // PEP 475: retry with the time that is left
        if (int st = on_eintr()) return st;
        continue;
      }
      return fail_os(errno);
    }
    if (aborted()) return fail_os(EBADF);
    if (n == 0) return fail_timeout();
    return kOk;  // ready, or an error condition the system call will report
  }
}

int Socket::dup(std::unique_ptr<Socket> *out) const {
  if (tls() != nullptr) return fail_value("Can't dup() SSLSocket instances");
  const int copy = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return fail_os(errno);
  out->reset(new (std::nothrow) Socket(copy, family_, type_, proto_, timeout()));
  if (!*out) {
    ::close(copy);
    return fail_nomem();
  }
  // The copy shares the open file, and so its O_NONBLOCK.
  (*out)->kept_nonblocking_.store(kept_nonblocking_.load(std::memory_order_relaxed),
                                  std::memory_order_relaxed);
  return kOk;
}

int Socket::bind(const char *host, int port) {
  SockAddr sa;
  if (int st = make_sockaddr(family_, host, port, "bind()", &sa)) return st;
  return bind(sa);
}

int Socket::bind(const SockAddr &addr) {
  if (::bind(fd_, addr.get(), addr.len) != 0) return fail_os(errno);
  return kOk;
}

int Socket::listen(int backlog) {
  if (backlog < 0) backlog = std::min(SOMAXCONN, 128);  // Python's listen() default
  if (::listen(fd_, backlog) != 0) return fail_os(errno);
  return kOk;
}

namespace {
// Orders keep_nonblocking against settimeout(None): a kept descriptor is never made
// blocking again, even for a moment (an accept4 in that moment would sleep). And
// keeps modes_ in step with timeout_ and tls_ when two threads change them at once.
std::mutex g_mode_mu;
}  // namespace

// Under the mode lock: modes_ summed up again from timeout_ and tls_.
void Socket::update_modes() {
  const bool waits = timeout_.load(std::memory_order_relaxed) != 0;
  const bool tls = tls_.load(std::memory_order_relaxed) != nullptr;
  modes_.store((waits ? kModeTimeout : 0) | (tls ? kModeTls : 0), std::memory_order_relaxed);
}

void Socket::set_timeout_locked(Nanos t) {
  timeout_.store(t, std::memory_order_relaxed);
  update_modes();
}

void Socket::set_tls(TlsSession *s) {
  const std::lock_guard<std::mutex> lock(g_mode_mu);
  tls_.store(s, std::memory_order_relaxed);
  update_modes();
}

int Socket::keep_nonblocking() {
  // Set on every attempt: a dup made before the first (which does not know the flag
  // is kept) may have cleared it with settimeout(None), and accept4 would then sleep.
  // Only the first needs the lock, against this socket's own settimeout(None).
  if (kept_nonblocking_.load(std::memory_order_relaxed)) {
    if (int err = os::set_nonblocking(fd_, true)) return fail_io(err);
    return kOk;
  }
  const std::lock_guard<std::mutex> lock(g_mode_mu);
  if (!kept_nonblocking_.load(std::memory_order_relaxed)) {
    // Only a listener: O_NONBLOCK under a blocking connect, recv or send would change
    // their outcome. accept4 on a socket that does not listen says EINVAL.
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) return fail_io(errno);
    if (listening == 0) return fail_os(EINVAL);
    kept_nonblocking_.store(true, std::memory_order_relaxed);
  }
  if (int err = os::set_nonblocking(fd_, true)) return fail_io(err);
  return kOk;
}

int Socket::accept(std::unique_ptr<Socket> *out, Address *peer, bool nowait) {
  Nanos mode = timeout();
  if (nowait) {
    if (mode < 0) {
      if (int st = keep_nonblocking()) return st;
    }
    mode = 0;  // the descriptor is O_NONBLOCK in every mode now: one attempt
  }
  SockAddr sa;
  sa.len = sizeof sa.storage;
  // Accepted sockets take the module default timeout, not the listener's (bpo-7995).
  const Nanos t = default_timeout();
  const int flags = SOCK_CLOEXEC | (t >= 0 ? SOCK_NONBLOCK : 0);
  ssize_t conn = -1;
  // No peer wanted: the kernel need not write it out (as C's accept(fd, NULL, NULL)).
  sockaddr *const addr = peer != nullptr ? sa.get() : nullptr;
  socklen_t *const addr_len = peer != nullptr ? &sa.len : nullptr;
  int st = io(
      POLLIN, false, mode,
      [&](int fd, int) -> ssize_t {  // the descriptor's O_NONBLOCK follows the mode
        sa.len = sizeof sa.storage;
        return ::accept4(fd, addr, addr_len, flags);
      },
      &conn);
  if (st != kOk) return st;
  out->reset(new (std::nothrow) Socket(static_cast<int>(conn), family_, type_, proto_, t));
  if (!*out) {
    ::close(static_cast<int>(conn));
    return fail_nomem();
  }
  if (peer != nullptr) parse_sockaddr(sa.get(), sa.len, peer);
  if (tls() != nullptr) [[unlikely]]
    return tls_accepted(out);  // Python's SSLSocket.accept: a wrapped connection
  return kOk;
}

int Socket::wait_connected(const Deadline &deadline, int *out_err) {
  {
    const WaitSection waiting(this);
    if (int st = wait(POLLOUT, deadline)) return st;
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  *out_err = err;
  return kOk;
}

int Socket::connect_impl(const SockAddr &addr, int *out_err) {
  *out_err = 0;
  const Nanos t = timeout();
  int err = 0;
  {
    // A blocking connect sleeps in the kernel (to a full backlog, for seconds):
    // close must be able to interrupt it.
    const WaitSection waiting(this);
    if (aborted()) return fail_os(EBADF);
    if (::connect(fd_, addr.get(), addr.len) == 0) return kOk;
    err = errno;
    if (aborted()) return fail_os(EBADF);
  }
  // As CPython's internal_connect: after EINTR (if the interrupt hook lets the call go
  // on), or EINPROGRESS in a mode that waits, the connection completes in the
  // background: wait and read SO_ERROR.
  if (err == EINTR) {
    if (int st = on_eintr()) return st;
  }
  if ((err == EINTR || err == EINPROGRESS) && t != 0) {
    return wait_connected(Deadline(t), out_err);
  }
  *out_err = err;
  return kOk;
}

int Socket::connect(const char *host, int port) {
  SockAddr sa;
  if (int st = make_sockaddr(family_, host, port, "connect()", &sa)) return st;
  return connect(sa);
}

int Socket::connect(const SockAddr &addr) {
  if (tls() != nullptr) [[unlikely]] {
    if (int st = tls_before_connect()) return st;
  }
  int err = 0;
  const int st = connect_impl(addr, &err);
  if (st == kOk && err == 0) return tls() != nullptr ? tls_after_connect() : kOk;
  if (tls() != nullptr) tls_connect_failed();  // Python drops _sslobj when connect raises
  return st != kOk ? st : fail_os(err);
}

int Socket::connect_ex(const char *host, int port, int *out_err) {
  SockAddr sa;
  if (int st = make_sockaddr(family_, host, port, "connect_ex()", &sa)) return st;
  if (tls() != nullptr) [[unlikely]] {
    if (int st = tls_before_connect()) return st;
  }
  int st = connect_impl(sa, out_err);
  if (st == kErrTimeout) {
    *out_err = EWOULDBLOCK;
    return kOk;
  }
  if (st == kErrOs) {
    *out_err = last_errno();
    return kOk;
  }
  if (st == kOk && *out_err != 0) fail_os(*out_err);
  if (tls() != nullptr) [[unlikely]] {
    if (st == kOk && *out_err == 0) return tls_after_connect();
    if (st != kOk) tls_connect_failed();  // raised: Python drops _sslobj
  }
  return st;
}

int Socket::recvfrom(void *buf, std::size_t len, int flags, std::size_t *out_n, Address *from,
                     bool nowait) {
  // recvfrom(0) calls the kernel (it consumes a datagram); recv(0) does not.
  if (from == nullptr && len != 0) return recv(buf, len, flags, out_n, nowait);
  if (tls() != nullptr) [[unlikely]]
    return tls_refuse("recvfrom");
  if (int st = ssize_limit(len)) return st;
  const Nanos t = nowait ? 0 : timeout();
  SockAddr sa;
  sa.len = 0;
  ssize_t n = 0;
  int st = this->io(
      POLLIN, (flags & MSG_DONTWAIT) != 0, t,
      [&](int fd, int dontwait) -> ssize_t {
        const int io = flags | MSG_NOSIGNAL | dontwait;
        if (from == nullptr) return ::recv(fd, buf, len, io);
        socklen_t alen = sizeof sa.storage;
        const ssize_t r = ::recvfrom(fd, buf, len, io, sa.get(), &alen);
        sa.len = r >= 0 ? alen : 0;
        return r;
      },
      &n);
  if (st == kOk) st = received(n, out_n);
  if (st != kOk) return st;
  if (from != nullptr) parse_sockaddr(sa.get(), sa.len, from);
  return kOk;
}

int Socket::recv_general(void *buf, std::size_t len, int flags, std::size_t *out_n, bool nowait) {
  if (len - 1 >= static_cast<std::size_t>(SSIZE_MAX)) {  // 0, or too large
    if (len != 0) return fail_value("buffer length too large");
    *out_n = 0;  // CPython's recv(0) returns b'' without a system call or a wait
    return kOk;
  }
  if (TlsSession *s = tls())
    return tls_recv(s, buf, len, nowait ? flags | MSG_DONTWAIT : flags, out_n);
  ssize_t n = 0;
  int st = io(POLLIN, (flags & MSG_DONTWAIT) != 0, nowait ? 0 : timeout(),
              recv_call(buf, len, flags), &n);
  if (st != kOk) return st;
  return received(n, out_n);
}

int Socket::send_general(const void *buf, std::size_t len, int flags, std::size_t *out_n,
                         bool nowait) {
  if (len > static_cast<std::size_t>(SSIZE_MAX)) return fail_value("buffer length too large");
  if (TlsSession *s = tls())
    return tls_send(s, buf, len, nowait ? flags | MSG_DONTWAIT : flags, out_n);
  ssize_t n = 0;
  int st = io(POLLOUT, (flags & MSG_DONTWAIT) != 0, nowait ? 0 : timeout(),
              send_call(buf, len, flags), &n);
  if (st != kOk) return st;
  *out_n = static_cast<std::size_t>(n);
  return kOk;
}

int Socket::sendall(const void *buf, std::size_t len, int flags, std::size_t *out_sent) {
  if (int st = ssize_limit(len)) return st;
  const Deadline deadline(timeout());  // one deadline for the whole buffer
  *out_sent = 0;
  if (TlsSession *s = tls()) [[unlikely]]
    return tls_send_all(s, static_cast<const unsigned char *>(buf), len, flags, deadline, out_sent);
  return send_all(static_cast<const unsigned char *>(buf), len, flags, deadline, out_sent);
}

inline int Socket::send_all(const unsigned char *p, std::size_t len, int flags,
                            const Deadline &deadline, std::size_t *sent) {
  int st = kOk;
  while (st == kOk && *sent < len) {
    ssize_t n = 0;
    // The call holds the rest by value: io() retries it only when it sent nothing.
    st = io(POLLOUT, (flags & MSG_DONTWAIT) != 0, deadline.timeout(),
            send_call(p + *sent, len - *sent, flags), &n, &deadline,
            *sent > 0);  // after a partial send the buffer is full: wait first
    if (st == kOk) *sent += static_cast<std::size_t>(n);
  }
  return st;
}

int Socket::sendto(const void *buf, std::size_t len, int flags, const char *host, int port,
                   std::size_t *out_n, bool nowait) {
  if (int st = ssize_limit(len)) return st;
  if (tls() != nullptr) return tls_refuse("sendto");
  SockAddr sa;
  if (int st = make_sockaddr(family_, host, port, "sendto()", &sa)) return st;
  const Nanos t = nowait ? 0 : timeout();
  ssize_t n = 0;
  int st = this->io(
      POLLOUT, (flags & MSG_DONTWAIT) != 0, t,
      [&](int fd, int dontwait) -> ssize_t {
        return ::sendto(fd, buf, len, flags | MSG_NOSIGNAL | dontwait, sa.get(), sa.len);
      },
      &n);
  if (st != kOk) return st;
  *out_n = static_cast<std::size_t>(n);
  return kOk;
}

int Socket::sendfile(int file_fd, std::int64_t offset, std::int64_t count, std::int64_t *out_sent) {
  *out_sent = 0;
  // Python's socket.sendfile argument checks, in its order and words.
  if (count < 0) {
    return fail_value("count must be a positive integer (got " + std::to_string(count) + ")");
  }
  if (offset < 0) return fail_value("offset must be a non-negative integer");
  if (type_ != SOCK_STREAM) return fail_value("only SOCK_STREAM type sockets are supported");
  if (timeout() == 0) return fail_value("non-blocking sockets are not supported");
  struct stat file;
  if (::fstat(file_fd, &file) != 0) return fail_os(errno);
  if (S_ISREG(file.st_mode)) {
    // Python sends nothing from an empty file, or from an offset past its end (there
    // the kernel's EINVAL sends Python to its send() fallback, which reads nothing).
    if (offset >= file.st_size) return kOk;
    if (tls() == nullptr) return sendfile_regular(file_fd, offset, count, out_sent);
    // An SSLSocket cannot go zero-copy: Python's _sendfile_use_send, from offset.
    if (::lseek(file_fd, offset, SEEK_SET) < 0) return fail_os(errno);
    return sendfile_stream(file_fd, count, out_sent);
  }
  // Pipes and other streams: read from the current position and send, as Python's
  // send() fallback does; an offset cannot apply to them.
  if (offset != 0) return fail_value("offset must be 0 for a file that cannot seek");
  return sendfile_stream(file_fd, count, out_sent);
}

int Socket::sendfile_stream(int file_fd, std::int64_t count, std::int64_t *out_sent) {
  // Each send waits with the socket's timeout, as Python's send() does.
  std::vector<unsigned char> chunk(64 * 1024);
  int st = kOk;
  while (st == kOk && (count == 0 || *out_sent < count)) {
    std::size_t want = chunk.size();
    if (count > 0) want = static_cast<std::size_t>(std::min<std::int64_t>(want, count - *out_sent));
    ssize_t got = ::read(file_fd, chunk.data(), want);
    if (got < 0 && errno == EINTR) {
      if ((st = on_eintr())) break;
      continue;
    }
    if (got < 0) return fail_os(errno);
    if (got == 0) break;
    std::size_t done = 0;
    const Deadline each(timeout());
    if (TlsSession *s = tls()) {
      st = tls_send_all(s, chunk.data(), static_cast<std::size_t>(got), 0, each, &done);
    } else {
      st = send_all(chunk.data(), static_cast<std::size_t>(got), 0, each, &done);
    }
    *out_sent += static_cast<std::int64_t>(done);
  }
  return st;
}

int Socket::sendfile_regular(int file_fd, std::int64_t offset, std::int64_t count,
                             std::int64_t *out_sent) {
  // As Python's _sendfile_use_sendfile: zero-copy in blocks of at most 1 GiB until
  // count bytes went or the kernel reports the end of the file; the timeout applies
  // to each wait, so a steady slow reader never times out. offset + count may pass
  // INT64_MAX: only what is left of count is ever computed.
  const Nanos t = timeout();
  off_t off = static_cast<off_t>(offset);
  const os::SigpipeGuard no_sigpipe;  // sendfile takes no MSG_NOSIGNAL
  int st = kOk;
  for (;;) {
    const std::int64_t sent = off - offset;
    std::int64_t block = 1 << 30;
    if (count > 0) block = std::min<std::int64_t>(block, count - sent);
    if (block <= 0) break;
    ssize_t n = 0;
    st = io(
        POLLOUT, false, t,
        [&](int fd, int) -> ssize_t {  // takes no flags: O_NONBLOCK follows the mode
          return ::sendfile(fd, file_fd, &off, static_cast<std::size_t>(block));
        },
        &n, nullptr, sent > 0);
    if (st != kOk || n == 0) break;  // an error, or the end of the file
  }
  *out_sent = off - offset;
  // Python leaves the file position just after what was sent.
  if (*out_sent > 0) ::lseek(file_fd, off, SEEK_SET);
  return st;
}

int Socket::shutdown(int how) {
  // As Python's SSLSocket.shutdown: the TLS layer is dropped (no close_notify).
  set_tls(nullptr);
  if (::shutdown(fd_, how) != 0) return fail_os(errno);
  return kOk;
}

int Socket::settimeout(Nanos t) {
  // Any timeout other than None puts the fd in O_NONBLOCK mode; CPython waits with poll.
  // The flag and the timeout change together, under the mode lock: two threads'
  // settimeout(None) and settimeout(5) at once never leave a blocking socket with
  // O_NONBLOCK, or the reverse.
  const std::lock_guard<std::mutex> lock(g_mode_mu);
  const bool nonblocking = t >= 0 || kept_nonblocking_.load(std::memory_order_relaxed);
  if (int err = os::set_nonblocking(fd_, nonblocking)) return fail_io(err);
  set_timeout_locked(t);
  return kOk;
}

int Socket::setsockopt(int level, int opt, const void *val, std::size_t len) {
  if (len > static_cast<std::size_t>(INT_MAX)) return fail_value("option value too large");
  if (::setsockopt(fd_, level, opt, val, static_cast<socklen_t>(len)) != 0) return fail_os(errno);
  return kOk;
}

int Socket::getsockopt(int level, int opt, void *buf, std::size_t *len) {
  socklen_t n = static_cast<socklen_t>(*len);
  if (::getsockopt(fd_, level, opt, buf, &n) != 0) return fail_os(errno);
  *len = n;
  return kOk;
}

int Socket::getsockname(SockAddr *out) {
  out->len = sizeof out->storage;
  if (::getsockname(fd_, out->get(), &out->len) != 0) return fail_os(errno);
  return kOk;
}

int Socket::getpeername(SockAddr *out) {
  out->len = sizeof out->storage;
  if (::getpeername(fd_, out->get(), &out->len) != 0) return fail_os(errno);
  return kOk;
}

int Socket::getsockname(Address *out) {
  SockAddr sa;
  if (int st = getsockname(&sa)) return st;
  parse_sockaddr(sa.get(), sa.len, out);
  if (out->family == 0) out->family = family_;
  return kOk;
}

int Socket::getpeername(Address *out) {
  SockAddr sa;
  if (int st = getpeername(&sa)) return st;
  parse_sockaddr(sa.get(), sa.len, out);
  if (out->family == 0) out->family = family_;
  return kOk;
}

}  // namespace polysock
