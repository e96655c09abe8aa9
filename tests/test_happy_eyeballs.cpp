// Happy Eyeballs and all_errors (issue 16, point 5): net_create_connection_ex's
// attempts, over ::1 and 127.0.0.1. A name that resolves to both families comes
// from a private /etc/hosts in a sandboxed child (sandbox.hpp), whose lines are the
// results, compared here. A black-holed attempt is a connect to a listener whose
// accept queue is full: the kernel drops its SYNs.
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.hpp"
#include "test_support.hpp"

using namespace polysock_test;

namespace {

// Under valgrind (tests/memcheck.sh sets POLYSOCK_TIMING_SLACK) everything is slower.
double slack() {
  const char *s = std::getenv("POLYSOCK_TIMING_SLACK");
  return s != nullptr ? std::atof(s) : 1.0;
}

const PrivateFile kBothLoopbacks{"/etc/hosts", "::1 localhost\n127.0.0.1 localhost\n"};
// Two IPv6 addresses before an IPv4 one, so that interleaving shows. glibc lists
// each line of /etc/hosts (::1 twice here); a private gai.conf preferring IPv4
// would be neater, but glibc reads gai.conf once per process and the forked child
// inherits what the parent read.
const PrivateFile kTwoIpv6OneIpv4{"/etc/hosts",
                                  "::1 localhost\n::1 localhost\n127.0.0.1 localhost\n"};

// getaddrinfo(host, port, 0, SOCK_STREAM)'s addresses, "host host ...".
std::string resolved(const char *host) {
  net_addrinfo_list *list = nullptr;
  if (net_getaddrinfo(host, "80", 0, NET_SOCK_STREAM, 0, 0, &list) != SOCK_OK) {
    return std::string("getaddrinfo failed: ") + sock_last_error_message();
  }
  size_t n = 0;
  net_addrinfo_count(list, &n);
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    net_addrinfo ai{};
    net_addrinfo_get(list, i, &ai);
    if (i != 0) text += ' ';
    text += ai.addr.host;
  }
  net_addrinfo_free(list);
  return text;
}

// A listener that drops every SYN. With backlog 0 the kernel queues one connection
// (made here) and drops the SYNs of every later one; a probe that must time out
// checks that it really does.
struct BlackHole {
  Sock listener;
  Sock filler;
  int port = 0;
  bool verified = false;
};

BlackHole black_hole(int family, const char *host, int port) {
  BlackHole b;
  if (sock_create(family, NET_SOCK_STREAM, 0, b.listener.out()) != SOCK_OK ||
      sock_bind(b.listener, host, port) != SOCK_OK || sock_listen(b.listener, 0) != SOCK_OK) {
    return b;
  }
  sock_address a{};
  sock_getsockname(b.listener, &a);
  b.port = a.port;
  if (sock_create(family, NET_SOCK_STREAM, 0, b.filler.out()) != SOCK_OK ||
      sock_settimeout(b.filler, 2.0) != SOCK_OK ||
      sock_connect(b.filler, host, b.port) != SOCK_OK) {
    return b;
  }
  Sock probe;
  sock_create(family, NET_SOCK_STREAM, 0, probe.out());
  sock_settimeout(probe, 0.2);
  b.verified = sock_connect(probe, host, b.port) == SOCK_ERR_TIMEOUT;
  return b;
}

// A ::1 black hole whose port number is free on 127.0.0.1 too, for the tests that put
// an IPv4 listener on the same number: the kernel picks the IPv6 port without
// looking at IPv4, where another test running at the same time may hold it.
BlackHole ipv6_black_hole_free_on_ipv4() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    BlackHole v6 = black_hole(NET_AF_INET6, "::1", 0);
    Sock v4;
    if (sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, v4.out()) == SOCK_OK &&
        sock_bind(v4, "127.0.0.1", v6.port) == SOCK_OK) {
      return v6;
    }
  }
  return BlackHole{};
}

