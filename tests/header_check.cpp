// Compiled with -pedantic -Werror: the public header is clean C++.
#include <polysock/polysock.h>

int polysock_header_check_cxx() {
  sock_handle h = 0;
  return sock_close(h) + NET_SOCK_STREAM;
}
