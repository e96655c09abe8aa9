// Blocking, non-blocking and timeout modes, the module default timeout, and
// deadlines under signals. Item numbers refer to python_contract.md.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;

namespace {

bool fd_nonblocking(sock_handle h) {
  int fd = -1;
  EXPECT_PS_OK(sock_fileno(h, &fd));
  return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0;
}

double timeout_of(sock_handle h) {
  double t = 0;
  EXPECT_PS_OK(sock_gettimeout(h, &t));
  return t;
}

int blocking_of(sock_handle h) {
  int b = -1;
  EXPECT_PS_OK(sock_getblocking(h, &b));
  return b;
}

// Restores the module default timeout after each test.
class DefaultTimeout : public ::testing::Test {
 protected:
  void TearDown() override { net_setdefaulttimeout(SOCK_TIMEOUT_NONE); }
};

}  // namespace

TEST_F(DefaultTimeout, Item34_DefaultAppliesToNewSockets) {
  double d = 0;
  ASSERT_PS_OK(net_getdefaulttimeout(&d));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, d) << "initially None";
  ASSERT_PS_OK(net_setdefaulttimeout(2.0));
  ASSERT_PS_OK(net_getdefaulttimeout(&d));
  EXPECT_EQ(2.0, d);
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_EQ(2.0, timeout_of(s));
  EXPECT_TRUE(fd_nonblocking(s));
  ASSERT_PS_OK(net_setdefaulttimeout(0));
  Sock z = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_EQ(0, blocking_of(z));
  EXPECT_PS_ERR(net_setdefaulttimeout(-5), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("Timeout value out of range", sock_last_error_message());
  EXPECT_PS_ERR(net_setdefaulttimeout(SOCK_TIMEOUT_DEFAULT), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(net_setdefaulttimeout(SOCK_TIMEOUT_NONE));
  ASSERT_PS_OK(net_getdefaulttimeout(&d));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, d);
}

// socket() and socketpair() ask the kernel for O_NONBLOCK themselves when the timeout
// is not None: the same state as CPython's ioctl after the call, type without the flag.
TEST_F(DefaultTimeout, Item34_NewSocketsAndPairsTakeTheModeFromTheStart) {
  struct Case {
    double module_default;
    int type_flags;
    double want_timeout;
  };
  for (const Case &c : {Case{SOCK_TIMEOUT_NONE, 0, SOCK_TIMEOUT_NONE},
                        Case{SOCK_TIMEOUT_NONE, NET_SOCK_NONBLOCK, 0}, Case{2.0, 0, 2.0},
                        Case{2.0, NET_SOCK_NONBLOCK, 0}, Case{0, 0, 0}}) {
    SCOPED_TRACE(::testing::Message()
                 << "default " << c.module_default << ", flags " << c.type_flags);
    ASSERT_PS_OK(net_setdefaulttimeout(c.module_default));
    Sock s, a, b;
    ASSERT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM | c.type_flags, 0, s.out()));
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM | c.type_flags, 0, a.out(), b.out()));
    for (sock_handle h : {s.get(), a.get(), b.get()}) {
      EXPECT_EQ(c.want_timeout, timeout_of(h));
      EXPECT_EQ(c.want_timeout != SOCK_TIMEOUT_NONE, fd_nonblocking(h));
      int family = 0, type = 0, proto = 0;
      ASSERT_PS_OK(sock_info(h, &family, &type, &proto));
      EXPECT_EQ(NET_SOCK_STREAM, type);
    }
  }
}

TEST(Modes, Item35_SettimeoutAndSetblockingAreTheSameSwitch) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_settimeout(s, 0));
  EXPECT_EQ(0.0, timeout_of(s));
  EXPECT_EQ(0, blocking_of(s));
  ASSERT_PS_OK(sock_setblocking(s, 1));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(s));
  EXPECT_EQ(1, blocking_of(s));
  ASSERT_PS_OK(sock_setblocking(s, 0));
  EXPECT_EQ(0.0, timeout_of(s));
  ASSERT_PS_OK(sock_settimeout(s, SOCK_TIMEOUT_NONE));
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(s));
  ASSERT_PS_OK(sock_settimeout(s, 2.5));
  EXPECT_EQ(2.5, timeout_of(s));
  EXPECT_EQ(1, blocking_of(s)) << "timeout mode counts as blocking";
  ASSERT_PS_OK(sock_setblocking(s, 2));  // truthiness
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(s));
  ASSERT_PS_OK(sock_setblocking(s, 0));
  EXPECT_EQ(0.0, timeout_of(s));
}