// A live listener on host:port.
Sock listener_on(int family, const char *host, int port) {
  Sock s = make_socket(family, NET_SOCK_STREAM);
  EXPECT_PS_OK(sock_bind(s, host, port));
  EXPECT_PS_OK(sock_listen(s, 16));
  return s;
}

// One net_create_connection_ex call, as comparable text, and how long it took.
struct Outcome {
  std::string text;  // "SOCK_OK <peer>" or "<status>[<errno>] <message>; <attempts>"
  double seconds = 0;
  Sock conn;
};

// The list as "<host>:<port> <status>[<errno>] <message>" entries joined by "; ".
std::string describe(const net_connect_errors *list) {
  if (list == nullptr) return "no list";
  size_t n = 0;
  if (net_connect_errors_count(list, &n) != SOCK_OK) return "count failed";
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    net_connect_error e{};
    if (net_connect_errors_get(list, i, &e) != SOCK_OK) return "get failed";
    text += (i == 0 ? "" : "; ") + std::string(e.address.host) + ":" +
            std::to_string(e.address.port) + " " + sock_strerror(e.status) + "[" +
            std::to_string(e.err) + "] " + e.message;
  }
  return text;
}

Outcome connect_ex(const char *host, int port, double timeout, double delay, int interleave,
                   const char *source_host = nullptr) {
  Outcome o;
  net_connect_errors *list = nullptr;
  int st = SOCK_OK;
  o.seconds = seconds_for([&] {
    st = net_create_connection_ex(host, port, timeout, source_host, 0, delay, interleave, &list,
                                  o.conn.out());
  });
  if (st == SOCK_OK) {
    sock_address peer{};
    sock_getpeername(o.conn, &peer);
    o.text = std::string("SOCK_OK ") + peer.host + (list == nullptr ? "" : " and a list");
    return o;
  }
  o.text = std::string(sock_strerror(st)) + "[" + std::to_string(sock_last_errno()) + "] " +
           sock_last_error_message() + "; " + describe(list);
  net_connect_errors_free(list);
  return o;
}

// The sandboxed child's lines, with a failure for a sandbox that could not be made.
std::vector<std::string> in_sandbox(const std::vector<PrivateFile> &files,
                                    const std::function<std::vector<std::string>()> &probe) {
  std::vector<std::string> lines = run_in_sandbox(files, probe);
  EXPECT_FALSE(lines.empty()) << "no output from the sandboxed child";
  if (!lines.empty() && lines.front().rfind("SKIP ", 0) == 0) {
    ADD_FAILURE() << "the sandbox needs root (dev.sh test runs as root): " << lines.front();
  }
  return lines;
}

// "<seconds>" as a line, and back.
std::string seconds_line(double s) { return std::to_string(s); }
double seconds_of(const std::string &line) { return std::atof(line.c_str()); }

const std::string kRefused = "SOCK_ERR_OS[111] [Errno 111] Connection refused";

int refused_port() {
  int port = 0;
  Sock gone = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  return port;  // closed on return: nothing listens there now
}

}  // namespace

TEST(HappyEyeballs, BlackHoledIpv6LosesToIpv4AfterTheDelay) {
  const std::vector<std::string> got = in_sandbox({kBothLoopbacks}, [] {
    std::vector<std::string> lines{resolved("localhost")};
    BlackHole v6 = ipv6_black_hole_free_on_ipv4();
    lines.push_back(v6.verified ? "black-holed" : "::1 is not black-holed");
    Sock v4 = listener_on(NET_AF_INET, "127.0.0.1", v6.port);
    const int fds = open_fd_count();
    Outcome o = connect_ex("localhost", v6.port, 5.0, 0.1, -1);
    lines.push_back(o.text);
    lines.push_back(seconds_line(o.seconds));
    double t = 0;
    sock_gettimeout(o.conn, &t);
    lines.push_back("timeout " + std::to_string(t));
    o.conn.reset();
    lines.push_back("descriptors left open: " + std::to_string(open_fd_count() - fds));
    return lines;
  });
  ASSERT_EQ(6u, got.size()) << ::testing::PrintToString(got);
  EXPECT_EQ("::1 127.0.0.1", got[0]) << "the private /etc/hosts lists ::1 first";
  EXPECT_EQ("black-holed", got[1]);
  EXPECT_EQ("SOCK_OK 127.0.0.1", got[2]) << "IPv4 wins, and no list on success";
  const double s = seconds_of(got[3]);
  EXPECT_GE(s, 0.09) << "the IPv4 attempt starts after the delay";
  EXPECT_LT(s, 1.0 * slack()) << "well before the IPv6 attempt's 5 s timeout";
  EXPECT_EQ("timeout " + std::to_string(5.0), got[4]) << "the winner takes the timeout";
  EXPECT_EQ("descriptors left open: 0", got[5]) << "the black-holed attempt was closed";
}

