// The poller (issue 4), specified as Python's selectors.DefaultSelector over
// loopback: level-triggered readiness with user_data, timeouts and EINTR, sockets
// closed while registered (their fd numbers reused at once), wake-ups from other
// threads, every error path, and one poller serving 1,000 clients. The same suite
// runs on both backends (POLYSOCK_POLLER_BACKEND=epoll and =poll).
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kRead = SOCK_EVENT_READ;
constexpr uint32_t kWrite = SOCK_EVENT_WRITE;

// An owned poller handle, closed when it goes out of scope.
class OwnedPoller {
 public:
  OwnedPoller() { EXPECT_PS_OK(sock_poller_create(&p_)); }
  ~OwnedPoller() {
    if (p_ != 0) sock_poller_close(p_);
  }
  OwnedPoller(const OwnedPoller &) = delete;
  OwnedPoller &operator=(const OwnedPoller &) = delete;
  operator sock_poller() const { return p_; }

 private:
  sock_poller p_ = 0;
};

// One wait that must succeed; the events it reported.
std::vector<sock_event> wait_events(sock_poller p, double timeout, size_t max = 64) {
  std::vector<sock_event> events(max);
  size_t n = 12345;
  EXPECT_PS_OK(sock_poller_wait(p, timeout, events.data(), max, &n));
  events.resize(n <= max ? n : 0);
  return events;
}

// Waits (bounded) until the socket is reported, and returns its event.
sock_event wait_for_socket(sock_poller p, sock_handle h) {
  for (int i = 0; i < 50; ++i) {
    for (const sock_event &e : wait_events(p, 0.1)) {
      if (e.handle == h) return e;
    }
  }
  ADD_FAILURE() << "socket " << h << " was never reported";
  return sock_event{};
}

void send_bytes(sock_handle h, const std::string &data) {
  size_t sent = 0;
  EXPECT_PS_OK(sock_sendall(h, data.data(), data.size(), 0, &sent));
}

int fd_of(sock_handle h) {
  int fd = -1;
  EXPECT_PS_OK(sock_fileno(h, &fd));
  return fd;
}

struct UnixPair {
  Sock a;
  Sock b;
};

UnixPair unix_pair() {
  UnixPair p;
  EXPECT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, p.a.out(), p.b.out()));
  return p;
}

// Makes sure the process may open `needed` descriptors, raising the soft limit up
// to the hard one if it has to. False if even the hard limit is too low.
bool ensure_fd_limit(rlim_t needed) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= needed) return true;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed) return false;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? needed : lim.rlim_max;
  return setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

// Descriptors of this process that are epoll instances.
int epoll_fd_count() {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (dirent *e = readdir(d)) {
    char path[300], target[256];
    std::snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
    const ssize_t len = readlink(path, target, sizeof target - 1);
    if (len <= 0) continue;
    target[len] = '\0';
    if (std::strstr(target, "eventpoll") != nullptr) ++n;
  }
  closedir(d);
  return n;
}

}  // namespace

// ---- Readiness, as selectors.DefaultSelector ----------------------------------

TEST(Poller, ReportsAReadableSocketWithItsHandleAndUserData) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  const uint64_t cookie = 0xfeedfacecafebeefULL;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, cookie));
  EXPECT_TRUE(wait_events(poller, 0).empty()) << "nothing was sent yet";

  send_bytes(p.client, "x");
  const std::vector<sock_event> events = wait_events(poller, 5.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(p.server.get(), events[0].handle);
  EXPECT_EQ(kRead, events[0].events);
  EXPECT_EQ(cookie, events[0].user_data);
}

TEST(Poller, IsLevelTriggeredASocketStaysReportedWhileReady) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 7));
  send_bytes(p.client, "abc");
  wait_for_socket(poller, p.server);
  for (int i = 0; i < 3; ++i) {
    const std::vector<sock_event> events = wait_events(poller, 1.0);
    ASSERT_EQ(1u, events.size()) << "unread data must be reported on every wait (" << i << ")";
    EXPECT_EQ(p.server.get(), events[0].handle);
  }
  char buf[8];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  ASSERT_EQ(3u, n);
  EXPECT_TRUE(wait_events(poller, 0).empty()) << "all data was read";
}

TEST(Poller, ReportsOnlyTheEventsRegisteredAndModifyChangesThem) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead | kWrite, 1));
  std::vector<sock_event> events = wait_events(poller, 5.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(kWrite, events[0].events) << "connected, nothing to read: writable only";

  send_bytes(p.client, "data");
  wait_for_socket(poller, p.server);
  events = wait_events(poller, 5.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(kRead | kWrite, events[0].events);
  EXPECT_EQ(1u, events[0].user_data);

  ASSERT_PS_OK(sock_poller_modify(poller, p.server, kRead, 2));
  events = wait_events(poller, 5.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(kRead, events[0].events);
  EXPECT_EQ(2u, events[0].user_data) << "modify replaces user_data";

  ASSERT_PS_OK(sock_poller_modify(poller, p.server, kWrite, 3));
  events = wait_events(poller, 5.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(kWrite, events[0].events);
  EXPECT_EQ(3u, events[0].user_data);

  // A socket with nothing to read, registered for reading only, is not reported.
  Pair quiet = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(poller, quiet.server, kRead, 4));
  for (const sock_event &e : wait_events(poller, 0.05)) EXPECT_NE(quiet.server.get(), e.handle);
}

TEST(Poller, UnregisterStopsReportsAndTheSocketMayBeRegisteredAgain) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  send_bytes(p.client, "x");
  wait_for_socket(poller, p.server);
  ASSERT_PS_OK(sock_poller_unregister(poller, p.server));
  EXPECT_TRUE(wait_events(poller, 0.05).empty());
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 9));
  const sock_event e = wait_for_socket(poller, p.server);
  EXPECT_EQ(9u, e.user_data);
  EXPECT_EQ(kRead, e.events);
}

