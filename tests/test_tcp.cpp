// TCP over loopback (IPv4 and IPv6): bind, listen, accept, connect, recv/send,
// shutdown, peer failures, options and sendfile. Items refer to python_contract.md.
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

std::string recv_string(sock_handle h, size_t max) {
  std::string buf(max, '\0');
  size_t n = 0;
  EXPECT_PS_OK(sock_recv(h, buf.data(), buf.size(), 0, &n));
  buf.resize(n);
  return buf;
}

// A port on 127.0.0.1 that nothing listens on: bound, then closed.
int closed_port(int family = NET_AF_INET) {
  Sock s = make_socket(family, NET_SOCK_STREAM);
  EXPECT_PS_OK(sock_bind(s, family == NET_AF_INET ? "127.0.0.1" : "::1", 0));
  return local_address(s).port;
}

}  // namespace

TEST(Connect, Item44_RefusedIsAnErrnoForConnectExAndAnErrorForConnect) {
  const int port = closed_port();
  Sock a = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_EQ(ECONNREFUSED, sock_connect_ex(a, "127.0.0.1", port));
  Sock b = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_connect(b, "127.0.0.1", port), SOCK_ERR_OS, ECONNREFUSED);
  EXPECT_STREQ("[Errno 111] Connection refused", sock_last_error_message());
  Sock c;
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", port, 2.0, nullptr, 0, c.out()), SOCK_ERR_OS,
                ECONNREFUSED);
}

TEST(Connect, TimeoutModeReportsTheRealError) {
  const int port = closed_port();
  Sock a = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_settimeout(a, 2.0));
  EXPECT_PS_ERR(sock_connect(a, "127.0.0.1", port), SOCK_ERR_OS, ECONNREFUSED);
}

TEST(Bind, Item45_GetsocknameBeforeAndAfterBind) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  sock_address a = local_address(s);
  EXPECT_EQ(NET_AF_INET, a.family);
  EXPECT_STREQ("0.0.0.0", a.host);
  EXPECT_EQ(0, a.port);
  ASSERT_PS_OK(sock_bind(s, "127.0.0.1", 0));
  a = local_address(s);
  EXPECT_STREQ("127.0.0.1", a.host);
  EXPECT_GT(a.port, 0);
  const struct {
    const char *host, *want;
  } cases[] = {{"", "0.0.0.0"}, {"localhost", "127.0.0.1"}, {"<broadcast>", "255.255.255.255"}};
  for (const auto &c : cases) {
    Sock u = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
    ASSERT_PS_OK(sock_bind(u, c.host, 0));
    EXPECT_STREQ(c.want, local_address(u).host) << c.host;
  }
}

TEST(Bind, Item46_Errors) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(s, "127.0.0.1", 70000), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("bind(): port must be 0-65535.", sock_last_error_message());
  EXPECT_PS_ERR(sock_bind(s, "127.0.0.1", -1), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(sock_bind(s, "127.0.0.1", 0));
  EXPECT_PS_ERR(sock_bind(s, "127.0.0.1", 0), SOCK_ERR_OS, EINVAL);  // second bind
  Sock t = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(t, "192.0.2.1", 0), SOCK_ERR_OS, EADDRNOTAVAIL);  // not local
  EXPECT_STREQ("[Errno 99] Cannot assign requested address", sock_last_error_message());
  EXPECT_PS_ERR(sock_bind(t, "::1", 0), SOCK_ERR_GAI, NET_EAI_ADDRFAMILY);
  EXPECT_STREQ("[Errno -9] Address family for hostname not supported", sock_last_error_message());
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock u = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_setsockopt(u, NET_SOL_SOCKET, NET_SO_REUSEADDR, 1));
  EXPECT_PS_ERR(sock_bind(u, "127.0.0.1", port), SOCK_ERR_OS, EADDRINUSE);
  EXPECT_STREQ("[Errno 98] Address already in use", sock_last_error_message());
}

TEST(Listen, Item47_AnyBacklogIsAcceptedAndSoAcceptconnReadsOne) {
  for (int backlog : {-1, 0, 5}) {
    Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_bind(s, "127.0.0.1", 0));
    ASSERT_PS_OK(sock_listen(s, backlog));
    int v = 0;
    ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_ACCEPTCONN, &v));
    EXPECT_EQ(1, v);
  }
}