TEST(HappyEyeballs, WithoutHappyEyeballsTheBlackHoledAttemptTakesItsWholeTimeoutFirst) {
  const std::vector<std::string> got = in_sandbox({kBothLoopbacks}, [] {
    std::vector<std::string> lines;
    BlackHole v6 = ipv6_black_hole_free_on_ipv4();
    lines.push_back(v6.verified ? "black-holed" : "::1 is not black-holed");
    Sock v4 = listener_on(NET_AF_INET, "127.0.0.1", v6.port);
    Outcome o = connect_ex("localhost", v6.port, 0.5, SOCK_TIMEOUT_NONE, -1);
    lines.push_back(o.text);
    lines.push_back(seconds_line(o.seconds));
    // net_create_connection is the same sequential loop.
    Sock c;
    int st = SOCK_OK;
    const double s = seconds_for(
        [&] { st = net_create_connection("localhost", v6.port, 0.5, nullptr, 0, c.out()); });
    sock_address peer{};
    sock_getpeername(c, &peer);
    lines.push_back(std::string(sock_strerror(st)) + " " + peer.host);
    lines.push_back(seconds_line(s));
    return lines;
  });
  ASSERT_EQ(5u, got.size()) << ::testing::PrintToString(got);
  EXPECT_EQ("black-holed", got[0]);
  EXPECT_EQ("SOCK_OK 127.0.0.1", got[1]);
  EXPECT_GE(seconds_of(got[2]), 0.49) << "IPv4 is tried only after ::1's 0.5 s timeout";
  EXPECT_LT(seconds_of(got[2]), 2.0 * slack());
  EXPECT_EQ("SOCK_OK 127.0.0.1", got[3]);
  EXPECT_GE(seconds_of(got[4]), 0.49);
  EXPECT_LT(seconds_of(got[4]), 2.0 * slack());
}

TEST(HappyEyeballs, EachAttemptHasItsOwnTimeoutAndEveryTimeoutIsListed) {
  const std::vector<std::string> got = in_sandbox({kBothLoopbacks}, [] {
    std::vector<std::string> lines;
    BlackHole v6 = ipv6_black_hole_free_on_ipv4();
    BlackHole v4 = black_hole(NET_AF_INET, "127.0.0.1", v6.port);
    lines.push_back(v6.verified && v4.verified ? "both black-holed" : "not black-holed");
    const int fds = open_fd_count();
    // ::1 starts at 0 and times out at 0.3; 127.0.0.1 starts at 0.1, out at 0.4.
    Outcome o = connect_ex("localhost", v6.port, 0.3, 0.1, -1);
    lines.push_back(o.text);
    lines.push_back(seconds_line(o.seconds));
    lines.push_back("port " + std::to_string(v6.port));
    lines.push_back("descriptors left open: " + std::to_string(open_fd_count() - fds));
    return lines;
  });
  ASSERT_EQ(5u, got.size()) << ::testing::PrintToString(got);
  EXPECT_EQ("both black-holed", got[0]);
  const std::string port = got[3].substr(5);
  EXPECT_EQ("SOCK_ERR_TIMEOUT[0] timed out; ::1:" + port + " SOCK_ERR_TIMEOUT[0] timed out; " +
                "127.0.0.1:" + port + " SOCK_ERR_TIMEOUT[0] timed out",
            got[1]);
  EXPECT_GE(seconds_of(got[2]), 0.39) << "the second attempt's timeout runs from its start";
  EXPECT_LT(seconds_of(got[2]), 1.5 * slack());
  EXPECT_EQ("descriptors left open: 0", got[4]);
}

