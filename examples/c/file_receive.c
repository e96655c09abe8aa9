/* Receives one file from file_send: the 8-byte big-endian length, that many bytes
 * (written to OUTFILE and hashed as they come), then the sender's SHA-256. The
 * reply says whether size and hash match, so the sender knows the file arrived. */
#include <stdint.h>

#include "example.h"
#include "sha256.h"

/* Exactly len bytes: a stream gives them in pieces of any size. */
static int recv_exact(sock_handle s, unsigned char *buf, size_t len) {
  size_t got = 0, n = 0;
  while (got < len) {
    if (sock_recv(s, buf + got, len - got, 0, &n) != SOCK_OK) return -1;
    if (n == 0) return -2; /* the sender hung up early */
    got += n;
  }
  return 0;
}

static int reply(sock_handle conn, const char *line) {
  sock_sendall(conn, line, strlen(line), 0, NULL);
  sock_close(conn);
  fputs(line, stdout);
  return strncmp(line, "OK", 2) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 3, 3, "HOST PORT OUTFILE");
  int port = (int)example_number(argv[2], 65535, "port");
  FILE *out = fopen(argv[3], "wb");
  if (out == NULL) {
    perror(argv[3]);
    return 1;
  }
  sock_handle server, conn;
  sock_address peer;
  if (net_create_server(argv[1], port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK)
    return example_fail("create_server");
  if (example_listening(server) != 0) return 1;
  if (sock_accept(server, &conn, &peer) != SOCK_OK) return example_fail("accept");
  sock_close(server);
  /* A sender that stalls must not hold us forever. */
  if (sock_settimeout(conn, 30.0) != SOCK_OK) return example_fail("settimeout");

  unsigned char header[8];
  if (recv_exact(conn, header, 8) != 0) return reply(conn, "FAIL no length\n");
  uint64_t size = 0;
  for (int i = 0; i < 8; i++) size = size << 8 | header[i];

  sha256 h;
  sha256_init(&h);
  static unsigned char buf[65536];
  uint64_t got = 0;
  while (got < size) {
    size_t want = size - got < sizeof buf ? (size_t)(size - got) : sizeof buf, n = 0;
    if (sock_recv(conn, buf, want, 0, &n) != SOCK_OK) {
      example_fail("recv");
      return reply(conn, "FAIL receive error\n");
    }
    if (n == 0) break;
    sha256_update(&h, buf, n);
    if (fwrite(buf, 1, n, out) != n) return reply(conn, "FAIL cannot write the file\n");
    got += n;
  }
  if (fclose(out) != 0) return reply(conn, "FAIL cannot write the file\n");
  char line[160];
  if (got != size) {
    snprintf(line, sizeof line, "FAIL size %llu of %llu\n", (unsigned long long)got,
             (unsigned long long)size);
    return reply(conn, line);
  }
  unsigned char theirs[32], ours[32];
  if (recv_exact(conn, theirs, 32) != 0) return reply(conn, "FAIL no hash\n");
  sha256_final(&h, ours);
  if (memcmp(theirs, ours, 32) != 0) return reply(conn, "FAIL sha256 mismatch\n");
  char hex[65];
  sha256_hex(ours, hex);
  snprintf(line, sizeof line, "OK %llu %s\n", (unsigned long long)size, hex);
  return reply(conn, line);
}
