// The extern "C" socket-object functions: check arguments, turn a handle into a
// core Socket through the one handle table, call the core, copy results out.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include <sys/un.h>

#include "capi.hpp"
#include "polysock/polysock.h"

using polysock::fail_os;
using polysock::fail_value;
using polysock::kOk;
using polysock::Socket;

namespace {

// Each call and its _try twin (one attempt whatever the mode) share one body, made twice
// by a template argument (not a run-time flag), so the plain call pays nothing for the twin.
template <bool nowait>
int accept_in(sock_handle h, sock_handle *out_conn, sock_address *out_addr) {
  return polysock::guarded([&]() -> int {
    if (out_conn == nullptr) return polysock::fail_null("out_conn");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    std::unique_ptr<Socket> conn;
    polysock::Address peer;
    if (int st = s->accept(&conn, out_addr != nullptr ? &peer : nullptr, nowait)) return st;
    if (int st = polysock::publish(std::move(conn), out_conn)) return st;
    polysock::copy_address(peer, out_addr);
    return kOk;
  });
}

template <bool nowait>
int recv_in(sock_handle h, void *buf, size_t len, int flags, size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return polysock::fail_null("out_n");
    if (buf == nullptr && len != 0) return polysock::fail_null("buf");
    return polysock::with_socket(
        h, [buf, len, flags, out_n](Socket *s) { return s->recv(buf, len, flags, out_n, nowait); });
  });
}

template <bool nowait>
int recvfrom_in(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                sock_address *out_addr) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return polysock::fail_null("out_n");
    if (buf == nullptr && len != 0) return polysock::fail_null("buf");
    return polysock::with_socket(h, [buf, len, flags, out_n, out_addr](Socket *s) -> int {
      polysock::Address from;
      if (out_addr == nullptr) return s->recvfrom(buf, len, flags, out_n, nullptr, nowait);
      if (int st = s->recvfrom(buf, len, flags, out_n, &from, nowait)) return st;
      polysock::copy_address(from, out_addr);
      return kOk;
    });
  });
}

template <bool nowait>
int send_in(sock_handle h, const void *buf, size_t len, int flags, size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return polysock::fail_null("out_n");
    if (buf == nullptr && len != 0) return polysock::fail_null("buf");
    return polysock::with_socket(
        h, [buf, len, flags, out_n](Socket *s) { return s->send(buf, len, flags, out_n, nowait); });
  });
}

template <bool nowait>
int sendto_in(sock_handle h, const void *buf, size_t len, int flags, const char *host, int port,
              size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return polysock::fail_null("out_n");
    if (buf == nullptr && len != 0) return polysock::fail_null("buf");
    return polysock::with_socket(h, [buf, len, flags, host, port, out_n](Socket *s) {
      return s->sendto(buf, len, flags, host, port, out_n, nowait);
    });
  });
}

}  // namespace

extern "C" {

int sock_create(int family, int type, int proto, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::unique_ptr<Socket> sock;
    if (int st = Socket::create(family, type, proto, &sock)) return st;
    return polysock::publish(std::move(sock), out);
  });
}

int sock_close(sock_handle h) {
  return polysock::guarded([&]() -> int {
    polysock::SocketTable::Closing ref;
    switch (polysock::SocketTable::close(h, &ref)) {
      case polysock::SocketTable::Lookup::kClosed:
        return kOk;  // a second close() is a no-op, as in Python
      case polysock::SocketTable::Lookup::kNeverIssued:
        return fail_os(EBADF);
      case polysock::SocketTable::Lookup::kOk:
        break;
    }
    ref->abort(!ref.sole());  // wake calls in flight on this handle in other threads
    Socket *last = nullptr;
    ref.reset(&last);
    if (last == nullptr) return kOk;  // the last call in flight will release the fd
    const int st = last->close_now();
    delete last;
    return st;
  });
}

int sock_detach(sock_handle h, int *out_fd) {
  return polysock::guarded([&]() -> int {
    if (out_fd == nullptr) return polysock::fail_null("out_fd");
    polysock::SocketTable::Closing ref;
    switch (polysock::SocketTable::close(h, &ref)) {
      case polysock::SocketTable::Lookup::kClosed:
        *out_fd = -1;
        return kOk;
      case polysock::SocketTable::Lookup::kNeverIssued:
        return fail_os(EBADF);
      case polysock::SocketTable::Lookup::kOk:
        break;
    }
    if (ref.sole()) {  // no call in flight, and none can start: hand the fd out as is
      ref->abort(false);
      *out_fd = ref->release_fd();
      return kOk;
    }
    // Calls are in flight: they must fail with EBADF before the descriptor is handed
    // out, and none may touch it after. Keep a descriptor of the socket aside, let
    // abort() put a dead socket under the old number and interrupt the calls, then
    // give the number back to the socket once they have all returned. Without a
    // spare descriptor (none left), the calls are interrupted until they are gone.
    const int keep = ref->dup_fd();
    ref->abort(keep >= 0);
    const polysock::Deadline patience(200'000'000);  // woken calls return in microseconds
    while (!ref.sole()) {
      if (keep >= 0 && patience.poll_ms() == -2) {
        // A call is still in flight (its thread blocks the wake signal): hand out the
        // spare; the old number stays with the dead socket until that call ends.
        *out_fd = keep;
        return kOk;
      }
      ref->interrupt();  // again, for a call that had not reached the kernel last time
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    if (keep >= 0) {
      if (int st = ref->restore_fd(keep)) return st;
    }
    *out_fd = ref->release_fd();
    return kOk;
  });
}

int sock_dup(sock_handle h, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    std::unique_ptr<Socket> copy;
    if (int st = s->dup(&copy)) return st;
    return polysock::publish(std::move(copy), out);
  });
}