TEST(HappyEyeballs, InterleaveIsTheNumberOfFirstFamilyAddressesTriedFirst) {
  const std::vector<std::string> got = in_sandbox({kTwoIpv6OneIpv4}, [] {
    std::vector<std::string> lines{resolved("localhost")};
    const int port = refused_port();
    const int fds = open_fd_count();
    // Every attempt is refused, so the list gives the order they were made in.
    for (double delay : {0.05, SOCK_TIMEOUT_NONE}) {
      for (int interleave : {-1, 0, 1, 2, 5}) {
        const std::string attempts = connect_ex("localhost", port, 5.0, delay, interleave).text;
        std::string hosts;
        for (size_t at = attempts.find("; "); at != std::string::npos;
             at = attempts.find("; ", at + 2)) {
          if (!hosts.empty()) hosts += ' ';
          hosts += attempts.substr(at + 2, attempts.find(':', at + 4) - at - 2);
        }
        lines.push_back(hosts);
      }
    }
    lines.push_back("descriptors left open: " + std::to_string(open_fd_count() - fds));
    return lines;
  });
  ASSERT_EQ(12u, got.size()) << ::testing::PrintToString(got);
  const std::string glibc = "::1 ::1 127.0.0.1";
  const std::string interleaved = "::1 127.0.0.1 ::1";
  EXPECT_EQ(glibc, got[0]) << "getaddrinfo lists the private /etc/hosts in order";
  // Happy Eyeballs: the default (-1) is 1; 0 keeps getaddrinfo's order; 2 puts two
  // IPv6 first; more than there are changes nothing more.
  EXPECT_EQ(interleaved, got[1]);
  EXPECT_EQ(glibc, got[2]);
  EXPECT_EQ(interleaved, got[3]);
  EXPECT_EQ(glibc, got[4]);
  EXPECT_EQ(glibc, got[5]);
  // Sequential: the default (-1) is 0, but an interleave given still reorders, as
  // in asyncio.
  EXPECT_EQ(glibc, got[6]);
  EXPECT_EQ(glibc, got[7]);
  EXPECT_EQ(interleaved, got[8]);
  EXPECT_EQ(glibc, got[9]);
  EXPECT_EQ(glibc, got[10]);
  EXPECT_EQ("descriptors left open: 0", got[11]);
}

TEST(HappyEyeballs, ARefusedAttemptStartsTheNextAtOnceAndEveryRefusalIsListed) {
  const std::vector<std::string> got = in_sandbox({kBothLoopbacks}, [] {
    const int port = refused_port();
    const int fds = open_fd_count();
    Outcome o = connect_ex("localhost", port, 5.0, 3.0, -1);  // a delay never waited out
    return std::vector<std::string>{
        o.text, seconds_line(o.seconds), "port " + std::to_string(port),
        "descriptors left open: " + std::to_string(open_fd_count() - fds)};
  });
  ASSERT_EQ(4u, got.size()) << ::testing::PrintToString(got);
  const std::string port = got[2].substr(5);
  EXPECT_EQ(kRefused + "; ::1:" + port + " " + kRefused + "; 127.0.0.1:" + port + " " + kRefused,
            got[0])
      << "the status and message are the last attempt's, the list has every attempt";
  EXPECT_LT(seconds_of(got[1]), 1.0 * slack()) << "no 3 s delay was waited out";
  EXPECT_EQ("descriptors left open: 0", got[3]);
}

