// sendmsg / recvmsg with scatter/gather buffers and ancillary data, CMSG_LEN and
// CMSG_SPACE, descriptor passing and credentials over AF_UNIX, packet info over UDP
// on 127.0.0.1 and ::1, truncation flags, and the modes every call shares.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

struct Item {
  int level;
  int type;
  std::string data;
};

// Every item sock_cmsg_next finds in what sock_recvmsg stored.
std::vector<Item> items_of(const void *anc, size_t len) {
  std::vector<Item> out;
  size_t cursor = 0;
  for (int i = 0; i < 100; ++i) {
    sock_cmsg c{};
    int found = 0;
    EXPECT_PS_OK(sock_cmsg_next(anc, len, &cursor, &c, &found));
    if (!found) break;
    out.push_back({c.level, c.type, std::string(static_cast<const char *>(c.data), c.len)});
  }
  return out;
}

std::vector<int> ints_of(const std::string &data) {
  std::vector<int> v(data.size() / sizeof(int));
  std::memcpy(v.data(), data.data(), v.size() * sizeof(int));
  return v;
}

void unix_pair(int type, Sock *a, Sock *b) {
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, type, 0, a->out(), b->out()));
}

// Two UDP sockets bound to host:0 (127.0.0.1 or ::1); the receiver's port in *port.
void udp_pair(int family, const char *host, Sock *tx, Sock *rx, int *port) {
  *rx = make_socket(family, NET_SOCK_DGRAM);
  *tx = make_socket(family, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(*rx, host, 0));
  ASSERT_PS_OK(sock_bind(*tx, host, 0));
  *port = local_address(*rx).port;
}

unsigned loopback_index() {
  unsigned idx = 0;
  EXPECT_PS_OK(net_if_nametoindex("lo", &idx));
  return idx;
}

TEST(Messages, GathersOnSendAndScattersOnReceiveOverAUnixStream) {
  Sock a, b;
  unix_pair(NET_SOCK_STREAM, &a, &b);
  char p1[] = "ab", p2[] = "cde", p3[] = "f";
  const sock_iovec out[] = {{p1, 2}, {p2, 3}, {p3, 1}};
  size_t n = 0;
  ASSERT_PS_OK(sock_sendmsg(a, out, 3, nullptr, 0, 0, nullptr, 0, &n));
  EXPECT_EQ(6u, n);
  char r1[2], r2[10];
  const sock_iovec in[] = {{r1, sizeof r1}, {r2, sizeof r2}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_recvmsg(b, in, 2, nullptr, 0, 0, &info));
  EXPECT_EQ(6u, info.nbytes);
  EXPECT_EQ("ab", std::string(r1, 2));
  EXPECT_EQ("cdef", std::string(r2, 4));
  EXPECT_EQ(0, info.msg_flags);
  EXPECT_EQ(0u, info.ancdata_len);
  EXPECT_EQ(0, info.address.family) << "a socketpair peer has no address (Python's None)";
}

TEST(Messages, GathersAndScattersOverTcpLoopbackWithNoSenderAddress) {
  Pair p = tcp_pair(NET_AF_INET);
  char x[] = "hello ", y[] = "world";
  const sock_iovec out[] = {{x, 6}, {nullptr, 0}, {y, 5}};
  size_t n = 0;
  ASSERT_PS_OK(sock_sendmsg(p.client, out, 3, nullptr, 0, 0, nullptr, 0, &n));
  EXPECT_EQ(11u, n);
  ASSERT_PS_OK(sock_settimeout(p.server, 5.0));
  std::string got;
  char r1[4], r2[16];
  while (got.size() < 11) {
    const sock_iovec in[] = {{r1, sizeof r1}, {r2, sizeof r2}};
    sock_msg_info info{};
    ASSERT_PS_OK(sock_recvmsg(p.server, in, 2, nullptr, 0, 0, &info));
    ASSERT_GT(info.nbytes, 0u);
    got.append(r1, std::min<size_t>(info.nbytes, 4));
    if (info.nbytes > 4) got.append(r2, info.nbytes - 4);
    EXPECT_EQ(0, info.address.family) << "recvmsg on TCP gives no address, as CPython";
  }
  EXPECT_EQ("hello world", got);
}

