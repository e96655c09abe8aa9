// The SSLSocket half of Socket (socket.hpp): recv, send, sendall, the handshake and
// unwrap through the session's engine (tls.hpp), in the socket's mode. The engine
// never waits; tls_io waits for the event it asks for, in a WaitSection, so a close
// from another thread wakes it as it wakes every other call.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "error.hpp"
#include "interrupt.hpp"
#include "socket.hpp"
#include "tls.hpp"

namespace polysock {

void TlsSessionDeleter::operator()(TlsSession *s) const { delete s; }

template <class Step>
int Socket::tls_io(bool nowait, const Deadline *shared, const char *timeout_message, Step step) {
  short want = 0;
  int st = step(&want);
  const Nanos t = shared != nullptr ? shared->timeout() : timeout();
  if (want == 0 || nowait || t == 0) {  // done, failed, or non-blocking
    // A failure on the dead socket that a close put in place is EBADF (as fail_io).
    return st != kOk && aborted() ? fail_os(EBADF) : st;
  }
  const Deadline own(shared != nullptr ? 0 : t);
  const Deadline &deadline = shared != nullptr ? *shared : own;
  const WaitSection waiting(this);
  for (;;) {
    if (aborted()) return fail_os(EBADF);
    st = wait(want, deadline);
    if (st == kErrTimeout) {
      if (timeout_message == nullptr) {
        timeout_message =
            want == POLLIN ? "The read operation timed out" : "The write operation timed out";
      }
      return fail_timeout(timeout_message);
    }
    if (st != kOk) return st;
    st = step(&want);
    if (want == 0) return st != kOk && aborted() ? fail_os(EBADF) : st;
  }
}

int Socket::tls_refuse(const char *what) const {
  return fail_value(std::string(what) + " not allowed on instances of SSLSocket");
}

int Socket::tls_recv(TlsSession *s, void *buf, std::size_t len, int flags, std::size_t *out_n) {
  if ((flags & ~MSG_DONTWAIT) != 0) {
    return fail_value("non-zero flags not allowed in calls to recv() on SSLSocket");
  }
  std::size_t n = 0;
  const int st = tls_io((flags & MSG_DONTWAIT) != 0, nullptr, nullptr,
                        [&](short *want) { return s->read(buf, len, &n, want); });
  if (st != kOk) return st;
  // 0 bytes from the dead socket that close put in place is no end of stream.
  if (n == 0 && aborted()) return fail_os(EBADF);
  *out_n = n;
  return kOk;
}

int Socket::tls_send(TlsSession *s, const void *buf, std::size_t len, int flags,
                     std::size_t *out_n) {
  if ((flags & ~MSG_DONTWAIT) != 0) {
    return fail_value("non-zero flags not allowed in calls to send() on SSLSocket");
  }
  if (len == 0) {
    *out_n = 0;
    return kOk;
  }
  std::size_t n = 0;
  const int st = tls_io((flags & MSG_DONTWAIT) != 0, nullptr, nullptr,
                        [&](short *want) { return s->write(buf, len, &n, want); });
  if (st != kOk) return st;
  *out_n = n;
  return kOk;
}

int Socket::tls_send_all(TlsSession *s, const unsigned char *p, std::size_t len, int flags,
                         const Deadline &deadline, std::size_t *sent) {
  if ((flags & ~MSG_DONTWAIT) != 0) {
    return fail_value("non-zero flags not allowed in calls to sendall() on SSLSocket");
  }
  int st = kOk;
  while (st == kOk && *sent < len) {
    std::size_t n = 0;
    st = tls_io((flags & MSG_DONTWAIT) != 0, &deadline, nullptr,
                [&](short *want) { return s->write(p + *sent, len - *sent, &n, want); });
    if (st == kOk) *sent += n;
  }
  return st;
}

int Socket::tls_handshake_in_mode(TlsSession *s, bool nowait) {
  return tls_io(nowait, nullptr, "The handshake operation timed out",
                [&](short *want) { return s->handshake(want); });
}

int Socket::tls_wrap(TlsSessionPtr session, bool connected) {
  TlsSession *s = session.get();
  tls_owner_ = std::move(session);
  set_tls(s);
  if (!connected) return kOk;
  if (int st = s->start(fd_)) return st;
  if (!s->options().handshake_on_connect) return kOk;
  return tls_handshake_in_mode(s);
}

int Socket::tls_do_handshake(bool nowait) {
  TlsSession *s = tls();
  if (s == nullptr) return fail_value("not an SSLSocket (never wrapped, or unwrapped)");
  return tls_handshake_in_mode(s, nowait);
}

int Socket::tls_unwrap(bool nowait) {
  TlsSession *s = tls();
  if (s == nullptr) return fail_value("No SSL wrapper around socket");
  // close_notify, then the peer's: afterwards the descriptor carries plain bytes,
  // exactly those after the peer's close_notify (the engine never reads ahead).
  if (int st = tls_io(nowait, nullptr, nullptr, [&](short *want) { return s->shutdown(want); })) {
    return st;
  }
  set_tls(nullptr);
  return kOk;
}

bool Socket::tls_has_pending() const {
  const TlsSession *s = tls();
  return s != nullptr && s->has_pending();
}

int Socket::tls_before_connect() {
  TlsSession *s = tls();
  if (s == nullptr) return kOk;
  if (s->options().server_side) return fail_value("can't connect in server-side mode");
  if (s->started()) return fail_value("attempt to connect already-connected SSLSocket!");
  return s->start(fd_);
}

void Socket::tls_connect_failed() {
  if (TlsSession *s = tls()) s->stop();
}

int Socket::tls_after_connect() {
  TlsSession *s = tls();
  if (s == nullptr || !s->options().handshake_on_connect) return kOk;
  return tls_handshake_in_mode(s);
}

int Socket::tls_accepted(std::unique_ptr<Socket> *conn) {
  const TlsSession *listener = tls();
  TlsSession::Options opts = listener->options();
  opts.server_side = true;  // Python's accept wraps with server_side=True
  opts.hostname.clear();
  Socket &c = **conn;
  if (opts.handshake_on_connect && c.timeout() == 0) {
    conn->reset();
    return fail_value("do_handshake_on_connect should not be specified for non-blocking sockets");
  }
  std::unique_ptr<TlsSession> made;
  if (int st = TlsSession::create_for_socket(listener->context(), opts, &made)) {
    conn->reset();
    return st;
  }
  const int st = c.tls_wrap(TlsSessionPtr(made.release()), true);
  if (st != kOk) conn->reset();  // Python closes a connection whose handshake failed
  return st;
}

}  // namespace polysock
