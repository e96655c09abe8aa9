// Bad input gets a clear status and message and never crashes: NULL pointers,
// zero and huge lengths, invalid families and ports, long paths, names that do not
// resolve. Also the error accessors themselves (items 29 and the status table).
#include <climits>
#include <cstdint>
#include <string>
#include <thread>

#include "test_support.hpp"

using namespace polysock_test;

TEST(Errors, StatusNamesCoverEveryCode) {
  EXPECT_STREQ("SOCK_OK", sock_strerror(SOCK_OK));
  EXPECT_STREQ("SOCK_ERR_OS", sock_strerror(SOCK_ERR_OS));
  EXPECT_STREQ("SOCK_ERR_TIMEOUT", sock_strerror(SOCK_ERR_TIMEOUT));
  EXPECT_STREQ("SOCK_ERR_GAI", sock_strerror(SOCK_ERR_GAI));
  EXPECT_STREQ("SOCK_ERR_HOST", sock_strerror(SOCK_ERR_HOST));
  EXPECT_STREQ("SOCK_ERR_VALUE", sock_strerror(SOCK_ERR_VALUE));
  EXPECT_STREQ("SOCK_ERR_NOMEM", sock_strerror(SOCK_ERR_NOMEM));
  EXPECT_STREQ("SOCK_ERR_RANGE", sock_strerror(SOCK_ERR_RANGE));
  EXPECT_STREQ("SOCK_ERR_UNKNOWN", sock_strerror(-99));
  EXPECT_STREQ("SOCK_ERR_UNKNOWN", sock_strerror(12345));
}

TEST(Errors, Item29_ErrnoSelectsPythonsMessage) {
  // The errno values CPython maps to OSError subclasses arrive with their text.
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  char buf[4];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(s, buf, sizeof buf, 0, &n), SOCK_ERR_OS, ENOTCONN);
  EXPECT_EQ(std::string("[Errno 107] Transport endpoint is not connected"), last_message());
}

TEST(Errors, DetailIsThreadLocal) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(s, "127.0.0.1", 70000), SOCK_ERR_VALUE, 0);
  std::thread other([] {
    sock_address a{};
    EXPECT_PS_ERR(sock_getpeername(0, &a), SOCK_ERR_OS, EBADF);
  });
  other.join();
  EXPECT_STREQ("bind(): port must be 0-65535.", sock_last_error_message())
      << "another thread's failure does not overwrite this thread's";
}