TEST(Messages, ADatagramTooLongForTheBuffersIsCutWithMsgTruncAndTheSender) {
  Sock tx, rx;
  int port = 0;
  udp_pair(NET_AF_INET, "127.0.0.1", &tx, &rx, &port);
  char d[] = "0123456789";
  const sock_iovec out[] = {{d, 10}};
  size_t n = 0;
  ASSERT_PS_OK(sock_sendmsg(tx, out, 1, nullptr, 0, 0, "127.0.0.1", port, &n));
  EXPECT_EQ(10u, n);
  char r1[3], r2[1];
  const sock_iovec in[] = {{r1, 3}, {r2, 1}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_settimeout(rx, 5.0));
  ASSERT_PS_OK(sock_recvmsg(rx, in, 2, nullptr, 0, 0, &info));
  EXPECT_EQ(4u, info.nbytes);
  EXPECT_EQ("0123", std::string(r1, 3) + std::string(r2, 1));
  EXPECT_EQ(NET_MSG_TRUNC, info.msg_flags);
  EXPECT_EQ(NET_AF_INET, info.address.family);
  EXPECT_STREQ("127.0.0.1", info.address.host);
  EXPECT_EQ(local_address(tx).port, info.address.port);
}

TEST(Messages, CmsgLenAndSpaceAreTheKernelsWithinCPythonsRange) {
  size_t v = 0;
  ASSERT_PS_OK(net_cmsg_len(0, &v));
  EXPECT_EQ(CMSG_LEN(0), v);
  ASSERT_PS_OK(net_cmsg_len(12, &v));
  EXPECT_EQ(CMSG_LEN(12), v);
  ASSERT_PS_OK(net_cmsg_space(1, &v));
  EXPECT_EQ(CMSG_SPACE(1), v);
  ASSERT_PS_OK(net_cmsg_len(2147483631, &v));
  EXPECT_EQ(2147483647u, v);
  ASSERT_PS_OK(net_cmsg_space(2147483623, &v));
  EXPECT_EQ(2147483640u, v);
  for (size_t bad : {size_t{2147483632}, size_t{SIZE_MAX}}) {
    EXPECT_PS_ERR(net_cmsg_len(bad, &v), SOCK_ERR_VALUE, 0) << bad;
    EXPECT_EQ("CMSG_LEN() argument out of range", last_message());
  }
  for (size_t bad : {size_t{2147483624}, size_t{SIZE_MAX}}) {
    EXPECT_PS_ERR(net_cmsg_space(bad, &v), SOCK_ERR_VALUE, 0) << bad;
    EXPECT_EQ("CMSG_SPACE() argument out of range", last_message());
  }
}

TEST(Messages, AHopLimitSentAsAnItemArrivesAsAnItemOverIpv6Loopback) {
  Sock tx, rx;
  int port = 0;
  udp_pair(NET_AF_INET6, "::1", &tx, &rx, &port);
  ASSERT_PS_OK(sock_setsockopt(rx, NET_IPPROTO_IPV6, NET_IPV6_RECVHOPLIMIT, 1));
  const int hops = 7;
  const sock_cmsg item{NET_IPPROTO_IPV6, NET_IPV6_HOPLIMIT, &hops, sizeof hops};
  char d[] = "six";
  const sock_iovec out[] = {{d, 3}};
  size_t n = 0;
  ASSERT_PS_OK(sock_sendmsg(tx, out, 1, &item, 1, 0, "::1", port, &n));
  alignas(8) unsigned char anc[256];
  char r[8];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_settimeout(rx, 5.0));
  ASSERT_PS_OK(sock_recvmsg(rx, in, 1, anc, sizeof anc, 0, &info));
  EXPECT_EQ("six", std::string(r, info.nbytes));
  EXPECT_EQ(0, info.msg_flags);
  EXPECT_EQ(NET_AF_INET6, info.address.family);
  EXPECT_STREQ("::1", info.address.host);
  bool seen = false;
  for (const Item &it : items_of(anc, info.ancdata_len)) {
    if (it.level == NET_IPPROTO_IPV6 && it.type == NET_IPV6_HOPLIMIT) {
      seen = true;
      EXPECT_EQ(std::vector<int>{7}, ints_of(it.data)) << "the hop limit that was sent";
    }
  }
  EXPECT_TRUE(seen) << "an IPV6_HOPLIMIT item";
}

