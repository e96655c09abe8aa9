/* The demo: an echo server on an ephemeral loopback port, served by a thread, and
 * a client that sends a few messages through it and checks every byte. */
#include <polysock/polysock.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *serve_one(void *arg) {
  sock_handle server = *(sock_handle *)arg, conn;
  sock_address peer;
  if (sock_accept(server, &conn, &peer) != SOCK_OK) return NULL;
  printf("server: connection from %s:%d\n", peer.host, peer.port);
  char buf[4096];
  size_t n = 0;
  while (sock_recv(conn, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0) {
    if (sock_sendall(conn, buf, n, 0, NULL) != SOCK_OK) break;
  }
  sock_close(conn);
  return NULL;
}

int main(void) {
  sock_handle server, client;
  sock_address local;
  pthread_t thread;
  if (net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 0, &server) != SOCK_OK ||
      sock_getsockname(server, &local) != SOCK_OK) {
    fprintf(stderr, "server: %s\n", sock_last_error_message());
    return 1;
  }
  printf("polysock %s: echo server on %s:%d\n", net_version(), local.host, local.port);
  pthread_create(&thread, NULL, serve_one, &server);
  if (net_create_connection(local.host, local.port, 5.0, NULL, 0, &client) != SOCK_OK) {
    fprintf(stderr, "client: %s\n", sock_last_error_message());
    return 1;
  }
  const char *messages[] = {"hello", "polysock speaks Python's socket model", "goodbye"};
  int failures = 0;
  for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++) {
    size_t len = strlen(messages[i]), got = 0, n = 0;
    char buf[256];
    if (sock_sendall(client, messages[i], len, 0, NULL) != SOCK_OK) break;
    while (got < len && sock_recv(client, buf + got, sizeof buf - got, 0, &n) == SOCK_OK && n > 0)
      got += n;
    int same = got == len && memcmp(buf, messages[i], len) == 0;
    failures += !same;
    printf("client: sent %zu bytes, echoed back %s: %.*s\n", len, same ? "intact" : "WRONG",
           (int)got, buf);
  }
  sock_shutdown(client, NET_SHUT_WR);
  pthread_join(thread, NULL);
  sock_close(client);
  sock_close(server);
  printf(failures == 0 ? "demo ok\n" : "demo FAILED\n");
  return failures == 0 ? 0 : 1;
}
