// Faults, all over loopback and bounded (issue 7): a peer that resets the
// connection in the middle of sendall, sendfile and a blocked recv; a timer signal
// every 100 microseconds during every kind of blocking and timed call; running out
// of file descriptors (and recovering); and close racing with recv, send, accept
// and poller wait in other threads, 10,000 rounds, with the freed descriptor
// numbers taken at once by new sockets that the raced call must never touch.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;
using namespace std::chrono_literals;

namespace {

// ---- Helpers -------------------------------------------------------------------

// SIGPIPE at its default disposition (terminate) and unblocked on this thread for
// the guard's life: if any call raised it, the test process would die.
class SigpipeAtDefault {
 public:
  SigpipeAtDefault() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    EXPECT_EQ(0, sigaction(SIGPIPE, &dfl, &old_action_));
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    EXPECT_EQ(0, pthread_sigmask(SIG_UNBLOCK, &pipe, &old_mask_));
  }
  ~SigpipeAtDefault() {
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    sigaction(SIGPIPE, &old_action_, nullptr);
  }

 private:
  struct sigaction old_action_ {};
  sigset_t old_mask_{};
};

// Closes h so that the peer sees a reset (RST) rather than an orderly end.
void abortive_close(Sock &s) {
  const linger lg{1, 0};
  EXPECT_PS_OK(sock_setsockopt_bytes(s, NET_SOL_SOCKET, NET_SO_LINGER, &lg, sizeof lg));
  EXPECT_PS_OK(sock_close(s.release()));
}

bool is_reset_error(int err) { return err == ECONNRESET || err == EPIPE; }

// A signal at a fixed interval, aimed at one thread with a POSIX timer
// (SIGEV_THREAD_ID), and a handler without SA_RESTART so that every blocking
// system call it lands in fails with EINTR. The handler stays installed for the
// life of the process, so a signal still pending after the timer is deleted is
// harmless.
std::atomic<long> g_storm_hits{0};
void on_storm_signal(int) { g_storm_hits.fetch_add(1, std::memory_order_relaxed); }
constexpr int kStormSignal = SIGUSR2;

class TimerStorm {
 public:
  explicit TimerStorm(long interval_us = 100) {
    static const bool installed = [] {
      struct sigaction sa {};
      sa.sa_handler = on_storm_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART
      return sigaction(kStormSignal, &sa, nullptr) == 0;
    }();
    EXPECT_TRUE(installed);
    sigevent sev{};
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = kStormSignal;
    sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
    created_ = timer_create(CLOCK_MONOTONIC, &sev, &timer_) == 0;
    EXPECT_TRUE(created_) << "timer_create: " << std::strerror(errno);
    if (!created_) return;
    itimerspec spec{};
    spec.it_interval.tv_nsec = interval_us * 1000;
    spec.it_value.tv_nsec = interval_us * 1000;
    start_ = g_storm_hits.load();
    EXPECT_EQ(0, timer_settime(timer_, 0, &spec, nullptr));
  }
  ~TimerStorm() {
    if (created_) timer_delete(timer_);
  }
  TimerStorm(const TimerStorm &) = delete;
  TimerStorm &operator=(const TimerStorm &) = delete;
  // Signals handled (on any thread of the storms) since this storm started.
  long hits() const { return g_storm_hits.load() - start_; }

 private:
  timer_t timer_{};
  bool created_ = false;
  long start_ = 0;
};

// The allowance on a timeout: it may not end early, nor more than 10% late.
void expect_timeout_honoured(double timeout, double elapsed, const char *what) {
  EXPECT_GE(elapsed, timeout) << what << " ended early";
  EXPECT_LE(elapsed, timeout * 1.10) << what << " overran its " << timeout << " s timeout";
}

// A listener whose backlog is full, so that the next connect's SYN is dropped
// and a timed connect to it runs out of time. Keeps the queued clients alive.
struct FullBacklog {
  Sock listener;
  int port = 0;
  std::vector<Sock> queued;
};

