// The extern "C" module functions (socket creation helpers, default timeout,
// constants, version) and the error accessors, plus the shared pieces of capi.hpp.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "../../core/connection.hpp"
#include "../../core/constants.hpp"
#include "capi.hpp"

namespace polysock {

static_assert(int{SOCK_OK} == int{kOk} && int{SOCK_ERR_OS} == int{kErrOs} &&
                  int{SOCK_ERR_TIMEOUT} == int{kErrTimeout} && int{SOCK_ERR_GAI} == int{kErrGai} &&
                  int{SOCK_ERR_HOST} == int{kErrHost} && int{SOCK_ERR_VALUE} == int{kErrValue} &&
                  int{SOCK_ERR_NOMEM} == int{kErrNomem} && int{SOCK_ERR_RANGE} == int{kErrRange} &&
                  int{SOCK_ERR_INTERRUPTED} == int{kErrInterrupted} &&
                  int{SOCK_ERR_SSL} == int{kErrSsl} &&
                  int{SOCK_ERR_NOT_CONFIGURED} == int{kErrNotConfigured},
              "the C ABI's status codes are the core's");
static_assert(SOCK_TIMEOUT_NONE == kTimeoutNone && SOCK_TIMEOUT_DEFAULT == kTimeoutDefault,
              "the C ABI's timeout sentinels are the core's");
static_assert(sizeof(sock_address::host) == sizeof(Address::host), "same host buffer");

int publish(std::unique_ptr<Socket> sock, sock_handle *out) {
  const sock_handle h = SocketTable::insert(sock.get());
  if (h == 0) return fail_nomem();
  sock.release();
  *out = h;
  return kOk;
}

// A string result into (buf, buflen) with the length out-parameter (may be NULL):
// the length on success, the size needed (NUL included) when it does not fit.
int copy_out(const char *text, std::size_t n, char *buf, std::size_t buflen, std::size_t *out_len) {
  if (buf == nullptr && buflen != 0) return fail_null("buf");
  if (buflen < n + 1) {
    if (out_len != nullptr) *out_len = n + 1;
    return fail_range();
  }
  std::memcpy(buf, text, n);
  buf[n] = '\0';
  if (out_len != nullptr) *out_len = n;
  return kOk;
}

int fail_null(const char *what) { return fail_value(std::string(what) + " must not be NULL"); }

void copy_address(const Address &in, sock_address *out) {
  if (out == nullptr) return;
  out->family = in.family;
  std::memcpy(out->host, in.host, sizeof out->host);
  out->port = in.port;
  out->flowinfo = in.flowinfo;
  out->scope_id = in.scope_id;
}

namespace {

int publish_pair(std::unique_ptr<Socket> a, std::unique_ptr<Socket> b, sock_handle *out_a,
                 sock_handle *out_b) {
  sock_handle ha = 0;
  if (int st = publish(std::move(a), &ha)) return st;
  if (int st = publish(std::move(b), out_b)) {
    sock_close(ha);
    return st;
  }
  *out_a = ha;
  return kOk;
}

}  // namespace
}  // namespace polysock

using polysock::fail_value;
using polysock::kOk;

extern "C" {

const char *net_version(void) { return POLYSOCK_VERSION_STRING; }

int net_abi_version(void) { return POLYSOCK_ABI_VERSION; }

int sock_last_errno(void) { return polysock::last_errno(); }

const char *sock_last_error_message(void) {
  try {
    return polysock::last_error_message();
  } catch (...) {  // formatting the message needs memory
    return "out of memory";
  }
}

const char *sock_strerror(int status) { return polysock::status_name(status); }

int net_socketpair(int family, int type, int proto, sock_handle *out_a, sock_handle *out_b) {
  return polysock::guarded([&]() -> int {
    if (out_a == nullptr) return polysock::fail_null("out_a");
    if (out_b == nullptr) return polysock::fail_null("out_b");
    std::unique_ptr<polysock::Socket> a, b;
    if (int st = polysock::Socket::pair(family, type, proto, &a, &b)) return st;
    return polysock::publish_pair(std::move(a), std::move(b), out_a, out_b);
  });
}

int net_fromfd(int fd, int family, int type, int proto, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::unique_ptr<polysock::Socket> sock;
    if (int st = polysock::Socket::from_fd(fd, family, type, proto, &sock)) return st;
    return polysock::publish(std::move(sock), out);
  });
}

