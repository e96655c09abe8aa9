/* A small SHA-256 (FIPS 180-4) for the file examples, so that they need nothing
 * beyond the polysock header and the C library. */
#ifndef POLYSOCK_EXAMPLE_SHA256_H
#define POLYSOCK_EXAMPLE_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct sha256 {
  uint32_t h[8];
  uint64_t length; /* bytes hashed so far */
  unsigned char block[64];
  size_t used; /* bytes waiting in block */
} sha256;

void sha256_init(sha256 *s);
void sha256_update(sha256 *s, const void *data, size_t len);
void sha256_final(sha256 *s, unsigned char digest[32]);
/* The 64 hex digits of a digest, NUL-terminated. */
void sha256_hex(const unsigned char digest[32], char out[65]);
#endif
