/* The smallest honest HTTP/1.1 server: read the request head (up to the blank
 * line), answer with a fixed text, close. Content-Length and "Connection: close"
 * tell the client where the body ends. Try: curl http://127.0.0.1:PORT/ */
#include "example.h"

static const char body[] = "hello from polysock c\n";

/* Reads until "\r\n\r\n"; returns 0, or -1 if the client went away or sent a head
 * larger than the buffer. */
static int read_head(sock_handle conn) {
  char head[8192];
  size_t len = 0, n = 0;
  while (len < sizeof head - 1) {
    if (sock_recv(conn, head + len, sizeof head - 1 - len, 0, &n) != SOCK_OK || n == 0) return -1;
    len += n;
    head[len] = '\0';
    if (strstr(head, "\r\n\r\n") != NULL) return 0;
  }
  return -1;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 3, "HOST PORT [COUNT]  (answers COUNT requests, 0 = forever)");
  int port = (int)example_number(argv[2], 65535, "port");
  long count = argc > 3 ? example_number(argv[3], 1000000000L, "count") : 0;
  sock_handle server;
  if (net_create_server(argv[1], port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK)
    return example_fail("create_server");
  if (example_listening(server) != 0) return 1;

  char response[256];
  int len = snprintf(response, sizeof response,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     sizeof body - 1, body);
  for (long done = 0; count == 0 || done < count; done++) {
    sock_handle conn;
    sock_address peer;
    if (sock_accept(server, &conn, &peer) != SOCK_OK) return example_fail("accept");
    sock_settimeout(conn, 10.0); /* a client that never finishes its request */
    if (read_head(conn) == 0 && sock_sendall(conn, response, (size_t)len, 0, NULL) == SOCK_OK)
      printf("answered %s:%d\n", peer.host, peer.port);
    fflush(stdout);
    sock_close(conn);
  }
  sock_close(server);
  return 0;
}