FullBacklog full_backlog() {
  FullBacklog fb;
  fb.listener = tcp_listener(NET_AF_INET, "127.0.0.1", &fb.port, 0);
  // listen(0) queues a connection or two; once a connect times out, it is full.
  for (int i = 0; i < 8; ++i) {
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    EXPECT_PS_OK(sock_settimeout(c, 0.2));
    const int st = sock_connect(c, "127.0.0.1", fb.port);
    fb.queued.push_back(std::move(c));
    if (st == SOCK_ERR_TIMEOUT) return fb;
    EXPECT_PS_OK(st);
  }
  ADD_FAILURE() << "the backlog never filled up";
  return fb;
}

}  // namespace

// ---- The peer resets the connection ----------------------------------------------

namespace {

// The peer reads `before_reset` bytes of a large transfer, then resets. Returns
// what the reading side got before the reset.
std::thread reset_after_reading(Sock &peer, size_t before_reset, std::atomic<size_t> *got) {
  return std::thread([&peer, before_reset, got] {
    EXPECT_PS_OK(sock_settimeout(peer, 10.0));
    std::vector<char> buf(64 << 10);
    size_t total = 0;
    while (total < before_reset) {
      size_t n = 0;
      if (sock_recv(peer, buf.data(), buf.size(), 0, &n) != SOCK_OK || n == 0) break;
      total += n;
    }
    got->store(total);
    abortive_close(peer);
  });
}

void sendall_meets_a_reset(double timeout) {
  SigpipeAtDefault sigpipe_kills;
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.client, timeout));
  std::vector<unsigned char> big(64 << 20, 0x5a);  // far more than the buffers hold
  std::atomic<size_t> peer_got{0};
  std::thread peer = reset_after_reading(p.server, 1 << 20, &peer_got);
  size_t sent = 0;
  const int st = sock_sendall(p.client, big.data(), big.size(), 0, &sent);
  const int err = sock_last_errno();
  const std::string message = last_message();
  peer.join();
  EXPECT_EQ(SOCK_ERR_OS, st) << message;
  EXPECT_TRUE(is_reset_error(err)) << "errno " << err << ": " << message;
  EXPECT_GE(sent, peer_got.load()) << "out_sent counts at least what the peer read";
  EXPECT_LT(sent, big.size()) << "the reset came in the middle";
  // Every later write fails the same clean way, still without SIGPIPE.
  size_t n = 0;
  EXPECT_EQ(SOCK_ERR_OS, sock_send(p.client, "x", 1, 0, &n));
  EXPECT_TRUE(is_reset_error(sock_last_errno())) << last_message();
  EXPECT_EQ(SOCK_ERR_OS, sock_sendall(p.client, "xyz", 3, 0, nullptr));
  EXPECT_TRUE(is_reset_error(sock_last_errno())) << last_message();
}

void recv_meets_a_reset(double timeout) {
  SigpipeAtDefault sigpipe_kills;
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, timeout));
  std::atomic<bool> receiving{false};
  std::thread peer([&] {
    while (!receiving.load()) std::this_thread::yield();
    std::this_thread::sleep_for(50ms);  // let the recv block
    abortive_close(p.client);
  });
  char buf[64];
  size_t n = 99;
  receiving.store(true);
  const int st = sock_recv(p.server, buf, sizeof buf, 0, &n);
  const int err = sock_last_errno();
  peer.join();
  EXPECT_EQ(SOCK_ERR_OS, st) << "a reset is an error, not an orderly end";
  EXPECT_EQ(ECONNRESET, err) << last_message();
  EXPECT_STREQ("[Errno 104] Connection reset by peer", sock_last_error_message());
  // Writing to the reset connection: EPIPE, never SIGPIPE.
  EXPECT_PS_ERR(sock_send(p.server, "x", 1, 0, &n), SOCK_ERR_OS, EPIPE);
  EXPECT_STREQ("[Errno 32] Broken pipe", sock_last_error_message());
  // Reading after the reset was reported is the end of the stream.
  EXPECT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ(0u, n);
}

}  // namespace