TEST(Modes, Item36_SettimeoutValidatesAndNormalises) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_settimeout(s, -1.5), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("Timeout value out of range", sock_last_error_message());
  EXPECT_PS_ERR(sock_settimeout(s, std::nan("")), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("Invalid value NaN (not a number)", sock_last_error_message());
  EXPECT_PS_ERR(sock_settimeout(s, std::numeric_limits<double>::infinity()), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("timestamp out of range for platform time_t", sock_last_error_message());
  // CPython's limit is what fits int64 nanoseconds: 9.2e9 s is fine, 9.3e9 s is not.
  ASSERT_PS_OK(sock_settimeout(s, 9.2e9));
  EXPECT_EQ(9.2e9, timeout_of(s));
  EXPECT_PS_ERR(sock_settimeout(s, 9.3e9), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("timestamp out of range for platform time_t", sock_last_error_message());
  ASSERT_PS_OK(sock_settimeout(s, -0.0));
  EXPECT_EQ(0.0, timeout_of(s));
  ASSERT_PS_OK(sock_settimeout(s, 1));
  EXPECT_EQ(1.0, timeout_of(s));
  ASSERT_PS_OK(sock_settimeout(s, 1e-10));
  EXPECT_EQ(1e-09, timeout_of(s)) << "rounded up to 1 ns";
}

TEST(Modes, Item37_AnyFiniteTimeoutMeansONonblock) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_settimeout(s, SOCK_TIMEOUT_NONE));
  EXPECT_FALSE(fd_nonblocking(s));
  ASSERT_PS_OK(sock_settimeout(s, 0));
  EXPECT_TRUE(fd_nonblocking(s));
  ASSERT_PS_OK(sock_settimeout(s, 5));
  EXPECT_TRUE(fd_nonblocking(s));
  ASSERT_PS_OK(sock_settimeout(s, SOCK_TIMEOUT_NONE));
  EXPECT_FALSE(fd_nonblocking(s));
}

TEST(Modes, RacingModeChangesLeaveTheModeTheTimeoutSays) {
  // The cheap path reads a one-byte summary of the timeout (and the TLS session), not
  // the timeout itself: whatever two threads' settimeout calls do at once, the mode a
  // recv then runs in is the one gettimeout reports.
  Pair p = tcp_pair();
  char buf[8];
  size_t n = 0;
  for (int round = 0; round < 300; ++round) {
    std::atomic<int> ready{0};
    auto set = [&](double t) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();  // both call it at once
      EXPECT_PS_OK(sock_settimeout(p.server, t));
    };
    std::thread a(set, 0.0);
    std::thread b(set, 0.001);
    a.join();
    b.join();
    const double t = timeout_of(p.server);
    const int st = sock_recv(p.server, buf, sizeof buf, 0, &n);
    if (t == 0.0) {
      ASSERT_EQ(SOCK_ERR_OS, st) << "round " << round;
      ASSERT_EQ(EAGAIN, sock_last_errno()) << "round " << round;
    } else {
      ASSERT_EQ(0.001, t);
      ASSERT_EQ(SOCK_ERR_TIMEOUT, st) << "round " << round;
    }
  }
}

TEST(Modes, RacingBlockingAndTimeoutLeaveTheFlagTheTimeoutSays) {
  // settimeout(None) clears O_NONBLOCK and settimeout(t) sets it: at once from two
  // threads, the descriptor's flag still matches the timeout that won.
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  for (int round = 0; round < 300; ++round) {
    std::atomic<int> ready{0};
    auto set = [&](double t) {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();  // both call it at once
      EXPECT_PS_OK(sock_settimeout(s, t));
    };
    std::thread a(set, SOCK_TIMEOUT_NONE);
    std::thread b(set, 0.001);
    a.join();
    b.join();
    ASSERT_EQ(timeout_of(s) >= 0, fd_nonblocking(s)) << "round " << round;
  }
}

TEST(Timeout, Item38_RecvTimesOutWithTimedOut) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 0.2));
  char buf[8];
  size_t n = 99;
  int st = 0;
  const double elapsed = seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, 0, &n); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st);
  EXPECT_STREQ("timed out", sock_last_error_message());
  EXPECT_EQ(0, sock_last_errno()) << "a timeout has no errno";
  EXPECT_GE(elapsed, 0.2);
  EXPECT_LT(elapsed, 1.0);
}

