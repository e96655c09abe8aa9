// Socket addresses: Python's (host, port) in, sockaddr out, and back again.
// This is CPython's getsockaddrarg/setipaddr/makesockaddr for AF_INET, AF_INET6
// and AF_UNIX, with polysock's "@name" spelling of Linux abstract names.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace polysock {

// The core's form of sock_address (same fields; the C ABI copies it across).
struct Address {
  int family = 0;  // 0: no address (Python's None), e.g. recvfrom on a socketpair
  char host[256] = {};
  int port = 0;
  std::uint32_t flowinfo = 0;
  std::uint32_t scope_id = 0;
};

struct SockAddr {
  sockaddr_storage storage;  // not zeroed on every call: make_sockaddr zeroes what it fills
  socklen_t len = 0;
  const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
  sockaddr *get() { return reinterpret_cast<sockaddr *>(&storage); }
};

// CPython's setipaddr: the address of host for AF_INET, AF_INET6 or AF_UNSPEC, port 0.
// "" is the family's wildcard, "<broadcast>" INADDR_BROADCAST; numeric text needs no
// resolver; anything else goes through resolve() and takes its first answer.
int set_ip_address(int family, const char *host, SockAddr *out);

// Turns (host, port) into a sockaddr of the given family, resolving names as
// CPython does. `caller` names the Python function for messages ("bind()").
int make_sockaddr(int family, const char *host, int port, const char *caller, SockAddr *out);

// An AF_UNIX address from Python's bytes path: a leading NUL (or no byte at all, to
// autobind) is the Linux abstract namespace, anything else a file path.
int make_unix_sockaddr(const void *path, std::size_t len, SockAddr *out);

// The path of an AF_UNIX sockaddr as CPython gives it in bytes: an abstract name
// whole, with its leading NUL; a file path up to its NUL; nothing if unnamed.
// out has room for sizeof(sockaddr_un::sun_path) bytes; returns the length.
std::size_t unix_path_bytes(const sockaddr *sa, socklen_t len, char *out);

// Turns a sockaddr from the kernel into an Address (len 0: no address).
void parse_sockaddr(const sockaddr *sa, socklen_t len, Address *out);

}  // namespace polysock
