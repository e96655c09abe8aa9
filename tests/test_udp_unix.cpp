// Datagrams (UDP over loopback), AF_UNIX sockets (paths and abstract names,
// stream, datagram and seqpacket) and socketpair. Items refer to python_contract.md.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;

TEST(Udp, Item62_SendtoRecvfromTruncationAndEmptyDatagrams) {
  Sock rx = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(rx, "127.0.0.1", 0));
  const int port = local_address(rx).port;
  Sock tx = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  size_t n = 0;
  ASSERT_PS_OK(sock_sendto(tx, "hello world", 11, 0, "127.0.0.1", port, &n));
  EXPECT_EQ(11u, n);
  const sock_address txaddr = local_address(tx);
  EXPECT_STREQ("0.0.0.0", txaddr.host) << "an unbound sender is bound implicitly";
  EXPECT_GT(txaddr.port, 0);
  char buf[16];
  sock_address from{};
  ASSERT_PS_OK(sock_recvfrom(rx, buf, 5, 0, &n, &from));
  EXPECT_EQ("hello", std::string(buf, n)) << "the rest of the datagram is discarded";
  EXPECT_EQ(NET_AF_INET, from.family);
  EXPECT_STREQ("127.0.0.1", from.host);
  EXPECT_EQ(txaddr.port, from.port);
  ASSERT_PS_OK(sock_sendto(tx, "", 0, 0, "127.0.0.1", port, &n));
  EXPECT_EQ(0u, n);
  n = 99;
  ASSERT_PS_OK(sock_recvfrom(rx, buf, sizeof buf, 0, &n, &from));
  EXPECT_EQ(0u, n) << "an empty datagram is delivered";
  EXPECT_EQ(txaddr.port, from.port);
}

TEST(Udp, Item63_ConnectedDatagramSockets) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  size_t n = 0;
  EXPECT_PS_ERR(sock_send(s, "abc", 3, 0, &n), SOCK_ERR_OS, EDESTADDRREQ);
  EXPECT_STREQ("[Errno 89] Destination address required", sock_last_error_message());
  Sock peer = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(peer, "127.0.0.1", 0));
  ASSERT_PS_OK(sock_connect(s, "127.0.0.1", local_address(peer).port));
  ASSERT_PS_OK(sock_send(s, "abc", 3, 0, &n));
  EXPECT_EQ(3u, n);
  char buf[8];
  ASSERT_PS_OK(sock_recv(peer, buf, sizeof buf, 0, &n));
  EXPECT_EQ("abc", std::string(buf, n));
  // A connected socket that sent to a closed port gets ECONNREFUSED on the next recv.
  const int closed = local_address(peer).port;
  peer.reset();
  ASSERT_PS_OK(sock_connect(s, "127.0.0.1", closed));
  ASSERT_PS_OK(sock_send(s, "x", 1, 0, &n));
  ASSERT_PS_OK(sock_settimeout(s, 2.0));
  EXPECT_PS_ERR(sock_recv(s, buf, sizeof buf, 0, &n), SOCK_ERR_OS, ECONNREFUSED);
}

TEST(Udp, Item64_SendtoAndRecvfromErrors) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  std::vector<char> big(70000, 'x');
  size_t n = 0;
  EXPECT_PS_ERR(sock_sendto(s, big.data(), big.size(), 0, "127.0.0.1", 9, &n), SOCK_ERR_OS,
                EMSGSIZE);
  EXPECT_STREQ("[Errno 90] Message too long", sock_last_error_message());
  EXPECT_PS_ERR(sock_sendto(s, "x", 1, 0, "127.0.0.1", 70000, &n), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("sendto(): port must be 0-65535.", sock_last_error_message());
  EXPECT_PS_ERR(sock_sendto(s, "x", 1, 0, "::1", 9, &n), SOCK_ERR_GAI, NET_EAI_ADDRFAMILY);
  Sock rx = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(rx, "127.0.0.1", 0));
  ASSERT_PS_OK(sock_settimeout(rx, 0.1));
  char buf[4];
  sock_address from{};
  EXPECT_PS_ERR(sock_recvfrom(rx, buf, sizeof buf, 0, &n, &from), SOCK_ERR_TIMEOUT, 0);
  EXPECT_STREQ("timed out", sock_last_error_message());
}

