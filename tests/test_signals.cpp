// The interrupt hook (issue 16, point 4): what a signal does to a call that waits,
// with and without net_set_interrupt_hook. The handlers here are installed without
// SA_RESTART, as a C program that wants EINTR does (sigaction; glibc's signal()
// sets SA_RESTART).
#include <gtest/gtest.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "test_support.hpp"

using polysock_test::Pair;
using polysock_test::Sock;

namespace {

volatile int g_stop = 0;  // what a C server's SIGUSR1 handler sets
void on_usr1(int) { g_stop = 1; }
void on_usr2(int) {}  // a signal that asks for nothing

void install(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the kernel returns EINTR
  ASSERT_EQ(0, sigaction(sig, &sa, nullptr));
}

// Every test leaves the process without a hook, whatever happened.
class Signals : public ::testing::Test {
 protected:
  void SetUp() override {
    install(SIGUSR1, on_usr1);
    install(SIGUSR2, on_usr2);
    g_stop = 0;
  }
  void TearDown() override { EXPECT_PS_OK(net_set_interrupt_hook(nullptr, nullptr)); }
};

// Sends `sig` to `target` every 20 ms until the flag `done` is set (bounded: 10 s).
void signal_until(pthread_t target, int sig, const std::atomic<bool> &done) {
  for (int i = 0; i < 500 && !done.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!done.load()) pthread_kill(target, sig);
  }
}

struct Counted {
  std::atomic<int> calls{0};
  std::atomic<int> stop_after{1 << 30};
  pthread_t thread{};
};

int counting_hook(void *ctx) {
  auto *c = static_cast<Counted *>(ctx);
  c->thread = pthread_self();
  return ++c->calls >= c->stop_after.load() ? 1 : 0;
}

}  // namespace

TEST_F(Signals, WithoutAHookABlockingAcceptRetriesEintrAndGetsItsConnection) {
  int port = 0;
  Sock listener = polysock_test::tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  std::atomic<bool> done{false};
  const pthread_t self = pthread_self();
  std::thread signaller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    for (int i = 0; i < 5; ++i) {
      pthread_kill(self, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Sock c = polysock_test::make_socket(NET_AF_INET, NET_SOCK_STREAM);
    EXPECT_PS_OK(sock_connect(c, "127.0.0.1", port));
    while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  Sock conn;
  EXPECT_PS_OK(sock_accept(listener, conn.out(), nullptr));
  done.store(true);
  signaller.join();
  EXPECT_EQ(1, g_stop) << "the handler ran, and accept went on waiting";
}

TEST_F(Signals, TheFlagHookStopsABlockingAcceptAsACServerExpects) {
  int port = 0;
  Sock listener = polysock_test::tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  ASSERT_PS_OK(net_set_interrupt_hook(net_interrupt_flag_hook, const_cast<int *>(&g_stop)));
  std::atomic<bool> done{false};
  std::thread signaller(signal_until, pthread_self(), SIGUSR1, std::cref(done));
  Sock conn;
  const int st = sock_accept(listener, conn.out(), nullptr);
  done.store(true);
  signaller.join();
  EXPECT_EQ(SOCK_ERR_INTERRUPTED, st);
  EXPECT_EQ(EINTR, sock_last_errno());
  EXPECT_STREQ("[Errno 4] Interrupted system call", sock_last_error_message());
  EXPECT_STREQ("SOCK_ERR_INTERRUPTED", sock_strerror(st));
  // The listener is unharmed: a connection made now is accepted.
  g_stop = 0;
  Sock c = polysock_test::make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
  EXPECT_PS_OK(sock_accept(listener, conn.out(), nullptr));
}

TEST_F(Signals, TheHookRunsOnTheWaitingThreadAndZeroMeansGoOnWithTheTimeLeft) {
  Pair p = polysock_test::tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 5.0));
  Counted hook;
  hook.stop_after = 3;  // go on twice, then stop
  ASSERT_PS_OK(net_set_interrupt_hook(counting_hook, &hook));
  std::atomic<bool> done{false};
  std::thread signaller(signal_until, pthread_self(), SIGUSR2, std::cref(done));
  char buf[8];
  size_t n = 0;
  int st = 0;
  const double elapsed =
      polysock_test::seconds_for([&] { st = sock_recv(p.server, buf, sizeof buf, 0, &n); });
  done.store(true);
  signaller.join();
  EXPECT_EQ(SOCK_ERR_INTERRUPTED, st) << sock_last_error_message();
  EXPECT_EQ(3, hook.calls.load());
  EXPECT_TRUE(pthread_equal(hook.thread, pthread_self()));
  EXPECT_LT(elapsed, 2.0) << "three signals 20 ms apart, not the 5 s timeout";
  // Nothing was consumed: data sent now arrives whole.
  ASSERT_PS_OK(net_set_interrupt_hook(nullptr, nullptr));
  size_t sent = 0;
  ASSERT_PS_OK(sock_sendall(p.client, "abcdefgh", 8, 0, &sent));
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, NET_MSG_WAITALL, &n));
  EXPECT_EQ(0, std::memcmp(buf, "abcdefgh", 8));
}