TEST(Messages, IpPktinfoGivesTheDestinationAndTheLoopbackIndex) {
  Sock tx, rx;
  int port = 0;
  udp_pair(NET_AF_INET, "127.0.0.1", &tx, &rx, &port);
  ASSERT_PS_OK(sock_setsockopt(rx, NET_IPPROTO_IP, NET_IP_PKTINFO, 1));
  size_t n = 0;
  ASSERT_PS_OK(sock_sendto(tx, "abc", 3, 0, "127.0.0.1", port, &n));
  size_t space = 0;
  ASSERT_PS_OK(net_cmsg_space(sizeof(in_pktinfo), &space));
  std::vector<unsigned char> anc(space);
  char r[8];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_settimeout(rx, 5.0));
  ASSERT_PS_OK(sock_recvmsg(rx, in, 1, anc.data(), anc.size(), 0, &info));
  EXPECT_EQ(0, info.msg_flags);
  const std::vector<Item> items = items_of(anc.data(), info.ancdata_len);
  ASSERT_EQ(1u, items.size());
  EXPECT_EQ(NET_IPPROTO_IP, items[0].level);
  EXPECT_EQ(NET_IP_PKTINFO, items[0].type);
  ASSERT_EQ(sizeof(in_pktinfo), items[0].data.size());
  in_pktinfo pi{};
  std::memcpy(&pi, items[0].data.data(), sizeof pi);
  EXPECT_EQ(loopback_index(), static_cast<unsigned>(pi.ipi_ifindex));
  EXPECT_EQ(htonl(INADDR_LOOPBACK), pi.ipi_addr.s_addr) << "the destination address";
  EXPECT_EQ(htonl(INADDR_LOOPBACK), pi.ipi_spec_dst.s_addr);
}

TEST(Messages, Ipv6PktinfoGivesTheDestinationAndTheLoopbackIndex) {
  Sock tx, rx;
  int port = 0;
  udp_pair(NET_AF_INET6, "::1", &tx, &rx, &port);
  ASSERT_PS_OK(sock_setsockopt(rx, NET_IPPROTO_IPV6, NET_IPV6_RECVPKTINFO, 1));
  size_t n = 0;
  ASSERT_PS_OK(sock_sendto(tx, "abc", 3, 0, "::1", port, &n));
  alignas(8) unsigned char anc[128];
  char r[8];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_settimeout(rx, 5.0));
  ASSERT_PS_OK(sock_recvmsg(rx, in, 1, anc, sizeof anc, 0, &info));
  const std::vector<Item> items = items_of(anc, info.ancdata_len);
  ASSERT_EQ(1u, items.size());
  EXPECT_EQ(NET_IPPROTO_IPV6, items[0].level);
  EXPECT_EQ(NET_IPV6_PKTINFO, items[0].type);
  ASSERT_EQ(sizeof(in6_pktinfo), items[0].data.size());
  in6_pktinfo pi{};
  std::memcpy(&pi, items[0].data.data(), sizeof pi);
  EXPECT_EQ(loopback_index(), pi.ipi6_ifindex);
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr)) << "the destination is ::1";
}

TEST(Messages, AnItemCutShortGivesMsgCtruncAndThePartThatFit) {
  Sock tx, rx;
  int port = 0;
  udp_pair(NET_AF_INET, "127.0.0.1", &tx, &rx, &port);
  ASSERT_PS_OK(sock_setsockopt(rx, NET_IPPROTO_IP, NET_IP_PKTINFO, 1));
  ASSERT_PS_OK(sock_settimeout(rx, 5.0));
  // As CPython: 20 bytes hold the header and the first 4 of 12 bytes (the index),
  // 16 bytes an item with no data, 15 none at all.
  for (size_t ancbufsize : {size_t{20}, size_t{16}, size_t{15}, size_t{0}}) {
    SCOPED_TRACE(ancbufsize);
    size_t n = 0;
    ASSERT_PS_OK(sock_sendto(tx, "abc", 3, 0, "127.0.0.1", port, &n));
    alignas(8) unsigned char anc[32];
    char r[8];
    const sock_iovec in[] = {{r, sizeof r}};
    sock_msg_info info{};
    ASSERT_PS_OK(sock_recvmsg(rx, in, 1, ancbufsize ? anc : nullptr, ancbufsize, 0, &info));
    EXPECT_EQ(NET_MSG_CTRUNC, info.msg_flags);
    const std::vector<Item> items = items_of(anc, info.ancdata_len);
    if (ancbufsize < 16) {
      EXPECT_TRUE(items.empty());
      continue;
    }
    ASSERT_EQ(1u, items.size());
    EXPECT_EQ(NET_IP_PKTINFO, items[0].type);
    ASSERT_EQ(ancbufsize - 16, items[0].data.size());
    if (ancbufsize == 20) {
      EXPECT_EQ(std::vector<int>{static_cast<int>(loopback_index())}, ints_of(items[0].data));
    }
  }
}