TEST(PeerReset, InTheMiddleOfABlockingSendallIsAClearErrorWithoutSigpipe) {
  sendall_meets_a_reset(SOCK_TIMEOUT_NONE);
}

TEST(PeerReset, InTheMiddleOfATimedSendallIsAClearErrorWithoutSigpipe) {
  sendall_meets_a_reset(30.0);
}

TEST(PeerReset, InTheMiddleOfSendfileIsAClearErrorWithoutSigpipe) {
  // sendfile takes no MSG_NOSIGNAL: the library blocks SIGPIPE around it.
  SigpipeAtDefault sigpipe_kills;
  const int file = memfd_create("polysock-faults", MFD_CLOEXEC);
  ASSERT_GE(file, 0) << std::strerror(errno);
  const off_t size = 64 << 20;
  ASSERT_EQ(0, ftruncate(file, size));
  Pair p = tcp_pair();
  std::atomic<size_t> peer_got{0};
  std::thread peer = reset_after_reading(p.server, 1 << 20, &peer_got);
  int64_t sent = 0;
  const int st = sock_sendfile(p.client, file, 0, 0, &sent);
  const int err = sock_last_errno();
  peer.join();
  close(file);
  EXPECT_EQ(SOCK_ERR_OS, st);
  EXPECT_TRUE(is_reset_error(err)) << "errno " << err;
  EXPECT_GE(sent, static_cast<int64_t>(peer_got.load()));
  EXPECT_LT(sent, size);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(0, sigismember(&pending, SIGPIPE)) << "no SIGPIPE is left pending either";
}

TEST(PeerReset, WakesABlockedRecvWithEconnreset) { recv_meets_a_reset(SOCK_TIMEOUT_NONE); }

TEST(PeerReset, WakesATimedRecvWithEconnreset) { recv_meets_a_reset(30.0); }

// ---- A signal every 100 microseconds ------------------------------------------------

TEST(SignalStorm, TimedCallsKeepTheirTimeoutWithinTenPercent) {
  constexpr double kTimeout = 0.5;
  Pair p = tcp_pair();
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  FullBacklog fb = full_backlog();
  Sock late = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  sock_poller poller = 0;
  ASSERT_PS_OK(sock_poller_create(&poller));
  ASSERT_PS_OK(sock_poller_register(poller, p.server, SOCK_EVENT_READ, 1));
  for (sock_handle h : {p.server.get(), p.client.get(), listener.get(), late.get()}) {
    ASSERT_PS_OK(sock_settimeout(h, kTimeout));
  }
  std::vector<char> big(64 << 20, 'b');

  TimerStorm storm;
  char buf[16];
  size_t n = 0;
  int st = 0;
  double took = seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, 0, &n); });
  EXPECT_PS_ERR(st, SOCK_ERR_TIMEOUT, 0);
  expect_timeout_honoured(kTimeout, took, "recv");

  Sock conn;
  took = seconds_for([&] { st = sock_accept(listener, conn.out(), nullptr); });
  EXPECT_PS_ERR(st, SOCK_ERR_TIMEOUT, 0);
  expect_timeout_honoured(kTimeout, took, "accept");

  took = seconds_for([&] { st = sock_connect(late, "127.0.0.1", fb.port); });
  EXPECT_PS_ERR(st, SOCK_ERR_TIMEOUT, 0);
  expect_timeout_honoured(kTimeout, took, "connect");

  sock_event events[4];
  took = seconds_for([&] { st = sock_poller_wait(poller, kTimeout, events, 4, &n); });
  EXPECT_PS_OK(st);
  EXPECT_EQ(0u, n) << "nothing became ready";
  expect_timeout_honoured(kTimeout, took, "poller wait");

  size_t sent = 0;  // last: it leaves p.server readable
  took = seconds_for([&] { st = sock_sendall(p.client, big.data(), big.size(), 0, &sent); });
  EXPECT_PS_ERR(st, SOCK_ERR_TIMEOUT, 0);
  EXPECT_GT(sent, 0u);
  expect_timeout_honoured(kTimeout, took, "sendall");

  EXPECT_GT(storm.hits(), 1000) << "the signals really landed during the calls";
  sock_poller_close(poller);
}

