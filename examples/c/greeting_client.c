/* The client of greeting_server: connect, read until the server hangs up, print
 * what came. A stream has no message boundaries; EOF (a recv of 0 bytes) is how
 * this protocol says "that was all". */
#include "example.h"

int main(int argc, char **argv) {
  example_args(argc, argv, 2, 2, "HOST PORT");
  int port = (int)example_number(argv[2], 65535, "port");

  /* create_connection tries each address of HOST in turn; the timeout bounds the
   * connect and every recv, so a silent server cannot hang us. */
  sock_handle s;
  if (net_create_connection(argv[1], port, 5.0, NULL, 0, &s) != SOCK_OK)
    return example_fail("create_connection");
  char buf[1024];
  size_t n = 0;
  for (;;) {
    if (sock_recv(s, buf, sizeof buf, 0, &n) != SOCK_OK) {
      example_fail("recv");
      sock_close(s);
      return 1;
    }
    if (n == 0) break;
    fwrite(buf, 1, n, stdout);
  }
  sock_close(s);
  return 0;
}