TEST(HappyEyeballs, TheListGivesEachAttemptsFamilyAddressAndError) {
  // getaddrinfo(NULL) gives ::1, then 127.0.0.1, with no private files.
  const int port = refused_port();
  net_connect_errors *list = nullptr;
  Sock c;
  ASSERT_PS_ERR(net_create_connection_ex(nullptr, port, 5.0, nullptr, 0, 0.25, -1, &list, c.out()),
                SOCK_ERR_OS, ECONNREFUSED);
  EXPECT_STREQ("[Errno 111] Connection refused", sock_last_error_message());
  ASSERT_NE(nullptr, list);
  size_t n = 0;
  ASSERT_PS_OK(net_connect_errors_count(list, &n));
  ASSERT_EQ(2u, n);
  const int families[] = {NET_AF_INET6, NET_AF_INET};
  const char *hosts[] = {"::1", "127.0.0.1"};
  for (size_t i = 0; i < n; ++i) {
    net_connect_error e{};
    ASSERT_PS_OK(net_connect_errors_get(list, i, &e));
    EXPECT_EQ(families[i], e.address.family) << i;
    EXPECT_STREQ(hosts[i], e.address.host) << i;
    EXPECT_EQ(port, e.address.port) << i;
    EXPECT_EQ(SOCK_ERR_OS, e.status) << i;
    EXPECT_EQ(ECONNREFUSED, e.err) << i;
    EXPECT_STREQ("[Errno 111] Connection refused", e.message) << i;
  }
  net_connect_errors_free(list);
  EXPECT_EQ(0u, c.get()) << "no handle on failure";
}

TEST(HappyEyeballs, ASourceAddressIsBoundForEachAttemptAsInCpython) {
  // Python 3.11: create_connection((None, port), source_address=('127.0.0.1', 0),
  // all_errors=True) lists gaierror -9 for ::1 (an IPv4 source for an IPv6 socket)
  // and the refusal of 127.0.0.1.
  const int port = refused_port();
  Outcome o = connect_ex(nullptr, port, 5.0, 0.25, -1, "127.0.0.1");
  const std::string p = std::to_string(port);
  EXPECT_EQ(kRefused + "; ::1:" + p +
                " SOCK_ERR_GAI[-9] [Errno -9] Address family for hostname not supported; "
                "127.0.0.1:" +
                p + " " + kRefused,
            o.text);
  int live = 0;
  Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &live);
  Outcome ok = connect_ex(nullptr, live, 5.0, 0.25, -1, "127.0.0.1");
  EXPECT_EQ("SOCK_OK 127.0.0.1", ok.text);
  EXPECT_STREQ("127.0.0.1", local_address(ok.conn).host);
}

TEST(HappyEyeballs, NumericHostsConnectWithHappyEyeballsOnAndTheWinnerTakesTheTimeout) {
  int port4 = 0, port6 = 0;
  Sock l4 = tcp_listener(NET_AF_INET, "127.0.0.1", &port4);
  Sock l6 = tcp_listener(NET_AF_INET6, "::1", &port6);
  EXPECT_EQ("SOCK_OK 127.0.0.1", connect_ex("127.0.0.1", port4, 5.0, 0.25, -1).text);
  EXPECT_EQ("SOCK_OK ::1", connect_ex("::1", port6, 5.0, 0.0, 3).text);
  const double timeouts[] = {2.5, SOCK_TIMEOUT_NONE, SOCK_TIMEOUT_DEFAULT};
  const double expected[] = {2.5, SOCK_TIMEOUT_NONE, 7.0};
  ASSERT_PS_OK(net_setdefaulttimeout(7.0));
  for (int i = 0; i < 3; ++i) {
    Outcome o = connect_ex("127.0.0.1", port4, timeouts[i], 0.25, -1);
    EXPECT_EQ("SOCK_OK 127.0.0.1", o.text);
    double t = 0;
    EXPECT_PS_OK(sock_gettimeout(o.conn, &t));
    EXPECT_EQ(expected[i], t) << "timeout argument " << timeouts[i];
  }
  ASSERT_PS_OK(net_setdefaulttimeout(SOCK_TIMEOUT_NONE));
  // A timeout of 0 makes each attempt a plain non-blocking connect, as in CPython.
  Outcome nb = connect_ex("127.0.0.1", port4, 0.0, 0.25, -1);
  EXPECT_EQ(0u, nb.text.rfind("SOCK_ERR_OS[115] [Errno 115] Operation now in progress", 0))
      << nb.text;
}