TEST(Udp, Ipv6Datagrams) {
  Sock rx = make_socket(NET_AF_INET6, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(rx, "::1", 0));
  Sock tx = make_socket(NET_AF_INET6, NET_SOCK_DGRAM);
  size_t n = 0;
  ASSERT_PS_OK(sock_sendto(tx, "v6", 2, 0, "::1", local_address(rx).port, &n));
  char buf[8];
  sock_address from{};
  ASSERT_PS_OK(sock_recvfrom(rx, buf, sizeof buf, 0, &n, &from));
  EXPECT_EQ("v6", std::string(buf, n));
  EXPECT_EQ(NET_AF_INET6, from.family);
  EXPECT_STREQ("::1", from.host);
}

TEST(Socketpair, Item68_DefaultsAndDataBothWays) {
  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
  int family = 0, type = 0, proto = -1;
  ASSERT_PS_OK(sock_info(a, &family, &type, &proto));
  EXPECT_EQ(NET_AF_UNIX, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(0, proto);
  double t = 0;
  ASSERT_PS_OK(sock_gettimeout(a, &t));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, t);
  sock_address name{}, peer{};
  ASSERT_PS_OK(sock_getsockname(a, &name));
  ASSERT_PS_OK(sock_getpeername(a, &peer));
  EXPECT_STREQ("", name.host);
  EXPECT_STREQ("", peer.host);
  size_t n = 0;
  char buf[8];
  ASSERT_PS_OK(sock_sendall(a, "xyz", 3, 0, nullptr));
  ASSERT_PS_OK(sock_recv(b, buf, sizeof buf, 0, &n));
  EXPECT_EQ("xyz", std::string(buf, n));
  ASSERT_PS_OK(sock_sendall(b, "back", 4, 0, nullptr));
  ASSERT_PS_OK(sock_recv(a, buf, sizeof buf, 0, &n));
  EXPECT_EQ("back", std::string(buf, n));
  b.reset();
  ASSERT_PS_OK(sock_recv(a, buf, sizeof buf, 0, &n));
  EXPECT_EQ(0u, n);
  EXPECT_PS_ERR(sock_send(a, "x", 1, 0, &n), SOCK_ERR_OS, EPIPE);
}

TEST(Socketpair, Item69_InetIsNotSupportedAndDgramKeepsBoundaries) {
  Sock a, b;
  EXPECT_PS_ERR(net_socketpair(NET_AF_INET, NET_SOCK_STREAM, 0, a.out(), b.out()), SOCK_ERR_OS,
                EOPNOTSUPP);
  EXPECT_STREQ("[Errno 95] Operation not supported", sock_last_error_message());
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_DGRAM, 0, a.out(), b.out()));
  size_t n = 0;
  ASSERT_PS_OK(sock_send(a, "one", 3, 0, &n));
  ASSERT_PS_OK(sock_send(a, "two", 3, 0, &n));
  char buf[10];
  ASSERT_PS_OK(sock_recv(b, buf, 2, 0, &n));
  EXPECT_EQ("on", std::string(buf, n));
  sock_address from{};
  ASSERT_PS_OK(sock_recvfrom(b, buf, sizeof buf, 0, &n, &from));
  EXPECT_EQ("two", std::string(buf, n));
  EXPECT_STREQ("", from.host) << "an unnamed sender has no address";
}

TEST(Socketpair, SeqpacketKeepsMessageBoundaries) {
  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_SEQPACKET, 0, a.out(), b.out()));
  size_t n = 0;
  ASSERT_PS_OK(sock_sendall(a, "first", 5, 0, nullptr));
  ASSERT_PS_OK(sock_sendall(a, "second", 6, 0, nullptr));
  char buf[16];
  ASSERT_PS_OK(sock_recv(b, buf, sizeof buf, 0, &n));
  EXPECT_EQ("first", std::string(buf, n));
  ASSERT_PS_OK(sock_recv(b, buf, sizeof buf, 0, &n));
  EXPECT_EQ("second", std::string(buf, n));
}