TEST(SignalStorm, BlockingAndTimedCallsCompleteCorrectly) {
  // Each call waits for the other side, which acts after 50 ms, in blocking mode
  // and in timeout mode; under the storm every call must still succeed with the
  // right result.
  for (double timeout : {SOCK_TIMEOUT_NONE, 10.0}) {
    SCOPED_TRACE(timeout);
    int port = 0;
    Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
    ASSERT_PS_OK(sock_settimeout(listener, timeout));
    TimerStorm storm;

    // accept, while another thread connects late.
    Sock client = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    std::thread connector([&] {
      std::this_thread::sleep_for(50ms);
      EXPECT_PS_OK(sock_connect(client, "127.0.0.1", port));
    });
    Sock server;
    EXPECT_PS_OK(sock_accept(listener, server.out(), nullptr));
    connector.join();
    ASSERT_NE(0u, server.get());
    ASSERT_PS_OK(sock_settimeout(server, timeout));

    // connect under the storm (this thread), then recv of late data.
    Sock second = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_settimeout(second, timeout));
    EXPECT_PS_OK(sock_connect(second, "127.0.0.1", port));
    std::thread sender([&] {
      std::this_thread::sleep_for(50ms);
      EXPECT_PS_OK(sock_sendall(client, "late data", 9, 0, nullptr));
    });
    char buf[16];
    size_t n = 0;
    EXPECT_PS_OK(sock_recv(server, buf, sizeof buf, 0, &n));
    sender.join();
    EXPECT_EQ("late data", std::string(buf, n));

    // sendall of 16 MiB to a reader that starts late and reads in small pieces.
    std::vector<unsigned char> data(16 << 20);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 13 + 1);
    std::vector<unsigned char> got(data.size());
    std::thread reader([&] {
      std::this_thread::sleep_for(50ms);
      size_t off = 0, m = 0;
      while (off < got.size()) {
        const size_t want = std::min<size_t>(got.size() - off, 100000);
        if (sock_recv(client, got.data() + off, want, 0, &m) != SOCK_OK || m == 0) break;
        off += m;
      }
      EXPECT_EQ(got.size(), off);
    });
    size_t sent = 0;
    EXPECT_PS_OK(sock_sendall(server, data.data(), data.size(), 0, &sent));
    reader.join();
    EXPECT_EQ(data.size(), sent);
    EXPECT_TRUE(data == got) << "every byte arrives intact";

    // A poller wait (no limit, or the timeout) until a socket becomes readable.
    sock_poller poller = 0;
    ASSERT_PS_OK(sock_poller_create(&poller));
    ASSERT_PS_OK(sock_poller_register(poller, server, SOCK_EVENT_READ, 42));
    std::thread poke([&] {
      std::this_thread::sleep_for(50ms);
      EXPECT_PS_OK(sock_sendall(client, "!", 1, 0, nullptr));
    });
    sock_event events[4];
    EXPECT_PS_OK(sock_poller_wait(poller, timeout, events, 4, &n));
    poke.join();
    ASSERT_EQ(1u, n);
    EXPECT_EQ(server.get(), events[0].handle);
    EXPECT_EQ(42u, events[0].user_data);
    sock_poller_close(poller);
    EXPECT_GT(storm.hits(), 100);
  }
}

// ---- Running out of file descriptors ------------------------------------------------

namespace {

// The highest descriptor number open in this process.
int highest_open_fd() {
  int highest = -1;
  for (int fd = 0; fd < 65536; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) highest = fd;
  }
  return highest;
}

// Lowers the soft RLIMIT_NOFILE for its life; the old limits come back after.
class FdLimit {
 public:
  explicit FdLimit(rlim_t soft) {
    ok_ = getrlimit(RLIMIT_NOFILE, &old_) == 0;
    rlimit lim = old_;
    lim.rlim_cur = soft;
    ok_ = ok_ && setrlimit(RLIMIT_NOFILE, &lim) == 0;
  }
  ~FdLimit() { setrlimit(RLIMIT_NOFILE, &old_); }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  bool ok_ = false;
};