TEST(Poller, OneSocketMayBeRegisteredWithSeveralPollers) {
  Pair p = tcp_pair();
  auto first = std::make_unique<OwnedPoller>();
  OwnedPoller second;
  ASSERT_PS_OK(sock_poller_register(*first, p.server, kRead, 1));
  ASSERT_PS_OK(sock_poller_register(second, p.server, kRead, 2));
  send_bytes(p.client, "x");
  EXPECT_EQ(1u, wait_for_socket(*first, p.server).user_data);
  EXPECT_EQ(2u, wait_for_socket(second, p.server).user_data);
  first.reset();  // closing one poller leaves the other as it was
  EXPECT_EQ(2u, wait_for_socket(second, p.server).user_data);
}

TEST(Poller, AResetConnectionReportsErrorAndHangUpWithRead) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  // SO_LINGER {on, 0}: close sends a reset instead of a FIN.
  const struct linger abortive = {1, 0};
  ASSERT_PS_OK(
      sock_setsockopt_bytes(p.client, NET_SOL_SOCKET, NET_SO_LINGER, &abortive, sizeof abortive));
  p.client.reset();
  const sock_event e = wait_for_socket(poller, p.server);
  EXPECT_EQ(kRead | SOCK_EVENT_ERROR | SOCK_EVENT_HUP, e.events)
      << "an error wakes a reader (not a writer: WRITE was not registered)";
  char buf[4];
  size_t n = 0;
  EXPECT_PS_ERR(sock_recv(p.server, buf, sizeof buf, 0, &n), SOCK_ERR_OS, ECONNRESET);
}

TEST(Poller, ASocketShutBothWaysReportsHangUp) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kWrite, 1));
  ASSERT_PS_OK(sock_shutdown(p.server, NET_SHUT_RDWR));
  const sock_event e = wait_for_socket(poller, p.server);
  EXPECT_EQ(kWrite | SOCK_EVENT_HUP, e.events) << "READ is not reported: not registered";
}

TEST(Poller, ZeroTimeoutOnlyLooks) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  const double took = seconds_for([&] { EXPECT_TRUE(wait_events(poller, 0).empty()); });
  EXPECT_LT(took, 0.1);
}

TEST(Poller, PositiveTimeoutWaitsThatLongAndReportsNothing) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  const double took = seconds_for([&] { EXPECT_TRUE(wait_events(poller, 0.2).empty()); });
  EXPECT_GE(took, 0.19);
  EXPECT_LT(took, 2.0);
  // An empty poller waits too, as selectors.select() on no file objects.
  OwnedPoller empty;
  EXPECT_GE(seconds_for([&] { EXPECT_TRUE(wait_events(empty, 0.05).empty()); }), 0.045);
}

TEST(Poller, NegativeTimeoutWaitsUntilASocketIsReady) {
  for (double timeout : {SOCK_TIMEOUT_NONE, -42.0}) {
    Pair p = tcp_pair();
    OwnedPoller poller;
    ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 5));
    // The clock starts before the sender, so a slow thread start cannot shorten it.
    const auto start = std::chrono::steady_clock::now();
    std::thread sender([&] {
      std::this_thread::sleep_for(100ms);
      send_bytes(p.client, "late");
    });
    // A watchdog keeps the test bounded if the wait never returns.
    std::atomic<bool> returned{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 100 && !returned.load(); ++i) std::this_thread::sleep_for(50ms);
      if (!returned.load()) sock_poller_close(poller);
    });
    const std::vector<sock_event> events = wait_events(poller, timeout);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    returned.store(true);
    sender.join();
    watchdog.join();
    ASSERT_EQ(1u, events.size()) << "timeout " << timeout;
    EXPECT_EQ(5u, events[0].user_data);
    EXPECT_GE(took.count(), 0.1) << "the wait lasted until the data came";
  }
}

namespace {
std::atomic<int> g_sigusr1_count{0};
void on_sigusr1(int) { g_sigusr1_count.fetch_add(1); }
}  // namespace

