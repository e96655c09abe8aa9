// create_server, as Lib/socket.py writes it (create_connection: happy_eyeballs.cpp).
#include "connection.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

#include "error.hpp"

namespace polysock {

namespace {

int set_int_option(Socket &sock, int level, int opt, int value) {
  return sock.setsockopt(level, opt, &value, sizeof value);
}

std::string python_repr(int family, const char *host, int port) {
  std::string repr = family == AF_UNIX ? "'" : "('";
  repr.append(host).append("'");
  if (family != AF_UNIX) repr.append(", ").append(std::to_string(port)).append(")");
  return repr;
}

}  // namespace

bool has_dualstack_ipv6() {
  std::unique_ptr<Socket> sock;
  if (Socket::create(AF_INET6, SOCK_STREAM, 0, &sock) != kOk) return false;
  return set_int_option(*sock, IPPROTO_IPV6, IPV6_V6ONLY, 0) == kOk;
}

int create_server(const char *host, int port, int family, int backlog, bool reuse_port,
                  bool dualstack_ipv6, std::unique_ptr<Socket> *out) {
  if (family == 0) family = AF_INET;
  if (host == nullptr) host = "";
  if (dualstack_ipv6) {
    if (!has_dualstack_ipv6()) return fail_value("dualstack_ipv6 not supported on this platform");
    if (family != AF_INET6) return fail_value("dualstack_ipv6 requires AF_INET6 family");
  }
  std::unique_ptr<Socket> sock;
  if (int st = Socket::create(family, SOCK_STREAM, 0, &sock)) return st;
  (void)set_int_option(*sock, SOL_SOCKET, SO_REUSEADDR, 1);  // best effort, as Python
  if (reuse_port) {
    if (int st = set_int_option(*sock, SOL_SOCKET, SO_REUSEPORT, 1)) return st;
  }
  if (family == AF_INET6) {
    if (int st = set_int_option(*sock, IPPROTO_IPV6, IPV6_V6ONLY, dualstack_ipv6 ? 0 : 1)) {
      return st;
    }
  }
  if (int st = sock->bind(host, port)) {
    // Python re-raises any OSError of bind, gaierror included, as OSError(errno,
    // "<strerror> (while attempting to bind on address ('host', port))").
    if ((st != kErrOs && st != kErrGai) || last_errno() == 0) return st;
    const int err = last_errno();
    std::string text = last_error_message();
    return fail_os_with(err, text + " (while attempting to bind on address " +
                                 python_repr(family, host, port) + ")");
  }
  if (int st = sock->listen(backlog)) return st;
  *out = std::move(sock);
  return kOk;
}

}  // namespace polysock