TEST(BadInput, NullOutputPointersAreValueErrors) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  char buf[4];
  EXPECT_PS_ERR(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("out must not be NULL", sock_last_error_message());
  EXPECT_PS_ERR(sock_detach(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_dup(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_fileno(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_accept(s, nullptr, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv(s, buf, sizeof buf, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvfrom(s, buf, sizeof buf, 0, nullptr, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send(s, buf, sizeof buf, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto(s, buf, 1, 0, "127.0.0.1", 9, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_gettimeout(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getblocking(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_TYPE, buf, 4, nullptr),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockname(s, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getpeername(s, nullptr), SOCK_ERR_VALUE, 0);
  sock_handle h = 0;
  EXPECT_PS_ERR(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, nullptr, &h), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &h, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_fromfd(0, -1, -1, -1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", 1, 1.0, nullptr, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_create_server("127.0.0.1", 0, 0, -1, 0, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getdefaulttimeout(nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_has_dualstack_ipv6(nullptr), SOCK_ERR_VALUE, 0);
  long long v = 0;
  EXPECT_PS_ERR(net_constant(nullptr, &v), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_constant("AF_INET", nullptr), SOCK_ERR_VALUE, 0);
}

TEST(BadInput, NullBuffersWithALengthAreValueErrorsAndZeroLengthsAreValid) {
  Pair p = tcp_pair();
  size_t n = 99;
  EXPECT_PS_ERR(sock_recv(p.server, nullptr, 10, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("buf must not be NULL", sock_last_error_message());
  EXPECT_PS_ERR(sock_send(p.client, nullptr, 10, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendall(p.client, nullptr, 10, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto(p.client, nullptr, 10, 0, "127.0.0.1", 9, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_setsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_LINGER, nullptr, 8),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_LINGER, nullptr, 8, &n),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(sock_send(p.client, nullptr, 0, 0, &n));
  EXPECT_EQ(0u, n);
  EXPECT_PS_OK(sock_sendall(p.client, nullptr, 0, 0, nullptr));
  EXPECT_PS_OK(sock_recv(p.server, nullptr, 0, 0, &n));
  EXPECT_EQ(0u, n);
}

TEST(BadInput, HugeLengthsAreRefusedAndLoseNothing) {
  Pair p = tcp_pair();
  char buf[8] = "payload";
  size_t n = 0, sent = 7;
  EXPECT_PS_ERR(sock_recv(p.server, buf, SIZE_MAX, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send(p.client, buf, SIZE_MAX, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendall(p.client, buf, SIZE_MAX, 0, &sent), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(0u, sent);
  EXPECT_PS_ERR(sock_sendto(p.client, buf, SIZE_MAX, 0, "127.0.0.1", 9, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_setsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_LINGER, buf, SIZE_MAX),
                SOCK_ERR_VALUE, 0);
  // The connection is intact afterwards.
  ASSERT_PS_OK(sock_sendall(p.client, "ok", 2, 0, nullptr));
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("ok", std::string(buf, n));
}

TEST(BadInput, InvalidFamiliesAndTypes) {
  sock_handle h = 0;
  EXPECT_PS_ERR(sock_create(-1, NET_SOCK_STREAM, 0, &h), SOCK_ERR_OS, EAFNOSUPPORT);
  EXPECT_PS_ERR(sock_create(NET_AF_INET, -1, 0, &h), SOCK_ERR_OS, EINVAL);
  EXPECT_PS_ERR(sock_create(NET_AF_INET, NET_SOCK_STREAM, -1, &h), SOCK_ERR_OS, EINVAL);
  EXPECT_PS_ERR(net_socketpair(77, NET_SOCK_STREAM, 0, &h, &h), SOCK_ERR_OS, EAFNOSUPPORT);
  EXPECT_EQ(0u, h) << "no handle is written on failure";
}

TEST(BadInput, PortsOutOfRange) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  for (int port : {-1, -65536, 65536, 70000, INT_MAX, INT_MIN}) {
    EXPECT_PS_ERR(sock_bind(s, "127.0.0.1", port), SOCK_ERR_VALUE, 0);
    EXPECT_STREQ("bind(): port must be 0-65535.", sock_last_error_message());
    EXPECT_PS_ERR(sock_connect(s, "127.0.0.1", port), SOCK_ERR_VALUE, 0);
    EXPECT_STREQ("connect(): port must be 0-65535.", sock_last_error_message());
    EXPECT_PS_ERR(sock_connect_ex(s, "127.0.0.1", port), SOCK_ERR_VALUE, 0);
  }
  sock_handle h = 0;
  EXPECT_PS_ERR(net_create_server("127.0.0.1", -5, NET_AF_INET, -1, 0, 0, &h), SOCK_ERR_VALUE, 0);
  // create_connection hands the port to getaddrinfo as text, as Python does.
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", -1, 1.0, nullptr, 0, &h), SOCK_ERR_GAI,
                NET_EAI_SERVICE);
  EXPECT_STREQ("[Errno -8] Servname not supported for ai_socktype", sock_last_error_message());
}

TEST(CreateConnection, APortAbove65535WrapsAsInPython) {
  // Python: create_connection(("127.0.0.1", port + 65536)) connects to port.
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock c;
  ASSERT_PS_OK(net_create_connection("127.0.0.1", port + 65536, 5.0, nullptr, 0, c.out()));
  sock_address peer{};
  ASSERT_PS_OK(sock_getpeername(c, &peer));
  EXPECT_EQ(port, peer.port);
}

TEST(BadInput, NullAndMalformedHosts) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(s, nullptr, 0), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_connect(s, nullptr, 1), SOCK_ERR_VALUE, 0);
  // Names that glibc rejects without asking any DNS server (no traffic leaves).
  EXPECT_PS_ERR(sock_connect(s, "0.1.1.~1", 80), SOCK_ERR_GAI, NET_EAI_NONAME);
  EXPECT_STREQ("[Errno -2] Name or service not known", sock_last_error_message());
  EXPECT_PS_ERR(sock_bind(s, "::1::2", 0), SOCK_ERR_GAI, NET_EAI_NONAME);
  Sock v6 = make_socket(NET_AF_INET6, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(v6, "<broadcast>", 0), SOCK_ERR_OS, 0);
  EXPECT_STREQ("address family mismatched", sock_last_error_message());
}

TEST(BadInput, UnixPathsTooLongOrWithAPort) {
  Sock s = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  const std::string too_long(300, 'p');
  EXPECT_PS_ERR(sock_bind(s, too_long.c_str(), 0), SOCK_ERR_OS, 0);
  EXPECT_STREQ("AF_UNIX path too long", sock_last_error_message());
  EXPECT_PS_ERR(sock_connect(s, too_long.c_str(), 0), SOCK_ERR_OS, 0);
  const std::string abstract_too_long = "@" + std::string(108, 'q');
  EXPECT_PS_ERR(sock_bind(s, abstract_too_long.c_str(), 0), SOCK_ERR_OS, 0);
  const std::string abstract_max = "@" + std::string(107, 'q');
  EXPECT_PS_OK(sock_bind(s, abstract_max.c_str(), 0));
  Sock t = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_connect(t, "/tmp/x", 80), SOCK_ERR_VALUE, 0);
}

TEST(BadInput, AddressOpsOnOtherFamiliesFailCleanly) {
  Sock s;
  ASSERT_PS_OK(sock_create(16 /* AF_NETLINK, open to any user */, NET_SOCK_DGRAM, 0, s.out()));
  EXPECT_PS_ERR(sock_bind(s, "x", 0), SOCK_ERR_OS, 0);
  EXPECT_STREQ("getsockaddrarg: bad family", sock_last_error_message());
}

TEST(BadInput, TimeoutSentinels) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_settimeout(s, SOCK_TIMEOUT_DEFAULT), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_settimeout(s, -1e300), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_settimeout(s, 1e300), SOCK_ERR_VALUE, 0);
  double t = 0;
  ASSERT_PS_OK(sock_gettimeout(s, &t));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, t) << "a refused timeout changes nothing";
}
