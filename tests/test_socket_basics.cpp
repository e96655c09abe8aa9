// The socket object's life: creation defaults, attributes, dup, fromfd, detach,
// inheritance. Item numbers refer to ../shared/spec/python_contract.md.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

bool has_flag(sock_handle h, int flag, bool fd_flag) {
  int fd = -1;
  EXPECT_PS_OK(sock_fileno(h, &fd));
  const int flags = fcntl(fd, fd_flag ? F_GETFD : F_GETFL);
  return (flags & flag) != 0;
}

bool nonblocking(sock_handle h) { return has_flag(h, O_NONBLOCK, false); }
bool cloexec(sock_handle h) { return has_flag(h, FD_CLOEXEC, true); }

double timeout_of(sock_handle h) {
  double t = 0;
  EXPECT_PS_OK(sock_gettimeout(h, &t));
  return t;
}

}  // namespace

TEST(Version, ReportsVersionAndAbi) {
  EXPECT_STREQ("1.0.0", net_version());
  EXPECT_EQ(1, net_abi_version());
  EXPECT_EQ(1, POLYSOCK_VERSION_MAJOR);
}

TEST(Constants, Item28_HeaderCarriesTheHostValues) {
  EXPECT_EQ(2, NET_AF_INET);
  EXPECT_EQ(10, NET_AF_INET6);
  EXPECT_EQ(1, NET_AF_UNIX);
  EXPECT_EQ(1, NET_SOCK_STREAM);
  EXPECT_EQ(2, NET_SOCK_DGRAM);
  EXPECT_EQ(5, NET_SOCK_SEQPACKET);
  EXPECT_EQ(2048, NET_SOCK_NONBLOCK);
  EXPECT_EQ(524288, NET_SOCK_CLOEXEC);
  EXPECT_EQ(1, NET_SOL_SOCKET);
  EXPECT_EQ(2, NET_SO_REUSEADDR);
  EXPECT_EQ(15, NET_SO_REUSEPORT);
  EXPECT_EQ(26, NET_IPV6_V6ONLY);
  EXPECT_EQ(1, NET_TCP_NODELAY);
  EXPECT_EQ(16384, NET_MSG_NOSIGNAL);
  EXPECT_EQ(1025, NET_NI_MAXHOST);
  EXPECT_EQ(32, NET_NI_MAXSERV);
  EXPECT_EQ(16, NET_INET_ADDRSTRLEN);
  EXPECT_EQ(46, NET_INET6_ADDRSTRLEN);
  EXPECT_EQ(4294967295LL, NET_INADDR_BROADCAST);
  EXPECT_EQ(4096, NET_SOMAXCONN);
  long long v = 0;
  ASSERT_PS_OK(net_constant("AF_INET6", &v));
  EXPECT_EQ(10, v);
  ASSERT_PS_OK(net_constant("NET_MSG_PEEK", &v));
  EXPECT_EQ(2, v);
  EXPECT_PS_ERR(net_constant("AF_NOPE", &v), SOCK_ERR_VALUE, 0);
  size_t count = 0;
  ASSERT_PS_OK(net_constant_count(&count));
  EXPECT_GT(count, 100u);
  const char *name = nullptr;
  ASSERT_PS_OK(net_constant_at(0, &name, &v));
  EXPECT_STREQ("AF_UNSPEC", name);
  EXPECT_PS_ERR(net_constant_at(count, &name, &v), SOCK_ERR_VALUE, 0);
}

TEST(Create, Item30_DefaultsAreBlockingNonInheritableTcp) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int family = 0, type = 0, proto = -1, blocking = 0;
  ASSERT_PS_OK(sock_info(s, &family, &type, &proto));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(0, proto);
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(s));
  ASSERT_PS_OK(sock_getblocking(s, &blocking));
  EXPECT_EQ(1, blocking);
  EXPECT_TRUE(cloexec(s));
  EXPECT_FALSE(nonblocking(s));
}

