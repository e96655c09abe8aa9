// libFuzzer target: net_inet_ntop. The first byte picks the family, the rest is the
// packed address of any length. A success must parse back to the same bytes and
// need no more than NET_INET6_ADDRSTRLEN; a failure must be Python's ValueError.
#include <polysock/polysock.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size == 0) return 0;
  const int af = data[0] % 3 == 0 ? NET_AF_INET : data[0] % 3 == 1 ? NET_AF_INET6 : data[0];
  const unsigned char *packed = data + 1;
  const std::size_t len = size - 1;
  char text[NET_INET6_ADDRSTRLEN];
  const int st = net_inet_ntop(af, packed, len, text, sizeof text);
  const std::size_t right_len = af == NET_AF_INET ? 4 : af == NET_AF_INET6 ? 16 : 0;
  if (st != SOCK_OK) {
    if (st != SOCK_ERR_VALUE || (right_len != 0 && len == right_len)) std::abort();
    return 0;
  }
  if (len != right_len) std::abort();
  // A buffer one byte short of the text and its NUL is SOCK_ERR_RANGE.
  char small[NET_INET6_ADDRSTRLEN];
  if (net_inet_ntop(af, packed, len, small, std::strlen(text)) != SOCK_ERR_RANGE) std::abort();
  unsigned char again[16];
  std::size_t n = 0;
  if (net_inet_pton(af, text, again, sizeof again, &n) != SOCK_OK || n != len ||
      std::memcmp(packed, again, len) != 0) {
    std::abort();
  }
  return 0;
}