void expect_emfile(int st, const char *what) {
  const int err = sock_last_errno();
  EXPECT_EQ(SOCK_ERR_OS, st) << what << ": " << last_message();
  EXPECT_EQ(EMFILE, err) << what << ": " << last_message();
  EXPECT_EQ("[Errno 24] Too many open files", last_message()) << what;
}

}  // namespace

TEST(FdExhaustion, EveryCallThatNeedsADescriptorFailsWithEmfileThenRecovers) {
  const int fds_before = open_fd_count();
  // Made before the limit: a listener with a connection waiting to be accepted,
  // a socket to dup, a pair to wait on.
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  Sock pending_client = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_settimeout(listener, 0.001));
  Sock none;
  ASSERT_EQ(SOCK_ERR_TIMEOUT, sock_accept(listener, none.out(), nullptr));
  ASSERT_PS_OK(sock_connect(pending_client, "127.0.0.1", port));
  ASSERT_PS_OK(sock_settimeout(listener, 5.0));
  Sock lazy, lazy_peer;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, lazy.out(), lazy_peer.out()));
  int raw_fd = -1;
  ASSERT_PS_OK(sock_fileno(lazy_peer, &raw_fd));

  std::vector<Sock> fillers;
  {
    // The limit is on descriptor numbers: the fillers take the gaps below the
    // highest open one too (inherited descriptors may sit high).
    const int soft = highest_open_fd() + 1 + 32;
    FdLimit limit(static_cast<rlim_t>(soft));
    ASSERT_TRUE(limit.ok()) << "cannot lower RLIMIT_NOFILE: " << std::strerror(errno);
    int st = SOCK_OK;
    for (int i = 0; i <= soft && st == SOCK_OK; ++i) {
      Sock s;
      st = sock_create(NET_AF_INET, NET_SOCK_DGRAM, 0, s.out());
      if (st == SOCK_OK) fillers.push_back(std::move(s));
    }
    expect_emfile(st, "sock_create");
    ASSERT_FALSE(fillers.empty());

    sock_handle h = 0, h2 = 0;
    expect_emfile(sock_create(NET_AF_UNIX, NET_SOCK_STREAM, 0, &h), "sock_create AF_UNIX");
    expect_emfile(sock_accept(listener, &h, nullptr), "sock_accept");
    expect_emfile(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &h, &h2), "net_socketpair");
    expect_emfile(sock_dup(lazy_peer, &h), "sock_dup");
    expect_emfile(net_fromfd(raw_fd, -1, -1, -1, &h), "net_fromfd");
    expect_emfile(net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 0, &h),
                  "net_create_server");
    expect_emfile(net_create_connection("127.0.0.1", port, 1.0, nullptr, 0, &h),
                  "net_create_connection");
    sock_poller poller = 0;
    expect_emfile(sock_poller_create(&poller), "sock_poller_create");
    EXPECT_EQ(0u, h) << "no handle is written on failure";
    EXPECT_EQ(0u, poller);

    // Waiting needs no descriptor of its own (close wakes a wait with a signal,
    // docs/design.md): a timed wait times out as usual, and data is read as usual.
    char buf[8];
    size_t n = 0;
    ASSERT_PS_OK(sock_settimeout(lazy, 0.01));
    EXPECT_EQ(SOCK_ERR_TIMEOUT, sock_recv(lazy, buf, sizeof buf, 0, &n)) << last_message();
    ASSERT_PS_OK(sock_sendall(lazy_peer, "ready", 5, 0, nullptr));
    EXPECT_PS_OK(sock_recv(lazy, buf, sizeof buf, 0, &n));
    EXPECT_EQ("ready", std::string(buf, n));
    ASSERT_PS_OK(sock_settimeout(lazy, SOCK_TIMEOUT_NONE));

    // One descriptor free is still too few for a pair; the half made is not leaked.
    fillers.pop_back();
    expect_emfile(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &h, &h2), "socketpair, 1 free");
    Sock last;
    EXPECT_PS_OK(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, last.out()))
        << "the one free descriptor is still free";
  }

  // Descriptors freed: everything works again on the same objects.
  fillers.clear();
  Sock conn;
  EXPECT_PS_OK(sock_accept(listener, conn.out(), nullptr))
      << "the waiting connection is still there";
  Sock a, b, d, f, server, client;
  EXPECT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
  EXPECT_PS_OK(sock_dup(lazy_peer, d.out()));
  EXPECT_PS_OK(net_fromfd(raw_fd, -1, -1, -1, f.out()));
  EXPECT_PS_OK(net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 0, server.out()));
  EXPECT_PS_OK(net_create_connection("127.0.0.1", port, 1.0, nullptr, 0, client.out()));
  sock_poller poller = 0;
  EXPECT_PS_OK(sock_poller_create(&poller));
  sock_poller_close(poller);
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_PS_OK(sock_sendall(lazy_peer, "again", 5, 0, nullptr));
  });
  char buf[8];
  size_t n = 0;
  EXPECT_PS_OK(sock_recv(lazy, buf, sizeof buf, 0, &n))
      << "a blocking wait after the limit is lifted";
  later.join();
  EXPECT_EQ("again", std::string(buf, n));

  for (Sock *s : {&listener, &pending_client, &none, &lazy, &lazy_peer, &conn, &a, &b, &d, &f,
                  &server, &client}) {
    s->reset();
  }
  EXPECT_EQ(fds_before, open_fd_count()) << "nothing leaked on any failure path";
}