namespace {
volatile sig_atomic_t g_signalled = 0;
void on_sigusr1(int) { g_signalled = 1; }
}  // namespace

TEST(HappyEyeballs, TheInterruptHookStopsTheRaceAndClosesEveryAttempt) {
  BlackHole v6 = ipv6_black_hole_free_on_ipv4();
  BlackHole v4 = black_hole(NET_AF_INET, "127.0.0.1", v6.port);
  ASSERT_TRUE(v6.verified && v4.verified) << "the listeners must drop SYNs";
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = on_sigusr1;  // no SA_RESTART
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  int flag = 1;  // the hook says stop on the first EINTR
  ASSERT_PS_OK(net_set_interrupt_hook(net_interrupt_flag_hook, &flag));
  const int fds = open_fd_count();
  const pthread_t self = pthread_self();
  std::thread signaller([self] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // both attempts in flight
    pthread_kill(self, SIGUSR1);
  });
  net_connect_errors *list = reinterpret_cast<net_connect_errors *>(&flag);  // overwritten
  Sock c;
  int st = SOCK_OK;
  const double s = seconds_for([&] {
    st = net_create_connection_ex(nullptr, v6.port, 5.0, nullptr, 0, 0.1, -1, &list, c.out());
  });
  const int err = sock_last_errno();
  signaller.join();
  net_set_interrupt_hook(nullptr, nullptr);
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_EQ(SOCK_ERR_INTERRUPTED, st) << sock_last_error_message();
  EXPECT_EQ(EINTR, err);
  EXPECT_EQ(nullptr, list) << "an interrupted call lists nothing";
  EXPECT_EQ(1, g_signalled);
  EXPECT_GE(s, 0.29);
  EXPECT_LT(s, 2.0 * slack()) << "stopped at the signal, not at the 5 s timeouts";
  EXPECT_EQ(fds, open_fd_count()) << "both attempts in flight were closed";
}

TEST(HappyEyeballs, ASignalThatTheHookLetsGoOnLeavesTheRaceAsItWas) {
  // ::1 drops SYNs, 127.0.0.1 listens: a signal at 0.1 s, inside the 0.3 s delay,
  // must neither start the IPv4 attempt early nor stop the call (PEP 475).
  BlackHole v6 = ipv6_black_hole_free_on_ipv4();
  ASSERT_TRUE(v6.verified) << "the ::1 listener must drop SYNs";
  Sock v4 = listener_on(NET_AF_INET, "127.0.0.1", v6.port);
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = on_sigusr1;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  int go_on = 0;
  for (bool with_hook : {false, true}) {
    ASSERT_PS_OK(net_set_interrupt_hook(with_hook ? net_interrupt_flag_hook : nullptr, &go_on));
    g_signalled = 0;
    const pthread_t self = pthread_self();
    std::thread signaller([self] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      pthread_kill(self, SIGUSR1);
    });
    Outcome o = connect_ex(nullptr, v6.port, 5.0, 0.3, -1);
    signaller.join();
    EXPECT_EQ(1, g_signalled);
    EXPECT_EQ("SOCK_OK 127.0.0.1", o.text) << "hook " << with_hook;
    EXPECT_GE(o.seconds, 0.29) << "the delay is waited out with the time left";
    EXPECT_LT(o.seconds, 2.0 * slack());
  }
  net_set_interrupt_hook(nullptr, nullptr);
  sigaction(SIGUSR1, &old, nullptr);
}
