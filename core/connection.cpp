// create_connection and create_server, as Lib/socket.py writes them.
#include "connection.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "error.hpp"
#include "resolver.hpp"

namespace polysock {

int create_connection(const char *host, int port, double timeout_seconds, const char *source_host,
                      int source_port, std::unique_ptr<Socket> *out) {
  Nanos timeout = 0;
  const bool keep_default = timeout_seconds == kTimeoutDefault;
  if (!keep_default) {
    if (int st = timeout_from_seconds(timeout_seconds, &timeout)) return st;
  }
  // As Python, the port goes to getaddrinfo as text: glibc takes it modulo 65536
  // (70000 is 4464) and refuses a negative one as an unknown service.
  std::vector<AddrInfo> infos;
  const std::string service = std::to_string(port);
  if (int st = resolve(host, service.c_str(), AF_UNSPEC, SOCK_STREAM, 0, 0, &infos)) return st;
  if (infos.empty()) return fail_os_message("getaddrinfo returns an empty list");
  // Try every address in glibc's order; the last attempt's error is the one reported.
  int st = kOk;
  for (const AddrInfo &ai : infos) {
    std::unique_ptr<Socket> sock;
    st = Socket::create(ai.family, ai.type, ai.proto, &sock);
    if (st == kOk && !keep_default) st = sock->settimeout(timeout);
    if (st == kOk && source_host != nullptr) st = sock->bind(source_host, source_port);
    if (st == kOk) st = sock->connect(ai.addr);
    if (st == kOk) {
      *out = std::move(sock);
      return kOk;
    }
  }
  return st;
}

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
