// Address conversion, following CPython's socketmodule.c for the three families.
#include "address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "error.hpp"
#include "inet.hpp"
#include "resolver.hpp"

namespace polysock {

int make_unix_sockaddr(const void *path, std::size_t len, SockAddr *out) {
  auto *sun = reinterpret_cast<sockaddr_un *>(&out->storage);
  const auto *bytes = static_cast<const char *>(path);
  // As CPython's getsockaddrarg: an abstract name (a leading NUL, not terminated) may
  // fill sun_path; a file path needs room for its NUL. Bytes after a NUL inside a
  // file path are passed on as CPython does (the kernel stops at the NUL).
  const bool abstract = len == 0 || bytes[0] == '\0';
  if (len > sizeof sun->sun_path || (!abstract && len == sizeof sun->sun_path)) {
    return fail_os_message("AF_UNIX path too long");
  }
  std::memset(sun, 0, sizeof *sun);  // the autobind form too: tools read sun_path as text
  sun->sun_family = AF_UNIX;
  if (len > 0) std::memcpy(sun->sun_path, bytes, len);
  // An empty path gives just the family: the kernel autobinds an abstract name.
  out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  return kOk;
}

std::size_t unix_path_bytes(const sockaddr *sa, socklen_t len, char *out) {
  const auto *sun = reinterpret_cast<const sockaddr_un *>(sa);
  const std::size_t base = offsetof(sockaddr_un, sun_path);
  if (static_cast<std::size_t>(len) <= base) return 0;  // unnamed
  std::size_t n = std::min(static_cast<std::size_t>(len) - base, sizeof sun->sun_path);
  if (sun->sun_path[0] != '\0') n = strnlen(sun->sun_path, n);  // a file path ends at its NUL
  std::memcpy(out, sun->sun_path, n);
  return n;
}

namespace {

int make_unix_sockaddr_text(const char *path, int port, SockAddr *out) {
  if (port != 0) return fail_value("AF_UNIX addresses take no port (port must be 0)");
  if (path[0] != '@') return make_unix_sockaddr(path, std::strlen(path), out);
  // "@name" spells the Linux abstract name "\0name".
  char bytes[sizeof(sockaddr_un::sun_path) + 1];
  const std::size_t n = std::strlen(path);
  if (n > sizeof(sockaddr_un::sun_path)) return fail_os_message("AF_UNIX path too long");
  bytes[0] = '\0';
  std::memcpy(bytes + 1, path + 1, n - 1);
  return make_unix_sockaddr(bytes, n, out);
}

}  // namespace

int set_ip_address(int family, const char *host, SockAddr *out) {
  *out = SockAddr{};
  std::vector<AddrInfo> infos;
  if (host[0] == '\0') {
    // "" is the wildcard address of the family; AF_UNSPEC has two, which CPython refuses.
    if (int st = resolve(nullptr, "0", family, SOCK_DGRAM, 0, AI_PASSIVE, &infos)) return st;
    if (infos.front().family != AF_INET && infos.front().family != AF_INET6) {
      return fail_os_message("unsupported address family");
    }
    if (infos.size() > 1) return fail_os_message("wildcard resolved to multiple address");
    *out = infos.front().addr;
    return kOk;
  }
  if (std::strcmp(host, "<broadcast>") == 0 || std::strcmp(host, "255.255.255.255") == 0) {
    if (family != AF_INET && family != AF_UNSPEC) {
      return fail_os_message("address family mismatched");
    }
    auto *sin = reinterpret_cast<sockaddr_in *>(&out->storage);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
    out->len = sizeof *sin;
    return kOk;
  }
  // Numeric addresses need no resolver; scoped IPv6 ("fe80::1%lo") does, to map the scope.
  if (family == AF_INET || family == AF_UNSPEC) {
    auto *sin = reinterpret_cast<sockaddr_in *>(&out->storage);
    if (inet::parse4(host, reinterpret_cast<unsigned char *>(&sin->sin_addr))) {
      sin->sin_family = AF_INET;
      out->len = sizeof *sin;
      return kOk;
    }
  }
  if ((family == AF_INET6 || family == AF_UNSPEC) && std::strchr(host, '%') == nullptr) {
    auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&out->storage);
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
      sin6->sin6_family = AF_INET6;
      out->len = sizeof *sin6;
      return kOk;
    }
  }
  *out = SockAddr{};
  if (int st = resolve(host, nullptr, family, 0, 0, 0, &infos)) return st;
  if (infos.front().family != AF_INET && infos.front().family != AF_INET6) {
    return fail_os_message("unknown address family");
  }
  *out = infos.front().addr;
  return kOk;
}

int make_sockaddr(int family, const char *host, int port, const char *caller, SockAddr *out) {
  *out = SockAddr{};
  if (host == nullptr) return fail_value(std::string(caller) + ": host must not be NULL");
  if (family == AF_UNIX) return make_unix_sockaddr_text(host, port, out);
  if (family != AF_INET && family != AF_INET6) {
    return fail_os_message("getsockaddrarg: bad family");
  }
  if (port < 0 || port > 65535) {
    return fail_value(std::string(caller) + ": port must be 0-65535.");
  }
  int st = set_ip_address(family, host, out);
  if (st != kOk) return st;
  if (family == AF_INET) {
    reinterpret_cast<sockaddr_in *>(&out->storage)->sin_port = htons(static_cast<uint16_t>(port));
  } else {
    reinterpret_cast<sockaddr_in6 *>(&out->storage)->sin6_port = htons(static_cast<uint16_t>(port));
  }
  return kOk;
}

void parse_sockaddr(const sockaddr *sa, socklen_t len, Address *out) {
  *out = Address{};
  if (len < static_cast<socklen_t>(sizeof(sa_family_t))) return;
  out->family = sa->sa_family;
  switch (sa->sa_family) {
    case AF_INET: {
      const auto *sin = reinterpret_cast<const sockaddr_in *>(sa);
      inet_ntop(AF_INET, &sin->sin_addr, out->host, sizeof out->host);
      out->port = ntohs(sin->sin_port);
      break;
    }
    case AF_INET6: {
      const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(sa);
      inet_ntop(AF_INET6, &sin6->sin6_addr, out->host, sizeof out->host);
      out->port = ntohs(sin6->sin6_port);
      out->flowinfo = ntohl(sin6->sin6_flowinfo);
      out->scope_id = sin6->sin6_scope_id;
      break;
    }
    case AF_UNIX: {
      const auto *sun = reinterpret_cast<const sockaddr_un *>(sa);
      const std::size_t base = offsetof(sockaddr_un, sun_path);
      if (static_cast<std::size_t>(len) <= base) break;  // unnamed: ""
      std::size_t n = static_cast<std::size_t>(len) - base;
      if (n > sizeof sun->sun_path) n = sizeof sun->sun_path;
      if (sun->sun_path[0] == '\0') {
        out->host[0] = '@';
        std::memcpy(out->host + 1, sun->sun_path + 1, n - 1);
      } else {
        std::memcpy(out->host, sun->sun_path, strnlen(sun->sun_path, n));
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace polysock