int sock_create_fileno(int family, int type, int proto, int fd, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::unique_ptr<polysock::Socket> sock;
    if (int st = polysock::Socket::from_fileno(fd, family, type, proto, &sock)) return st;
    // Not publish(): on failure the descriptor must stay the caller's.
    const sock_handle h = polysock::SocketTable::insert(sock.get());
    if (h == 0) {
      sock->release_fd();
      return polysock::fail_nomem();
    }
    sock.release();
    *out = h;
    return kOk;
  });
}

int net_close(int fd) {
  return polysock::guarded([&]() -> int {
    // As CPython's socket.close(fd): a peer that reset the connection is no error.
    // EINTR is none either: Linux has closed the descriptor (retrying could close
    // one that another thread has just been given).
    if (::close(fd) != 0 && errno != ECONNRESET && errno != EINTR) return polysock::fail_os(errno);
    return kOk;
  });
}

int net_create_connection(const char *host, int port, double timeout, const char *source_host,
                          int source_port, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::unique_ptr<polysock::Socket> sock;
    if (int st =
            polysock::create_connection(host, port, timeout, source_host, source_port, &sock)) {
      return st;
    }
    return polysock::publish(std::move(sock), out);
  });
}

int net_create_server(const char *host, int port, int family, int backlog, int reuse_port,
                      int dualstack_ipv6, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::unique_ptr<polysock::Socket> sock;
    if (int st = polysock::create_server(host, port, family, backlog, reuse_port != 0,
                                         dualstack_ipv6 != 0, &sock)) {
      return st;
    }
    return polysock::publish(std::move(sock), out);
  });
}

int net_getdefaulttimeout(double *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    *out = polysock::timeout_to_seconds(polysock::default_timeout());
    return kOk;
  });
}

int net_setdefaulttimeout(double seconds) {
  return polysock::guarded([&]() -> int {
    polysock::Nanos t = 0;
    if (int st = polysock::timeout_from_seconds(seconds, &t)) return st;
    polysock::set_default_timeout(t);
    return kOk;
  });
}

int net_has_dualstack_ipv6(int *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    *out = polysock::has_dualstack_ipv6() ? 1 : 0;
    return kOk;
  });
}

int net_set_interrupt_hook(sock_interrupt_hook hook, void *ctx) {
  return polysock::guarded([&]() -> int {
    polysock::set_interrupt_hook(hook, ctx);
    return kOk;
  });
}

int net_interrupt_flag_hook(void *ctx) {
  // Called in the interrupted thread, never in the signal handler: a plain volatile
  // read of the flag that the handler wrote.
  return ctx != nullptr && *static_cast<volatile int *>(ctx) != 0 ? 1 : 0;
}

int net_constant(const char *name, long long *out) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return polysock::fail_null("name");
    if (out == nullptr) return polysock::fail_null("out");
    const polysock::Constant *c = polysock::find_constant(name);
    if (c == nullptr) return fail_value(std::string("unknown constant: ") + name);
    *out = c->value;
    return kOk;
  });
}

int net_constant_count(size_t *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::constants(out);
    return kOk;
  });
}

int net_constant_at(size_t i, const char **out_name, long long *out_value) {
  return polysock::guarded([&]() -> int {
    if (out_name == nullptr) return polysock::fail_null("out_name");
    if (out_value == nullptr) return polysock::fail_null("out_value");
    size_t n = 0;
    const polysock::Constant *all = polysock::constants(&n);
    if (i >= n) return fail_value("constant index out of range");
    *out_name = all[i].name;
    *out_value = all[i].value;
    return kOk;
  });
}

}  // extern "C"