TEST(Create, Item31_ConstructorErrorsComeFromTheKernel) {
  Sock s;
  EXPECT_PS_ERR(sock_create(99, NET_SOCK_STREAM, 0, s.out()), SOCK_ERR_OS, EAFNOSUPPORT);
  EXPECT_STREQ("[Errno 97] Address family not supported by protocol", sock_last_error_message());
  EXPECT_PS_ERR(sock_create(NET_AF_INET, 99, 0, s.out()), SOCK_ERR_OS, EINVAL);
  EXPECT_STREQ("[Errno 22] Invalid argument", sock_last_error_message());
  EXPECT_PS_ERR(sock_create(NET_AF_INET, NET_SOCK_STREAM, 17, s.out()), SOCK_ERR_OS,
                EPROTONOSUPPORT);
  EXPECT_STREQ("[Errno 93] Protocol not supported", sock_last_error_message());
  EXPECT_EQ(0u, s.get());
}

TEST(Create, Item33_SockNonblockFlagMeansTimeoutZeroAndIsMaskedFromType) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM | NET_SOCK_NONBLOCK | NET_SOCK_CLOEXEC);
  int type = 0, blocking = 1;
  ASSERT_PS_OK(sock_info(s, nullptr, &type, nullptr));
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(0.0, timeout_of(s));
  ASSERT_PS_OK(sock_getblocking(s, &blocking));
  EXPECT_EQ(0, blocking);
  EXPECT_TRUE(cloexec(s));
  ASSERT_PS_OK(sock_settimeout(s, 2.0));
  ASSERT_PS_OK(sock_info(s, nullptr, &type, nullptr));
  EXPECT_EQ(NET_SOCK_STREAM, type) << "type stays masked after a timeout change";
}

TEST(Create, WorksForEveryFamilyAndType) {
  const int combos[][2] = {{NET_AF_INET, NET_SOCK_STREAM},   {NET_AF_INET, NET_SOCK_DGRAM},
                           {NET_AF_INET6, NET_SOCK_STREAM},  {NET_AF_INET6, NET_SOCK_DGRAM},
                           {NET_AF_UNIX, NET_SOCK_STREAM},   {NET_AF_UNIX, NET_SOCK_DGRAM},
                           {NET_AF_UNIX, NET_SOCK_SEQPACKET}};
  for (const auto &c : combos) {
    Sock s = make_socket(c[0], c[1]);
    int family = 0, type = 0;
    ASSERT_PS_OK(sock_info(s, &family, &type, nullptr));
    EXPECT_EQ(c[0], family);
    EXPECT_EQ(c[1], type);
    EXPECT_TRUE(cloexec(s));
  }
}

TEST(FromFd, Item32_DetectsFamilyTypeProtoAndTakesTheDefaultTimeout) {
  Sock src = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_settimeout(src, 5.0));
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(src, &fd));
  Sock copy;
  ASSERT_PS_OK(net_fromfd(fd, -1, -1, -1, copy.out()));
  int family = 0, type = 0, proto = 0, copy_fd = -1;
  ASSERT_PS_OK(sock_info(copy, &family, &type, &proto));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(NET_IPPROTO_TCP, proto) << "proto reads back 6 from SO_PROTOCOL";
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(copy)) << "the default, not the source's 5.0";
  ASSERT_PS_OK(sock_fileno(copy, &copy_fd));
  EXPECT_NE(fd, copy_fd) << "fromfd duplicates the descriptor";
  // Item 43 quirk kept: O_NONBLOCK on the shared file description is not cleared.
  EXPECT_TRUE(nonblocking(copy));
  EXPECT_TRUE(cloexec(copy));
}

