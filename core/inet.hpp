// Python's byte-order helpers (htons, ntohs, htonl, ntohl) and the inet_* conversions
// between address text and packed bytes, with CPython's checks, error categories and
// messages. Everything here is pure computation or a reentrant libc call.
#pragma once

#include <cstddef>

namespace polysock::inet {

// Sizes of the text forms, NUL included (INET_ADDRSTRLEN and INET6_ADDRSTRLEN).
inline constexpr std::size_t kText4Size = 16;
inline constexpr std::size_t kText6Size = 46;

// htons/ntohs (the same swap): `fn` names the function in the range messages.
int swap16(const char *fn, long long x, long long *out);
// htonl/ntohl (the same swap).
int swap32(long long x, long long *out);

// inet_aton(s): what C inet_aton accepts (BSD shorthand, hex and octal parts).
int aton(const char *s, unsigned char out[4]);
// inet_ntoa(packed): len must be 4; out holds kText4Size bytes.
int ntoa(const unsigned char *packed, std::size_t len, char out[kText4Size]);
// What inet_pton(AF_INET) accepts, and only that: four decimal parts of 0-255 joined by
// dots, no leading zeros, nothing else. Pure computation, a tenth of libc's
// instructions (which parse into a scratch buffer after a strlen): every connect,
// bind and sendto with a numeric host parses one.
bool parse4(const char *s, unsigned char out[4]);
// inet_pton(af, s): 4 or 16 bytes into out (room for 16), their number in *out_len.
int pton(int af, const char *s, unsigned char out[16], std::size_t *out_len);
// inet_ntop(af, packed): out holds kText6Size bytes.
int ntop(int af, const unsigned char *packed, std::size_t len, char out[kText6Size]);

}  // namespace polysock::inet