TEST(Poller, SignalsDoNotCutAWaitShortItGoesOnWithTheTimeLeft) {
  struct sigaction sa;
  struct sigaction old;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigusr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the wait sees EINTR
  ASSERT_EQ(0, sigaction(SIGUSR1, &sa, &old));
  g_sigusr1_count.store(0);

  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  const pthread_t waiter = pthread_self();
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    for (int i = 0; i < 4 && !done.load(); ++i) {
      std::this_thread::sleep_for(60ms);
      pthread_kill(waiter, SIGUSR1);
    }
  });
  std::vector<sock_event> events;
  const double took = seconds_for([&] { events = wait_events(poller, 0.5); });
  done.store(true);
  interrupter.join();
  sigaction(SIGUSR1, &old, nullptr);

  EXPECT_GT(g_sigusr1_count.load(), 0) << "the signals were delivered";
  EXPECT_TRUE(events.empty());
  EXPECT_GE(took, 0.49) << "EINTR must not end the wait early";
  EXPECT_LT(took, 1.5) << "the retry waits for the time left, not the whole timeout again";
}

TEST(Poller, MaxEventsBoundsOneWaitAndTheOthersComeInTheNextWaits) {
  OwnedPoller poller;
  std::vector<UnixPair> pairs;
  for (int i = 0; i < 5; ++i) {
    pairs.push_back(unix_pair());
    ASSERT_PS_OK(sock_poller_register(poller, pairs.back().b, kRead, static_cast<uint64_t>(i)));
    send_bytes(pairs.back().a, "x");
  }
  std::set<uint64_t> seen;
  for (int round = 0; round < 20 && seen.size() < 5; ++round) {
    const std::vector<sock_event> events = wait_events(poller, 1.0, 2);
    ASSERT_GE(events.size(), 1u);
    ASSERT_LE(events.size(), 2u);
    for (const sock_event &e : events) seen.insert(e.user_data);
  }
  EXPECT_EQ(5u, seen.size()) << "every ready socket gets its turn";
  // A huge max_events is fine: the buffer is the caller's.
  std::vector<sock_event> big(8);
  size_t n = 0;
  EXPECT_PS_OK(sock_poller_wait(poller, 0, big.data(), 5, &n));
  EXPECT_EQ(5u, n);
}

TEST(Poller, UsesTheBackendChosenAtBuildTime) {
  const int before = epoll_fd_count();
  OwnedPoller poller;
  const int epolls = epoll_fd_count() - before;
  const std::string backend = POLYSOCK_TEST_POLLER_BACKEND;
  EXPECT_EQ(backend == "epoll" ? 1 : 0, epolls) << "backend " << backend;
}

TEST(Poller, CreatingAndClosingPollersLeaksNoDescriptors) {
  {
    OwnedPoller warm_up;  // the poll backend keeps one wake fd per waiting thread
    wait_events(warm_up, 0);
  }
  const int before = open_fd_count();
  for (int i = 0; i < 200; ++i) {
    OwnedPoller poller;
    Pair p = tcp_pair();
    ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead | kWrite, 1));
    wait_events(poller, 0);
  }
  EXPECT_EQ(before, open_fd_count());
}

// ---- Sockets closed while registered ------------------------------------------

TEST(PollerClose, AClosedSocketIsDroppedAndNeverReported) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  send_bytes(p.client, "x");
  wait_for_socket(poller, p.server);
  const sock_handle closed = p.server.get();
  ASSERT_PS_OK(sock_close(p.server.release()));
  EXPECT_TRUE(wait_events(poller, 0.05).empty());
  EXPECT_PS_ERR(sock_poller_unregister(poller, closed), SOCK_ERR_OS, EBADF);
}