TEST(Messages, TheCmsgWalkStopsAtMalformedHeadersAndRefusesABadCursor) {
  alignas(8) unsigned char anc[64] = {};
  cmsghdr h{};
  h.cmsg_len = 8;  // shorter than a header: CPython stops there
  std::memcpy(anc, &h, sizeof h);
  EXPECT_TRUE(items_of(anc, sizeof anc).empty());
  h.cmsg_len = SIZE_MAX;  // longer than the buffer: the part that is there, then the end
  h.cmsg_level = 1;
  h.cmsg_type = 2;
  std::memcpy(anc, &h, sizeof h);
  const std::vector<Item> items = items_of(anc, sizeof anc);
  ASSERT_EQ(1u, items.size());
  EXPECT_EQ(48u, items[0].data.size());
  size_t cursor = 65;
  sock_cmsg c{};
  int found = 1;
  EXPECT_PS_ERR(sock_cmsg_next(anc, sizeof anc, &cursor, &c, &found), SOCK_ERR_VALUE, 0);
  cursor = 64;
  EXPECT_PS_OK(sock_cmsg_next(anc, sizeof anc, &cursor, &c, &found));
  EXPECT_EQ(0, found);
}

// ---- Descriptors and credentials -------------------------------------------------

TEST(FdPassing, ReceivedDescriptorsWorkAndAreCloseOnExec) {
  Sock a, b;
  unix_pair(NET_SOCK_STREAM, &a, &b);
  int pipe_fds[2];
  ASSERT_EQ(0, pipe(pipe_fds));  // inheritable on purpose: the copy must not be
  char d[] = "fds";
  const sock_iovec out[] = {{d, 3}};
  size_t n = 0;
  ASSERT_PS_OK(sock_send_fds(a, out, 1, pipe_fds, 2, 0, nullptr, 0, &n));
  EXPECT_EQ(3u, n);
  char r[8];
  int fds[4] = {-1, -1, -1, -1};
  size_t nfds = 0;
  sock_msg_info info{};
  ASSERT_PS_OK(sock_recv_fds(b, r, sizeof r, fds, 4, 0, &nfds, &info));
  EXPECT_EQ("fds", std::string(r, info.nbytes));
  ASSERT_EQ(2u, nfds);
  EXPECT_EQ(0, info.msg_flags);
  for (size_t i = 0; i < nfds; ++i) {
    EXPECT_NE(pipe_fds[i], fds[i]) << "a new descriptor";
    EXPECT_EQ(FD_CLOEXEC, fcntl(fds[i], F_GETFD) & FD_CLOEXEC)
        << "received descriptors are CLOEXEC";
  }
  ASSERT_EQ(5, write(fds[1], "piped", 5));
  char buf[8];
  ASSERT_EQ(5, read(fds[0], buf, sizeof buf)) << "the received pipe carries data";
  EXPECT_EQ("piped", std::string(buf, 5));
  for (int fd : {pipe_fds[0], pipe_fds[1], fds[0], fds[1]}) close(fd);
}

