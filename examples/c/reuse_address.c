/* Why servers set SO_REUSEADDR. The side that closes a TCP connection first keeps
 * it in TIME_WAIT for a minute or so, and while it does, the kernel refuses a new
 * listening socket on that port ("Address already in use"): a server restarted
 * right after it hung up on its clients could not come back. SO_REUSEADDR lets it
 * bind over connections in TIME_WAIT. This program shows both, on one port.
 *
 * Linux lets a new socket share the port only if the connection in TIME_WAIT had
 * SO_REUSEADDR too (it inherits the flag from its listener), so the first server
 * sets it, as every server should; the restart is what goes with and without. */
#include "example.h"

/* A listening socket on host:port, SO_REUSEADDR only if asked. Returns 0, or the
 * errno of the failure after printing it in Python's words. */
static int listen_on(const char *host, int port, int reuse, sock_handle *out) {
  if (sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, out) != SOCK_OK) return example_fail("socket");
  if ((reuse && sock_setsockopt(*out, NET_SOL_SOCKET, NET_SO_REUSEADDR, 1) != SOCK_OK) ||
      sock_bind(*out, host, port) != SOCK_OK || sock_listen(*out, 5) != SOCK_OK) {
    int err = sock_last_errno(); /* before close, which may set its own */
    printf("%s: %s\n", reuse ? "with SO_REUSEADDR" : "without SO_REUSEADDR",
           sock_last_error_message());
    sock_close(*out);
    return err != 0 ? err : -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 2, "HOST PORT  (PORT 0: a free port)");
  const char *host = argv[1];
  int port = (int)example_number(argv[2], 65535, "port");
  sock_handle server, client, conn;
  sock_address local, peer;

  if (listen_on(host, port, 1, &server) != 0) return 1;
  if (sock_getsockname(server, &local) != SOCK_OK) return example_fail("getsockname");
  port = local.port;
  printf("listening on %s:%d\n", local.host, port);

  /* One connection to ourselves, closed by the server side first: that side's
   * connection now waits in TIME_WAIT on our port. */
  if (net_create_connection(local.host, port, 5.0, NULL, 0, &client) != SOCK_OK)
    return example_fail("connect");
  if (sock_accept(server, &conn, &peer) != SOCK_OK) return example_fail("accept");
  sock_close(conn);
  char byte;
  size_t n = 0;
  sock_recv(client, &byte, 1, 0, &n); /* the server's FIN: EOF */
  sock_close(client);
  sock_close(server);
  printf("closed the server side of %s:%d first: it is in TIME_WAIT\n", peer.host, peer.port);

  sock_handle again;
  int err = listen_on(local.host, port, 0, &again);
  if (err != NET_EADDRINUSE) {
    fprintf(stderr, "expected [Errno 98] without SO_REUSEADDR, got %s\n",
            err == 0 ? "success" : "another error");
    if (err == 0) sock_close(again);
    return 1;
  }
  if (listen_on(local.host, port, 1, &again) != 0) return 1;
  printf("with SO_REUSEADDR: listening again on %s:%d\n", local.host, port);
  sock_close(again);
  return 0;
}