TEST(PollerClose, AnFdNumberReusedAtOnceIsNotReportedAsTheClosedSocket) {
  OwnedPoller poller;
  UnixPair first = unix_pair();
  ASSERT_PS_OK(sock_poller_register(poller, first.b, kRead, 1));
  const int old_fd = fd_of(first.b);
  const sock_handle old_handle = first.b.get();
  sock_close(first.b.release());

  // The lowest free number is given out again: the new pair takes old_fd.
  UnixPair second = unix_pair();
  Sock &reused = fd_of(second.a) == old_fd ? second.a : second.b;
  Sock &peer = fd_of(second.a) == old_fd ? second.b : second.a;
  ASSERT_EQ(old_fd, fd_of(reused)) << "the fd number was not reused; the test needs it";
  send_bytes(peer, "new socket, old number");
  EXPECT_TRUE(wait_events(poller, 0.05).empty()) << "the new socket is not registered";

  ASSERT_PS_OK(sock_poller_register(poller, reused, kRead, 2));
  const std::vector<sock_event> events = wait_events(poller, 1.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(reused.get(), events[0].handle);
  EXPECT_NE(old_handle, events[0].handle);
  EXPECT_EQ(2u, events[0].user_data);
}

TEST(PollerClose, ADupOfAClosedSocketLeavesNoStaleRegistration) {
  // epoll registers the open file, which a dup shares: only removing it before
  // the close keeps the dup from being reported under the closed handle.
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  sock_close(p.server.release());
  send_bytes(p.client, "x");
  EXPECT_TRUE(wait_events(poller, 0.1).empty());
  ASSERT_PS_OK(sock_poller_register(poller, dup, kRead, 2));
  const std::vector<sock_event> events = wait_events(poller, 1.0);
  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(dup.get(), events[0].handle);
  EXPECT_EQ(2u, events[0].user_data);
}

TEST(PollerClose, ADetachedSocketIsDroppedToo) {
  Pair p = tcp_pair();
  OwnedPoller poller;
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  int fd = -1;
  ASSERT_PS_OK(sock_detach(p.server.release(), &fd));
  send_bytes(p.client, "x");
  EXPECT_TRUE(wait_events(poller, 0.05).empty());
  ::close(fd);
}

TEST(PollerClose, ASocketClosedByAnotherThreadDuringAWaitIsNeverReported) {
  OwnedPoller poller;
  UnixPair first = unix_pair();
  ASSERT_PS_OK(sock_poller_register(poller, first.b, kRead, 1));
  const int old_fd = fd_of(first.b);
  const sock_handle old_handle = first.b.get();

  std::vector<sock_event> events;
  double took = 0;
  std::thread waiter([&] { took = seconds_for([&] { events = wait_events(poller, 5.0); }); });
  std::this_thread::sleep_for(100ms);  // the waiter is inside the wait by now
  sock_close(first.b.release());
  // Its fd number comes back at once, as a socket that is ready and registered
  // under another handle. Only that one may be reported.
  UnixPair second = unix_pair();
  Sock &reused = fd_of(second.a) == old_fd ? second.a : second.b;
  Sock &peer = fd_of(second.a) == old_fd ? second.b : second.a;
  send_bytes(peer, "to the new one");
  EXPECT_PS_OK(sock_poller_register(poller, reused, kRead, 2));
  waiter.join();
  ASSERT_EQ(old_fd, fd_of(reused)) << "the fd number was not reused; the test needs it";

  ASSERT_EQ(1u, events.size());
  EXPECT_EQ(reused.get(), events[0].handle);
  EXPECT_NE(old_handle, events[0].handle);
  EXPECT_EQ(2u, events[0].user_data);
  EXPECT_LT(took, 3.0) << "a registration made during a wait is seen by it";
}

TEST(PollerClose, NoWaitThatStartsAfterACloseReportsTheClosedSocket) {
  // Close races wait in another thread, hundreds of times, fd numbers reused each
  // time. A wait that began after sock_close returned must not report the handle.
  OwnedPoller poller;
  std::mutex mu;
  std::map<sock_handle, uint64_t> closed_at;  // handle -> close count before it closed
  std::atomic<uint64_t> closes{0};
  std::atomic<bool> done{false};
  std::atomic<int> reports{0}, violations{0}, failures{0};
  std::thread waiter([&] {
    std::vector<sock_event> events(64);
    while (!done.load()) {
      const uint64_t started = closes.load();
      size_t n = 0;
      if (sock_poller_wait(poller, 0.05, events.data(), events.size(), &n) != SOCK_OK) {
        failures.fetch_add(1);
        return;
      }
      std::lock_guard<std::mutex> lock(mu);
      for (size_t i = 0; i < n; ++i) {
        reports.fetch_add(1);
        auto it = closed_at.find(events[i].handle);
        if (it != closed_at.end() && it->second < started) violations.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 300; ++i) {
    UnixPair p = unix_pair();
    EXPECT_PS_OK(sock_poller_register(poller, p.b, kRead, static_cast<uint64_t>(i)));
    send_bytes(p.a, "x");
    if (i % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    const sock_handle h = p.b.release();
    EXPECT_PS_OK(sock_close(h));
    {
      std::lock_guard<std::mutex> lock(mu);
      closed_at[h] = closes.load();
    }
    closes.fetch_add(1);
  }
  done.store(true);
  waiter.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_EQ(0, violations.load()) << "a closed socket was reported by a later wait";
  EXPECT_GT(reports.load(), 0) << "the waiter saw the sockets while they were open";
}

// ---- Closing the poller ---------------------------------------------------------

TEST(PollerClose, ClosingThePollerWakesAWaitingThreadWithEbadf) {
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  Pair quiet = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(p, quiet.server, kRead, 1));
  int status = SOCK_OK, err = 0;
  double took = 0;
  std::thread waiter([&] {
    sock_event events[4];
    size_t n = 0;
    took = seconds_for([&] { status = sock_poller_wait(p, 10.0, events, 4, &n); });
    err = sock_last_errno();
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_PS_OK(sock_poller_close(p));
  waiter.join();
  EXPECT_EQ(SOCK_ERR_OS, status);
  EXPECT_EQ(EBADF, err);
  EXPECT_LT(took, 3.0) << "close must wake the wait, not let it time out";
}

TEST(PollerClose, AClosedPollerRefusesEverythingAndClosingAgainIsOk) {
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  Pair pair = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(p, pair.server, kRead, 1));
  ASSERT_PS_OK(sock_poller_close(p));
  EXPECT_PS_OK(sock_poller_close(p));
  sock_event events[4];
  size_t n = 99;
  EXPECT_PS_ERR(sock_poller_wait(p, 0, events, 4, &n), SOCK_ERR_OS, EBADF);
  EXPECT_EQ(0u, n);
  EXPECT_PS_ERR(sock_poller_register(p, pair.client, kRead, 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_modify(p, pair.server, kRead, 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_poller_unregister(p, pair.server), SOCK_ERR_OS, EBADF);
}

TEST(PollerClose, SocketsOutliveTheirPollerAndStayUsable) {
  Pair p = tcp_pair();
  {
    OwnedPoller poller;
    ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  }
  send_bytes(p.client, "still here");
  char buf[16];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("still here", std::string(buf, n));
  OwnedPoller next;
  ASSERT_PS_OK(sock_poller_register(next, p.server, kRead, 2));
  send_bytes(p.client, "y");
  EXPECT_EQ(2u, wait_for_socket(next, p.server).user_data);
}

// ---- Errors ------------------------------------------------------------------------

TEST(PollerErrors, NullPointersAreValueErrors) {
  EXPECT_PS_ERR(sock_poller_create(nullptr), SOCK_ERR_VALUE, 0);
  OwnedPoller poller;
  sock_event events[2];
  size_t n = 0;
  EXPECT_PS_ERR(sock_poller_wait(poller, 0, nullptr, 2, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_poller_wait(poller, 0, events, 2, nullptr), SOCK_ERR_VALUE, 0);
}

TEST(PollerErrors, ZeroMaxEventsAndNanTimeoutAreValueErrors) {
  OwnedPoller poller;
  sock_event events[2];
  size_t n = 99;
  EXPECT_PS_ERR(sock_poller_wait(poller, 0, events, 0, &n), SOCK_ERR_VALUE, 0);
  EXPECT_EQ(0u, n);
  EXPECT_STREQ("maxevents must be greater than 0", sock_last_error_message());
  EXPECT_PS_ERR(sock_poller_wait(poller, std::nan(""), events, 2, &n), SOCK_ERR_VALUE, 0);
}

TEST(PollerErrors, NeverIssuedPollerHandlesAreEbadf) {
  Pair p = tcp_pair();
  sock_event events[2];
  size_t n = 0;
  for (sock_poller bad :
       {sock_poller{0}, sock_poller{12345}, (sock_poller{0x7ffffff0} << 32) | 1, ~sock_poller{0}}) {
    EXPECT_PS_ERR(sock_poller_register(bad, p.server, kRead, 1), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_modify(bad, p.server, kRead, 1), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_unregister(bad, p.server), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_wait(bad, 0, events, 2, &n), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_close(bad), SOCK_ERR_OS, EBADF) << bad;
  }
}

TEST(PollerErrors, ClosedAndNeverIssuedSocketHandlesAreEbadf) {
  OwnedPoller poller;
  sock_handle closed = 0;
  ASSERT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, &closed));
  ASSERT_PS_OK(sock_close(closed));
  for (sock_handle bad : {closed, sock_handle{0}, sock_handle{99999}, ~sock_handle{0}}) {
    EXPECT_PS_ERR(sock_poller_register(poller, bad, kRead, 1), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_modify(poller, bad, kRead, 1), SOCK_ERR_OS, EBADF) << bad;
    EXPECT_PS_ERR(sock_poller_unregister(poller, bad), SOCK_ERR_OS, EBADF) << bad;
  }
  EXPECT_TRUE(wait_events(poller, 0).empty());
}

// Socket and poller handles come from separate tables. In a fresh process the first
// socket and the first poller take the same slot with the same generation, so this
// fails if the two kinds of handle were ever numbered alike: a poller handle passed
// to a socket function (or the reverse) must name nothing, not the other object.
TEST(PollerErrors, SocketAndPollerHandlesNeverNameEachOther) {
  OwnedPoller poller;
  std::vector<sock_handle> socks(64);
  for (sock_handle &s : socks) ASSERT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, &s));
  sock_event events[2];
  size_t n = 0;
  for (sock_handle s : socks) {
    ASSERT_NE(s, sock_handle{poller}) << "a socket and a poller share a handle";
    // A socket handle is not a poller: the poller calls refuse it as one.
    EXPECT_PS_ERR(sock_poller_wait(s, 0, events, 2, &n), SOCK_ERR_OS, EBADF);
    EXPECT_PS_ERR(sock_poller_register(s, s, kRead, 1), SOCK_ERR_OS, EBADF);
  }
  // The poller's handle is not a socket: closing it as one closes nothing.
  int fd = -1;
  EXPECT_PS_ERR(sock_fileno(poller, &fd), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_close(poller), SOCK_ERR_OS, EBADF);
  for (sock_handle s : socks) {
    ASSERT_PS_OK(sock_fileno(s, &fd)) << "every socket is still open";
    EXPECT_GE(fd, 0);
    ASSERT_PS_OK(sock_close(s));
  }
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1)) << "the poller still works";
}

TEST(PollerErrors, BadEventMasksAreValueErrors) {
  OwnedPoller poller;
  Pair p = tcp_pair();
  for (uint32_t bad : {0u, SOCK_EVENT_ERROR, SOCK_EVENT_HUP, SOCK_EVENT_ERROR | SOCK_EVENT_HUP,
                       0x10u, kRead | 0x10u, 0x80000000u, 0xffffffffu}) {
    EXPECT_PS_ERR(sock_poller_register(poller, p.server, bad, 1), SOCK_ERR_VALUE, 0) << bad;
  }
  EXPECT_PS_ERR(sock_poller_register(poller, p.server, 16, 1), SOCK_ERR_VALUE, 0);
  EXPECT_STREQ("Invalid events: 16", sock_last_error_message());
  // ERROR and HUP may come with READ or WRITE; they are reported anyway.
  ASSERT_PS_OK(
      sock_poller_register(poller, p.server, kRead | SOCK_EVENT_ERROR | SOCK_EVENT_HUP, 1));
  for (uint32_t bad : {0u, SOCK_EVENT_HUP, 0x20u | kWrite}) {
    EXPECT_PS_ERR(sock_poller_modify(poller, p.server, bad, 1), SOCK_ERR_VALUE, 0) << bad;
  }
  send_bytes(p.client, "x");
  EXPECT_EQ(kRead, wait_for_socket(poller, p.server).events) << "a failed modify changes nothing";
}

TEST(PollerErrors, RegisteringTwiceIsEexistAndKeepsTheFirstRegistration) {
  OwnedPoller poller;
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  EXPECT_PS_ERR(sock_poller_register(poller, p.server, kWrite, 2), SOCK_ERR_OS, EEXIST);
  EXPECT_STREQ("[Errno 17] File exists", sock_last_error_message());
  send_bytes(p.client, "x");
  const sock_event e = wait_for_socket(poller, p.server);
  EXPECT_EQ(kRead, e.events);
  EXPECT_EQ(1u, e.user_data);
}

TEST(PollerErrors, ModifyingOrUnregisteringAnUnregisteredSocketIsEnoent) {
  OwnedPoller poller;
  Pair p = tcp_pair();
  EXPECT_PS_ERR(sock_poller_modify(poller, p.server, kRead, 1), SOCK_ERR_OS, ENOENT);
  EXPECT_PS_ERR(sock_poller_unregister(poller, p.server), SOCK_ERR_OS, ENOENT);
  ASSERT_PS_OK(sock_poller_register(poller, p.server, kRead, 1));
  ASSERT_PS_OK(sock_poller_unregister(poller, p.server));
  EXPECT_PS_ERR(sock_poller_unregister(poller, p.server), SOCK_ERR_OS, ENOENT);
}

// ---- One poller, a thousand clients ----------------------------------------------

namespace {

constexpr int kClients = 1000;
constexpr int kMessages = 100;

// Message i of client c: its length and its k-th byte, different for every
// message, so that a byte echoed to the wrong client or out of order is caught.
size_t message_size(int c, int i) {
  return 1 + static_cast<size_t>((c * 7919 + i * 104729) % 1200);
}
char message_byte(int c, int i, size_t k) {
  return static_cast<char>((c * 131 + i * 31 + static_cast<int>(k) * 7) & 0xff);
}

// A non-blocking echo server on one poller, in its own thread; it stops when
// `expected` clients have come and gone, or at the deadline.
struct EchoServer {
  struct Conn {
    Sock sock;
    uint64_t id = 0;  // its user_data
    std::string out;  // received, not yet echoed
    uint32_t interest = kRead;
  };
  int accepted = 0;
  int finished = 0;
  uint64_t echoed = 0;
  std::string error;

  void run(sock_handle listener, int expected, std::chrono::steady_clock::time_point deadline,
           const std::atomic<bool> &stop) {
    OwnedPoller poller;
    if (sock_poller_register(poller, listener, kRead, 0) != SOCK_OK) {
      error = "register listener: " + last_message();
      return;
    }
    std::vector<std::unique_ptr<Conn>> conns;  // user_data is the index + 1
    std::vector<sock_event> events(256);
    char buf[4096];
    while (finished < expected && error.empty() && !stop.load() &&
           std::chrono::steady_clock::now() < deadline) {
      size_t n = 0;
      if (sock_poller_wait(poller, 0.2, events.data(), events.size(), &n) != SOCK_OK) {
        error = "server wait: " + last_message();
        return;
      }
      for (size_t i = 0; i < n && error.empty(); ++i) {
        const sock_event &e = events[i];
        if (e.user_data == 0) {
          accept_all(poller, listener, &conns);
          continue;
        }
        Conn &c = *conns[e.user_data - 1];
        if (e.handle != c.sock.get()) error = "event for the wrong handle";
        if (e.events & kRead) {
          size_t got = 0;
          const int st = sock_recv(c.sock, buf, sizeof buf, 0, &got);
          if (st != SOCK_OK && sock_last_errno() == EAGAIN) continue;
          if (st != SOCK_OK) {
            error = "server recv: " + last_message();
          } else if (got == 0) {
            c.sock.reset();  // closing drops it from the poller
            ++finished;
            continue;
          } else {
            c.out.append(buf, got);
          }
        }
        flush(poller, c);
      }
    }
  }

  void accept_all(sock_poller poller, sock_handle listener,
                  std::vector<std::unique_ptr<Conn>> *conns) {
    for (;;) {
      Sock s;
      if (sock_accept(listener, s.out(), nullptr) != SOCK_OK) {
        if (sock_last_errno() != EAGAIN) error = "accept: " + last_message();
        return;
      }
      if (sock_setblocking(s, 0) != SOCK_OK ||
          sock_setsockopt(s, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1) != SOCK_OK ||
          sock_poller_register(poller, s, kRead, conns->size() + 1) != SOCK_OK) {
        error = "new connection: " + last_message();
        return;
      }
      conns->push_back(std::make_unique<Conn>());
      conns->back()->sock = std::move(s);
      conns->back()->id = conns->size();
      ++accepted;
    }
  }

  // Echoes what is pending. While some is left, reading stops (WRITE only), so a
  // slow reader cannot make the server buffer without bound.
  void flush(sock_poller poller, Conn &c) {
    size_t done = 0;
    while (done < c.out.size()) {
      size_t n = 0;
      if (sock_send(c.sock, c.out.data() + done, c.out.size() - done, 0, &n) != SOCK_OK) {
        if (sock_last_errno() != EAGAIN) error = "server send: " + last_message();
        break;
      }
      done += n;
    }
    echoed += done;
    c.out.erase(0, done);
    const uint32_t want = c.out.empty() ? kRead : kWrite;
    if (want != c.interest && error.empty()) {
      if (sock_poller_modify(poller, c.sock, want, c.id) != SOCK_OK)
        error = "modify: " + last_message();
      c.interest = want;
    }
  }
};

}  // namespace

TEST(Poller, OnePollerServesAThousandClientsEachExchangingAHundredMessages) {
  if (!ensure_fd_limit(2 * kClients + 100)) GTEST_SKIP() << "RLIMIT_NOFILE is too low";
  const auto deadline = std::chrono::steady_clock::now() + 50s;
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 2 * kClients);
  ASSERT_PS_OK(sock_setblocking(listener, 0));
  EchoServer server;
  std::atomic<bool> stop{false};
  std::thread server_thread([&] { server.run(listener, kClients, deadline, stop); });
  // However this test ends (a failed ASSERT returns early), the server stops first.
  struct StopServer {
    std::atomic<bool> &stop;
    std::thread &thread;
    ~StopServer() {
      stop.store(true);
      if (thread.joinable()) thread.join();
    }
  } stop_server{stop, server_thread};

  // The clients: non-blocking sockets on a poller of their own, in this thread.
  struct Client {
    Sock sock;
    bool connected = false;
    int message = 0;
    size_t sent = 0, received = 0;
    uint32_t interest = kWrite;
  };
  std::vector<Client> clients(kClients);
  OwnedPoller poller;
  uint64_t bytes_sent = 0;
  std::string error;
  for (int c = 0; c < kClients && error.empty(); ++c) {
    Client &cl = clients[c];
    ASSERT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM | NET_SOCK_NONBLOCK, 0, cl.sock.out()));
    // Small echoes in pieces would otherwise wait on Nagle and delayed ACKs.
    ASSERT_PS_OK(sock_setsockopt(cl.sock, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1));
    const int rc = sock_connect_ex(cl.sock, "127.0.0.1", port);
    ASSERT_TRUE(rc == 0 || rc == EINPROGRESS) << "connect_ex: " << rc;
    ASSERT_PS_OK(sock_poller_register(poller, cl.sock, kWrite, static_cast<uint64_t>(c)));
  }
  auto set_interest = [&](Client &cl, int c, uint32_t want) {
    if (cl.interest == want) return;
    if (sock_poller_modify(poller, cl.sock, want, static_cast<uint64_t>(c)) != SOCK_OK) {
      error = "client modify: " + last_message();
    }
    cl.interest = want;
  };
  auto send_some = [&](Client &cl, int c) {
    const size_t size = message_size(c, cl.message);
    char buf[1200];
    while (cl.sent < size) {
      const size_t len = std::min(sizeof buf, size - cl.sent);
      for (size_t k = 0; k < len; ++k) buf[k] = message_byte(c, cl.message, cl.sent + k);
      size_t n = 0;
      if (sock_send(cl.sock, buf, len, 0, &n) != SOCK_OK) {
        if (sock_last_errno() != EAGAIN) error = "client send: " + last_message();
        break;
      }
      cl.sent += n;
      bytes_sent += n;
    }
    set_interest(cl, c, cl.sent < size ? kWrite : kRead);
  };

  int done = 0;
  std::vector<sock_event> events(256);
  char buf[4096];
  while (done < kClients && error.empty() && server.error.empty() &&
         std::chrono::steady_clock::now() < deadline) {
    size_t n = 0;
    ASSERT_PS_OK(sock_poller_wait(poller, 0.2, events.data(), events.size(), &n));
    for (size_t i = 0; i < n && error.empty(); ++i) {
      const int c = static_cast<int>(events[i].user_data);
      ASSERT_LT(c, kClients);
      Client &cl = clients[c];
      ASSERT_EQ(cl.sock.get(), events[i].handle) << "user_data and handle belong together";
      if (!cl.connected) {
        int so_error = -1;
        ASSERT_PS_OK(sock_getsockopt(cl.sock, NET_SOL_SOCKET, NET_SO_ERROR, &so_error));
        ASSERT_EQ(0, so_error) << "client " << c << " failed to connect";
        cl.connected = true;
        send_some(cl, c);
        continue;
      }
      if (events[i].events & kWrite) {
        send_some(cl, c);
        continue;
      }
      const size_t size = message_size(c, cl.message);
      size_t got = 0;
      if (sock_recv(cl.sock, buf, std::min(sizeof buf, size - cl.received), 0, &got) != SOCK_OK) {
        if (sock_last_errno() != EAGAIN) error = "client recv: " + last_message();
        continue;
      }
      ASSERT_NE(0u, got) << "client " << c << ": the server hung up early";
      for (size_t k = 0; k < got; ++k) {
        ASSERT_EQ(message_byte(c, cl.message, cl.received + k), buf[k])
            << "client " << c << " message " << cl.message << " byte " << cl.received + k;
      }
      cl.received += got;
      if (cl.received < size) continue;
      ASSERT_EQ(size, cl.sent) << "more came back than was sent";
      cl.received = cl.sent = 0;
      if (++cl.message == kMessages) {
        cl.sock.reset();  // while registered: the poller drops it by itself
        ++done;
      } else {
        send_some(cl, c);
      }
    }
  }
  const bool all_done = done == kClients;
  if (!all_done) stop.store(true);
  server_thread.join();
  EXPECT_EQ("", error);
  EXPECT_EQ("", server.error);
  EXPECT_EQ(kClients, done) << "clients that finished before the deadline";
  EXPECT_EQ(kClients, server.accepted);
  EXPECT_EQ(kClients, server.finished);
  EXPECT_EQ(bytes_sent, server.echoed) << "every byte sent was echoed";
  EXPECT_TRUE(wait_events(poller, 0).empty()) << "closed clients are no longer registered";
}

