/* A UDP echo server. UDP has no connections: every recvfrom says who sent the
 * datagram, and sendto answers that address. Each datagram arrives whole or not
 * at all, so one recvfrom is one message. Try: socat - UDP:127.0.0.1:PORT */
#include "example.h"

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 3, "HOST PORT [COUNT]  (echoes COUNT datagrams, 0 = forever)");
  int port = (int)example_number(argv[2], 65535, "port");
  long count = argc > 3 ? example_number(argv[3], 1000000000L, "count") : 0;
  sock_handle s;
  if (sock_create(NET_AF_INET, NET_SOCK_DGRAM, 0, &s) != SOCK_OK) return example_fail("socket");
  if (sock_bind(s, argv[1], port) != SOCK_OK) return example_fail("bind");
  if (example_listening(s) != 0) return 1;

  /* 65535 bytes: the largest datagram; a smaller buffer would cut longer ones. */
  static char buf[65535];
  for (long done = 0; count == 0 || done < count; done++) {
    size_t n = 0;
    sock_address from;
    if (sock_recvfrom(s, buf, sizeof buf, 0, &n, &from) != SOCK_OK) return example_fail("recvfrom");
    size_t sent = 0;
    if (sock_sendto(s, buf, n, 0, from.host, from.port, &sent) != SOCK_OK)
      return example_fail("sendto");
    printf("echoed %zu bytes to %s:%d\n", n, from.host, from.port);
    fflush(stdout);
  }
  sock_close(s);
  return 0;
}
