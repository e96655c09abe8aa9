/* A fixed number of non-blocking recv calls that hit EAGAIN, raw or through
 * polysock, for callgrind: the instructions per call are the difference between
 * two runs with different counts, so start-up costs cancel out exactly.
 *   eagain_calls raw|polysock COUNT          (docs/benchmarks.md has the command) */
#include <polysock/polysock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "raw") != 0 && strcmp(argv[1], "polysock") != 0)) {
    fprintf(stderr, "usage: eagain_calls raw|polysock COUNT\n");
    return 2;
  }
  const long count = atol(argv[2]);
  sock_handle a = 0, b = 0;
  int fd = -1;
  if (net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &a, &b) != SOCK_OK ||
      sock_setblocking(a, 0) != SOCK_OK || sock_fileno(a, &fd) != SOCK_OK) {
    fprintf(stderr, "eagain_calls: %s\n", sock_last_error_message());
    return 1;
  }
  char buf[64];
  size_t got = 0;
  long failed = 0;
  if (strcmp(argv[1], "raw") == 0) {
    for (long i = 0; i < count; i++) failed += recv(fd, buf, sizeof buf, MSG_DONTWAIT) < 0;
  } else {
    for (long i = 0; i < count; i++) failed += sock_recv(a, buf, sizeof buf, 0, &got) != SOCK_OK;
  }
  sock_close(a);
  sock_close(b);
  return failed == count ? 0 : 1;
}