TEST(Accept, Item48_AddressMatchesTheClientAndAttributesTheListeners) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
  Sock conn;
  sock_address addr{};
  ASSERT_PS_OK(sock_accept(l, conn.out(), &addr));
  const sock_address client = local_address(c);
  sock_address peer{};
  ASSERT_PS_OK(sock_getpeername(conn, &peer));
  EXPECT_STREQ(client.host, addr.host);
  EXPECT_EQ(client.port, addr.port);
  EXPECT_EQ(client.port, peer.port);
  int family = 0, type = 0, proto = -1;
  ASSERT_PS_OK(sock_info(conn, &family, &type, &proto));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(0, proto);
}

TEST(Recv, Item49_ZeroLengthPartialReadsAndPeek) {
  Pair p = tcp_pair();
  size_t n = 99;
  ASSERT_PS_OK(sock_recv(p.server, nullptr, 0, 0, &n));
  EXPECT_EQ(0u, n) << "recv(0) returns no bytes at once";
  // recvfrom(0), unlike recv(0), makes the system call: as in CPython it waits
  // for data on a blocking stream socket, then reads none of it.
  ASSERT_PS_OK(sock_sendall(p.client, "h", 1, 0, nullptr));
  sock_address from{};
  n = 99;
  ASSERT_PS_OK(sock_recvfrom(p.server, nullptr, 0, 0, &n, &from));
  EXPECT_EQ(0u, n);
  ASSERT_PS_OK(sock_sendall(p.client, "ello", 4, 0, nullptr));
  char buf[8];
  ASSERT_PS_OK(sock_recv(p.server, buf, 2, 0, &n));
  EXPECT_EQ("he", std::string(buf, n));
  ASSERT_PS_OK(sock_recv(p.server, buf, 2, NET_MSG_PEEK, &n));
  EXPECT_EQ("ll", std::string(buf, n));
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("llo", std::string(buf, n));
}

TEST(Recv, WaitallGathersTheWholeBufferInBlockingMode) {
  Pair p = tcp_pair();
  std::thread writer([&] {
    for (const char *part : {"ab", "cd", "ef"}) {
      sock_sendall(p.client, part, 2, 0, nullptr);
      usleep(20000);
    }
  });
  char buf[6];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n));
  writer.join();
  EXPECT_EQ("abcdef", std::string(buf, n));
}

TEST(Recv, WaitallIsShortOnlyAtEndOfStream) {
  for (bool with_address : {false, true}) {
    Pair p = tcp_pair();
    std::thread writer([&] {
      sock_sendall(p.client, "ab", 2, 0, nullptr);
      usleep(20000);
      sock_sendall(p.client, "cd", 2, 0, nullptr);
      sock_shutdown(p.client, NET_SHUT_WR);
    });
    char buf[8];
    size_t n = 0;
    sock_address from{};
    if (with_address) {
      ASSERT_PS_OK(sock_recvfrom(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n, &from));
    } else {
      ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n));
    }
    writer.join();
    EXPECT_EQ("abcd", std::string(buf, n)) << "with_address " << with_address;
    ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n));
    EXPECT_EQ(0u, n) << "then end of stream";
  }
}

TEST(Recv, WaitallInTimeoutModeReturnsWhatIsThereAsCPython) {
  // With a timeout the descriptor is non-blocking, so the kernel returns the bytes
  // that are there instead of waiting for the whole buffer.
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 5.0));
  ASSERT_PS_OK(sock_sendall(p.client, "ab", 2, 0, nullptr));
  char buf[8];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n));
  EXPECT_EQ("ab", std::string(buf, n));
}

TEST(Send, Item52_SendAndSendall) {
  Pair p = tcp_pair();
  size_t n = 99;
  ASSERT_PS_OK(sock_send(p.client, "", 0, 0, &n));
  EXPECT_EQ(0u, n);
  const char hel[] = "hel";
  ASSERT_PS_OK(sock_send(p.client, hel + 1, 2, 0, &n));  // any slice of a buffer
  EXPECT_EQ(2u, n);
  EXPECT_EQ("el", recv_string(p.server, 8));
  ASSERT_PS_OK(sock_sendall(p.client, "ba", 2, 0, nullptr));
  EXPECT_EQ("ba", recv_string(p.server, 8));
}

