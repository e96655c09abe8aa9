// Every function of polysock.h driven with bad input (issue 7): NULL pointers,
// zero and huge (SIZE_MAX) lengths, closed and never-issued handles, and invalid
// enum values (families, types, flags, how, event masks, indexes). Each call must
// give its documented status (SOCK_ERR_VALUE, SOCK_ERR_OS with the errno, ...)
// and never crash. The functions are written out one by one, and the ctest
// `bad_input_covers_every_function` fails if a POLYSOCK_API function of the header
// is missing from this file. test_errors_and_bad_input.cpp and test_poller.cpp
// hold the first cases (NULL outputs of the socket functions, SIZE_MAX on the send
// and recv family, ports, hosts, event masks); this file does not repeat them.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

// Handles that were never issued: 0, generation 0, a slot never used, all bits.
const sock_handle kNeverIssued[] = {0, 1, 0x00000000ffffffffULL, (7ULL << 32) | 0x00fffff0ULL,
                                    ~0ULL};

sock_handle closed_handle() {
  sock_handle h = 0;
  EXPECT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, &h));
  EXPECT_PS_OK(sock_close(h));
  return h;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

// ---- Version, errors, status names -------------------------------------------------

TEST(BadInputAll, VersionAndErrorAccessorsNeverFail) {
  ASSERT_NE(nullptr, net_version());
  EXPECT_EQ(std::to_string(POLYSOCK_VERSION_MAJOR) + "." + std::to_string(POLYSOCK_VERSION_MINOR) +
                "." + std::to_string(POLYSOCK_VERSION_PATCH),
            std::string(net_version()));
  EXPECT_EQ(POLYSOCK_VERSION_MAJOR, net_abi_version());
  for (int status : {INT_MIN, -11, 1, 100, INT_MAX}) {
    ASSERT_NE(nullptr, sock_strerror(status));
    EXPECT_STREQ("SOCK_ERR_UNKNOWN", sock_strerror(status)) << status;
  }
  // Before any failure on a fresh thread, and after one.
  std::thread fresh([] {
    EXPECT_EQ(0, sock_last_errno());
    ASSERT_NE(nullptr, sock_last_error_message());
  });
  fresh.join();
  EXPECT_PS_ERR(sock_listen(kNeverIssued[0], 1), SOCK_ERR_OS, EBADF);
  EXPECT_EQ(EBADF, sock_last_errno());
  EXPECT_STREQ("[Errno 9] Bad file descriptor", sock_last_error_message());
}

// ---- Every socket function with closed and never-issued handles ---------------------

