// libFuzzer target: net_inet_aton on any text. It must either give 4 bytes whose
// dotted quad parses back to the same bytes, or fail exactly as Python's OSError.
#include <polysock/polysock.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string text(reinterpret_cast<const char *>(data), size);  // NUL-terminated
  unsigned char packed[4];
  const int st = net_inet_aton(text.c_str(), packed);
  if (st != SOCK_OK) {
    if (st != SOCK_ERR_OS || sock_last_errno() != 0 ||
        std::strcmp(sock_last_error_message(), "illegal IP address string passed to inet_aton") !=
            0) {
      std::abort();
    }
    return 0;
  }
  char quad[NET_INET_ADDRSTRLEN];
  if (net_inet_ntoa(packed, sizeof packed, quad, sizeof quad) != SOCK_OK) std::abort();
  unsigned char again[4];
  if (net_inet_aton(quad, again) != SOCK_OK || std::memcmp(packed, again, 4) != 0) std::abort();
  return 0;
}