TEST(Timeout, Item38_AcceptTimesOutOrWouldBlock) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  ASSERT_PS_OK(sock_settimeout(l, 0.2));
  Sock conn;
  int st = 0;
  const double elapsed = seconds_for([&] { st = sock_accept(l, conn.out(), nullptr); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st);
  EXPECT_GE(elapsed, 0.2);
  EXPECT_LT(elapsed, 1.0);
  ASSERT_PS_OK(sock_setblocking(l, 0));
  EXPECT_PS_ERR(sock_accept(l, conn.out(), nullptr), SOCK_ERR_OS, EAGAIN);
  EXPECT_STREQ("[Errno 11] Resource temporarily unavailable", sock_last_error_message());
}

// sock_accept_try: one attempt in every mode, for an event loop that
// shares the listener with threads accepting in its mode (docs/csharp.md's engine).
TEST(AcceptTry, DontWaitMakesOneAttemptInEveryMode) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock conn;
  int st = 0;
  for (double mode : {SOCK_TIMEOUT_NONE, 30.0, 0.0}) {
    ASSERT_PS_OK(sock_settimeout(l, mode));
    const double elapsed = seconds_for([&] { st = sock_accept_try(l, conn.out(), nullptr); });
    EXPECT_PS_ERR(st, SOCK_ERR_OS, EAGAIN) << "mode " << mode;
    EXPECT_LT(elapsed, 1.0) << "mode " << mode;
    EXPECT_EQ(mode, timeout_of(l)) << "the mode is the caller's";
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
    sock_address addr{};
    ASSERT_PS_OK(sock_accept_try(l, conn.out(), &addr)) << "mode " << mode;
    EXPECT_STREQ("127.0.0.1", addr.host);
  }
  EXPECT_PS_ERR(sock_accept_try(l, nullptr, nullptr), SOCK_ERR_VALUE, 0);
}

TEST(AcceptTry, BlockingListenerKeptNonBlockingStillWaits) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  ASSERT_FALSE(fd_nonblocking(l));
  Sock conn;
  EXPECT_PS_ERR(sock_accept_try(l, conn.out(), nullptr), SOCK_ERR_OS, EAGAIN);
  EXPECT_TRUE(fd_nonblocking(l)) << "accept4 has no per-call flag: the descriptor keeps O_NONBLOCK";
  EXPECT_EQ(SOCK_TIMEOUT_NONE, timeout_of(l));
  EXPECT_EQ(1, blocking_of(l));
  ASSERT_PS_OK(sock_setblocking(l, 1));
  EXPECT_TRUE(fd_nonblocking(l)) << "blocking mode again does not clear it";
  Sock d;
  ASSERT_PS_OK(sock_dup(l, d.out()));
  // Blocking accepts on the listener and on its dup still wait for a connection
  // (in poll), and take it.
  for (sock_handle h : {l.get(), d.get()}) {
    std::thread client([port] {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
      EXPECT_PS_OK(sock_connect(c, "127.0.0.1", port));
    });
    int st = 0;
    const double elapsed = seconds_for([&] { st = sock_accept(h, conn.out(), nullptr); });
    client.join();
    EXPECT_PS_OK(st);
    EXPECT_GE(elapsed, 0.1);
    EXPECT_LT(elapsed, 5.0);
  }
  // A dup made before the first attempt clears the flag with settimeout(None): the next
  // attempt sets it again, and never sleeps.
  ASSERT_PS_OK(sock_settimeout(d, SOCK_TIMEOUT_NONE));
  EXPECT_TRUE(fd_nonblocking(l)) << "the dup was made after: it knows the flag is kept";
  Sock early;
  {
    int port2 = 0;
    Sock l2 = tcp_listener(NET_AF_INET, "127.0.0.1", &port2);
    ASSERT_PS_OK(sock_dup(l2, early.out()));
    EXPECT_PS_ERR(sock_accept_try(l2, conn.out(), nullptr), SOCK_ERR_OS, EAGAIN);
    ASSERT_PS_OK(sock_settimeout(early, SOCK_TIMEOUT_NONE));
    EXPECT_FALSE(fd_nonblocking(l2)) << "the early dup cleared it";
    int st = 0;
    const double elapsed = seconds_for([&] { st = sock_accept_try(l2, conn.out(), nullptr); });
    EXPECT_PS_ERR(st, SOCK_ERR_OS, EAGAIN);
    EXPECT_LT(elapsed, 1.0);
    EXPECT_TRUE(fd_nonblocking(l2));
  }
  // A close from another thread still wakes a blocking accept with EBADF.
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_PS_OK(sock_close(l));
  });
  EXPECT_PS_ERR(sock_accept(l, conn.out(), nullptr), SOCK_ERR_OS, EBADF);
  closer.join();
}