TEST(BadInputAll, EverySocketFunctionRefusesClosedAndNeverIssuedHandles) {
  std::vector<sock_handle> bad(std::begin(kNeverIssued), std::end(kNeverIssued));
  const sock_handle closed = closed_handle();
  bad.push_back(closed);
  Sock file_holder = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  const int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(file, 0);
  for (sock_handle h : bad) {
    SCOPED_TRACE(h);
    const bool is_closed = h == closed;
    char buf[8] = {};
    size_t n = 0;
    int fd = 0;
    int64_t sent64 = 0;
    sock_handle out = 0;
    sock_address addr{};
    double t = 0;
    int v = 0;
    // close, detach and fileno accept a closed handle (as Python's close(),
    // detach() and fileno() after close()), but not a never-issued one.
    if (is_closed) {
      EXPECT_PS_OK(sock_close(h));
      EXPECT_PS_OK(sock_detach(h, &fd));
      EXPECT_EQ(-1, fd);
      EXPECT_PS_OK(sock_fileno(h, &fd));
      EXPECT_EQ(-1, fd);
    } else {
      EXPECT_PS_ERR(sock_close(h), SOCK_ERR_OS, EBADF);
      EXPECT_PS_ERR(sock_detach(h, &fd), SOCK_ERR_OS, EBADF);
      EXPECT_PS_ERR(sock_fileno(h, &fd), SOCK_ERR_OS, EBADF);
    }
    EXPECT_PS_ERR(sock_dup(h, &out), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_bind(h, "127.0.0.1", 0), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_listen(h, -1), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_accept(h, &out, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_accept_try(h, &out, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_connect(h, "127.0.0.1", 9), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_connect_ex(h, "127.0.0.1", 9), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recv(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recvfrom(h, buf, sizeof buf, 0, &n, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_send(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_sendall(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_EQ(0u, n);
    EXPECT_PS_ERR(sock_sendto(h, buf, 1, 0, "127.0.0.1", 9, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recv_try(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recvfrom_try(h, buf, sizeof buf, 0, &n, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_send_try(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_sendto_try(h, buf, 1, 0, "127.0.0.1", 9, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_sendfile(h, file, 0, 0, &sent64), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_shutdown(h, NET_SHUT_RDWR), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_settimeout(h, 1.0), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_gettimeout(h, &t), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_setblocking(h, 1), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getblocking(h, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_setsockopt(h, NET_SOL_SOCKET, NET_SO_REUSEADDR, 1), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_setsockopt_bytes(h, NET_SOL_SOCKET, NET_SO_REUSEADDR, &v, sizeof v),
                  SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getsockopt(h, NET_SOL_SOCKET, NET_SO_TYPE, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getsockopt_bytes(h, NET_SOL_SOCKET, NET_SO_TYPE, buf, 4, &n), SOCK_ERR_OS,
                  EBADF);
    EXPECT_PS_ERR(sock_getsockname(h, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getpeername(h, &addr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_info(h, &v, &v, &v), SOCK_ERR_OS, EBADF);
    EXPECT_EQ(0u, out) << "nothing is written on failure";
  }
  close(file);
}

// ---- Socket functions: NULL pointers, zero and huge lengths -------------------------

TEST(BadInputAll, SocketFunctionsTakeNullWhereAllowedAndRefuseItElsewhere) {
  Pair p = tcp_pair();
  // Optional outputs may be NULL.
  EXPECT_PS_OK(sock_info(p.client, nullptr, nullptr, nullptr));
  int family = 0;
  EXPECT_PS_OK(sock_info(p.client, &family, nullptr, nullptr));
  EXPECT_EQ(NET_AF_INET, family);
  EXPECT_PS_OK(sock_sendall(p.client, "ab", 2, 0, nullptr));
  size_t n = 0;
  char buf[8];
  EXPECT_PS_OK(sock_recvfrom(p.server, buf, sizeof buf, 0, &n, nullptr));
  EXPECT_EQ("ab", std::string(buf, n));
  // A NULL buffer with a length, and NULL outputs, that the first suite leaves out.
  EXPECT_PS_ERR(sock_recvfrom(p.server, nullptr, 4, 0, &n, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendfile(p.client, -1, 0, 0, nullptr), SOCK_ERR_OS, EBADF)
      << "out_sent may be NULL; the bad file is what fails";
  EXPECT_PS_ERR(sock_bind(p.client, nullptr, 0), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_accept_try(p.client, nullptr, nullptr), SOCK_ERR_VALUE, 0)
      << "out_conn is required, out_addr is not";
  // The _try calls check what their plain twins check.
  EXPECT_PS_ERR(sock_recv_try(p.server, buf, sizeof buf, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv_try(p.server, nullptr, 4, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvfrom_try(p.server, nullptr, 4, 0, &n, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvfrom_try(p.server, buf, SIZE_MAX, 0, &n, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_try(p.client, nullptr, 1, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_try(p.client, buf, SIZE_MAX, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto_try(p.client, "x", 1, 0, nullptr, 9, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto_try(p.client, "x", 1, 0, "127.0.0.1", 9, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_connect_ex(p.client, nullptr, 1), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto(p.client, "x", 1, 0, nullptr, 9, &n), SOCK_ERR_VALUE, 0);
  // Zero lengths: valid everywhere a buffer is taken.
  // recvfrom(0) is a real system call (as in CPython, only recv(0) is not): on a
  // stream with data waiting it returns 0 bytes and leaves the data there.
  ASSERT_PS_OK(sock_sendall(p.client, "cd", 2, 0, nullptr));
  for (int i = 0; i < 100; ++i) {
    if (sock_recv(p.server, buf, 1, NET_MSG_PEEK | NET_MSG_DONTWAIT, &n) == SOCK_OK) break;
    usleep(1000);
  }
  n = 99;
  EXPECT_PS_OK(sock_recvfrom(p.server, nullptr, 0, 0, &n, nullptr));
  EXPECT_EQ(0u, n);
  EXPECT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("cd", std::string(buf, n));
  EXPECT_PS_ERR(sock_setsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_REUSEADDR, nullptr, 0),
                SOCK_ERR_OS, EINVAL)
      << "NULL with length 0 passes the argument check; the kernel wants an int";
  EXPECT_PS_ERR(sock_getsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_TYPE, nullptr, 0, &n),
                SOCK_ERR_OS, 0);
  EXPECT_STREQ("getsockopt buflen out of range", sock_last_error_message());
  // Huge lengths.
  EXPECT_PS_ERR(sock_recvfrom(p.server, buf, SIZE_MAX, 0, &n, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_TYPE, buf, SIZE_MAX, &n),
                SOCK_ERR_OS, 0);
  EXPECT_PS_ERR(sock_getsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_TYPE, buf, 1025, &n),
                SOCK_ERR_OS, 0);
  int64_t sent = 99;
  EXPECT_PS_ERR(sock_sendfile(p.client, 0, 0, INT64_MIN, &sent), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(0, sent);
  EXPECT_PS_ERR(sock_sendfile(p.client, 0, INT64_MIN, 0, &sent), SOCK_ERR_VALUE, 0);
  // The connection is unharmed.
  EXPECT_PS_OK(sock_sendall(p.client, "ok", 2, 0, nullptr));
  EXPECT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("ok", std::string(buf, n));
}

TEST(BadInputAll, SendfileOfAHugeCountStopsAtTheEndOfTheFile) {
  Pair p = tcp_pair();
  char path[] = "/tmp/polysock-badinput-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  ASSERT_EQ(5, write(file, "hello", 5));
  int64_t sent = 0;
  EXPECT_PS_OK(sock_sendfile(p.client, file, 0, INT64_MAX, &sent));
  EXPECT_EQ(5, sent);
  EXPECT_PS_OK(sock_sendfile(p.client, file, INT64_MAX, 0, &sent)) << "offset past the end";
  EXPECT_EQ(0, sent);
  close(file);
  char buf[8];
  size_t n = 0;
  EXPECT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("hello", std::string(buf, n));
}

// ---- Socket functions: invalid enum values ------------------------------------------

TEST(BadInputAll, SocketFunctionsRefuseInvalidEnumValues) {
  sock_handle h = 0;
  for (int family : {INT_MIN, -2, 46 /* AF_MAX */, 12345, INT_MAX}) {
    EXPECT_PS_ERR(sock_create(family, NET_SOCK_STREAM, 0, &h), SOCK_ERR_OS, EAFNOSUPPORT) << family;
  }
  for (int type : {INT_MIN, 0, 11, 12345, INT_MAX}) {
    EXPECT_EQ(SOCK_ERR_OS, sock_create(NET_AF_INET, type, 0, &h)) << type;
    EXPECT_TRUE(sock_last_errno() == EINVAL || sock_last_errno() == ESOCKTNOSUPPORT) << type;
  }
  EXPECT_PS_ERR(sock_create(NET_AF_INET, NET_SOCK_STREAM, NET_IPPROTO_UDP, &h), SOCK_ERR_OS,
                EPROTONOSUPPORT);
  EXPECT_EQ(0u, h);

  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_DGRAM, 0, a.out(), b.out()));
  for (int how : {-1, 3, 99, INT_MIN, INT_MAX}) {
    EXPECT_PS_ERR(sock_shutdown(a, how), SOCK_ERR_OS, EINVAL) << how;
  }
  char buf[8] = {};
  size_t n = 0;
  // Every flag bit at once: MSG_OOB is refused on datagram AF_UNIX sockets, and
  // MSG_DONTWAIT among them keeps a blocking socket from waiting.
  EXPECT_PS_ERR(sock_send(a, "x", 1, -1, &n), SOCK_ERR_OS, EOPNOTSUPP);
  EXPECT_PS_ERR(sock_sendall(a, "x", 1, -1, nullptr), SOCK_ERR_OS, EOPNOTSUPP);
  EXPECT_PS_ERR(sock_recv(a, buf, sizeof buf, -1, &n), SOCK_ERR_OS, EOPNOTSUPP);
  EXPECT_PS_ERR(sock_recvfrom(a, buf, sizeof buf, -1, &n, nullptr), SOCK_ERR_OS, EOPNOTSUPP);
  EXPECT_PS_ERR(sock_sendto(a, "x", 1, -1, "/nonexistent", 0, &n), SOCK_ERR_OS, EOPNOTSUPP);
  // Unknown levels and options.
  int v = 0;
  EXPECT_PS_ERR(sock_setsockopt(a, NET_SOL_SOCKET, 12345, 1), SOCK_ERR_OS, ENOPROTOOPT);
  EXPECT_PS_ERR(sock_getsockopt(a, NET_SOL_SOCKET, 12345, &v), SOCK_ERR_OS, ENOPROTOOPT);
  EXPECT_EQ(SOCK_ERR_OS, sock_setsockopt(a, -1, NET_SO_REUSEADDR, 1));
  EXPECT_EQ(SOCK_ERR_OS, sock_getsockopt(a, INT_MAX, 1, &v));
  EXPECT_EQ(SOCK_ERR_OS, sock_getsockopt_bytes(a, INT_MIN, 1, buf, sizeof buf, &n));
  EXPECT_EQ(SOCK_ERR_OS, sock_setsockopt_bytes(a, 12345, 1, buf, sizeof buf));
  // An option value too short for the option.
  EXPECT_PS_ERR(sock_setsockopt_bytes(a, NET_SOL_SOCKET, NET_SO_RCVBUF, buf, 1), SOCK_ERR_OS,
                EINVAL);
  // Extreme but valid values: any non-zero flag is truthy, any backlog is clamped.
  EXPECT_PS_OK(sock_setblocking(a, INT_MIN));
  EXPECT_PS_OK(sock_getblocking(a, &v));
  EXPECT_EQ(1, v);
  Sock l = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_OK(sock_bind(l, "127.0.0.1", 0));
  EXPECT_PS_OK(sock_listen(l, INT_MAX));
  EXPECT_PS_OK(sock_listen(l, INT_MIN)) << "negative: Python's default";
  // Timeouts that are not numbers or are out of range.
  for (double bad : {kNaN, -kInf, kInf, -0.5, 1e300}) {
    EXPECT_PS_ERR(sock_settimeout(a, bad), SOCK_ERR_VALUE, 0) << bad;
  }
}

// ---- Messages: sendmsg, recvmsg, ancillary data ----------------------------------

TEST(BadInputAll, MessageFunctionsRefuseBadHandlesNullAndHugeSizes) {
  char buf[8] = {};
  sock_iovec iov[] = {{buf, sizeof buf}};
  alignas(8) unsigned char anc[64] = {};
  const int fd0 = 0;
  const sock_cmsg item{NET_SOL_SOCKET, NET_SCM_RIGHTS, &fd0, sizeof fd0};
  size_t n = 7;
  sock_msg_info info{};
  int fds[2] = {-1, -1};
  std::vector<sock_handle> bad(std::begin(kNeverIssued), std::end(kNeverIssued));
  bad.push_back(closed_handle());
  for (sock_handle h : bad) {
    SCOPED_TRACE(h);
    EXPECT_PS_ERR(sock_sendmsg(h, iov, 1, &item, 1, 0, nullptr, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recvmsg(h, iov, 1, anc, sizeof anc, 0, &info), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_send_fds(h, iov, 1, &fd0, 1, 0, nullptr, 0, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_recv_fds(h, buf, sizeof buf, fds, 2, 0, &n, &info), SOCK_ERR_OS, EBADF);
  }
  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_DGRAM, 0, a.out(), b.out()));
  // NULL outputs, and NULL arrays or data with non-zero counts.
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, nullptr, 0, 0, nullptr, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendmsg(a, nullptr, 1, nullptr, 0, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, nullptr, 1, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  const sock_iovec no_data[] = {{nullptr, 4}};
  EXPECT_PS_ERR(sock_sendmsg(a, no_data, 1, nullptr, 0, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  const sock_cmsg no_item_data{NET_SOL_SOCKET, NET_SCM_RIGHTS, nullptr, 4};
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, &no_item_data, 1, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, iov, 1, nullptr, 0, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, nullptr, 2, nullptr, 0, 0, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, iov, 1, nullptr, 16, 0, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, no_data, 1, nullptr, 0, 0, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_fds(a, iov, 1, nullptr, 1, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_fds(a, iov, 1, &fd0, 1, 0, nullptr, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv_fds(a, buf, sizeof buf, nullptr, 1, 0, &n, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv_fds(a, nullptr, 1, fds, 2, 0, &n, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv_fds(a, buf, sizeof buf, fds, 2, 0, nullptr, &info), SOCK_ERR_VALUE, 0);
  // Huge counts and lengths: never read past the arrays, never a crash.
  EXPECT_PS_ERR(sock_sendmsg(a, iov, SIZE_MAX, nullptr, 0, 0, nullptr, 0, &n), SOCK_ERR_OS,
                EMSGSIZE);
  EXPECT_PS_ERR(sock_recvmsg(a, iov, SIZE_MAX, nullptr, 0, 0, &info), SOCK_ERR_OS, EMSGSIZE);
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, &item, SIZE_MAX, 0, nullptr, 0, &n), SOCK_ERR_OS, 0);
  EXPECT_STREQ("too much ancillary data", sock_last_error_message());
  const sock_iovec huge[] = {{buf, SIZE_MAX}};
  EXPECT_PS_ERR(sock_sendmsg(a, huge, 1, nullptr, 0, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, huge, 1, nullptr, 0, 0, &info), SOCK_ERR_VALUE, 0);
  const sock_iovec two_halves[] = {{buf, SIZE_MAX / 2}, {buf, SIZE_MAX / 2}};
  EXPECT_PS_ERR(sock_sendmsg(a, two_halves, 2, nullptr, 0, 0, nullptr, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recvmsg(a, iov, 1, anc, SIZE_MAX, 0, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_fds(a, iov, 1, &fd0, SIZE_MAX, 0, nullptr, 0, &n), SOCK_ERR_OS, 0);
  EXPECT_STREQ("ancillary data item too large", sock_last_error_message());
  EXPECT_PS_ERR(sock_recv_fds(a, buf, SIZE_MAX, fds, 2, 0, &n, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_recv_fds(a, buf, sizeof buf, fds, SIZE_MAX, 0, &n, &info), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("CMSG_LEN() argument out of range", sock_last_error_message());
  // Bad addresses, and every flag bit: MSG_CMSG_COMPAT among them is EINVAL (as CPython).
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, nullptr, 0, 0, "/nonexistent/x", 1, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_send_fds(a, iov, 1, &fd0, 1, 0, "/nonexistent/x", 0, &n), SOCK_ERR_OS, ENOENT);
  EXPECT_PS_ERR(sock_sendmsg(a, iov, 1, nullptr, 0, -1, nullptr, 0, &n), SOCK_ERR_OS, EINVAL);
  EXPECT_PS_ERR(sock_recvmsg(a, iov, 1, nullptr, 0, -1, &info), SOCK_ERR_OS, EINVAL);
  // The walk over received items and the size functions.
  size_t cursor = 0;
  sock_cmsg c{};
  int found = 0;
  EXPECT_PS_ERR(sock_cmsg_next(nullptr, 16, &cursor, &c, &found), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_cmsg_next(anc, sizeof anc, nullptr, &c, &found), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_cmsg_next(anc, sizeof anc, &cursor, nullptr, &found), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_cmsg_next(anc, sizeof anc, &cursor, &c, nullptr), SOCK_ERR_VALUE, 0);
  cursor = SIZE_MAX;
  EXPECT_PS_ERR(sock_cmsg_next(anc, sizeof anc, &cursor, &c, &found), SOCK_ERR_VALUE, 0);
  cursor = 0;
  EXPECT_PS_OK(sock_cmsg_next(nullptr, 0, &cursor, &c, &found));
  EXPECT_EQ(0, found);
  EXPECT_PS_OK(sock_cmsg_next(anc, sizeof anc, &cursor, &c, &found)) << "zeros: a bad header";
  EXPECT_EQ(0, found);
  EXPECT_PS_ERR(net_cmsg_len(0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_cmsg_space(0, nullptr), SOCK_ERR_VALUE, 0);
  size_t v = 0;
  EXPECT_PS_ERR(net_cmsg_len(SIZE_MAX, &v), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_cmsg_space(SIZE_MAX, &v), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(0u, v) << "nothing is written on failure";
}

// ---- Module socket functions --------------------------------------------------------

TEST(BadInputAll, ModuleSocketFunctionsRefuseBadArguments) {
  sock_handle x = 0, y = 0;
  EXPECT_PS_ERR(net_socketpair(NET_AF_INET, NET_SOCK_STREAM, 0, &x, &y), SOCK_ERR_OS, EOPNOTSUPP);
  EXPECT_PS_ERR(net_socketpair(NET_AF_UNIX, INT_MAX, 0, &x, &y), SOCK_ERR_OS, EINVAL);
  EXPECT_PS_ERR(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 12345, &x, &y), SOCK_ERR_OS,
                EPROTONOSUPPORT);
  EXPECT_EQ(0u, x);
  EXPECT_EQ(0u, y);

  // fromfd: negative, never opened, and not a socket.
  EXPECT_PS_ERR(net_fromfd(-1, -1, -1, -1, &x), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_fromfd(INT_MIN, NET_AF_INET, NET_SOCK_STREAM, 0, &x), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_fromfd(INT_MAX, -1, -1, -1, &x), SOCK_ERR_OS, EBADF);
  int pipe_fds[2];
  ASSERT_EQ(0, pipe2(pipe_fds, O_CLOEXEC));
  EXPECT_PS_ERR(net_fromfd(pipe_fds[0], -1, -1, -1, &x), SOCK_ERR_OS, ENOTSOCK);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_EQ(0u, x);

  // create_connection: NULL host is Python's None (the loopback addresses); bad
  // timeouts; a source address of the wrong kind.
  int port = 0;
  { Sock gone = tcp_listener(NET_AF_INET, "127.0.0.1", &port); }  // now refused
  EXPECT_EQ(SOCK_ERR_OS, net_create_connection(nullptr, port, 1.0, nullptr, 0, &x));
  EXPECT_EQ(ECONNREFUSED, sock_last_errno()) << last_message();
  for (double bad : {kNaN, -0.5, kInf}) {
    EXPECT_PS_ERR(net_create_connection("127.0.0.1", port, bad, nullptr, 0, &x), SOCK_ERR_VALUE, 0)
        << bad;
  }
  EXPECT_PS_ERR(net_create_connection("127.0.0.1", port, 1.0, "127.0.0.1", -1, &x), SOCK_ERR_VALUE,
                0);
  EXPECT_EQ(0u, x);

  // create_connection_ex: the same checks, bad delays, NULL out; *out_errors stays
  // NULL for every failure that is not an attempt's. The list's accessors refuse
  // NULL and an index past the end; net_connect_errors_free takes NULL.
  net_connect_errors *errs = nullptr;
  EXPECT_PS_ERR(
      net_create_connection_ex("127.0.0.1", port, 1.0, nullptr, 0, 0.1, -1, &errs, nullptr),
      SOCK_ERR_VALUE, 0);
  for (double bad : {kNaN, -0.5, kInf, double{SOCK_TIMEOUT_DEFAULT}}) {
    EXPECT_PS_ERR(net_create_connection_ex("127.0.0.1", port, 1.0, nullptr, 0, bad, -1, &errs, &x),
                  SOCK_ERR_VALUE, 0)
        << "delay " << bad;
    EXPECT_EQ(nullptr, errs);
  }
  for (double bad : {kNaN, -0.5, kInf}) {
    EXPECT_PS_ERR(net_create_connection_ex("127.0.0.1", port, bad, nullptr, 0, 0.1, -1, &errs, &x),
                  SOCK_ERR_VALUE, 0)
        << "timeout " << bad;
    EXPECT_EQ(nullptr, errs);
  }
  EXPECT_PS_ERR(net_create_connection_ex("127.0.0.1", -1, 1.0, nullptr, 0, 0.1, -1, &errs, &x),
                SOCK_ERR_GAI, NET_EAI_SERVICE);
  EXPECT_EQ(nullptr, errs) << "a resolver failure is no attempt's";
  EXPECT_PS_ERR(
      net_create_connection_ex("127.0.0.1", port, 1.0, nullptr, 0, 0.1, INT_MIN, nullptr, &x),
      SOCK_ERR_OS, ECONNREFUSED);
  EXPECT_PS_ERR(
      net_create_connection_ex("127.0.0.1", port, 1.0, nullptr, 0, 0.1, INT_MAX, &errs, &x),
      SOCK_ERR_OS, ECONNREFUSED);
  EXPECT_EQ(0u, x);
  ASSERT_NE(nullptr, errs);
  size_t count = 0;
  net_connect_error one{};
  EXPECT_PS_ERR(net_connect_errors_count(nullptr, &count), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_connect_errors_count(errs, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(net_connect_errors_count(errs, &count));
  EXPECT_EQ(1u, count);
  EXPECT_PS_ERR(net_connect_errors_get(nullptr, 0, &one), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_connect_errors_get(errs, 0, nullptr), SOCK_ERR_VALUE, 0);
  for (size_t bad : {size_t{1}, SIZE_MAX}) {
    EXPECT_PS_ERR(net_connect_errors_get(errs, bad, &one), SOCK_ERR_VALUE, 0) << bad;
  }
  net_connect_errors_free(errs);
  net_connect_errors_free(nullptr);

  // create_server: families that cannot listen on an address, and dualstack on IPv4.
  EXPECT_EQ(SOCK_ERR_OS, net_create_server("127.0.0.1", 0, 12345, -1, 0, 0, &x));
  EXPECT_EQ(EAFNOSUPPORT, sock_last_errno()) << last_message();
  EXPECT_EQ(SOCK_ERR_VALUE, net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 1, &x));
  EXPECT_EQ(0u, x);

  // The module default timeout: same rules as settimeout, and unchanged by a refusal.
  for (double bad : {kNaN, -kInf, kInf, -0.5, SOCK_TIMEOUT_DEFAULT}) {
    EXPECT_PS_ERR(net_setdefaulttimeout(bad), SOCK_ERR_VALUE, 0) << bad;
  }
  double t = 0;
  EXPECT_PS_OK(net_getdefaulttimeout(&t));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, t);
  int dual = -1;
  EXPECT_PS_OK(net_has_dualstack_ipv6(&dual));
  EXPECT_TRUE(dual == 0 || dual == 1);
}

TEST(BadInputAll, ConstantLookupsRefuseUnknownNamesAndIndexes) {
  long long v = 0;
  for (const char *bad :
       {"", "NET_", "AF_NOPE", "af_inet", " AF_INET", "AF_INET ", "NET_NET_AF_INET"}) {
    EXPECT_PS_ERR(net_constant(bad, &v), SOCK_ERR_VALUE, 0) << '"' << bad << '"';
  }
  const std::string huge(100000, 'A');
  EXPECT_PS_ERR(net_constant(huge.c_str(), &v), SOCK_ERR_VALUE, 0);
  size_t count = 0;
  EXPECT_PS_ERR(net_constant_count(nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_constant_count(&count));
  ASSERT_GT(count, 0u);
  const char *name = nullptr;
  for (size_t bad : {count, count + 1, SIZE_MAX}) {
    EXPECT_PS_ERR(net_constant_at(bad, &name, &v), SOCK_ERR_VALUE, 0) << bad;
  }
  EXPECT_PS_ERR(net_constant_at(0, nullptr, &v), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_constant_at(0, &name, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(nullptr, name);
  EXPECT_PS_OK(net_constant_at(count - 1, &name, &v));
  EXPECT_NE(nullptr, name);
}

// ---- The poller -------------------------------------------------------------------------

TEST(BadInputAll, PollerFunctionsRefuseBadHandlesMasksAndSizes) {
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  Pair pair = tcp_pair();
  sock_event events[4];
  size_t n = 99;
  // A huge max_events is not an allocation of that size: at most a batch comes back.
  EXPECT_PS_OK(sock_poller_wait(p, 0, events, SIZE_MAX, &n));
  EXPECT_EQ(0u, n);
  // Timeouts: NaN is refused; infinities and huge values are "no limit" or
  // refused, never a wait that overflows (the socket is ready, so none waits).
  ASSERT_PS_OK(sock_poller_register(p, pair.client, SOCK_EVENT_WRITE, UINT64_MAX));
  EXPECT_PS_ERR(sock_poller_wait(p, kNaN, events, 4, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(sock_poller_wait(p, -kInf, events, 4, &n));
  ASSERT_EQ(1u, n);
  EXPECT_EQ(UINT64_MAX, events[0].user_data) << "user_data comes back whole";
  EXPECT_EQ(SOCK_ERR_VALUE, sock_poller_wait(p, kInf, events, 4, &n));
  EXPECT_EQ(SOCK_ERR_VALUE, sock_poller_wait(p, 1e300, events, 4, &n));
  // Masks with bits beyond the four events, on modify too.
  for (uint32_t bad : {0u, 0x10u, SOCK_EVENT_READ | 0x100u, UINT32_MAX}) {
    EXPECT_PS_ERR(sock_poller_modify(p, pair.client, bad, 1), SOCK_ERR_VALUE, 0) << bad;
  }
  // A closed poller handle, on every poller function.
  sock_poller closed = 0;
  ASSERT_PS_OK(sock_poller_create(&closed));
  ASSERT_PS_OK(sock_poller_close(closed));
  EXPECT_PS_ERR(sock_poller_register(closed, pair.server, SOCK_EVENT_READ, 0), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_modify(closed, pair.server, SOCK_EVENT_READ, 0), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_unregister(closed, pair.server), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_wait(closed, 0, events, 4, &n), SOCK_ERR_OS, EBADF);
  EXPECT_PS_OK(sock_poller_close(closed)) << "closing twice is SOCK_OK";
  // A closed socket handle on a live poller.
  const sock_handle gone = closed_handle();
  EXPECT_PS_ERR(sock_poller_register(p, gone, SOCK_EVENT_READ, 0), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_unregister(p, gone), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_create(nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(sock_poller_close(p));
}

// ---- Names, services, protocols ---------------------------------------------------------

TEST(BadInputAll, HostNameFunctionsRefuseNullAndReportSizes) {
  size_t len = 0;
  EXPECT_PS_ERR(net_gethostname(nullptr, 16, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostname(nullptr, 0, &len), SOCK_ERR_RANGE, 0) << "asks for the size";
  EXPECT_GT(len, 1u);
  EXPECT_PS_ERR(net_gethostname(nullptr, SIZE_MAX, nullptr), SOCK_ERR_VALUE, 0);
  char one[1] = {'x'};
  EXPECT_PS_ERR(net_gethostname(one, 1, nullptr), SOCK_ERR_RANGE, 0) << "length may be NULL";

  char buf[64];
  EXPECT_PS_ERR(net_gethostbyname(nullptr, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostbyname("127.0.0.1", nullptr, 8, &len), SOCK_ERR_VALUE, 0);
  len = 0;
  EXPECT_PS_ERR(net_gethostbyname("127.0.0.1", buf, 0, &len), SOCK_ERR_RANGE, 0)
      << "a real buffer with length 0: nothing fits, not even the NUL";
  EXPECT_EQ(10u, len);
  EXPECT_PS_ERR(net_gethostbyname("127.0.0.1", nullptr, 0, &len), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(10u, len);
  EXPECT_PS_ERR(net_getfqdn(nullptr, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getfqdn("127.0.0.1", nullptr, 8, &len), SOCK_ERR_VALUE, 0);

  net_hostent *he = nullptr;
  EXPECT_PS_ERR(net_gethostbyname_ex(nullptr, &he), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostbyname_ex("127.0.0.1", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostbyaddr(nullptr, &he), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostbyaddr("127.0.0.1", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(nullptr, he);

  // The host-entry accessors with a NULL entry, and out-of-range indexes.
  size_t count = 0;
  EXPECT_PS_ERR(net_hostent_name(nullptr, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_alias_count(nullptr, &count), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_alias(nullptr, 0, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address_count(nullptr, &count), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address(nullptr, 0, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  net_hostent_free(nullptr);                             // allowed
  ASSERT_PS_OK(net_gethostbyname_ex("127.0.0.1", &he));  // numeric: no lookup
  EXPECT_PS_ERR(net_hostent_alias_count(he, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address_count(he, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_hostent_alias_count(he, &count));
  EXPECT_PS_ERR(net_hostent_alias(he, count, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_alias(he, SIZE_MAX, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_hostent_address_count(he, &count));
  ASSERT_EQ(1u, count);
  EXPECT_PS_ERR(net_hostent_address(he, 1, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address(he, SIZE_MAX, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address(he, 0, nullptr, 4, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address(he, 0, buf, 9, &len), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(10u, len) << "the size needed, NUL included";
  EXPECT_PS_ERR(net_hostent_name(he, nullptr, 0, &len), SOCK_ERR_RANGE, 0);
  EXPECT_PS_OK(net_hostent_address(he, 0, buf, sizeof buf, nullptr));
  EXPECT_STREQ("127.0.0.1", buf);
  net_hostent_free(he);
}

TEST(BadInputAll, AddressInfoFunctionsRefuseBadEnumsAndNull) {
  net_addrinfo_list *list = nullptr;
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "80", 0, 0, 0, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getaddrinfo(nullptr, nullptr, 0, 0, 0, 0, &list), SOCK_ERR_GAI, NET_EAI_NONAME);
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "80", 12345, 0, 0, 0, &list), SOCK_ERR_GAI,
                NET_EAI_FAMILY);
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "80", 0, 12345, 0, 0, &list), SOCK_ERR_GAI,
                NET_EAI_SOCKTYPE);
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "80", 0, 0, 0, -1, &list), SOCK_ERR_GAI,
                NET_EAI_BADFLAGS);
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "no-such-service-xyz", 0, NET_SOCK_STREAM, 0,
                                NET_AI_NUMERICHOST, &list),
                SOCK_ERR_GAI, NET_EAI_SERVICE);
  EXPECT_EQ(nullptr, list);

  size_t count = 0;
  net_addrinfo info{};
  EXPECT_PS_ERR(net_addrinfo_count(nullptr, &count), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_get(nullptr, 0, &info), SOCK_ERR_VALUE, 0);
  net_addrinfo_free(nullptr);  // allowed
  ASSERT_PS_OK(net_getaddrinfo("127.0.0.1", "80", NET_AF_INET, NET_SOCK_STREAM, 0,
                               NET_AI_NUMERICHOST, &list));
  EXPECT_PS_ERR(net_addrinfo_count(list, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_get(list, 0, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_addrinfo_count(list, &count));
  ASSERT_EQ(1u, count);
  EXPECT_PS_ERR(net_addrinfo_get(list, 1, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_get(list, SIZE_MAX, &info), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(net_addrinfo_get(list, 0, &info));
  EXPECT_EQ(80, info.addr.port);
  net_addrinfo_free(list);
}

TEST(BadInputAll, NameInfoFunctionsRefuseBadAddressesFlagsAndBuffers) {
  char host[NET_NI_MAXHOST], serv[NET_NI_MAXSERV];
  const int numeric = NET_NI_NUMERICHOST | NET_NI_NUMERICSERV;
  EXPECT_PS_ERR(net_getnameinfo(nullptr, 80, numeric, host, sizeof host, serv, sizeof serv),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, numeric, nullptr, 0, serv, sizeof serv),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, numeric, host, sizeof host, nullptr, 0),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, numeric, host, 0, serv, sizeof serv),
                SOCK_ERR_RANGE, 0);
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, numeric, host, sizeof host, serv, 2),
                SOCK_ERR_RANGE, 0);
  EXPECT_EQ(SOCK_ERR_GAI,
            net_getnameinfo("127.0.0.1", 80, -1, host, sizeof host, serv, sizeof serv))
      << "every flag bit: EAI_BADFLAGS";
  EXPECT_EQ(NET_EAI_BADFLAGS, sock_last_errno()) << last_message();
  // Ports are not range-checked, as in CPython: the C library wraps large ones
  // modulo 65536 and refuses negative ones as a service it does not know.
  for (int port : {-1, INT_MIN}) {
    EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", port, numeric, host, sizeof host, serv, sizeof serv),
                  SOCK_ERR_GAI, NET_EAI_SERVICE)
        << port;
  }
  EXPECT_PS_OK(net_getnameinfo("127.0.0.1", 65536, numeric, host, sizeof host, serv, sizeof serv));
  EXPECT_STREQ("0", serv);
  EXPECT_EQ(SOCK_ERR_GAI,
            net_getnameinfo("not an address", 80, numeric, host, sizeof host, serv, sizeof serv));

  sock_address a{};
  EXPECT_PS_ERR(net_getnameinfo_address(nullptr, numeric, host, sizeof host, serv, sizeof serv),
                SOCK_ERR_VALUE, 0);
  for (int family : {0, NET_AF_UNIX, -1, INT_MAX}) {
    a.family = family;
    std::strcpy(a.host, "127.0.0.1");
    EXPECT_PS_ERR(net_getnameinfo_address(&a, numeric, host, sizeof host, serv, sizeof serv),
                  SOCK_ERR_VALUE, 0)
        << family;
  }
  a.family = NET_AF_INET6;
  std::memset(a.host, 'x', sizeof a.host);  // no NUL anywhere
  EXPECT_PS_ERR(net_getnameinfo_address(&a, numeric, host, sizeof host, serv, sizeof serv),
                SOCK_ERR_VALUE, 0);
  std::strcpy(a.host, "::1");
  a.flowinfo = UINT32_MAX;
  EXPECT_PS_ERR(net_getnameinfo_address(&a, numeric, host, sizeof host, serv, sizeof serv),
                SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("getnameinfo(): flowinfo must be 0-1048575.", sock_last_error_message());
}

TEST(BadInputAll, ServiceAndProtocolFunctionsRefuseBadArguments) {
  int port = 0;
  EXPECT_PS_ERR(net_getservbyname(nullptr, "tcp", &port), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getservbyname("http", "tcp", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getservbyname("", nullptr, &port), SOCK_ERR_OS, 0);
  EXPECT_STREQ("service/proto not found", sock_last_error_message());
  EXPECT_PS_ERR(net_getservbyname("http", "no-such-proto", &port), SOCK_ERR_OS, 0);
  char buf[32];
  size_t len = 0;
  for (int bad : {-1, 65536, INT_MIN, INT_MAX}) {
    EXPECT_PS_ERR(net_getservbyport(bad, nullptr, buf, sizeof buf, &len), SOCK_ERR_VALUE, 0) << bad;
  }
  EXPECT_STREQ("getservbyport: port must be 0-65535.", sock_last_error_message());
  EXPECT_PS_ERR(net_getservbyport(80, "tcp", nullptr, 8, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getservbyport(80, "tcp", nullptr, 0, &len), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(5u, len) << "\"http\" and its NUL";
  int proto = 0;
  EXPECT_PS_ERR(net_getprotobyname(nullptr, &proto), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getprotobyname("tcp", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getprotobyname("", &proto), SOCK_ERR_OS, 0);
  EXPECT_STREQ("protocol not found", sock_last_error_message());
}

// ---- Byte order and address text --------------------------------------------------------

TEST(BadInputAll, ByteOrderFunctionsRefuseNullAndOutOfRangeValues) {
  long long out = 7;
  EXPECT_PS_ERR(net_htons(1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_ntohs(1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_htonl(1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_ntohl(1, nullptr), SOCK_ERR_VALUE, 0);
  for (long long bad : {-1LL, 65536LL, LLONG_MIN, LLONG_MAX}) {
    EXPECT_PS_ERR(net_htons(bad, &out), SOCK_ERR_VALUE, 0) << bad;
    EXPECT_PS_ERR(net_ntohs(bad, &out), SOCK_ERR_VALUE, 0) << bad;
  }
  for (long long bad : {-1LL, 1LL << 32, LLONG_MIN, LLONG_MAX}) {
    EXPECT_PS_ERR(net_htonl(bad, &out), SOCK_ERR_VALUE, 0) << bad;
    EXPECT_PS_ERR(net_ntohl(bad, &out), SOCK_ERR_VALUE, 0) << bad;
  }
  EXPECT_EQ(7, out) << "nothing is written on failure";
}

TEST(BadInputAll, AddressTextFunctionsRefuseNullWrongFamiliesAndLengths) {
  unsigned char packed[16] = {127, 0, 0, 1};
  char text[NET_INET6_ADDRSTRLEN];
  size_t len = 0;
  // inet_aton
  EXPECT_PS_ERR(net_inet_aton(nullptr, packed), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_aton("1.2.3.4", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_aton("", packed), SOCK_ERR_OS, 0);
  EXPECT_STREQ("illegal IP address string passed to inet_aton", sock_last_error_message());
  // inet_ntoa: the length must be 4 (SOCK_ERR_OS without errno, as Python).
  for (size_t bad : {size_t{0}, size_t{3}, size_t{5}, SIZE_MAX}) {
    EXPECT_PS_ERR(net_inet_ntoa(packed, bad, text, sizeof text), SOCK_ERR_OS, 0) << bad;
  }
  EXPECT_PS_ERR(net_inet_ntoa(nullptr, 4, text, sizeof text), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_ntoa(nullptr, 0, text, sizeof text), SOCK_ERR_OS, 0);
  EXPECT_PS_ERR(net_inet_ntoa(packed, 4, nullptr, 16), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_ntoa(packed, 4, text, 9), SOCK_ERR_RANGE, 0);
  EXPECT_PS_ERR(net_inet_ntoa(packed, 4, text, 0), SOCK_ERR_RANGE, 0);
  // inet_pton
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, nullptr, packed, 4, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, "1.2.3.4", nullptr, 4, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, "1.2.3.4", nullptr, 0, &len), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(4u, len);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET6, "::1", packed, 15, nullptr), SOCK_ERR_RANGE, 0);
  for (int af : {0, NET_AF_UNIX, -1, INT_MAX}) {
    EXPECT_PS_ERR(net_inet_pton(af, "1.2.3.4", packed, sizeof packed, &len), SOCK_ERR_OS,
                  EAFNOSUPPORT)
        << af;
  }
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, "", packed, sizeof packed, &len), SOCK_ERR_OS, 0);
  EXPECT_PS_OK(net_inet_pton(NET_AF_INET, "1.2.3.4", packed, SIZE_MAX, &len))
      << "a generous length is fine: only 4 bytes are written";
  EXPECT_EQ(4u, len);
  // inet_ntop: a wrong length or family is SOCK_ERR_VALUE (Python's ValueError).
  for (size_t bad : {size_t{0}, size_t{5}, size_t{15}, size_t{17}, SIZE_MAX}) {
    EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET6, packed, bad, text, sizeof text), SOCK_ERR_VALUE, 0)
        << bad;
  }
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET, nullptr, 4, text, sizeof text), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET, nullptr, 0, text, sizeof text), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET, packed, 4, nullptr, 16), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET, packed, 4, text, 0), SOCK_ERR_RANGE, 0);
  for (int af : {0, NET_AF_UNIX, -1, INT_MAX}) {
    EXPECT_PS_ERR(net_inet_ntop(af, packed, 4, text, sizeof text), SOCK_ERR_VALUE, 0) << af;
    EXPECT_EQ("unknown address family " + std::to_string(af), last_message());
  }
}

// ---- Network interfaces -------------------------------------------------------------------

TEST(BadInputAll, InterfaceFunctionsRefuseNullUnknownNamesAndBadIndexes) {
  EXPECT_PS_ERR(net_if_nameindex(nullptr), SOCK_ERR_VALUE, 0);
  size_t count = 0;
  net_if_entry entry{};
  EXPECT_PS_ERR(net_if_nameindex_count(nullptr, &count), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_if_nameindex_get(nullptr, 0, &entry), SOCK_ERR_VALUE, 0);
  net_if_nameindex_free(nullptr);  // allowed
  net_if_list *list = nullptr;
  ASSERT_PS_OK(net_if_nameindex(&list));
  EXPECT_PS_ERR(net_if_nameindex_count(list, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_if_nameindex_get(list, 0, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_if_nameindex_count(list, &count));
  EXPECT_PS_ERR(net_if_nameindex_get(list, count, &entry), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_if_nameindex_get(list, SIZE_MAX, &entry), SOCK_ERR_VALUE, 0);
  net_if_nameindex_free(list);

  unsigned int index = 0;
  EXPECT_PS_ERR(net_if_nametoindex(nullptr, &index), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_if_nametoindex("lo", nullptr), SOCK_ERR_VALUE, 0);
  const std::string long_name(1000, 'i');
  for (const char *bad : {"", "no-such-if0", long_name.c_str()}) {
    EXPECT_PS_ERR(net_if_nametoindex(bad, &index), SOCK_ERR_OS, 0) << bad;
    EXPECT_STREQ("no interface with this name", sock_last_error_message());
  }
  char name[64];
  size_t len = 0;
  for (long long bad : {-1LL, LLONG_MIN}) {
    EXPECT_PS_ERR(net_if_indextoname(bad, name, sizeof name, &len), SOCK_ERR_VALUE, 0) << bad;
  }
  EXPECT_PS_ERR(net_if_indextoname(0, name, sizeof name, &len), SOCK_ERR_OS, ENXIO);
  EXPECT_PS_ERR(net_if_indextoname(1LL << 32, name, sizeof name, &len), SOCK_ERR_OS, ENXIO)
      << "taken modulo 2**32: index 0";
  EXPECT_EQ(SOCK_ERR_OS, net_if_indextoname(LLONG_MAX, name, sizeof name, &len));
  ASSERT_PS_OK(net_if_nametoindex("lo", &index));
  EXPECT_PS_ERR(net_if_indextoname(index, nullptr, 8, &len), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_if_indextoname(index, nullptr, 0, &len), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(3u, len);
}

// ---- Issue 16: bytes AF_UNIX paths, fileno adoption, net_close, hook, poller fd ----

TEST(BadInputAll, Issue16DescriptorPathHookAndPollerFunctionsRefuseBadArguments) {
  std::vector<sock_handle> bad(std::begin(kNeverIssued), std::end(kNeverIssued));
  bad.push_back(closed_handle());
  char buf[8];
  size_t n = 0;
  for (sock_handle h : bad) {
    SCOPED_TRACE(h);
    EXPECT_PS_ERR(sock_bind_unix(h, "\0a", 2), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_connect_unix(h, "\0a", 2), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getsockname_unix(h, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_getpeername_unix(h, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
  }
  Sock u = make_socket(NET_AF_UNIX, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_bind_unix(u, nullptr, 1), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_bind_unix(u, "\0abc", SIZE_MAX), SOCK_ERR_OS, 0) << "too long, not read";
  EXPECT_PS_ERR(sock_connect_unix(u, nullptr, SIZE_MAX), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_getsockname_unix(u, nullptr, 8, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(sock_getsockname_unix(u, nullptr, 0, nullptr)) << "unbound: 0 bytes fit";
  EXPECT_PS_ERR(sock_getpeername_unix(u, buf, sizeof buf, &n), SOCK_ERR_OS, ENOTCONN);

  sock_handle out = 0;
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, INT_MIN, &out), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, INT_MAX, &out), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_create_fileno(-1, -1, -1, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(0u, out);
  EXPECT_PS_ERR(net_close(INT_MAX), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(net_close(INT_MIN), SOCK_ERR_OS, EBADF);

  EXPECT_PS_OK(net_set_interrupt_hook(nullptr, &n)) << "a NULL hook with a context: no hook";
  EXPECT_EQ(0, net_interrupt_flag_hook(nullptr));

  int fd = 0;
  for (sock_poller p : {sock_poller{0}, sock_poller{UINT64_MAX}}) {
    EXPECT_PS_ERR(sock_poller_fileno(p, &fd), SOCK_ERR_OS, EBADF);
  }
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  EXPECT_PS_ERR(sock_poller_fileno(p, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_OK(sock_poller_close(p));
}

// ---- TLS -------------------------------------------------------------------------

TEST(BadInputAll, TlsFunctionsRefuseBadHandlesNullAndHugeSizes) {
  ASSERT_EQ(1, tls_available());
  EXPECT_PS_ERR(tls_openssl_version(nullptr, 8, nullptr), SOCK_ERR_VALUE, 0);
  char tiny[2];
  size_t n = 0;
  EXPECT_PS_ERR(tls_openssl_version(tiny, sizeof tiny, &n), SOCK_ERR_RANGE, 0);
  EXPECT_GT(n, sizeof tiny);
  EXPECT_PS_ERR(tls_last_error(nullptr), SOCK_ERR_VALUE, 0);
  tls_error_info info;
  ASSERT_PS_OK(tls_last_error(&info));
  EXPECT_EQ(0, info.kind) << "the last failure was not an SSL one";

  tls_context ctx = 0;
  EXPECT_PS_ERR(tls_context_create(15, &ctx), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_create(TLS_PROTOCOL_TLS_CLIENT, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_create_default(0, &ctx), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_create_default(TLS_PURPOSE_SERVER_AUTH, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(tls_context_create(TLS_PROTOCOL_TLS_SERVER, &ctx));
  int v = 0;
  EXPECT_PS_ERR(tls_context_load_cert_chain(ctx, nullptr, nullptr, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_load_verify_locations(ctx, nullptr, nullptr, nullptr, 0),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_load_verify_locations(ctx, nullptr, nullptr, nullptr, 5),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_load_verify_locations(ctx, nullptr, nullptr, "x", SIZE_MAX),
                SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_load_verify_locations(ctx, nullptr, nullptr, "garbage", 7),
                SOCK_ERR_SSL, TLS_ERROR_SSL);
  EXPECT_PS_ERR(tls_context_load_default_certs(ctx, 9), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_get_verify_mode(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_get_check_hostname(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_get_minimum_version(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_get_maximum_version(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_set_ciphers(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_set_alpn_protocols(ctx, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_set_alpn_protocols(ctx, std::string(256, 'a').c_str()), SOCK_ERR_SSL,
                TLS_ERROR_SSL);
  EXPECT_PS_ERR(tls_context_set_maximum_version(ctx, 12345), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_wrap_bio(ctx, 1, nullptr, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_wrap_socket(ctx, closed_handle(), 1, nullptr, 0, nullptr), SOCK_ERR_VALUE, 0);
  sock_handle out = 0;
  EXPECT_PS_ERR(tls_wrap_socket(ctx, closed_handle(), 1, nullptr, 0, &out), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(tls_wrap_socket(ctx, closed_handle(), 1, nullptr, 0x80, &out), SOCK_ERR_VALUE, 0);

  // A closed context on every context function; a second close is SOCK_OK.
  ASSERT_PS_OK(tls_context_close(ctx));
  EXPECT_PS_OK(tls_context_close(ctx));
  for (tls_context bad : {ctx, tls_context{0}, tls_context{~0ULL}}) {
    EXPECT_PS_ERR(tls_context_load_cert_chain(bad, "a", "b", nullptr), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_load_verify_locations(bad, "a", nullptr, nullptr, 0), SOCK_ERR_OS,
                  EBADF);
    EXPECT_PS_ERR(tls_context_load_default_certs(bad, TLS_PURPOSE_SERVER_AUTH), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_verify_mode(bad, 0), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_get_verify_mode(bad, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_check_hostname(bad, 0), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_get_check_hostname(bad, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_minimum_version(bad, TLS_VERSION_TLSv1_2), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_get_minimum_version(bad, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_maximum_version(bad, TLS_VERSION_TLSv1_3), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_get_maximum_version(bad, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_ciphers(bad, "DEFAULT"), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_context_set_alpn_protocols(bad, "h2"), SOCK_ERR_OS, EBADF);
    tls_object obj = 0;
    EXPECT_PS_ERR(tls_context_wrap_bio(bad, 1, nullptr, &obj), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_wrap_socket(bad, closed_handle(), 1, nullptr, 0, &out), SOCK_ERR_OS, EBADF);
  }

  // The socket functions: closed handles, and a plain socket that is not TLS.
  Pair pair = tcp_pair();
  tls_cipher_info ci;
  tls_cert *cert = nullptr;
  char buf[64];
  for (sock_handle h : {closed_handle(), sock_handle{0}}) {
    EXPECT_PS_ERR(sock_tls_do_handshake(h), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_unwrap(h), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_do_handshake_ex(h, NET_MSG_DONTWAIT), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_unwrap_ex(h, 0), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_is_wrapped(h, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_pending(h, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_version(h, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_cipher(h, &ci), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_selected_alpn_protocol(h, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_server_side(h, &v), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_tls_getpeercert(h, &cert), SOCK_ERR_OS, EBADF);
  }
  EXPECT_PS_ERR(sock_tls_is_wrapped(pair.client, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(sock_tls_is_wrapped(pair.client, &v));
  EXPECT_EQ(0, v);
  EXPECT_PS_ERR(sock_tls_do_handshake(pair.client), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_unwrap(pair.client), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_do_handshake_ex(pair.client, NET_MSG_PEEK), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_unwrap_ex(pair.client, -1), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_pending(pair.client, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_version(pair.client, buf, sizeof buf, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_tls_getpeercert(pair.client, &cert), SOCK_ERR_VALUE, 0);

  // Certificates: NULL everywhere.
  tls_cert_info ti;
  tls_cert_entry te;
  EXPECT_PS_ERR(tls_cert_get_info(nullptr, &ti), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_cert_entry_count(nullptr, TLS_CERT_SUBJECT, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_cert_get_entry(nullptr, TLS_CERT_SUBJECT, 0, &te), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_cert_der(nullptr, buf, sizeof buf, &n), SOCK_ERR_VALUE, 0);
  tls_cert_free(nullptr);

  // Memory objects: a closed one, NULL buffers and huge lengths on a live one.
  ASSERT_PS_OK(tls_context_create(TLS_PROTOCOL_TLS_SERVER, &ctx));
  tls_object obj = 0;
  ASSERT_PS_OK(tls_context_wrap_bio(ctx, 1, nullptr, &obj));
  EXPECT_PS_ERR(tls_object_feed(obj, nullptr, 1), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_feed(obj, buf, SIZE_MAX), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_drain(obj, nullptr, 1, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_drain(obj, buf, 1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_read(obj, nullptr, 1, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_write(obj, nullptr, 1, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_outgoing_pending(obj, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_pending(obj, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_cipher(obj, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_object_getpeercert(obj, &cert), SOCK_ERR_VALUE, 0);  // no handshake yet
  ASSERT_PS_OK(tls_object_version(obj, buf, sizeof buf, &n));
  EXPECT_EQ(0u, n) << "None before the handshake";
  ASSERT_PS_OK(tls_object_feed_eof(obj));
  EXPECT_PS_ERR(tls_object_feed(obj, "x", 1), SOCK_ERR_SSL, TLS_ERROR_SSL);
  ASSERT_PS_OK(tls_object_close(obj));
  ASSERT_PS_OK(tls_context_close(ctx));
  for (tls_object bad : {obj, tls_object{0}, tls_object{~0ULL}}) {
    EXPECT_PS_ERR(tls_object_feed(bad, "x", 1), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_feed_eof(bad), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_drain(bad, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_outgoing_pending(bad, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_do_handshake(bad), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_read(bad, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_write(bad, "x", 1, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_pending(bad, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_unwrap(bad), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_version(bad, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_cipher(bad, &ci), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_selected_alpn_protocol(bad, buf, sizeof buf, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(tls_object_getpeercert(bad, &cert), SOCK_ERR_OS, EBADF);
  }
  EXPECT_PS_OK(tls_object_close(obj)) << "closing twice is SOCK_OK";
  EXPECT_PS_ERR(tls_object_close(0), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(tls_object_close(~0ULL), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(tls_context_close(~0ULL), SOCK_ERR_OS, EBADF);
}