// ---- close racing with calls in other threads ---------------------------------------

namespace {

// How long the closing thread lets the raced call run first: not at all, a yield,
// or until the call has started plus a short spin, so that the close lands before,
// during and after the call's handle lookup and its wait.
void stagger(int round, const std::atomic<bool> &started) {
  switch (round % 3) {
    case 0:
      break;
    case 1:
      std::this_thread::yield();
      break;
    default:
      for (int i = 0; i < 100000 && !started.load(); ++i) std::this_thread::yield();
      for (int spin = 0; spin < 2000; ++spin) std::atomic_signal_fence(std::memory_order_seq_cst);
  }
}

// A raced call's outcome: it must fail with EBADF (the handle was closed under it).
struct Outcome {
  std::atomic<int> status{1};
  std::atomic<int> err{0};
  void set(int st) {
    err.store(sock_last_errno());
    status.store(st);
  }
};

void expect_ebadf(const Outcome &o, int round, const char *what) {
  ASSERT_EQ(SOCK_ERR_OS, o.status.load()) << what << ", round " << round;
  ASSERT_EQ(EBADF, o.err.load()) << what << ", round " << round;
}

// Reads what is pending on h without waiting.
std::string drain(sock_handle h) {
  std::string all;
  char buf[4096];
  size_t n = 0;
  while (sock_recv(h, buf, sizeof buf, NET_MSG_DONTWAIT, &n) == SOCK_OK && n > 0) {
    all.append(buf, n);
  }
  return all;
}

constexpr int kRoundsPerCall = 10000;  // for each of recv, send, accept and poller wait

// Joins the raced call's thread however the round ends (a failed ASSERT returns).
struct JoinOnExit {
  std::thread &thread;
  ~JoinOnExit() {
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

TEST(CloseRace, RecvNeverReadsTheSocketThatTookItsDescriptor) {
  // Timed and blocking recv, recvfrom on datagrams too (the blocking stream case
  // without recvfrom is CloseFromAnotherThread in test_close_and_handles).
  const int fds_before = open_fd_count();
  for (int round = 0; round < kRoundsPerCall; ++round) {
    const int type = round % 2 ? NET_SOCK_DGRAM : NET_SOCK_STREAM;
    Sock a, b;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, type, 0, a.out(), b.out()));
    if (round % 4 < 2) {
      ASSERT_PS_OK(sock_settimeout(a, 30.0));
    }
    const sock_handle victim = a.release();
    Outcome out;
    std::atomic<bool> started{false};
    char buf[16] = {};
    size_t n = 0;
    std::thread call([&] {
      started.store(true);
      sock_address from{};
      out.set(type == NET_SOCK_DGRAM ? sock_recvfrom(victim, buf, sizeof buf, 0, &n, &from)
                                     : sock_recv(victim, buf, sizeof buf, 0, &n));
    });
    JoinOnExit joiner{call};
    stagger(round, started);
    ASSERT_PS_OK(sock_close(victim));
    Sock c, d;  // takes the lowest free descriptors: the victim's number
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, type, 0, c.out(), d.out()));
    size_t sent = 0;
    ASSERT_PS_OK(sock_send(d, "other", 5, 0, &sent));
    call.join();
    expect_ebadf(out, round, "recv");
    ASSERT_EQ(0u, n) << "round " << round << " read: " << std::string(buf, sizeof buf);
    ASSERT_EQ("other", drain(c)) << "round " << round;
  }
  EXPECT_EQ(fds_before, open_fd_count());
}

