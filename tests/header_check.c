/* Compiled with -std=c99 -pedantic -Werror: the public header is clean C99. */
#include <polysock/polysock.h>

int polysock_header_check_c(void);
int polysock_header_check_c(void) {
  sock_handle h = 0;
  sock_address a;
  a.family = NET_AF_INET;
  return sock_close(h) + a.family;
}