TEST(AcceptTry, OnASocketThatDoesNotListenIsEinvalAndChangesNothing) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  Sock conn;
  EXPECT_PS_ERR(sock_accept_try(s, conn.out(), nullptr), SOCK_ERR_OS, EINVAL);
  EXPECT_FALSE(fd_nonblocking(s));
  Pair p = tcp_pair();
  EXPECT_PS_ERR(sock_accept_try(p.client, conn.out(), nullptr), SOCK_ERR_OS, EINVAL);
  EXPECT_FALSE(fd_nonblocking(p.client)) << "a blocking connection stays blocking";
}

// The _try calls: one attempt whatever the mode (MSG_DONTWAIT waits first with a
// timeout, item 50). An event loop's attempt never waits.
TEST(TryCalls, RecvAndSendMakeOneAttemptInEveryMode) {
  for (double mode : {SOCK_TIMEOUT_NONE, 30.0, 0.0}) {
    SCOPED_TRACE(mode);
    Pair p = tcp_pair();
    ASSERT_PS_OK(sock_settimeout(p.server, mode));
    ASSERT_PS_OK(sock_settimeout(p.client, mode));
    char buf[16];
    size_t n = 99;
    sock_address from{};
    const double elapsed = seconds_for([&] {
      EXPECT_PS_ERR(sock_recv_try(p.server, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EAGAIN);
      EXPECT_PS_ERR(sock_recvfrom_try(p.server, buf, sizeof buf, 0, &n, &from), SOCK_ERR_OS,
                    EAGAIN);
      EXPECT_PS_ERR(sock_recvfrom_try(p.server, buf, sizeof buf, 0, &n, nullptr), SOCK_ERR_OS,
                    EAGAIN);
    });
    EXPECT_LT(elapsed, 1.0) << "no wait, not even in timeout mode";
    EXPECT_EQ(mode, timeout_of(p.server)) << "the mode stays the caller's";
    // Sends go when there is room; flags are kept (MSG_PEEK leaves the bytes there).
    ASSERT_PS_OK(sock_send_try(p.client, "ab", 2, 0, &n));
    EXPECT_EQ(2u, n);
    int st = SOCK_ERR_OS;
    for (int i = 0; i < 2000 && st != SOCK_OK; ++i) {
      st = sock_recv_try(p.server, buf, sizeof buf, NET_MSG_PEEK, &n);
      if (st != SOCK_OK) usleep(1000);
    }
    ASSERT_PS_OK(st);
    ASSERT_PS_OK(sock_recv_try(p.server, buf, sizeof buf, 0, &n));
    EXPECT_EQ("ab", std::string(buf, n));
    // Filling the send buffer ends in EAGAIN, never in a wait or a timeout.
    std::vector<char> chunk(1 << 16, 'x');
    st = SOCK_OK;
    const double filling = seconds_for([&] {
      for (int i = 0; i < 10000 && st == SOCK_OK; ++i)
        st = sock_send_try(p.client, chunk.data(), chunk.size(), 0, &n);
    });
    EXPECT_PS_ERR(st, SOCK_ERR_OS, EAGAIN);
    EXPECT_LT(filling, 5.0);
  }
}

TEST(TryCalls, DatagramsToo) {
  Sock tx = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  Sock rx = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(rx, "127.0.0.1", 0));
  sock_address at{};
  ASSERT_PS_OK(sock_getsockname(rx, &at));
  ASSERT_PS_OK(sock_settimeout(rx, 30.0));
  ASSERT_PS_OK(sock_settimeout(tx, 30.0));
  char buf[8];
  size_t n = 0;
  sock_address from{};
  EXPECT_PS_ERR(sock_recvfrom_try(rx, buf, sizeof buf, 0, &n, &from), SOCK_ERR_OS, EAGAIN);
  ASSERT_PS_OK(sock_sendto_try(tx, "dgram", 5, 0, "127.0.0.1", at.port, &n));
  EXPECT_EQ(5u, n);
  int st = SOCK_ERR_OS;
  for (int i = 0; i < 2000 && st != SOCK_OK; ++i) {
    st = sock_recvfrom_try(rx, buf, sizeof buf, NET_MSG_PEEK, &n, &from);
    if (st != SOCK_OK) usleep(1000);
  }
  ASSERT_PS_OK(st);
  ASSERT_PS_OK(sock_recvfrom_try(rx, buf, sizeof buf, 0, &n, &from));
  EXPECT_EQ("dgram", std::string(buf, n)) << "MSG_PEEK was kept: the datagram came twice";
  EXPECT_STREQ("127.0.0.1", from.host);
  EXPECT_PS_ERR(sock_sendto_try(tx, "x", 1, 0, "256.0.0.1", 9, &n), SOCK_ERR_GAI, NET_EAI_NONAME)
      << "address errors as sendto's";
}