TEST(FdPassing, SendmsgScmRightsArrivesAsOneItemThroughRecvmsg) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  const int mine[2] = {0, 1};
  const sock_cmsg item{NET_SOL_SOCKET, NET_SCM_RIGHTS, mine, sizeof mine};
  char d[] = "x";
  const sock_iovec out[] = {{d, 1}};
  size_t n = 0;
  ASSERT_PS_OK(sock_sendmsg(a, out, 1, &item, 1, 0, nullptr, 0, &n));
  size_t space = 0;
  ASSERT_PS_OK(net_cmsg_space(sizeof mine, &space));
  std::vector<unsigned char> anc(space + 3);  // an odd size and alignment change nothing
  char r[4];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_recvmsg(b, in, 1, anc.data() + 1, space, 0, &info));
  EXPECT_EQ(0, info.msg_flags);
  const std::vector<Item> items = items_of(anc.data() + 1, info.ancdata_len);
  ASSERT_EQ(1u, items.size());
  EXPECT_EQ(NET_SOL_SOCKET, items[0].level);
  EXPECT_EQ(NET_SCM_RIGHTS, items[0].type);
  const std::vector<int> got = ints_of(items[0].data);
  ASSERT_EQ(2u, got.size());
  for (int fd : got) {
    EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
  }
}

TEST(FdPassing, TooSmallABufferGivesMsgCtruncAndLeaksNoDescriptor) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  const int three[3] = {0, 1, 2};
  char d[] = "x";
  const sock_iovec out[] = {{d, 1}};
  size_t n = 0;
  const int before = open_fd_count();
  // recvmsg with room for one descriptor, recv_fds with maxfds 1 and 0.
  ASSERT_PS_OK(sock_send_fds(a, out, 1, three, 3, 0, nullptr, 0, &n));
  size_t len = 0;
  ASSERT_PS_OK(net_cmsg_len(sizeof(int), &len));
  std::vector<unsigned char> anc(len);
  char r[4];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  ASSERT_PS_OK(sock_recvmsg(b, in, 1, anc.data(), anc.size(), 0, &info));
  EXPECT_EQ(NET_MSG_CTRUNC, info.msg_flags);
  std::vector<Item> items = items_of(anc.data(), info.ancdata_len);
  ASSERT_EQ(1u, items.size());
  ASSERT_EQ(1u, ints_of(items[0].data).size());
  close(ints_of(items[0].data)[0]);

  for (size_t maxfds : {size_t{1}, size_t{0}}) {
    ASSERT_PS_OK(sock_send_fds(a, out, 1, three, 3, 0, nullptr, 0, &n));
    int fds[1] = {-1};
    size_t nfds = 9;
    ASSERT_PS_OK(sock_recv_fds(b, r, sizeof r, maxfds ? fds : nullptr, maxfds, 0, &nfds, &info));
    EXPECT_EQ(NET_MSG_CTRUNC, info.msg_flags);
    EXPECT_EQ(maxfds, nfds);
    if (nfds == 1) close(fds[0]);
  }
  EXPECT_EQ(before, open_fd_count()) << "the descriptors that did not fit were never opened";
}

TEST(FdPassing, ScmCredentialsWithSoPasscredAreThisProcesss) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  ASSERT_PS_OK(sock_setsockopt(b, NET_SOL_SOCKET, NET_SO_PASSCRED, 1));
  const int creds[3] = {static_cast<int>(getpid()), static_cast<int>(getuid()),
                        static_cast<int>(getgid())};
  const sock_cmsg explicit_creds{NET_SOL_SOCKET, NET_SCM_CREDENTIALS, creds, sizeof creds};
  char d[] = "c";
  const sock_iovec out[] = {{d, 1}};
  // Without an item the kernel supplies them; with one it checks and passes them.
  for (size_t nanc : {size_t{0}, size_t{1}}) {
    SCOPED_TRACE(nanc);
    size_t n = 0;
    ASSERT_PS_OK(sock_sendmsg(a, out, 1, &explicit_creds, nanc, 0, nullptr, 0, &n));
    alignas(8) unsigned char anc[64];
    char r[4];
    const sock_iovec in[] = {{r, sizeof r}};
    sock_msg_info info{};
    ASSERT_PS_OK(sock_recvmsg(b, in, 1, anc, sizeof anc, 0, &info));
    const std::vector<Item> items = items_of(anc, info.ancdata_len);
    ASSERT_EQ(1u, items.size());
    EXPECT_EQ(NET_SOL_SOCKET, items[0].level);
    EXPECT_EQ(NET_SCM_CREDENTIALS, items[0].type);
    EXPECT_EQ(std::vector<int>(creds, creds + 3), ints_of(items[0].data)) << "pid, uid, gid";
  }
}

