// libFuzzer target: polysock::make_sockaddr, the address parsing behind bind,
// connect and sendto, and parse_sockaddr on its result. The first byte picks the
// family, the next two the port, the rest is the host text.
//
// It must never resolve a name through DNS: AF_UNIX paths are never looked up, and
// an IPv4/IPv6 host reaches make_sockaddr only when glibc already accepts it as a
// numeric address (AI_NUMERICHOST), so the resolver never gets past the numeric
// parse. As a second guard the process moves into its own empty network namespace
// when it may, where no packet could leave the machine anyway.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../../core/address.hpp"
#include "../../core/error.hpp"

namespace {

bool numeric_for(int family, const std::string &host) {
  if (host.empty() || host == "<broadcast>") return true;  // no lookup for these
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo *res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
  freeaddrinfo(res);
  return true;
}

void check_unix(const std::string &path, int port) {
  polysock::SockAddr sa;
  const int st = polysock::make_sockaddr(AF_UNIX, path.c_str(), port, "bind()", &sa);
  if (st != polysock::kOk) {
    if (st != polysock::kErrValue && st != polysock::kErrOs) std::abort();
    if (port == 0 && st == polysock::kErrValue) std::abort();
    return;
  }
  if (port != 0) std::abort();
  polysock::Address back;
  polysock::parse_sockaddr(sa.get(), sa.len, &back);
  if (back.family != AF_UNIX || path != back.host) std::abort();  // round trip
}

void check_ip(int family, const std::string &host, int port) {
  if (!numeric_for(family, host)) return;
  polysock::SockAddr sa;
  const int st = polysock::make_sockaddr(family, host.c_str(), port, "connect()", &sa);
  if (st != polysock::kOk) {
    if (port >= 0 && port <= 65535 && st == polysock::kErrValue) std::abort();
    return;
  }
  if (port < 0 || port > 65535) std::abort();
  polysock::Address back;
  polysock::parse_sockaddr(sa.get(), sa.len, &back);
  if (back.family != family || back.port != port) std::abort();
  // The text parse_sockaddr gives is the canonical form of the same address.
  unsigned char want[16];
  unsigned char got[16];
  const void *addr =
      family == AF_INET
          ? static_cast<const void *>(&reinterpret_cast<const sockaddr_in *>(&sa.storage)->sin_addr)
          : static_cast<const void *>(
                &reinterpret_cast<const sockaddr_in6 *>(&sa.storage)->sin6_addr);
  const std::size_t n = family == AF_INET ? 4 : 16;
  std::memcpy(want, addr, n);
  if (inet_pton(family, back.host, got) != 1 || std::memcmp(want, got, n) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  unshare(CLONE_NEWNET);  // best effort: without privilege the numeric filter suffices
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 3) return 0;
  // Ports from -32768 to 98302: in and out of range.
  const int port = static_cast<int>((data[1] << 8) | data[2]) + (data[0] & 0x80 ? 33535 : -32768);
  const std::string host(reinterpret_cast<const char *>(data + 3), size - 3);
  const std::string text(host.c_str());  // what a C caller can pass: up to the first NUL
  switch (data[0] % 3) {
    case 0:
      check_unix(text, data[0] & 0x40 ? port : 0);
      break;
    case 1:
      check_ip(AF_INET, text, port);
      break;
    default:
      check_ip(AF_INET6, text, port);
      break;
  }
  return 0;
}