TEST(Send, SendallMovesLargeBuffersIntact) {
  for (int family : {NET_AF_INET, NET_AF_INET6}) {
    Pair p = tcp_pair(family);
    std::vector<unsigned char> data(4 << 20);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 31 + 7);
    std::vector<unsigned char> got;
    std::thread reader([&] {
      unsigned char buf[65536];
      size_t n = 0;
      while (sock_recv(p.server, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0)
        got.insert(got.end(), buf, buf + n);
    });
    size_t sent = 0;
    ASSERT_PS_OK(sock_sendall(p.client, data.data(), data.size(), 0, &sent));
    EXPECT_EQ(data.size(), sent);
    ASSERT_PS_OK(sock_shutdown(p.client, NET_SHUT_WR));
    reader.join();
    EXPECT_TRUE(data == got) << "family " << family;
  }
}

TEST(Shutdown, Item53_ShutWrGivesEofToThePeerAndEpipeToUs) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_shutdown(p.client, NET_SHUT_WR));
  EXPECT_EQ("", recv_string(p.server, 8));
  EXPECT_EQ("", recv_string(p.server, 8)) << "EOF repeats";
  size_t n = 0;
  EXPECT_PS_ERR(sock_send(p.client, "x", 1, 0, &n), SOCK_ERR_OS, EPIPE);
  EXPECT_STREQ("[Errno 32] Broken pipe", sock_last_error_message());
  ASSERT_PS_OK(sock_sendall(p.server, "back", 4, 0, nullptr));
  EXPECT_EQ("back", recv_string(p.client, 8));
  EXPECT_PS_ERR(sock_shutdown(p.client, 3), SOCK_ERR_OS, EINVAL);
  EXPECT_PS_ERR(sock_shutdown(p.client, -1), SOCK_ERR_OS, EINVAL);
}

TEST(PeerGone, Item54_EpipeNeverSigpipeEvenWithTheDefaultDisposition) {
  // SIGPIPE at SIG_DFL would kill this test process if polysock ever raised it.
  struct sigaction dfl {
  }, old{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ASSERT_EQ(0, sigaction(SIGPIPE, &dfl, &old));
  Pair p = tcp_pair();
  p.server.reset();
  EXPECT_EQ("", recv_string(p.client, 8));
  size_t n = 0;
  ASSERT_PS_OK(sock_send(p.client, "x", 1, 0, &n));  // the first send provokes an RST
  EXPECT_EQ(1u, n);
  usleep(50000);
  const int st = sock_send(p.client, "x", 1, 0, &n);
  EXPECT_EQ(SOCK_ERR_OS, st);
  EXPECT_TRUE(sock_last_errno() == EPIPE || sock_last_errno() == ECONNRESET)
      << sock_last_error_message();
  std::vector<char> big(10 << 20, 'z');
  EXPECT_EQ(SOCK_ERR_OS, sock_sendall(p.client, big.data(), big.size(), 0, nullptr));
  EXPECT_EQ(EPIPE, sock_last_errno()) << sock_last_error_message();
  // sendfile takes no MSG_NOSIGNAL: it must be protected too.
  char path[] = "/tmp/polysock-sigpipe-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  unlink(path);
  ASSERT_EQ(static_cast<ssize_t>(big.size()), write(fd, big.data(), big.size()));
  int64_t sent = 0;
  EXPECT_PS_ERR(sock_sendfile(p.client, fd, 0, 0, &sent), SOCK_ERR_OS, EPIPE);
  close(fd);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "no SIGPIPE left pending";
  sigaction(SIGPIPE, &old, nullptr);
}

TEST(PeerGone, Item55_ResetIsReportedOnceThenEof) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_sendall(p.client, "unread", 6, 0, nullptr));
  usleep(20000);
  p.server.reset();  // closing with unread data sends an RST
  usleep(20000);
  char buf[8];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(p.client, buf, sizeof buf, 0, &n), SOCK_ERR_OS, ECONNRESET);
  EXPECT_STREQ("[Errno 104] Connection reset by peer", sock_last_error_message());
  ASSERT_PS_OK(sock_recv(p.client, buf, sizeof buf, 0, &n));
  EXPECT_EQ(0u, n);
}