int sock_fileno(sock_handle h, int *out_fd) {
  return polysock::guarded([&]() -> int {
    if (out_fd == nullptr) return polysock::fail_null("out_fd");
    polysock::SocketRef s;
    switch (polysock::SocketTable::acquire(h, &s)) {
      case polysock::SocketTable::Lookup::kClosed:
        *out_fd = -1;
        return kOk;
      case polysock::SocketTable::Lookup::kNeverIssued:
        return fail_os(EBADF);
      case polysock::SocketTable::Lookup::kOk:
        break;
    }
    *out_fd = s->fd();
    return kOk;
  });
}

int sock_bind(sock_handle h, const char *host, int port) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->bind(host, port);
  });
}

}  // extern "C"

namespace {

// The AF_UNIX bytes functions take only AF_UNIX sockets; CPython raises TypeError
// ("bind(): AF_INET address must be tuple, not bytes") for the others.
int require_unix(const Socket &s, const char *caller) {
  if (s.family() == AF_UNIX) return kOk;
  const char *family = s.family() == AF_INET ? "AF_INET" : s.family() == AF_INET6 ? "AF_INET6" : "";
  if (family[0] == '\0') return fail_value(std::string(caller) + ": not an AF_UNIX socket");
  return fail_value(std::string(caller) + ": " + family + " address must be tuple, not bytes");
}

int unix_sockaddr(sock_handle h, const void *path, std::size_t len, const char *caller,
                  polysock::SocketRef *s, polysock::SockAddr *sa) {
  if (path == nullptr && len != 0) return polysock::fail_null("path");
  if (int st = polysock::lookup(h, s)) return st;
  if (int st = require_unix(*s->get(), caller)) return st;
  return polysock::make_unix_sockaddr(path, len, sa);
}

// getsockname/getpeername as bytes into the caller's buffer.
template <class Get>
int unix_name(sock_handle h, void *buf, std::size_t buflen, std::size_t *out_len,
              const char *caller, Get get) {
  if (buf == nullptr && buflen != 0) return polysock::fail_null("buf");
  polysock::SocketRef s;
  if (int st = polysock::lookup(h, &s)) return st;
  if (int st = require_unix(*s.get(), caller)) return st;
  polysock::SockAddr sa;
  if (int st = get(*s.get(), &sa)) return st;
  char path[sizeof(sockaddr_un::sun_path)];
  const std::size_t n = polysock::unix_path_bytes(sa.get(), sa.len, path);
  if (out_len != nullptr) *out_len = n;
  if (n > buflen) return polysock::fail_range();
  if (n > 0) std::memcpy(buf, path, n);
  return kOk;
}

}  // namespace

extern "C" {

int sock_bind_unix(sock_handle h, const void *path, size_t len) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    polysock::SockAddr sa;
    if (int st = unix_sockaddr(h, path, len, "bind()", &s, &sa)) return st;
    return s->bind(sa);
  });
}

int sock_connect_unix(sock_handle h, const void *path, size_t len) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    polysock::SockAddr sa;
    if (int st = unix_sockaddr(h, path, len, "connect()", &s, &sa)) return st;
    return s->connect(sa);
  });
}

int sock_getsockname_unix(sock_handle h, void *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    return unix_name(h, buf, buflen, out_len, "getsockname()",
                     [](Socket &s, polysock::SockAddr *sa) { return s.getsockname(sa); });
  });
}

int sock_getpeername_unix(sock_handle h, void *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    return unix_name(h, buf, buflen, out_len, "getpeername()",
                     [](Socket &s, polysock::SockAddr *sa) { return s.getpeername(sa); });
  });
}

int sock_listen(sock_handle h, int backlog) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->listen(backlog);
  });
}

int sock_accept(sock_handle h, sock_handle *out_conn, sock_address *out_addr) {
  return accept_in<false>(h, out_conn, out_addr);
}

int sock_accept_try(sock_handle h, sock_handle *out_conn, sock_address *out_addr) {
  return accept_in<true>(h, out_conn, out_addr);
}

int sock_connect(sock_handle h, const char *host, int port) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->connect(host, port);
  });
}

int sock_connect_ex(sock_handle h, const char *host, int port) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    int err = 0;
    if (int st = s->connect_ex(host, port, &err)) return st;
    return err;
  });
}