TEST(Unix, Item70_FilesystemSockets) {
  const std::string path = temp_socket_path("item70");
  Sock server = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  EXPECT_STREQ("", local_address(server).host) << "unbound";
  ASSERT_PS_OK(sock_bind(server, path.c_str(), 0));
  struct stat st;
  EXPECT_EQ(0, stat(path.c_str(), &st)) << "bind creates the file";
  EXPECT_EQ(path, local_address(server).host);
  ASSERT_PS_OK(sock_listen(server, -1));
  Sock client = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(client, path.c_str(), 0));
  Sock conn;
  sock_address from{};
  ASSERT_PS_OK(sock_accept(server, conn.out(), &from));
  EXPECT_EQ(NET_AF_UNIX, from.family);
  EXPECT_STREQ("", from.host) << "an unbound client's address is empty";
  sock_address peer{};
  ASSERT_PS_OK(sock_getpeername(client, &peer));
  EXPECT_EQ(path, peer.host);
  size_t n = 0;
  char buf[8];
  ASSERT_PS_OK(sock_sendall(client, "unix", 4, 0, nullptr));
  ASSERT_PS_OK(sock_recv(conn, buf, sizeof buf, 0, &n));
  EXPECT_EQ("unix", std::string(buf, n));
  server.reset();
  EXPECT_EQ(0, stat(path.c_str(), &st)) << "close does not unlink";
  Sock again = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(again, path.c_str(), 0), SOCK_ERR_OS, EADDRINUSE);
  unlink(path.c_str());
  EXPECT_PS_ERR(sock_connect(again, path.c_str(), 0), SOCK_ERR_OS, ENOENT);
  EXPECT_STREQ("[Errno 2] No such file or directory", sock_last_error_message());
  const std::string too_long(108, 'a');
  EXPECT_PS_ERR(sock_bind(again, too_long.c_str(), 0), SOCK_ERR_OS, 0);
  EXPECT_STREQ("AF_UNIX path too long", sock_last_error_message());
  EXPECT_PS_ERR(sock_bind(again, path.c_str(), 1), SOCK_ERR_VALUE, 0);
}

TEST(Unix, Item71_AbstractNamesAndAutobind) {
  const std::string name = "@polysock-abstract-" + std::to_string(getpid());
  Sock s = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_bind(s, name.c_str(), 0));
  EXPECT_EQ(name, local_address(s).host);
  ASSERT_PS_OK(sock_listen(s, 4));
  Sock c = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(c, name.c_str(), 0));
  Sock auto_bound = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(auto_bound, "", 0));
  const std::string got = local_address(auto_bound).host;
  ASSERT_EQ(6u, got.size()) << got;
  EXPECT_EQ('@', got[0]);
  EXPECT_EQ(std::string::npos, got.find_first_not_of("0123456789abcdef", 1)) << got;
}

TEST(Unix, DatagramsBetweenPaths) {
  const std::string a_path = temp_socket_path("dga"), b_path = temp_socket_path("dgb");
  Sock a = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  Sock b = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(a, a_path.c_str(), 0));
  ASSERT_PS_OK(sock_bind(b, b_path.c_str(), 0));
  size_t n = 0;
  ASSERT_PS_OK(sock_sendto(a, "dgram", 5, 0, b_path.c_str(), 0, &n));
  char buf[8];
  sock_address from{};
  ASSERT_PS_OK(sock_recvfrom(b, buf, sizeof buf, 0, &n, &from));
  EXPECT_EQ("dgram", std::string(buf, n));
  EXPECT_EQ(a_path, from.host);
  unlink(a_path.c_str());
  unlink(b_path.c_str());
}
