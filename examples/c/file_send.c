/* Sends a file: an 8-byte big-endian length, the bytes, then their SHA-256, so the
 * receiver knows where the file ends and can check that it arrived intact.
 * sendfile hands the copy to the kernel: the bytes go from the page cache to the
 * socket without passing through this process. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "example.h"
#include "sha256.h"

static int file_digest(int fd, unsigned char digest[32]) {
  sha256 h;
  sha256_init(&h);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) sha256_update(&h, buf, (size_t)n);
  sha256_final(&h, digest);
  return n < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 3, 3, "HOST PORT FILE");
  int port = (int)example_number(argv[2], 65535, "port");
  int fd = open(argv[3], O_RDONLY);
  struct stat st;
  unsigned char digest[32];
  if (fd < 0 || fstat(fd, &st) != 0 || file_digest(fd, digest) != 0) {
    perror(argv[3]);
    return 1;
  }

  /* A timeout (not None) keeps sendfile usable (it needs a blocking-style socket)
   * and bounds every wait. */
  sock_handle s;
  if (net_create_connection(argv[1], port, 30.0, NULL, 0, &s) != SOCK_OK)
    return example_fail("create_connection");
  unsigned char header[8];
  uint64_t size = (uint64_t)st.st_size;
  for (int i = 0; i < 8; i++) header[i] = (unsigned char)(size >> (56 - 8 * i));
  if (sock_sendall(s, header, sizeof header, 0, NULL) != SOCK_OK) return example_fail("sendall");
  int64_t sent = 0;
  if (sock_sendfile(s, fd, 0, 0, &sent) != SOCK_OK) return example_fail("sendfile");
  if ((uint64_t)sent != size) {
    fprintf(stderr, "sendfile: sent %lld of %llu bytes\n", (long long)sent,
            (unsigned long long)size);
    return 1;
  }
  close(fd);
  if (sock_sendall(s, digest, sizeof digest, 0, NULL) != SOCK_OK) return example_fail("sendall");
  /* Half-close: the receiver sees EOF after the hash, and we can still read its reply. */
  if (sock_shutdown(s, NET_SHUT_WR) != SOCK_OK) return example_fail("shutdown");

  char reply[512];
  size_t got = 0, n = 0;
  while (got < sizeof reply - 1) {
    if (sock_recv(s, reply + got, sizeof reply - 1 - got, 0, &n) != SOCK_OK)
      return example_fail("recv");
    if (n == 0) break;
    got += n;
    if (memchr(reply, '\n', got) != NULL) break;
  }
  reply[got] = '\0';
  reply[strcspn(reply, "\n")] = '\0';
  sock_close(s);
  printf("%s\n", reply);
  return strncmp(reply, "OK", 2) == 0 ? 0 : 1;
}
