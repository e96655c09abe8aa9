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

// ---- AF_UNIX addresses as bytes (issue 16, point 2) ----

namespace {

std::string unix_name(int (*get)(sock_handle, void *, size_t, size_t *), sock_handle h) {
  char buf[108];
  size_t n = 0;
  EXPECT_PS_OK(get(h, buf, sizeof buf, &n));
  return std::string(buf, n);
}

}  // namespace

TEST(UnixBytes, AbstractNamesWithEmbeddedNulsRoundTrip) {
  const std::string name("\0python\0test\0", 13);
  Sock s = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_bind_unix(s, name.data(), name.size()));
  EXPECT_EQ(name, unix_name(sock_getsockname_unix, s)) << "all 13 bytes come back";
  ASSERT_PS_OK(sock_listen(s, 4));
  Sock c = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect_unix(c, name.data(), name.size()));
  EXPECT_EQ(name, unix_name(sock_getpeername_unix, c));
  EXPECT_EQ("", unix_name(sock_getsockname_unix, c)) << "an unbound client has no name";
  // The same name is taken now; a name that differs after its first NUL is another.
  Sock other = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind_unix(other, name.data(), name.size()), SOCK_ERR_OS, EADDRINUSE);
  EXPECT_PS_OK(sock_bind_unix(other, name.data(), name.size() - 1));
}

TEST(UnixBytes, FilePathsMayBeginWithAt) {
  char cwd[4096];
  ASSERT_NE(nullptr, getcwd(cwd, sizeof cwd));
  const std::string dir = temp_socket_path("atdir");
  ASSERT_EQ(0, mkdir(dir.c_str(), 0700));
  ASSERT_EQ(0, chdir(dir.c_str()));
  const std::string path = "@file";
  Sock s = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind_unix(s, path.data(), path.size()));
  EXPECT_EQ(0, access("@file", F_OK)) << "a file named @file, not an abstract name";
  EXPECT_EQ(path, unix_name(sock_getsockname_unix, s));
  EXPECT_EQ(path, local_address(s).host) << "the string form shows the path as it is";
  unlink("@file");
  ASSERT_EQ(0, chdir(cwd));
  rmdir(dir.c_str());
}

TEST(UnixBytes, LimitsAutobindAndWrongFamilies) {
  Sock s = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  const std::string abstract_max = std::string(1, '\0') + std::string(107, 'x');
  ASSERT_PS_OK(sock_bind_unix(s, abstract_max.data(), abstract_max.size()))
      << "an abstract name may fill all 108 bytes";
  EXPECT_EQ(abstract_max, unix_name(sock_getsockname_unix, s));
  Sock t = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  const std::string too_long = abstract_max + "x";
  EXPECT_PS_ERR(sock_bind_unix(t, too_long.data(), too_long.size()), SOCK_ERR_OS, 0);
  EXPECT_STREQ("AF_UNIX path too long", sock_last_error_message());
  const std::string file_max(108, 'f');
  EXPECT_PS_ERR(sock_bind_unix(t, file_max.data(), file_max.size()), SOCK_ERR_OS, 0)
      << "a file path needs room for its NUL";
  EXPECT_PS_ERR(sock_bind_unix(t, nullptr, 4), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(sock_bind_unix(t, nullptr, 0)) << "empty: autobind";
  const std::string got = unix_name(sock_getsockname_unix, t);
  ASSERT_EQ(6u, got.size());
  EXPECT_EQ('\0', got[0]);
  char small[3];
  size_t n = 0;
  EXPECT_PS_ERR(sock_getsockname_unix(t, small, sizeof small, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(6u, n) << "the length needed";
  Sock inet = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind_unix(inet, "/tmp/x", 6), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("bind(): AF_INET address must be tuple, not bytes", sock_last_error_message());
  EXPECT_PS_ERR(sock_getsockname_unix(inet, small, sizeof small, &n), SOCK_ERR_VALUE, 0);
  Sock closed = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  const sock_handle h = closed.release();
  ASSERT_PS_OK(sock_close(h));
  EXPECT_PS_ERR(sock_connect_unix(h, "\0x", 2), SOCK_ERR_OS, EBADF);
}
