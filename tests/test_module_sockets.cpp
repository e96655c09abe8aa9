// Module functions that make sockets: create_connection, create_server and
// has_dualstack_ipv6 (socketpair and fromfd live with the socket tests).
#include <unistd.h>

#include <string>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

class DefaultTimeout : public ::testing::Test {
 protected:
  void TearDown() override { net_setdefaulttimeout(SOCK_TIMEOUT_NONE); }
};

double timeout_of(sock_handle h) {
  double t = 0;
  EXPECT_PS_OK(sock_gettimeout(h, &t));
  return t;
}

}  // namespace

TEST(CreateConnection, Item83_TriesEveryAddressUntilOneConnects) {
  // "localhost" resolves to 127.0.0.1 here; a listener on 127.0.0.1 takes it.
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock c;
  ASSERT_PS_OK(net_create_connection("localhost", port, 5.0, nullptr, 0, c.out()));
  sock_address peer{};
  ASSERT_PS_OK(sock_getpeername(c, &peer));
  EXPECT_STREQ("127.0.0.1", peer.host);
  EXPECT_EQ(port, peer.port);
  int family = 0;
  ASSERT_PS_OK(sock_info(c, &family, nullptr, nullptr));
  EXPECT_EQ(NET_AF_INET, family);
}

TEST(CreateConnection, Item83_FallsBackFromRefusedIpv6ToIpv4) {
  // getaddrinfo(NULL) lists ::1 first, then 127.0.0.1 (item 20): only IPv4 listens.
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock c;
  ASSERT_PS_OK(net_create_connection(nullptr, port, 5.0, nullptr, 0, c.out()));
  int family = 0;
  ASSERT_PS_OK(sock_info(c, &family, nullptr, nullptr));
  EXPECT_EQ(NET_AF_INET, family);
}

TEST(CreateConnection, Item84_FailureReportsTheLastError) {
  Sock probe = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_bind(probe, "127.0.0.1", 0));
  const int port = local_address(probe).port;
  probe.reset();
  Sock c;
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", port, 5.0, nullptr, 0, c.out()), SOCK_ERR_OS,
                ECONNREFUSED);
  EXPECT_STREQ("[Errno 111] Connection refused", sock_last_error_message());
  EXPECT_PS_ERR(net_create_connection("0.1.1.~1", port, 5.0, nullptr, 0, c.out()), SOCK_ERR_GAI,
                NET_EAI_NONAME);
  EXPECT_STREQ("[Errno -2] Name or service not known", sock_last_error_message());
}

TEST_F(DefaultTimeout, Item85_TimeoutHandlingAndSourceAddress) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 64);
  Sock c;
  ASSERT_PS_OK(net_create_connection("127.0.0.1", port, 7, nullptr, 0, c.out()));
  EXPECT_EQ(7.0, timeout_of(c));
  ASSERT_PS_OK(net_setdefaulttimeout(42));
  ASSERT_PS_OK(net_create_connection("127.0.0.1", port, SOCK_TIMEOUT_DEFAULT, nullptr, 0, c.out()));
  EXPECT_EQ(42.0, timeout_of(c));
  ASSERT_PS_OK(net_create_connection("127.0.0.1", port, SOCK_TIMEOUT_NONE, nullptr, 0, c.out()));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(c)) << "None even though a default is set";
  ASSERT_PS_OK(net_setdefaulttimeout(SOCK_TIMEOUT_NONE));
  const int st = net_create_connection("127.0.0.1", port, 0, nullptr, 0, c.out());
  EXPECT_EQ(SOCK_ERR_OS, st);
  EXPECT_EQ(EINPROGRESS, sock_last_errno()) << "timeout 0 is a non-blocking connect";
  ASSERT_PS_OK(net_create_connection("127.0.0.1", port, 5, "127.0.0.1", 0, c.out()));
  EXPECT_STREQ("127.0.0.1", local_address(c).host);
  int nodelay = -1;
  ASSERT_PS_OK(sock_getsockopt(c, NET_IPPROTO_TCP, NET_TCP_NODELAY, &nodelay));
  EXPECT_EQ(0, nodelay);
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", port, -3, nullptr, 0, c.out()), SOCK_ERR_VALUE,
                0);
}

TEST(CreateServer, Item67_Ipv6OnlyDualstackAndReuse) {
  Sock v6;
  ASSERT_PS_OK(net_create_server("::1", 0, NET_AF_INET6, -1, 0, 0, v6.out()));
  int v = -1;
  ASSERT_PS_OK(sock_getsockopt(v6, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &v));
  EXPECT_EQ(1, v);
  ASSERT_PS_OK(sock_getsockopt(v6, NET_SOL_SOCKET, NET_SO_REUSEADDR, &v));
  EXPECT_EQ(1, v);
  ASSERT_PS_OK(sock_getsockopt(v6, NET_SOL_SOCKET, NET_SO_ACCEPTCONN, &v));
  EXPECT_EQ(1, v);

  int dual = 0;
  ASSERT_PS_OK(net_has_dualstack_ipv6(&dual));
  EXPECT_EQ(1, dual);
  Sock ds;
  ASSERT_PS_OK(net_create_server("", 0, NET_AF_INET6, -1, 1, 1, ds.out()));
  ASSERT_PS_OK(sock_getsockopt(ds, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &v));
  EXPECT_EQ(0, v);
  ASSERT_PS_OK(sock_getsockopt(ds, NET_SOL_SOCKET, NET_SO_REUSEPORT, &v));
  EXPECT_EQ(1, v);
  Sock c;
  ASSERT_PS_OK(net_create_connection("127.0.0.1", local_address(ds).port, 5, nullptr, 0, c.out()));
  Sock conn;
  sock_address peer{};
  ASSERT_PS_OK(sock_accept(ds, conn.out(), &peer));
  EXPECT_STREQ("::ffff:127.0.0.1", peer.host) << "IPv4 clients appear mapped";

  Sock bad;
  EXPECT_PS_ERR(net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 1, bad.out()), SOCK_ERR_VALUE,
                0);
  EXPECT_STREQ("dualstack_ipv6 requires AF_INET6 family", sock_last_error_message());
}

TEST(CreateServer, BindFailureNamesTheAddress) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock s;
  EXPECT_PS_ERR(net_create_server("127.0.0.1", port, NET_AF_INET, -1, 0, 0, s.out()), SOCK_ERR_OS,
                EADDRINUSE);
  EXPECT_EQ(
      "[Errno 98] Address already in use (while attempting to bind on address ('127.0.0.1', " +
          std::to_string(port) + "))",
      last_message());
}

TEST(CreateServer, ServesAnAfUnixPath) {
  const std::string path = temp_socket_path("server");
  Sock s;
  ASSERT_PS_OK(net_create_server(path.c_str(), 0, NET_AF_UNIX, 8, 0, 0, s.out()));
  Sock c = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(c, path.c_str(), 0));
  Sock conn;
  ASSERT_PS_OK(sock_accept(s, conn.out(), nullptr));
  ASSERT_PS_OK(sock_sendall(c, "u", 1, 0, nullptr));
  char b[2];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(conn, b, sizeof b, 0, &n));
  EXPECT_EQ(1u, n);
  unlink(path.c_str());
}
