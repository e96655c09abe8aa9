/* A minimal echo client on the polysock C ABI: connect, send a line, read it back.
 * Usage: echo_client HOST PORT [MESSAGE] */
#include <polysock/polysock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s HOST PORT [MESSAGE]\n", argv[0]);
    return 2;
  }
  const char *msg = argc > 3 ? argv[3] : "hello, polysock";
  sock_handle s;
  if (net_create_connection(argv[1], atoi(argv[2]), 5.0, NULL, 0, &s) != SOCK_OK) {
    fprintf(stderr, "connect: %s\n", sock_last_error_message());
    return 1;
  }
  char buf[1024];
  size_t got = 0, n = 0, len = strlen(msg);
  int st = sock_sendall(s, msg, len, 0, NULL);
  while (st == SOCK_OK && got < len && got < sizeof buf - 1) {
    st = sock_recv(s, buf + got, sizeof buf - 1 - got, 0, &n);
    if (st == SOCK_OK && n == 0) break; /* server closed */
    got += n;
  }
  if (st != SOCK_OK) fprintf(stderr, "echo: %s\n", sock_last_error_message());
  buf[got] = '\0';
  printf("%s\n", buf);
  sock_close(s);
  return st == SOCK_OK ? 0 : 1;
}