TEST(Timeout, Item39_ConnectToAFullBacklogTimesOut) {
  // listen(0) plus one queued connection fills the backlog; Linux then drops SYNs.
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 0);
  std::vector<Sock> fillers;
  bool timed_out = false;
  for (int i = 0; i < 8 && !timed_out; ++i) {
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_settimeout(c, 0.3));
    int st = 0;
    const double elapsed = seconds_for([&] { st = sock_connect(c, "127.0.0.1", port); });
    if (st == SOCK_ERR_TIMEOUT) {
      timed_out = true;
      EXPECT_STREQ("timed out", sock_last_error_message());
      EXPECT_GE(elapsed, 0.3);
      EXPECT_LT(elapsed, 1.5);
    } else {
      ASSERT_PS_OK(st);
      fillers.push_back(std::move(c));
    }
  }
  EXPECT_TRUE(timed_out) << "a connect to a full backlog should time out";
}

TEST(Timeout, Item41_SendallHasOneDeadlineForTheWholeBuffer) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.client, 0.3));
  std::vector<char> big(64 << 20, 'x');  // far more than the socket buffers hold
  size_t sent = 0;
  int st = 0;
  const double elapsed =
      seconds_for([&] { st = sock_sendall(p.client, big.data(), big.size(), 0, &sent); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st);
  EXPECT_GT(sent, 0u) << "out_sent tells how much went before the deadline";
  EXPECT_LT(sent, big.size());
  EXPECT_GE(elapsed, 0.3);
  EXPECT_LT(elapsed, 1.0) << "one deadline across chunks, not one per chunk";
}

TEST(Timeout, Item41_NonBlockingSendFillsTheBufferThenWouldBlock) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_setblocking(p.client, 0));
  std::vector<char> chunk(1 << 16, 'y');
  int st = SOCK_OK;
  size_t total = 0;
  for (int i = 0; i < 10000 && st == SOCK_OK; ++i) {
    size_t n = 0;
    st = sock_send(p.client, chunk.data(), chunk.size(), 0, &n);
    total += n;
  }
  EXPECT_PS_ERR(st, SOCK_ERR_OS, EAGAIN);
  EXPECT_GT(total, 0u);
}

TEST_F(DefaultTimeout, Item42_AcceptedSocketsTakeTheDefaultNotTheListenersTimeout) {
  struct Case {
    double listener, module_default, want;
    bool want_nonblock;
  };
  const Case cases[] = {{SOCK_TIMEOUT_NONE, SOCK_TIMEOUT_NONE, SOCK_TIMEOUT_NONE, false},
                        {0, SOCK_TIMEOUT_NONE, SOCK_TIMEOUT_NONE, false},
                        {2.0, SOCK_TIMEOUT_NONE, SOCK_TIMEOUT_NONE, false},
                        {SOCK_TIMEOUT_NONE, 3.0, 3.0, true},
                        {2.0, 0, 0.0, true}};
  for (const Case &c : cases) {
    ASSERT_PS_OK(net_setdefaulttimeout(SOCK_TIMEOUT_NONE));
    int port = 0;
    Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
    Sock client = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_connect(client, "127.0.0.1", port));
    ASSERT_PS_OK(sock_settimeout(l, c.listener));
    ASSERT_PS_OK(net_setdefaulttimeout(c.module_default));
    Sock conn;
    // With a listener timeout of 0 the connection is already queued, so accept succeeds.
    ASSERT_PS_OK(sock_accept(l, conn.out(), nullptr));
    EXPECT_EQ(c.want, timeout_of(conn)) << "listener " << c.listener;
    EXPECT_EQ(c.want_nonblock, fd_nonblocking(conn)) << "listener " << c.listener;
  }
}

