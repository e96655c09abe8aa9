// Byte order and inet_* conversions, following CPython's socketmodule.c: the same libc
// calls in the same order, so the accepted inputs and the error categories match.
#include "inet.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "error.hpp"

namespace polysock::inet {

int swap16(const char *fn, long long x, long long *out) {
  // CPython parses the argument as a C int first ("i" format), then checks 0..0xffff.
  if (x > INT_MAX) return fail_value("signed integer is greater than maximum");
  if (x < INT_MIN) return fail_value("signed integer is less than minimum");
  if (x < 0) {
    return fail_value(std::string(fn) +
                      ": can't convert negative Python int to C 16-bit unsigned integer");
  }
  if (x > 0xffff) {
    return fail_value(std::string(fn) +
                      ": Python int too large to convert to C 16-bit unsigned integer");
  }
  *out = htons(static_cast<std::uint16_t>(x));
  return kOk;
}

int swap32(long long x, long long *out) {
  // CPython converts to unsigned long, then refuses anything beyond 32 bits.
  if (x < 0) return fail_value("can't convert negative value to unsigned int");
  if (x > 0xffffffffLL) return fail_value("int larger than 32 bits");
  *out = htonl(static_cast<std::uint32_t>(x));
  return kOk;
}

int aton(const char *s, unsigned char out[4]) {
  in_addr addr{};
  if (inet_aton(s, &addr) == 0) {
    return fail_os_message("illegal IP address string passed to inet_aton");
  }
  std::memcpy(out, &addr, 4);
  return kOk;
}

int ntoa(const unsigned char *packed, std::size_t len, char out[kText4Size]) {
  if (len != sizeof(in_addr)) return fail_os_message("packed IP wrong length for inet_ntoa");
  // inet_ntop gives inet_ntoa's text without inet_ntoa's shared static buffer.
  if (inet_ntop(AF_INET, packed, out, kText4Size) == nullptr) return fail_os(errno);
  return kOk;
}

bool parse4(const char *s, unsigned char out[4]) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (int part = 0; part < 4; ++part) {
    if (part > 0 && *s++ != '.') return false;
    if (!digit(*s)) return false;
    unsigned value = static_cast<unsigned>(*s++ - '0');
    if (value == 0 && digit(*s)) return false;  // "01": a leading zero
    while (digit(*s)) {
      value = value * 10 + static_cast<unsigned>(*s++ - '0');
      if (value > 255) return false;
    }
    out[part] = static_cast<unsigned char>(value);
  }
  return *s == '\0';
}

int pton(int af, const char *s, unsigned char out[16], std::size_t *out_len) {
  unsigned char packed[sizeof(in6_addr)] = {};
  if (af == AF_INET) {
    if (!parse4(s, packed)) return fail_os_message("illegal IP address string passed to inet_pton");
    *out_len = sizeof(in_addr);
    std::memcpy(out, packed, *out_len);
    return kOk;
  }
  const int rc = inet_pton(af, s, packed);
  if (rc < 0) return fail_os(errno);  // an unknown family: EAFNOSUPPORT
  if (rc == 0) return fail_os_message("illegal IP address string passed to inet_pton");
  if (af != AF_INET6) return fail_os_message("unknown address family");
  *out_len = sizeof(in6_addr);
  std::memcpy(out, packed, *out_len);
  return kOk;
}

int ntop(int af, const unsigned char *packed, std::size_t len, char out[kText6Size]) {
  // Unlike inet_ntoa, CPython reports these as ValueError.
  if (af == AF_INET) {
    if (len != sizeof(in_addr)) return fail_value("invalid length of packed IP address string");
  } else if (af == AF_INET6) {
    if (len != sizeof(in6_addr)) return fail_value("invalid length of packed IP address string");
  } else {
    return fail_value("unknown address family " + std::to_string(af));
  }
  if (inet_ntop(af, packed, out, kText6Size) == nullptr) return fail_os(errno);
  return kOk;
}

}  // namespace polysock::inet