int sock_recv(sock_handle h, void *buf, size_t len, int flags, size_t *out_n) {
  return recv_in<false>(h, buf, len, flags, out_n);
}

int sock_recv_try(sock_handle h, void *buf, size_t len, int flags, size_t *out_n) {
  return recv_in<true>(h, buf, len, flags, out_n);
}

int sock_recvfrom(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                  sock_address *out_addr) {
  return recvfrom_in<false>(h, buf, len, flags, out_n, out_addr);
}

int sock_recvfrom_try(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                      sock_address *out_addr) {
  return recvfrom_in<true>(h, buf, len, flags, out_n, out_addr);
}

int sock_send(sock_handle h, const void *buf, size_t len, int flags, size_t *out_n) {
  return send_in<false>(h, buf, len, flags, out_n);
}

int sock_send_try(sock_handle h, const void *buf, size_t len, int flags, size_t *out_n) {
  return send_in<true>(h, buf, len, flags, out_n);
}

int sock_sendall(sock_handle h, const void *buf, size_t len, int flags, size_t *out_sent) {
  return polysock::guarded([&]() -> int {
    size_t ignored = 0;
    if (out_sent == nullptr) out_sent = &ignored;
    *out_sent = 0;
    if (buf == nullptr && len != 0) return polysock::fail_null("buf");
    return polysock::with_socket(h, [buf, len, flags, out_sent](Socket *s) {
      return s->sendall(buf, len, flags, out_sent);
    });
  });
}

int sock_sendto(sock_handle h, const void *buf, size_t len, int flags, const char *host, int port,
                size_t *out_n) {
  return sendto_in<false>(h, buf, len, flags, host, port, out_n);
}

int sock_sendto_try(sock_handle h, const void *buf, size_t len, int flags, const char *host,
                    int port, size_t *out_n) {
  return sendto_in<true>(h, buf, len, flags, host, port, out_n);
}

int sock_sendfile(sock_handle h, int file_fd, int64_t offset, int64_t count, int64_t *out_sent) {
  return polysock::guarded([&]() -> int {
    int64_t ignored = 0;
    if (out_sent == nullptr) out_sent = &ignored;
    *out_sent = 0;
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->sendfile(file_fd, offset, count, out_sent);
  });
}

int sock_shutdown(sock_handle h, int how) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->shutdown(how);
  });
}

int sock_settimeout(sock_handle h, double seconds) {
  return polysock::guarded([&]() -> int {
    polysock::Nanos t = 0;
    if (int st = polysock::timeout_from_seconds(seconds, &t)) return st;
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->settimeout(t);
  });
}

int sock_gettimeout(sock_handle h, double *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    *out = polysock::timeout_to_seconds(s->timeout());
    return kOk;
  });
}

int sock_setblocking(sock_handle h, int flag) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->settimeout(flag ? polysock::kBlocking : 0);
  });
}

int sock_getblocking(sock_handle h, int *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    *out = s->timeout() != 0 ? 1 : 0;
    return kOk;
  });
}

int sock_setsockopt(sock_handle h, int level, int opt, int value) {
  return sock_setsockopt_bytes(h, level, opt, &value, sizeof value);
}

int sock_setsockopt_bytes(sock_handle h, int level, int opt, const void *val, size_t len) {
  return polysock::guarded([&]() -> int {
    if (val == nullptr && len != 0) return polysock::fail_null("val");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->setsockopt(level, opt, val, len);
  });
}

int sock_getsockopt(sock_handle h, int level, int opt, int *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    int value = 0;
    size_t len = sizeof value;
    if (int st = s->getsockopt(level, opt, &value, &len)) return st;
    *out = value;
    return kOk;
  });
}

int sock_getsockopt_bytes(sock_handle h, int level, int opt, void *buf, size_t buflen,
                          size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (out_len == nullptr) return polysock::fail_null("out_len");
    if (buf == nullptr && buflen != 0) return polysock::fail_null("buf");
    if (buflen == 0 || buflen > 1024)
      return polysock::fail_os_message("getsockopt buflen out of range");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    size_t len = buflen;
    if (int st = s->getsockopt(level, opt, buf, &len)) return st;
    *out_len = len;
    return kOk;
  });
}

int sock_getsockname(sock_handle h, sock_address *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    polysock::Address a;
    if (int st = s->getsockname(&a)) return st;
    polysock::copy_address(a, out);
    return kOk;
  });
}

int sock_getpeername(sock_handle h, sock_address *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    polysock::Address a;
    if (int st = s->getpeername(&a)) return st;
    polysock::copy_address(a, out);
    return kOk;
  });
}

int sock_info(sock_handle h, int *out_family, int *out_type, int *out_proto) {
  return polysock::guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    if (out_family != nullptr) *out_family = s->family();
    if (out_type != nullptr) *out_type = s->type();
    if (out_proto != nullptr) *out_proto = s->proto();
    return kOk;
  });
}

}  // extern "C"
