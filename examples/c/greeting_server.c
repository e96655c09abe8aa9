/* The classic first socket program: a server that greets each client by its
 * address and hangs up. Closing the connection is the end of the message, so the
 * client simply reads until EOF. */
#include "example.h"

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 3, "HOST PORT [COUNT]  (greets COUNT clients, 0 = forever)");
  int port = (int)example_number(argv[2], 65535, "port");
  long count = argc > 3 ? example_number(argv[3], 1000000000L, "count") : 1;

  /* create_server sets SO_REUSEADDR: a restarted server gets its port back at once. */
  sock_handle server;
  if (net_create_server(argv[1], port, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK)
    return example_fail("create_server");
  if (example_listening(server) != 0) return 1;

  for (long served = 0; count == 0 || served < count; served++) {
    sock_handle conn;
    sock_address peer;
    if (sock_accept(server, &conn, &peer) != SOCK_OK) return example_fail("accept");
    char greeting[320];
    int len = snprintf(greeting, sizeof greeting, "Thank you for connecting, %s:%d\n", peer.host,
                       peer.port);
    /* sendall, not send: one send may take only part of the bytes. */
    if (sock_sendall(conn, greeting, (size_t)len, 0, NULL) != SOCK_OK) example_fail("sendall");
    printf("greeted %s:%d\n", peer.host, peer.port);
    fflush(stdout);
    sock_close(conn);
  }
  sock_close(server);
  return 0;
}
