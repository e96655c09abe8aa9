/* An echo server on the polysock C ABI, one client at a time (see
 * multi_client_server.c for many at once). Usage: echo_server [PORT] */
#include <polysock/polysock.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  sock_handle server;
  if (net_create_server("127.0.0.1", port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK) {
    fprintf(stderr, "create_server: %s\n", sock_last_error_message());
    return 1;
  }
  sock_address local;
  sock_getsockname(server, &local);
  printf("echo server on %s:%d\n", local.host, local.port);
  fflush(stdout);
  for (;;) {
    sock_handle conn;
    sock_address peer;
    if (sock_accept(server, &conn, &peer) != SOCK_OK) {
      fprintf(stderr, "accept: %s\n", sock_last_error_message());
      break;
    }
    char buf[4096];
    size_t n = 0;
    while (sock_recv(conn, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0) {
      if (sock_sendall(conn, buf, n, 0, NULL) != SOCK_OK) break;
    }
    sock_close(conn);
  }
  sock_close(server);
  return 1;
}