TEST_F(Signals, AnInterruptedSendallReportsExactlyWhatWent) {
  Pair p = polysock_test::tcp_pair();
  ASSERT_PS_OK(net_set_interrupt_hook(net_interrupt_flag_hook, const_cast<int *>(&g_stop)));
  std::vector<unsigned char> data(32 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 13 + 1);
  std::atomic<bool> done{false};
  std::thread signaller(signal_until, pthread_self(), SIGUSR1, std::cref(done));
  size_t sent = 0;
  const int st = sock_sendall(p.client, data.data(), data.size(), 0, &sent);
  done.store(true);
  signaller.join();
  ASSERT_EQ(SOCK_ERR_INTERRUPTED, st) << "the peer never reads: only a signal ends the call";
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, data.size());
  ASSERT_PS_OK(net_set_interrupt_hook(nullptr, nullptr));
  ASSERT_PS_OK(sock_shutdown(p.client, NET_SHUT_WR));
  std::vector<unsigned char> got(data.size());
  size_t off = 0, n = 0;
  while (off < got.size() &&
         sock_recv(p.server, got.data() + off, got.size() - off, 0, &n) == SOCK_OK && n > 0) {
    off += n;
  }
  EXPECT_EQ(sent, off) << "the peer got exactly the bytes sendall reported";
  EXPECT_EQ(0, std::memcmp(data.data(), got.data(), off));
}

TEST_F(Signals, ThePollerWaitStopsToo) {
  sock_poller poller = 0;
  ASSERT_PS_OK(sock_poller_create(&poller));
  Pair p = polysock_test::tcp_pair();
  ASSERT_PS_OK(sock_poller_register(poller, p.server, SOCK_EVENT_READ, 7));
  ASSERT_PS_OK(net_set_interrupt_hook(net_interrupt_flag_hook, const_cast<int *>(&g_stop)));
  std::atomic<bool> done{false};
  std::thread signaller(signal_until, pthread_self(), SIGUSR1, std::cref(done));
  sock_event ev[4];
  size_t n = 0;
  const int st = sock_poller_wait(poller, 5.0, ev, 4, &n);
  done.store(true);
  signaller.join();
  EXPECT_EQ(SOCK_ERR_INTERRUPTED, st);
  EXPECT_PS_OK(sock_poller_close(poller));
}

TEST_F(Signals, CloseFromAnotherThreadNeverReachesTheHook) {
  Counted hook;
  hook.stop_after = 1;  // would stop at once, if it were asked
  ASSERT_PS_OK(net_set_interrupt_hook(counting_hook, &hook));
  for (double timeout : {SOCK_TIMEOUT_NONE, 5.0}) {
    Pair p = polysock_test::tcp_pair();
    ASSERT_PS_OK(sock_settimeout(p.server, timeout));
    const sock_handle h = p.server.release();
    std::thread closer([h] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      EXPECT_PS_OK(sock_close(h));
    });
    char buf[4];
    size_t n = 0;
    EXPECT_PS_ERR(sock_recv(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF)
        << "timeout " << timeout;
    closer.join();
  }
  EXPECT_EQ(0, hook.calls.load());
}

TEST_F(Signals, ClearingTheHookRestoresRetrying) {
  Pair p = polysock_test::tcp_pair();
  ASSERT_PS_OK(sock_settimeout(p.server, 0.3));
  ASSERT_PS_OK(net_set_interrupt_hook(net_interrupt_flag_hook, const_cast<int *>(&g_stop)));
  ASSERT_PS_OK(net_set_interrupt_hook(nullptr, nullptr));
  std::atomic<bool> done{false};
  std::thread signaller(signal_until, pthread_self(), SIGUSR1, std::cref(done));
  char buf[4];
  size_t n = 0;
  const int st = sock_recv(p.server, buf, sizeof buf, 0, &n);
  done.store(true);
  signaller.join();
  EXPECT_EQ(SOCK_ERR_TIMEOUT, st) << "signalled, but waited its whole timeout";
  EXPECT_EQ(1, g_stop);
}

TEST(InterruptFlagHook, ReadsItsFlag) {
  int flag = 0;
  EXPECT_EQ(0, net_interrupt_flag_hook(&flag));
  flag = 1;
  EXPECT_EQ(1, net_interrupt_flag_hook(&flag));
  EXPECT_EQ(0, net_interrupt_flag_hook(nullptr)) << "no flag: never stops";
}