// ---- The poller's own descriptor (issue 16, point 6) ----

namespace {

// Whether poll() reports fd readable right now.
bool polls_readable(int fd) {
  pollfd pfd{fd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0;
}

// Whether sock_poller_wait would report an event without waiting.
bool wait_reports(sock_poller p) {
  sock_event ev[8];
  size_t n = 0;
  EXPECT_PS_OK(sock_poller_wait(p, 0, ev, 8, &n));
  return n > 0;
}

}  // namespace

TEST(PollerFileno, ReadableExactlyWhenAWaitWouldReport) {
  OwnedPoller p;
  int fd = -1;
  const std::string backend = POLYSOCK_TEST_POLLER_BACKEND;
  if (backend != "epoll") {
    EXPECT_PS_ERR(sock_poller_fileno(p, &fd), SOCK_ERR_OS, ENOTSUP);
    return;
  }
  ASSERT_PS_OK(sock_poller_fileno(p, &fd));
  EXPECT_FALSE(polls_readable(fd)) << "empty poller";
  Pair a = tcp_pair(), b = tcp_pair();
  ASSERT_PS_OK(sock_poller_register(p, a.server, SOCK_EVENT_READ, 1));
  ASSERT_PS_OK(sock_poller_register(p, b.server, SOCK_EVENT_READ, 2));
  EXPECT_FALSE(polls_readable(fd));
  EXPECT_FALSE(wait_reports(p));
  ASSERT_PS_OK(sock_sendall(b.client, "x", 1, 0, nullptr));
  // The data is on its way over loopback: wait for it with a bound.
  pollfd pfd{fd, POLLIN, 0};
  ASSERT_EQ(1, ::poll(&pfd, 1, 2000));
  EXPECT_TRUE(wait_reports(p));
  EXPECT_TRUE(polls_readable(fd)) << "level-triggered: a wait consumed nothing";
  char c;
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(b.server, &c, 1, 0, &n));
  EXPECT_FALSE(polls_readable(fd)) << "nothing ready any more";
  EXPECT_FALSE(wait_reports(p));
  // Interest in writing: a connected socket is writable at once.
  ASSERT_PS_OK(sock_poller_modify(p, a.server, SOCK_EVENT_WRITE, 1));
  EXPECT_TRUE(polls_readable(fd));
  EXPECT_TRUE(wait_reports(p));
  // A ready socket closed while registered is dropped, from both.
  a.server.reset();
  EXPECT_FALSE(polls_readable(fd));
  EXPECT_FALSE(wait_reports(p));
}

TEST(PollerFileno, ClosedPollerAndBadArguments) {
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  EXPECT_PS_ERR(sock_poller_fileno(p, nullptr), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(sock_poller_close(p));
  int fd = -1;
  EXPECT_PS_ERR(sock_poller_fileno(p, &fd), SOCK_ERR_OS, EBADF);
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_ERR(sock_poller_fileno(s, &fd), SOCK_ERR_OS, EBADF) << "a socket handle is no poller";
}
