// libFuzzer target: net_inet_pton. The first byte picks the family (AF_INET,
// AF_INET6 or an arbitrary number), the rest is the text. A success must give 4 or
// 16 bytes that print and parse back to the same bytes; a failure must be Python's.
// IPv4 text is parsed by polysock itself: it must agree with libc's inet_pton.
#include <arpa/inet.h>
#include <polysock/polysock.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0) return 0;
  const int af = data[0] % 3 == 0 ? NET_AF_INET : data[0] % 3 == 1 ? NET_AF_INET6 : data[0];
  const std::string text(reinterpret_cast<const char *>(data + 1), size - 1);
  unsigned char packed[16];
  std::size_t n = 0;
  const int st = net_inet_pton(af, text.c_str(), packed, sizeof packed, &n);
  if (af == NET_AF_INET) {  // polysock's own dotted-quad parser against libc's
    unsigned char libc[4];
    const bool libc_ok = inet_pton(AF_INET, text.c_str(), libc) == 1;
    if (libc_ok != (st == SOCK_OK) || (libc_ok && std::memcmp(libc, packed, 4) != 0)) std::abort();
  }
  if (st != SOCK_OK) {
    const bool known = af == NET_AF_INET || af == NET_AF_INET6;
    const bool illegal =
        sock_last_errno() == 0 && std::strcmp(sock_last_error_message(),
                                              "illegal IP address string passed to inet_pton") == 0;
    if (st != SOCK_ERR_OS || (known ? !illegal : sock_last_errno() != NET_EAFNOSUPPORT)) {
      std::abort();
    }
    return 0;
  }
  if (n != (af == NET_AF_INET ? 4u : 16u)) std::abort();
  // Too small an output is SOCK_ERR_RANGE with the size needed.
  std::size_t needed = 0;
  if (net_inet_pton(af, text.c_str(), packed, n - 1, &needed) != SOCK_ERR_RANGE || needed != n) {
    std::abort();
  }
  char canonical[NET_INET6_ADDRSTRLEN];
  if (net_inet_ntop(af, packed, n, canonical, sizeof canonical) != SOCK_OK) std::abort();
  unsigned char again[16];
  std::size_t m = 0;
  if (net_inet_pton(af, canonical, again, sizeof again, &m) != SOCK_OK || m != n ||
      std::memcmp(packed, again, n) != 0) {
    std::abort();
  }
  return 0;
}