TEST(CloseRace, SendNeverWritesToTheSocketThatTookItsDescriptor) {
  const int fds_before = open_fd_count();
  const std::vector<char> payload(4096, 'V');
  for (int round = 0; round < kRoundsPerCall; ++round) {
    Sock a, b;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
    // Fill the victim's buffer so that the raced send blocks.
    ASSERT_PS_OK(sock_setsockopt(a, NET_SOL_SOCKET, NET_SO_SNDBUF, 4096));
    ASSERT_PS_OK(sock_setblocking(a, 0));
    size_t n = 0;
    for (int i = 0; i < 1000 && sock_send(a, payload.data(), payload.size(), 0, &n) == SOCK_OK;) {
      ++i;
    }
    ASSERT_PS_OK(sock_settimeout(a, round % 2 ? 30.0 : SOCK_TIMEOUT_NONE));
    const sock_handle victim = a.release();
    Outcome out;
    std::atomic<bool> started{false};
    std::atomic<size_t> went{0};
    std::thread call([&] {
      started.store(true);
      size_t sent = 0;
      const int st = round % 4 < 2 ? sock_sendall(victim, payload.data(), payload.size(), 0, &sent)
                                   : sock_send(victim, payload.data(), payload.size(), 0, &sent);
      went.store(sent);
      out.set(st);
    });
    JoinOnExit joiner{call};
    stagger(round, started);
    ASSERT_PS_OK(sock_close(victim));
    Sock c, d;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, c.out(), d.out()));
    size_t sent = 0;
    ASSERT_PS_OK(sock_send(c, "mine", 4, 0, &sent));
    call.join();
    expect_ebadf(out, round, "send");
    ASSERT_EQ(0u, went.load()) << "round " << round;
    ASSERT_EQ("mine", drain(d)) << "round " << round << ": the raced send wrote elsewhere";
  }
  EXPECT_EQ(fds_before, open_fd_count());
}