TEST(PeerGone, Item55_SoErrorReportsThePendingErrorOnce) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_sendall(p.client, "unread", 6, 0, nullptr));
  usleep(20000);
  p.server.reset();
  usleep(20000);
  int err = -1;
  ASSERT_PS_OK(sock_getsockopt(p.client, NET_SOL_SOCKET, NET_SO_ERROR, &err));
  EXPECT_EQ(ECONNRESET, err);
  ASSERT_PS_OK(sock_getsockopt(p.client, NET_SOL_SOCKET, NET_SO_ERROR, &err));
  EXPECT_EQ(0, err);
}

TEST(Unconnected, Item56_Errors) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  sock_address a{};
  EXPECT_PS_ERR(sock_getpeername(s, &a), SOCK_ERR_OS, ENOTCONN);
  EXPECT_STREQ("[Errno 107] Transport endpoint is not connected", sock_last_error_message());
  char buf[4];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(s, buf, sizeof buf, 0, &n), SOCK_ERR_OS, ENOTCONN);
  EXPECT_PS_ERR(sock_send(s, "x", 1, 0, &n), SOCK_ERR_OS, EPIPE);
  Sock conn;
  EXPECT_PS_ERR(sock_accept(s, conn.out(), nullptr), SOCK_ERR_OS, EINVAL);
}

TEST(Shutdown, Item57_ShutRdwrFromAnotherThreadWakesABlockedRecv) {
  Pair p = tcp_pair();
  std::thread waker([&] {
    usleep(50000);
    sock_shutdown(p.server, NET_SHUT_RDWR);
  });
  char buf[4];
  size_t n = 99;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ(0u, n);
  waker.join();
}

TEST(Options, Item58_ReuseaddrAndRawBytes) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int v = -1;
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, &v));
  EXPECT_EQ(0, v);
  for (int value : {1, 5, -1}) {
    ASSERT_PS_OK(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, value));
    ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, &v));
    EXPECT_EQ(1, v) << value;
  }
  unsigned char raw[4] = {0, 0, 0, 0};
  size_t len = 0;
  ASSERT_PS_OK(sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, raw, sizeof raw, &len));
  EXPECT_EQ(4u, len);
  EXPECT_EQ(1, raw[0]);
  unsigned char big[2048];
  EXPECT_PS_ERR(sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, big, 1025, &len),
                SOCK_ERR_OS, 0);
  EXPECT_STREQ("getsockopt buflen out of range", sock_last_error_message());
  EXPECT_PS_ERR(sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_REUSEADDR, big, 0, &len),
                SOCK_ERR_OS, 0);
}

TEST(Options, Item59_BufferSizesArePassedThroughAsTheKernelDoublesThem) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int rcv = 0, snd = 0;
  ASSERT_PS_OK(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_RCVBUF, 4096));
  ASSERT_PS_OK(sock_setsockopt(s, NET_SOL_SOCKET, NET_SO_SNDBUF, 4096));
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_RCVBUF, &rcv));
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_SNDBUF, &snd));
  EXPECT_EQ(8192, rcv);
  EXPECT_EQ(8192, snd);
}

TEST(Options, Item60_UnknownOptionIsEnoprotoopt) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int v = 0;
  EXPECT_PS_ERR(sock_setsockopt(s, NET_SOL_SOCKET, 9999, 1), SOCK_ERR_OS, ENOPROTOOPT);
  EXPECT_STREQ("[Errno 92] Protocol not available", sock_last_error_message());
  EXPECT_PS_ERR(sock_getsockopt(s, NET_SOL_SOCKET, 9999, &v), SOCK_ERR_OS, ENOPROTOOPT);
}