TEST(FromFd, Item31_RejectsNegativeAndNonSocketDescriptors) {
  Sock s;
  EXPECT_PS_ERR(net_fromfd(-1, -1, -1, -1, s.out()), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("negative file descriptor", sock_last_error_message());
  int pipefd[2];
  ASSERT_EQ(0, pipe(pipefd));
  EXPECT_PS_ERR(net_fromfd(pipefd[0], -1, -1, -1, s.out()), SOCK_ERR_OS, ENOTSOCK);
  EXPECT_PS_ERR(net_fromfd(pipefd[0], NET_AF_INET, NET_SOCK_STREAM, 0, s.out()), SOCK_ERR_OS,
                ENOTSOCK);
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_PS_ERR(net_fromfd(99999, -1, -1, -1, s.out()), SOCK_ERR_OS, EBADF);
  EXPECT_STREQ("[Errno 9] Bad file descriptor", sock_last_error_message());
}

TEST(FromFd, Item75_OriginalStaysUsable) {
  Pair p = tcp_pair();
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(p.client, &fd));
  Sock copy;
  ASSERT_PS_OK(net_fromfd(fd, NET_AF_INET, NET_SOCK_STREAM, 0, copy.out()));
  size_t n = 0;
  ASSERT_PS_OK(sock_sendall(copy, "ok", 2, 0, nullptr));
  copy.reset();
  char buf[8];
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("ok", std::string(buf, n));
  ASSERT_PS_OK(sock_sendall(p.client, "still", 5, 0, nullptr));
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("still", std::string(buf, n));
}

TEST(Dup, Item75_SameAttributesNewFdSharedData) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 3.0));
  Sock d;
  ASSERT_PS_OK(sock_dup(p.server, d.out()));
  int fd = -1, dfd = -1, family = 0, type = 0, proto = -1;
  ASSERT_PS_OK(sock_fileno(p.server, &fd));
  ASSERT_PS_OK(sock_fileno(d, &dfd));
  EXPECT_NE(fd, dfd);
  ASSERT_PS_OK(sock_info(d, &family, &type, &proto));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(0, proto);
  EXPECT_EQ(3.0, timeout_of(d));
  EXPECT_TRUE(cloexec(d));
  EXPECT_TRUE(nonblocking(d)) << "O_NONBLOCK is shared with the original";
  ASSERT_PS_OK(sock_close(p.server.release()));  // closing the original leaves the dup open
  ASSERT_PS_OK(sock_sendall(p.client, "via-dup", 7, 0, nullptr));
  char buf[16];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(d, buf, sizeof buf, 0, &n));
  EXPECT_EQ("via-dup", std::string(buf, n));
}

TEST(Detach, Item74_ReturnsFdAndClosesTheHandleOnly) {
  Pair p = tcp_pair();
  int fd = -1, after = 0;
  ASSERT_PS_OK(sock_fileno(p.client, &fd));
  const sock_handle h = p.client.release();
  int detached = -1;
  ASSERT_PS_OK(sock_detach(h, &detached));
  EXPECT_EQ(fd, detached);
  ASSERT_PS_OK(sock_fileno(h, &after));
  EXPECT_EQ(-1, after);
  char buf[8];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
  ASSERT_PS_OK(sock_detach(h, &after));
  EXPECT_EQ(-1, after) << "detach of a closed handle gives -1";
  // The descriptor is still open and can be wrapped again.
  Sock again;
  ASSERT_PS_OK(net_fromfd(detached, -1, -1, -1, again.out()));
  close(detached);
  ASSERT_PS_OK(sock_sendall(again, "MSG", 3, 0, nullptr));
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("MSG", std::string(buf, n));
}

TEST(Inheritance, Item76_EverySocketIsCloexec) {
  Pair p = tcp_pair();
  EXPECT_TRUE(cloexec(p.client));
  EXPECT_TRUE(cloexec(p.server)) << "accepted sockets too";
  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
  EXPECT_TRUE(cloexec(a));
  EXPECT_TRUE(cloexec(b));
  // dup of an inheritable socket is again non-inheritable.
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(a, &fd));
  ASSERT_EQ(0, fcntl(fd, F_SETFD, 0));
  EXPECT_FALSE(cloexec(a));
  Sock d;
  ASSERT_PS_OK(sock_dup(a, d.out()));
  EXPECT_TRUE(cloexec(d));
}

TEST(Info, OutputsMayBeNull) {
  Sock s = make_socket(NET_AF_INET6, NET_SOCK_DGRAM);
  EXPECT_PS_OK(sock_info(s, nullptr, nullptr, nullptr));
  int type = 0;
  EXPECT_PS_OK(sock_info(s, nullptr, &type, nullptr));
  EXPECT_EQ(NET_SOCK_DGRAM, type);
}

