// Smoke test placeholder replaced below.
#include "test_support.hpp"
using namespace polysock_test;
TEST(Smoke_test_module_sockets, CreateAndClose) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_NE(0u, s.get());
}