TEST(FdPassing, SendFdsAndRecvFdsTakeFlagsAndAnAddress) {
  // CPython 3.11's send_fds drops flags and address, its recv_fds flags: polysock's do not.
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  char r[4];
  int fds[2];
  size_t nfds = 0;
  EXPECT_PS_ERR(sock_recv_fds(b, r, sizeof r, fds, 2, NET_MSG_DONTWAIT, &nfds, nullptr),
                SOCK_ERR_OS, NET_EAGAIN);
  const std::string path = temp_socket_path("msg-fds");
  Sock rx = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(rx, path.c_str(), 0));
  Sock tx = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  const int one[1] = {0};
  char d[] = "to";
  const sock_iovec out[] = {{d, 2}};
  size_t n = 0;
  ASSERT_PS_OK(sock_send_fds(tx, out, 1, one, 1, 0, path.c_str(), 0, &n));
  sock_msg_info info{};
  ASSERT_PS_OK(sock_recv_fds(rx, r, sizeof r, fds, 2, 0, &nfds, &info));
  EXPECT_EQ("to", std::string(r, info.nbytes));
  ASSERT_EQ(1u, nfds);
  close(fds[0]);
  unlink(path.c_str());
}

// ---- Modes ---------------------------------------------------------------------

TEST(MessageModes, RecvmsgTimesOutInTimeoutMode) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  ASSERT_PS_OK(sock_settimeout(b, 0.1));
  char r[4];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  int st = 0;
  const double took = seconds_for([&] { st = sock_recvmsg(b, in, 1, nullptr, 0, 0, &info); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st);
  EXPECT_EQ("timed out", last_message());
  EXPECT_GE(took, 0.09);
  EXPECT_LT(took, 2.0);
}

TEST(MessageModes, NonBlockingAndDontwaitGiveEagain) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  char r[4];
  const sock_iovec in[] = {{r, sizeof r}};
  sock_msg_info info{};
  EXPECT_PS_ERR(sock_recvmsg(b, in, 1, nullptr, 0, NET_MSG_DONTWAIT, &info), SOCK_ERR_OS,
                NET_EAGAIN)
      << "MSG_DONTWAIT on a blocking socket";
  ASSERT_PS_OK(sock_setblocking(b, 0));
  EXPECT_PS_ERR(sock_recvmsg(b, in, 1, nullptr, 0, 0, &info), SOCK_ERR_OS, NET_EAGAIN);
  // A full queue: a non-blocking sendmsg is EAGAIN too.
  ASSERT_PS_OK(sock_setblocking(a, 0));
  char d[] = "d";
  const sock_iovec out[] = {{d, 1}};
  size_t n = 0;
  int st = SOCK_OK;
  for (int i = 0; i < 100000 && st == SOCK_OK; ++i) {
    st = sock_sendmsg(a, out, 1, nullptr, 0, 0, nullptr, 0, &n);
  }
  EXPECT_PS_ERR(st, SOCK_ERR_OS, NET_EAGAIN);
}