// ---- socket(fileno=fd) and socket.close(fd) (issue 16, point 3) ----

TEST(FromFileno, Item32_AdoptsTheDescriptorItselfAndDetectsFamilyTypeProto) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.client, 5.0));
  int fd = -1;
  ASSERT_PS_OK(sock_detach(p.client.release(), &fd));
  Sock adopted;
  ASSERT_PS_OK(sock_create_fileno(-1, -1, -1, fd, adopted.out()));
  int family = 0, type = 0, proto = 0, adopted_fd = -1;
  ASSERT_PS_OK(sock_info(adopted, &family, &type, &proto));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_EQ(NET_SOCK_STREAM, type);
  EXPECT_EQ(NET_IPPROTO_TCP, proto) << "proto reads back 6 from SO_PROTOCOL";
  ASSERT_PS_OK(sock_fileno(adopted, &adopted_fd));
  EXPECT_EQ(fd, adopted_fd) << "no dup: the handle owns fd itself";
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(adopted)) << "the module default";
  EXPECT_TRUE(nonblocking(adopted)) << "item 43: O_NONBLOCK already on fd stays";
  ASSERT_PS_OK(sock_sendall(adopted, "hi", 2, 0, nullptr));
  char buf[4];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("hi", std::string(buf, n));
  // Closing the handle closes the descriptor.
  ASSERT_PS_OK(sock_close(adopted.release()));
  EXPECT_EQ(-1, fcntl(fd, F_GETFD));
  EXPECT_EQ(EBADF, errno);
}

TEST(FromFileno, GivenFamilyTypeProtoAreKept) {
  int fds[2];
  ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds));
  Sock a;
  ASSERT_PS_OK(sock_create_fileno(NET_AF_UNIX, NET_SOCK_DGRAM, 0, fds[0], a.out()));
  int family = 0, type = 0, proto = -1;
  ASSERT_PS_OK(sock_info(a, &family, &type, &proto));
  EXPECT_EQ(NET_AF_UNIX, family);
  EXPECT_EQ(NET_SOCK_DGRAM, type);
  EXPECT_EQ(0, proto);
  close(fds[1]);
}

TEST(FromFileno, Item31_ErrorsLeaveTheDescriptorWithTheCaller) {
  Sock s;
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, -1, s.out()), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("negative file descriptor", sock_last_error_message());
  int pipefd[2];
  ASSERT_EQ(0, pipe(pipefd));
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, pipefd[0], s.out()), SOCK_ERR_OS, ENOTSOCK);
  EXPECT_PS_ERR(sock_create_fileno(NET_AF_INET, NET_SOCK_STREAM, 0, pipefd[0], s.out()),
                SOCK_ERR_OS, ENOTSOCK);
  EXPECT_NE(-1, fcntl(pipefd[0], F_GETFD)) << "still open, still the caller's";
  close(pipefd[0]);
  close(pipefd[1]);
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, 99999, s.out()), SOCK_ERR_OS, EBADF);
  EXPECT_STREQ("[Errno 9] Bad file descriptor", sock_last_error_message());
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, 0, nullptr), SOCK_ERR_VALUE, 0);
}

TEST(NetClose, ClosesADetachedDescriptorAndRefusesABadOne) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int fd = -1;
  ASSERT_PS_OK(sock_detach(s.release(), &fd));
  ASSERT_NE(-1, fcntl(fd, F_GETFD));
  EXPECT_PS_OK(net_close(fd));
  EXPECT_EQ(-1, fcntl(fd, F_GETFD));
  EXPECT_PS_ERR(net_close(fd), SOCK_ERR_OS, EBADF) << "as CPython: [Errno 9]";
  EXPECT_STREQ("[Errno 9] Bad file descriptor", sock_last_error_message());
  EXPECT_PS_ERR(net_close(-1), SOCK_ERR_OS, EBADF);
}