TEST(CloseRace, AcceptNeverTakesAConnectionOfTheSocketThatTookItsDescriptor) {
  const int fds_before = open_fd_count();
  for (int round = 0; round < kRoundsPerCall; ++round) {
    // Mostly AF_UNIX (abstract, autobound: no TIME_WAIT left behind), some TCP.
    const bool tcp = round % 8 == 0;
    const int family = tcp ? NET_AF_INET : NET_AF_UNIX;
    const char *host = tcp ? "127.0.0.1" : "";
    Sock l;
    ASSERT_PS_OK(sock_create(family, NET_SOCK_STREAM, 0, l.out()));
    ASSERT_PS_OK(sock_bind(l, host, 0));
    ASSERT_PS_OK(sock_listen(l, 4));
    if (round % 2) {
      ASSERT_PS_OK(sock_settimeout(l, 30.0));
    }
    const sock_handle victim = l.release();
    Outcome out;
    std::atomic<bool> started{false};
    std::atomic<sock_handle> took{0};
    std::thread call([&] {
      started.store(true);
      sock_handle conn = 0;
      const int st = sock_accept(victim, &conn, nullptr);
      took.store(conn);
      out.set(st);
    });
    JoinOnExit joiner{call};
    stagger(round, started);
    ASSERT_PS_OK(sock_close(victim));
    Sock l2;  // takes the victim's descriptor number, and gets a connection at once
    ASSERT_PS_OK(sock_create(family, NET_SOCK_STREAM, 0, l2.out()));
    ASSERT_PS_OK(sock_bind(l2, host, 0));
    ASSERT_PS_OK(sock_listen(l2, 4));
    const sock_address addr = local_address(l2);
    Sock client;
    ASSERT_PS_OK(sock_create(family, NET_SOCK_STREAM, 0, client.out()));
    ASSERT_PS_OK(sock_connect(client, addr.host, addr.port));
    call.join();
    expect_ebadf(out, round, "accept");
    ASSERT_EQ(0u, took.load()) << "round " << round;
    ASSERT_PS_OK(sock_settimeout(l2, 5.0));
    Sock conn;
    ASSERT_PS_OK(sock_accept(l2, conn.out(), nullptr))
        << "round " << round << ": the connection was taken";
  }
  EXPECT_EQ(fds_before, open_fd_count());
}

TEST(CloseRace, PollerWaitNeverReportsAClosedSocketOrOutlivesItsPoller) {
  // Odd rounds close a registered socket during the wait: the wait must never
  // report it, even though a new readable socket has its descriptor number. Even
  // rounds close the poller itself: the wait must fail with EBADF.
  const int fds_before = open_fd_count();
  for (int round = 0; round < kRoundsPerCall; ++round) {
    const bool close_poller = round % 2 == 0;
    sock_poller poller = 0;
    ASSERT_PS_OK(sock_poller_create(&poller));
    Sock a, b, e, f;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, e.out(), f.out()));
    ASSERT_PS_OK(sock_poller_register(poller, a, SOCK_EVENT_READ, 1));
    ASSERT_PS_OK(sock_poller_register(poller, e, SOCK_EVENT_READ, 2));
    const sock_handle victim = a.release();
    Outcome out;
    std::atomic<bool> started{false};
    sock_event events[8];
    std::atomic<size_t> reported{0};
    std::thread call([&] {
      started.store(true);
      size_t n = 0;
      const int st = sock_poller_wait(poller, 30.0, events, 8, &n);
      reported.store(n);
      out.set(st);
    });
    JoinOnExit joiner{call};
    stagger(round, started);
    if (close_poller) {
      ASSERT_PS_OK(sock_poller_close(poller));
      ASSERT_PS_OK(sock_close(victim));
    } else {
      ASSERT_PS_OK(sock_close(victim));
    }
    Sock c, d;  // c takes the victim's descriptor number and is readable at once
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, c.out(), d.out()));
    size_t n = 0;
    ASSERT_PS_OK(sock_send(d, "x", 1, 0, &n));
    if (!close_poller) {
      ASSERT_PS_OK(sock_send(f, "y", 1, 0, &n));  // ends the wait
    }
    call.join();
    if (close_poller) {
      expect_ebadf(out, round, "wait on a closed poller");
      ASSERT_EQ(0u, reported.load());
    } else {
      ASSERT_EQ(SOCK_OK, out.status.load()) << "round " << round;
      ASSERT_GE(reported.load(), 1u) << "round " << round;
      for (size_t i = 0; i < reported.load(); ++i) {
        ASSERT_EQ(e.get(), events[i].handle) << "round " << round << ": reported a closed socket";
        ASSERT_EQ(2u, events[i].user_data);
      }
      ASSERT_PS_OK(sock_poller_close(poller));
    }
  }
  EXPECT_EQ(fds_before, open_fd_count());
}