TEST(Timeout, Item50_TimeoutModePollsFirstEvenWithMsgDontwait) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 0.3));
  char buf[4];
  size_t n = 0;
  int st = 0;
  double elapsed =
      seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, NET_MSG_DONTWAIT, &n); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st);
  EXPECT_GE(elapsed, 0.3);
  ASSERT_PS_OK(sock_settimeout(p.server, SOCK_TIMEOUT_NONE));
  elapsed = seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, NET_MSG_DONTWAIT, &n); });
  EXPECT_PS_ERR(st, SOCK_ERR_OS, EAGAIN);
  EXPECT_LT(elapsed, 0.1) << "a blocking socket with MSG_DONTWAIT fails at once";
}

TEST(Timeout, Item40_NonBlockingRecvAndConnect) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_setblocking(p.server, 0));
  char buf[4];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(p.server, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EAGAIN);
  EXPECT_EQ(EAGAIN, EWOULDBLOCK);

  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_setblocking(c, 0));
  const int first = sock_connect_ex(c, "127.0.0.1", port);
  EXPECT_TRUE(first == EINPROGRESS || first == 0) << first;
  int again = EINPROGRESS;
  for (int i = 0; i < 200 && again != EISCONN; ++i) {  // bounded: 2 s at most
    again = sock_connect_ex(c, "127.0.0.1", port);
    if (again != EISCONN) usleep(10000);
  }
  EXPECT_EQ(EISCONN, again);
  Sock c2 = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_setblocking(c2, 0));
  const int st = sock_connect(c2, "127.0.0.1", port);
  if (st != SOCK_OK) {
    EXPECT_EQ(SOCK_ERR_OS, st);
    EXPECT_EQ(EINPROGRESS, sock_last_errno());
    EXPECT_STREQ("[Errno 115] Operation now in progress", sock_last_error_message());
  }
}

TEST(Timeout, ConnectExReportsTimeoutAsEwouldblock) {
  int port = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 0);
  std::vector<Sock> fillers;
  int result = 0;
  for (int i = 0; i < 8; ++i) {
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_settimeout(c, 0.2));
    result = sock_connect_ex(c, "127.0.0.1", port);
    if (result != 0) break;
    fillers.push_back(std::move(c));
  }
  EXPECT_EQ(EWOULDBLOCK, result);
}

// ---- EINTR: a signal storm must neither break calls nor stretch deadlines ----

namespace {

void on_alarm(int) {}

// Sends SIGALRM to `target` every `interval_us` until stopped. The handler is
// installed once and left in place, so overlapping storms never see SIG_DFL.
class SignalStorm {
 public:
  SignalStorm(pthread_t target, int interval_us) : target_(target) {
    static const bool installed = [] {
      struct sigaction sa {};
      sa.sa_handler = on_alarm;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART: every signal interrupts the system call
      return sigaction(SIGALRM, &sa, nullptr) == 0;
    }();
    EXPECT_TRUE(installed);
    thread_ = std::thread([this, interval_us] {
      while (!stop_.load()) {
        pthread_kill(target_, SIGALRM);
        usleep(interval_us);
        ++sent_;
      }
    });
  }
  ~SignalStorm() {
    stop_.store(true);
    thread_.join();
  }
  int sent() const { return sent_.load(); }

 private:
  pthread_t target_;
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0};
  std::thread thread_;
};

}  // namespace

TEST(Eintr, TimedRecvKeepsItsDeadlineUnderASignalStorm) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 0.5));
  SignalStorm storm(pthread_self(), 100);
  char buf[4];
  size_t n = 0;
  int st = 0;
  const double elapsed = seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, 0, &n); });
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st) << sock_last_error_message();
  EXPECT_GE(elapsed, 0.5);
  EXPECT_LT(elapsed, 0.55) << "the remaining time is used, not the full timeout again";
  EXPECT_GT(storm.sent(), 10);
}

TEST(Eintr, BlockingCallsCompleteUnderASignalStorm) {
  Pair p = tcp_pair();
  std::vector<unsigned char> data(8 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
  std::vector<unsigned char> got(data.size());
  std::thread reader([&] {
    SignalStorm storm(pthread_self(), 100);
    size_t off = 0, n = 0;
    while (off < got.size()) {
      if (sock_recv(p.server, got.data() + off, got.size() - off, 0, &n) != SOCK_OK || n == 0)
        break;
      off += n;
    }
    EXPECT_EQ(got.size(), off);
  });
  {
    SignalStorm storm(pthread_self(), 100);
    size_t sent = 0;
    EXPECT_PS_OK(sock_sendall(p.client, data.data(), data.size(), 0, &sent));
    EXPECT_EQ(data.size(), sent);
  }
  reader.join();
  EXPECT_TRUE(data == got) << "every byte arrives intact";
}