TEST(Options, Item61_ReadBacksOnAFreshTcpSocket) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int v = -1;
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_TYPE, &v));
  EXPECT_EQ(1, v);
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_DOMAIN, &v));
  EXPECT_EQ(2, v);
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_PROTOCOL, &v));
  EXPECT_EQ(6, v);
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_ERROR, &v));
  EXPECT_EQ(0, v);
  ASSERT_PS_OK(sock_getsockopt(s, NET_SOL_SOCKET, NET_SO_KEEPALIVE, &v));
  EXPECT_EQ(0, v);
  ASSERT_PS_OK(sock_getsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v));
  EXPECT_EQ(0, v);
  ASSERT_PS_OK(sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1));
  ASSERT_PS_OK(sock_getsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, &v));
  EXPECT_EQ(1, v);
  int linger[2] = {-1, -1};
  size_t len = 0;
  ASSERT_PS_OK(
      sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_LINGER, linger, sizeof linger, &len));
  EXPECT_EQ(sizeof linger, len);
  EXPECT_EQ(0, linger[0]);
  EXPECT_EQ(0, linger[1]);
  const int set[2] = {1, 5};
  ASSERT_PS_OK(sock_setsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_LINGER, set, sizeof set));
  ASSERT_PS_OK(
      sock_getsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_LINGER, linger, sizeof linger, &len));
  EXPECT_EQ(1, linger[0]);
  EXPECT_EQ(5, linger[1]);
}

TEST(Ipv6, Item65_AddressesAndErrors) {
  Sock s = make_socket(NET_AF_INET6, NET_SOCK_STREAM);
  int v6only = -1;
  ASSERT_PS_OK(sock_getsockopt(s, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &v6only));
  EXPECT_EQ(0, v6only);
  ASSERT_PS_OK(sock_bind(s, "::1", 0));
  sock_address a = local_address(s);
  EXPECT_EQ(NET_AF_INET6, a.family);
  EXPECT_STREQ("::1", a.host);
  EXPECT_GT(a.port, 0);
  EXPECT_EQ(0u, a.flowinfo);
  EXPECT_EQ(0u, a.scope_id);
  ASSERT_PS_OK(sock_getsockopt(s, NET_IPPROTO_IPV6, NET_IPV6_V6ONLY, &v6only));
  EXPECT_EQ(1, v6only) << "the kernel sets V6ONLY once bound to a specific address";
  Sock t = make_socket(NET_AF_INET6, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind(t, "127.0.0.1", 0), SOCK_ERR_GAI, NET_EAI_ADDRFAMILY);
  EXPECT_PS_ERR(sock_connect(t, "::1", closed_port(NET_AF_INET6)), SOCK_ERR_OS, ECONNREFUSED);
}

TEST(Ipv6, TrafficFlowsBothWays) {
  Pair p = tcp_pair(NET_AF_INET6);
  ASSERT_PS_OK(sock_sendall(p.client, "six", 3, 0, nullptr));
  EXPECT_EQ("six", recv_string(p.server, 8));
  ASSERT_PS_OK(sock_sendall(p.server, "back", 4, 0, nullptr));
  EXPECT_EQ("back", recv_string(p.client, 8));
  sock_address peer{};
  ASSERT_PS_OK(sock_getpeername(p.client, &peer));
  EXPECT_STREQ("::1", peer.host);
}

namespace {

// A temporary file holding `size` patterned bytes.
int temp_file(size_t size, std::vector<unsigned char> *content) {
  char path[] = "/tmp/polysock-sendfile-XXXXXX";
  const int fd = mkstemp(path);
  unlink(path);
  content->resize(size);
  for (size_t i = 0; i < size; ++i) (*content)[i] = static_cast<unsigned char>(i * 13 + 1);
  if (write(fd, content->data(), size) != static_cast<ssize_t>(size)) return -1;
  return fd;
}

std::vector<unsigned char> drain(sock_handle h) {
  std::vector<unsigned char> got;
  unsigned char buf[65536];
  size_t n = 0;
  while (sock_recv(h, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0)
    got.insert(got.end(), buf, buf + n);
  return got;
}

}  // namespace

TEST(Sendfile, Item86_OffsetCountAndFilePosition) {
  std::vector<unsigned char> content;
  const int fd = temp_file(1024000, &content);
  ASSERT_GE(fd, 0);
  struct Case {
    int64_t offset, count, want;
  };
  for (const Case c : {Case{0, 0, 1024000}, Case{5000, 5000, 5000}, Case{2000000, 0, 0}}) {
    Pair p = tcp_pair();
    std::vector<unsigned char> got;
    std::thread reader([&] { got = drain(p.server); });
    int64_t sent = -1;
    ASSERT_PS_OK(sock_sendfile(p.client, fd, c.offset, c.count, &sent));
    EXPECT_EQ(c.want, sent);
    sock_shutdown(p.client, NET_SHUT_WR);
    reader.join();
    ASSERT_EQ(static_cast<size_t>(c.want), got.size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), content.begin() + (c.want ? c.offset : 0)));
    if (c.want > 0) {
      EXPECT_EQ(c.offset + c.want, lseek(fd, 0, SEEK_CUR)) << "file position";
    }
  }
  close(fd);
}