TEST(MessageModes, ArgumentErrorsAreCPythons) {
  Sock a, b;
  unix_pair(NET_SOCK_DGRAM, &a, &b);
  std::vector<sock_iovec> many(1025, sock_iovec{nullptr, 0});
  sock_msg_info info{};
  size_t n = 0;
  EXPECT_PS_ERR(sock_recvmsg(b, many.data(), many.size(), nullptr, 0, 0, &info), SOCK_ERR_OS,
                NET_EMSGSIZE)
      << "more than IOV_MAX buffers, as the kernel tells CPython";
  EXPECT_PS_ERR(sock_sendmsg(a, many.data(), many.size(), nullptr, 0, 0, nullptr, 0, &n),
                SOCK_ERR_OS, NET_EMSGSIZE);
  ASSERT_PS_OK(sock_settimeout(b, 0.05));
  EXPECT_EQ(SOCK_ERR_TIMEOUT, sock_recvmsg(b, many.data(), many.size(), nullptr, 0, 0, &info))
      << "in timeout mode the wait comes first, as in CPython";
  ASSERT_PS_OK(sock_settimeout(b, SOCK_TIMEOUT_NONE));
  alignas(8) unsigned char anc[16];
  EXPECT_PS_ERR(sock_recvmsg(b, nullptr, 0, anc, size_t{INT_MAX} + 1, 0, &info), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("invalid ancillary data buffer length", last_message());
  const sock_cmsg huge{NET_SOL_SOCKET, NET_SCM_RIGHTS, anc, 2147483624};
  EXPECT_PS_ERR(sock_sendmsg(a, nullptr, 0, &huge, 1, 0, nullptr, 0, &n), SOCK_ERR_OS, 0);
  EXPECT_EQ("ancillary data item too large", last_message());
  const sock_cmsg big[2] = {{NET_SOL_SOCKET, NET_SCM_RIGHTS, anc, 1u << 30},
                            {NET_SOL_SOCKET, NET_SCM_RIGHTS, anc, 1u << 30}};
  EXPECT_PS_ERR(sock_sendmsg(a, nullptr, 0, big, 2, 0, nullptr, 0, &n), SOCK_ERR_OS, 0);
  EXPECT_EQ("too much ancillary data", last_message());
  const sock_cmsg bad_type{NET_SOL_SOCKET, 12345, nullptr, 0};
  EXPECT_PS_ERR(sock_sendmsg(a, nullptr, 0, &bad_type, 1, 0, nullptr, 0, &n), SOCK_ERR_OS,
                NET_EINVAL);
  std::vector<int> fds(254, 0);
  EXPECT_PS_ERR(sock_send_fds(a, nullptr, 0, fds.data(), fds.size(), 0, nullptr, 0, &n),
                SOCK_ERR_OS, NET_EINVAL)
      << "the kernel passes at most 253 descriptors";
  const int bad_fd = -1;
  EXPECT_PS_ERR(sock_send_fds(a, nullptr, 0, &bad_fd, 1, 0, nullptr, 0, &n), SOCK_ERR_OS,
                NET_EBADF);
}

volatile sig_atomic_t g_stop = 0;
void set_stop(int) { g_stop = 1; }

// The interrupt hook stops a recvmsg asleep in either mode with SOCK_ERR_INTERRUPTED,
// and the message that arrives later is still there.
TEST(MessageModes, TheInterruptHookStopsARecvmsgAndLosesNothing) {
  struct sigaction sa {};
  sa.sa_handler = set_stop;  // no SA_RESTART: the blocking call returns EINTR
  struct sigaction old {};
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  ASSERT_PS_OK(
      net_set_interrupt_hook(net_interrupt_flag_hook, const_cast<sig_atomic_t *>(&g_stop)));
  for (double mode : {SOCK_TIMEOUT_NONE, 30.0}) {
    SCOPED_TRACE(mode);
    g_stop = 0;
    Sock a, b;
    unix_pair(NET_SOCK_DGRAM, &a, &b);
    ASSERT_PS_OK(sock_settimeout(b, mode));
    std::atomic<int> st{1}, err{0};
    std::atomic<bool> done{false};
    std::thread t([&] {
      char r[4];
      const sock_iovec in[] = {{r, sizeof r}};
      sock_msg_info info{};
      st.store(sock_recvmsg(b, in, 1, nullptr, 0, 0, &info));
      err.store(sock_last_errno());
      done.store(true);
    });
    // Signalled until it returns (a signal before the call starts interrupts nothing);
    // if it never does, a datagram ends it and the test fails.
    const char *slack = std::getenv("POLYSOCK_TIMING_SLACK");  // tests/memcheck.sh
    const int rounds = 200 * (slack != nullptr ? std::atoi(slack) : 1);
    for (int i = 0; i < rounds && !done.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done.load()) pthread_kill(t.native_handle(), SIGUSR1);
    }
    size_t n = 0;
    if (!done.load()) sock_send(a, "x", 1, 0, &n);
    t.join();
    EXPECT_EQ(SOCK_ERR_INTERRUPTED, st.load());
    EXPECT_EQ(NET_EINTR, err.load());
    ASSERT_PS_OK(sock_send(a, "late", 4, 0, &n));
    char r[8];
    const sock_iovec in[] = {{r, sizeof r}};
    sock_msg_info info{};
    g_stop = 0;
    ASSERT_PS_OK(sock_recvmsg(b, in, 1, nullptr, 0, 0, &info));
    EXPECT_EQ("late", std::string(r, info.nbytes));
  }
  ASSERT_PS_OK(net_set_interrupt_hook(nullptr, nullptr));
  sigaction(SIGUSR1, &old, nullptr);
}

}  // namespace