TEST(Sendfile, ACountPastInt64MaxSendsTheRestOfTheFileAsCPython) {
  // CPython: sendfile(f, 1, 2**63 - 1) on a 5-byte file sends 4 bytes and leaves
  // the position at 5. offset + count overflowed here once (UBSan) and sent nothing.
  char path[] = "/tmp/polysock-sendfile-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  unlink(path);
  ASSERT_EQ(5, write(fd, "hello", 5));
  Pair p = tcp_pair();
  int64_t sent = 0;
  ASSERT_PS_OK(sock_sendfile(p.client, fd, 1, INT64_MAX, &sent));
  EXPECT_EQ(4, sent);
  EXPECT_EQ(5, lseek(fd, 0, SEEK_CUR)) << "file position: offset + sent";
  EXPECT_EQ("ello", recv_string(p.server, 16));
  close(fd);
}

TEST(Sendfile, TheTimeoutAppliesToEachWaitSoASteadySlowReaderNeverTimesOut) {
  // As CPython's sendfile: the socket's timeout bounds each wait for the socket to
  // take more, not the whole transfer. A reader taking 512 KiB every 20 ms keeps a
  // 32 MiB sendfile with a 0.5 s timeout going for over a second.
  std::vector<unsigned char> content;
  const int fd = temp_file(32 << 20, &content);
  ASSERT_GE(fd, 0);
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.client, 0.5));
  std::atomic<size_t> got{0};
  std::thread reader([&] {
    ASSERT_PS_OK(sock_settimeout(p.server, 5.0));
    std::vector<char> buf(512 << 10);
    size_t n = 0;
    while (got.load() < content.size() &&
           sock_recv(p.server, buf.data(), buf.size(), NET_MSG_WAITALL, &n) == SOCK_OK && n > 0) {
      got.fetch_add(n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  int64_t sent = 0;
  const double took = seconds_for([&] {
    EXPECT_PS_OK(sock_sendfile(p.client, fd, 0, 0, &sent)) << "after " << sent << " bytes";
  });
  reader.join();
  EXPECT_EQ(static_cast<int64_t>(content.size()), sent);
  EXPECT_EQ(content.size(), got.load());
  EXPECT_GT(took, 0.5) << "the transfer outlasts one timeout";
  close(fd);
}

TEST(Sendfile, WorksWithATimeoutAndFromAPipe) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.client, 5.0));
  int fds[2];
  ASSERT_EQ(0, pipe(fds));
  ASSERT_EQ(5, write(fds[1], "piped", 5));
  close(fds[1]);
  int64_t sent = 0;
  ASSERT_PS_OK(sock_sendfile(p.client, fds[0], 0, 0, &sent));  // falls back to read + send
  close(fds[0]);
  EXPECT_EQ(5, sent);
  EXPECT_EQ("piped", recv_string(p.server, 16));
}

TEST(Sendfile, Item87_ArgumentErrors) {
  std::vector<unsigned char> content;
  const int fd = temp_file(100, &content);
  Pair p = tcp_pair();
  int64_t sent = 0;
  EXPECT_PS_ERR(sock_sendfile(p.client, fd, 0, -1, &sent), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("count must be a positive integer (got -1)", sock_last_error_message());
  EXPECT_PS_ERR(sock_sendfile(p.client, fd, -1, 0, &sent), SOCK_ERR_VALUE, 0);
  Sock udp = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  EXPECT_PS_ERR(sock_sendfile(udp, fd, 0, 0, &sent), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("only SOCK_STREAM type sockets are supported", sock_last_error_message());
  ASSERT_PS_OK(sock_setblocking(p.client, 0));
  EXPECT_PS_ERR(sock_sendfile(p.client, fd, 0, 0, &sent), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("non-blocking sockets are not supported", sock_last_error_message());
  ASSERT_PS_OK(sock_setblocking(p.client, 1));
  EXPECT_PS_ERR(sock_sendfile(p.client, -1, 0, 0, &sent), SOCK_ERR_OS, EBADF);
  close(fd);
}
