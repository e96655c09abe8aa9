// Close from another thread wakes every call waiting on the handle, whatever the
// call and the mode, within 50 ms and with EBADF, while a dup of the same socket
// keeps its connection; detach waits for the calls in flight. Each case here was a
// call that slept on in the kernel after the close (docs/design.md).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <polysock/polysock.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;
using namespace std::chrono_literals;

namespace {

// Under valgrind (tests/memcheck.sh sets POLYSOCK_TIMING_SLACK) threads run one at
// a time and every bound stretches.
std::chrono::milliseconds bound(int ms) {
  const char *slack = std::getenv("POLYSOCK_TIMING_SLACK");
  return std::chrono::milliseconds(ms * (slack != nullptr ? std::atoi(slack) : 1));
}

// What one blocked call returned; shared with its thread, which may outlive a
// failed test (then it is detached, never joined on a call that does not end).
struct Outcome {
  std::atomic<bool> started{false};
  std::atomic<bool> done{false};
  std::atomic<int> status{1};
  std::atomic<int> err{0};
};

// Runs `call` in a thread until it is asleep, closes `victim` from this thread, and
// checks that the call ends within 50 ms with EBADF. `unstick` ends the call another
// way if the close did not (so that the test ends either way).
void expect_close_wakes(sock_handle victim, std::function<int()> call,
                        const std::function<void()> &unstick, const char *what) {
  auto out = std::make_shared<Outcome>();
  std::thread t([out, call] {
    out->started.store(true);
    const int st = call();
    out->err.store(sock_last_errno());
    out->status.store(st);
    out->done.store(true);
  });
  while (!out->started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(30ms);  // asleep in the kernel (or in poll) by now
  ASSERT_FALSE(out->done.load()) << what << " did not block: " << out->status.load();
  const auto closed_at = std::chrono::steady_clock::now();
  ASSERT_PS_OK(sock_close(victim));
  while (!out->done.load() && std::chrono::steady_clock::now() - closed_at < 2s) {
    std::this_thread::sleep_for(100us);
  }
  const auto took = std::chrono::steady_clock::now() - closed_at;
  if (!out->done.load()) {
    unstick();
    for (int i = 0; i < 2000 && !out->done.load(); ++i) std::this_thread::sleep_for(1ms);
  }
  if (out->done.load()) {
    t.join();
  } else {
    t.detach();
  }
  ASSERT_TRUE(out->done.load()) << what << " still blocked 2 s after the close";
  EXPECT_LT(took, bound(50)) << what << " took "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                             << " ms to wake";
  EXPECT_EQ(SOCK_ERR_OS, out->status.load()) << what;
  EXPECT_EQ(EBADF, out->err.load()) << what;
}

void set_mode(sock_handle h, bool timed) {
  ASSERT_PS_OK(sock_settimeout(h, timed ? 30.0 : SOCK_TIMEOUT_NONE));
}

// A connected pair whose server end has `dup` beside it: after the close the dup
// still carries the connection both ways.
void expect_dup_still_connected(sock_handle dup, sock_handle client) {
  ASSERT_PS_OK(sock_settimeout(dup, 5.0));
  ASSERT_PS_OK(sock_sendall(client, "ping", 4, 0, nullptr));
  char buf[4096];
  size_t n = 0;
  std::string got;
  while (got.find("ping") == std::string::npos &&
         sock_recv(dup, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0) {
    got.append(buf, n);
  }
  EXPECT_NE(std::string::npos, got.find("ping")) << "the dup reads what the peer sends";
  EXPECT_PS_OK(sock_sendall(dup, "pong", 4, 0, nullptr)) << "the dup's connection is not shut";
}

// Runs `call` on this thread, which has made the socket's earlier calls and so owns
// it (its calls are marked, not counted: capi/src/handle_table.hpp), while another
// thread closes `victim` once the call is asleep; the same checks as above.
void expect_close_wakes_the_owner(sock_handle victim, const std::function<int()> &call,
                                  const std::function<void()> &unstick, const char *what) {
  std::atomic<bool> done{false};
  std::atomic<bool> unstuck{false};
  std::chrono::steady_clock::time_point closed_at;
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    std::this_thread::sleep_for(30ms);  // the call is asleep in the kernel (or poll) by now
    closed_at = std::chrono::steady_clock::now();
    closed.store(true);
    EXPECT_PS_OK(sock_close(victim));
    for (int i = 0; i < 2000 && !done.load(); ++i) std::this_thread::sleep_for(1ms);
    if (!done.load()) {
      unstuck.store(true);
      unstick();
    }
  });
  const int st = call();
  const int err = sock_last_errno();
  const auto returned = std::chrono::steady_clock::now();
  done.store(true);
  closer.join();
  ASSERT_TRUE(closed.load()) << what << " did not block: " << st;
  ASSERT_FALSE(unstuck.load()) << what << " still blocked 2 s after the close";
  const auto took = returned - closed_at;
  EXPECT_LT(took, bound(50)) << what << " took "
                             << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                             << " ms to wake";
  EXPECT_EQ(SOCK_ERR_OS, st) << what;
  EXPECT_EQ(EBADF, err) << what;
}

// Params: timeout mode or blocking; the call in the socket's owner thread (marked) or
// in another (counted), the close from the other one.
class CloseWakes : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  bool timed() const { return std::get<0>(GetParam()); }
  void expect_close_wakes(sock_handle victim, std::function<int()> call,
                          const std::function<void()> &unstick, const char *what) {
    if (std::get<1>(GetParam())) {
      expect_close_wakes_the_owner(victim, call, unstick, what);
    } else {
      ::expect_close_wakes(victim, std::move(call), unstick, what);
    }
  }
};

TEST_P(CloseWakes, Recv) {
  Pair p = tcp_pair();
  set_mode(p.server, timed());
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  const sock_handle victim = p.server.release();
  expect_close_wakes(
      victim,
      [victim] {
        char buf[16];
        size_t n = 0;
        return sock_recv(victim, buf, sizeof buf, 0, &n);
      },
      [&] { sock_sendall(p.client, "x", 1, 0, nullptr); }, "recv");
  expect_dup_still_connected(dup, p.client);
}

TEST_P(CloseWakes, RecvWaitallWithTenOfAHundredBytes) {
  Pair p = tcp_pair();
  set_mode(p.server, timed());
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  const sock_handle victim = p.server.release();
  auto n = std::make_shared<size_t>(0);
  // In blocking mode the kernel gathers: after the close the call returns the 10
  // bytes it holds (as a signal would make it), or EBADF if it held none yet.
  auto out = std::make_shared<Outcome>();
  std::thread t([out, victim, n] {
    char buf[100];
    out->started.store(true);
    out->status.store(sock_recv(victim, buf, sizeof buf, NET_MSG_WAITALL, n.get()));
    out->err.store(sock_last_errno());
    out->done.store(true);
  });
  while (!out->started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  ASSERT_PS_OK(sock_sendall(p.client, "0123456789", 10, 0, nullptr));
  std::this_thread::sleep_for(30ms);
  if (timed()) {
    // Timeout mode is non-blocking underneath: the kernel returned the 10 bytes.
    t.join();
    EXPECT_EQ(SOCK_OK, out->status.load());
    EXPECT_EQ(10u, *n);
    ASSERT_PS_OK(sock_close(victim));
  } else {
    ASSERT_FALSE(out->done.load()) << "MSG_WAITALL waits for all 100 bytes";
    const auto closed_at = std::chrono::steady_clock::now();
    ASSERT_PS_OK(sock_close(victim));
    while (!out->done.load() && std::chrono::steady_clock::now() - closed_at < 2s) {
      std::this_thread::sleep_for(100us);
    }
    const auto took = std::chrono::steady_clock::now() - closed_at;
    if (!out->done.load()) {
      std::vector<char> rest(90, 'r');
      sock_sendall(p.client, rest.data(), rest.size(), 0, nullptr);
    }
    t.join();
    EXPECT_LT(took, bound(50));
    EXPECT_EQ(SOCK_OK, out->status.load()) << "the bytes already taken are returned";
    EXPECT_EQ(10u, *n);
  }
  expect_dup_still_connected(dup, p.client);
}

TEST_P(CloseWakes, RecvfromOnUdp) {
  Sock u = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(u, "127.0.0.1", 0));
  set_mode(u, timed());
  const int port = local_address(u).port;
  const sock_handle victim = u.release();
  expect_close_wakes(
      victim,
      [victim] {
        char buf[16];
        size_t n = 0;
        sock_address from{};
        return sock_recvfrom(victim, buf, sizeof buf, 0, &n, &from);
      },
      [port] {
        Sock s = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
        size_t n = 0;
        sock_sendto(s, "x", 1, 0, "127.0.0.1", port, &n);
      },
      "recvfrom");
}

TEST_P(CloseWakes, RecvmsgWithRoomForDescriptors) {
  Pair p = tcp_pair();
  set_mode(p.server, timed());
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  const sock_handle victim = p.server.release();
  expect_close_wakes(
      victim,
      [victim] {
        char buf[16];
        alignas(8) unsigned char anc[64];
        const sock_iovec iov[] = {{buf, sizeof buf}};
        sock_msg_info info{};
        return sock_recvmsg(victim, iov, 1, anc, sizeof anc, 0, &info);
      },
      [&] { sock_sendall(p.client, "x", 1, 0, nullptr); }, "recvmsg");
  expect_dup_still_connected(dup, p.client);
}

// A stream whose peer does not read, with its send buffer full.
void fill_send_buffer(sock_handle h) {
  ASSERT_PS_OK(sock_setsockopt(h, NET_SOL_SOCKET, NET_SO_SNDBUF, 4096));
  ASSERT_PS_OK(sock_setblocking(h, 0));
  std::vector<char> chunk(1 << 16, 's');
  size_t n = 0;
  for (int i = 0; i < 10000 && sock_send(h, chunk.data(), chunk.size(), 0, &n) == SOCK_OK; ++i) {
  }
}

void drain_for_a_while(sock_handle h) {
  sock_settimeout(h, 0.5);  // a zero window reopens after a persist timer of 200 ms or more
  char buf[1 << 16];
  size_t n = 0;
  for (int i = 0; i < 2000 && sock_recv(h, buf, sizeof buf, 0, &n) == SOCK_OK && n > 0; ++i) {
  }
}

TEST_P(CloseWakes, Sendall) {
  Pair p = tcp_pair();
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  // A fixed receive buffer: autotuning would open the window while the send waits.
  ASSERT_PS_OK(sock_setsockopt(p.client, NET_SOL_SOCKET, NET_SO_RCVBUF, 4096));
  fill_send_buffer(p.server);
  set_mode(p.server, timed());
  const sock_handle victim = p.server.release();
  expect_close_wakes(
      victim,
      [victim] {
        std::vector<char> chunk(1 << 16, 's');
        return sock_sendall(victim, chunk.data(), chunk.size(), 0, nullptr);
      },
      [&] { drain_for_a_while(p.client); }, "sendall");
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(dup, &fd));
  EXPECT_NE(-1, fcntl(fd, F_GETFD));
  drain_for_a_while(p.client);  // what the filled buffer held, so the dup can send
  expect_dup_still_connected(dup, p.client);
}

TEST_P(CloseWakes, SendtoOnAFullUnixDatagramQueue) {
  const std::string path = temp_socket_path("wake-sendto");
  Sock receiver = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_bind(receiver, path.c_str(), 0));
  Sock sender = make_socket(NET_AF_UNIX, NET_SOCK_DGRAM);
  ASSERT_PS_OK(sock_setblocking(sender, 0));
  size_t n = 0;
  for (int i = 0; i < 100000 && sock_sendto(sender, "d", 1, 0, path.c_str(), 0, &n) == SOCK_OK;
       ++i) {
  }
  ASSERT_EQ(NET_EAGAIN, sock_last_errno()) << "the receiver's queue is full";
  set_mode(sender, timed());
  const sock_handle victim = sender.release();
  const sock_handle rx = receiver.get();
  expect_close_wakes(
      victim,
      [victim, path] {
        size_t sent = 0;
        return sock_sendto(victim, "d", 1, 0, path.c_str(), 0, &sent);
      },
      [rx] {
        char b[4];
        size_t m = 0;
        sock_recv(rx, b, sizeof b, 0, &m);
      },
      "sendto");
  unlink(path.c_str());
}

TEST_P(CloseWakes, SendmsgOnAFullUnixDatagramPair) {
  Sock sender, receiver;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_DGRAM, 0, sender.out(), receiver.out()));
  ASSERT_PS_OK(sock_setblocking(sender, 0));
  char d[] = "d";
  const sock_iovec iov[] = {{d, 1}};
  size_t n = 0;
  for (int i = 0;
       i < 100000 && sock_sendmsg(sender, iov, 1, nullptr, 0, 0, nullptr, 0, &n) == SOCK_OK; ++i) {
  }
  ASSERT_EQ(NET_EAGAIN, sock_last_errno()) << "the receiver's queue is full";
  set_mode(sender, timed());
  const sock_handle victim = sender.release();
  const sock_handle rx = receiver.get();
  expect_close_wakes(
      victim,
      [victim] {
        char x[] = "x";
        const sock_iovec one[] = {{x, 1}};
        size_t sent = 0;
        return sock_sendmsg(victim, one, 1, nullptr, 0, 0, nullptr, 0, &sent);
      },
      [rx] {
        char b[4];
        size_t m = 0;
        sock_recv(rx, b, sizeof b, 0, &m);
      },
      "sendmsg");
}

TEST_P(CloseWakes, SendfileToAPeerThatDoesNotRead) {
  // The socket is writable when sendfile starts, so the call is inside the kernel
  // (blocking mode) when the peer's window and the send buffer fill up.
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_setsockopt(p.server, NET_SOL_SOCKET, NET_SO_SNDBUF, 4096));
  ASSERT_PS_OK(sock_setsockopt(p.client, NET_SOL_SOCKET, NET_SO_RCVBUF, 4096));
  set_mode(p.server, timed());
  char path[] = "/tmp/polysock-wake-sendfile-XXXXXX";
  const int file = mkstemp(path);
  ASSERT_GE(file, 0);
  unlink(path);
  ASSERT_EQ(0, ftruncate(file, 8 << 20));
  const sock_handle victim = p.server.release();
  expect_close_wakes(
      victim,
      [victim, file] {
        int64_t sent = 0;
        return sock_sendfile(victim, file, 0, 0, &sent);
      },
      [&] { drain_for_a_while(p.client); }, "sendfile");
  close(file);
}

TEST_P(CloseWakes, Accept) {
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  set_mode(listener, timed());
  Sock dup;
  ASSERT_PS_OK(sock_dup(listener, dup.out()));
  const sock_handle victim = listener.release();
  expect_close_wakes(
      victim,
      [victim] {
        sock_handle conn = 0;
        const int st = sock_accept(victim, &conn, nullptr);
        if (st == SOCK_OK) sock_close(conn);
        return st;
      },
      [port] {
        Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
        sock_connect(c, "127.0.0.1", port);
      },
      "accept");
  Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
  Sock conn;
  ASSERT_PS_OK(sock_settimeout(dup, 5.0));
  EXPECT_PS_OK(sock_accept(dup, conn.out(), nullptr)) << "the dup still listens";
}

TEST_P(CloseWakes, ConnectToAFullBacklog) {
  // A listener that never accepts, with its backlog full: a new connect's SYN is
  // dropped and the connect sleeps in the kernel, retransmitting, for a minute.
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 0);
  std::vector<Sock> fillers;
  for (int i = 0; i < 8; ++i) {
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_setblocking(c, 0));
    const int err = sock_connect_ex(c, "127.0.0.1", port);
    ASSERT_TRUE(err == 0 || err == NET_EINPROGRESS) << err;
    fillers.push_back(std::move(c));
  }
  std::this_thread::sleep_for(50ms);  // the handshakes that can complete have
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  set_mode(s, timed());
  const sock_handle victim = s.release();
  const sock_handle l = listener.get();
  expect_close_wakes(
      victim, [victim, port] { return sock_connect(victim, "127.0.0.1", port); },
      [l] { sock_close(l); }, "connect");
}

INSTANTIATE_TEST_SUITE_P(BlockingAndTimeoutModes, CloseWakes,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto &info) {
                           return std::string(std::get<0>(info.param) ? "timeout" : "blocking") +
                                  (std::get<1>(info.param) ? "_owner" : "_other");
                         });

TEST(CloseWakesBoth, TwoBlockingAcceptsOneConnection) {
  // Two threads in accept on one blocking listener and one connection: the loser
  // stays asleep in accept4 until the close wakes it. 400 rounds, as measured.
  for (int round = 0; round < 400; ++round) {
    int port = 0;
    Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
    const sock_handle l = listener.release();
    std::atomic<int> finished{0};
    std::atomic<int> accepted{0};
    std::atomic<int> ebadf{0};
    auto acceptor = [&] {
      sock_handle conn = 0;
      const int st = sock_accept(l, &conn, nullptr);
      if (st == SOCK_OK) {
        accepted.fetch_add(1);
        sock_close(conn);
      } else if (st == SOCK_ERR_OS && sock_last_errno() == EBADF) {
        ebadf.fetch_add(1);
      }
      finished.fetch_add(1);
    };
    std::thread a(acceptor), b(acceptor);
    std::this_thread::sleep_for(2ms);  // both asleep, so both wake for the one connection
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
    for (int i = 0; i < 2000 && accepted.load() == 0; ++i) std::this_thread::sleep_for(100us);
    ASSERT_PS_OK(sock_close(l));
    const auto closed_at = std::chrono::steady_clock::now();
    while (finished.load() < 2 && std::chrono::steady_clock::now() - closed_at < 2s) {
      std::this_thread::sleep_for(100us);
    }
    const bool both = finished.load() == 2;
    if (!both) {  // the listener still exists inside the stuck accept: feed it
      Sock late = make_socket(NET_AF_INET, NET_SOCK_STREAM);
      sock_connect(late, "127.0.0.1", port);
    }
    a.join();
    b.join();
    ASSERT_TRUE(both) << "round " << round << ": an accept stayed asleep after the close";
    EXPECT_EQ(1, accepted.load()) << "round " << round;
    EXPECT_EQ(1, ebadf.load()) << "round " << round;
  }
}

TEST(Detach, WaitsForTheCallsInFlightSoNoneTouchesTheNextSocket) {
  // A thread sends one byte at a time while another detaches the handle, closes the
  // descriptor it got and makes a new socket, which takes that number. A send in
  // flight must fail with EBADF (or finish) before detach returns: nothing may
  // arrive at the new socket. 3,000 rounds, as measured (5 of them wrote there). In
  // half the rounds the sender makes the socket's first call, so it owns the socket
  // and its sends are marked, not counted (capi/src/handle_table.hpp).
  for (int round = 0; round < 3000; ++round) {
    Sock a, b;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
    const double timeout = round % 2 ? 30.0 : SOCK_TIMEOUT_NONE;
    const bool sender_owns = round % 4 >= 2;
    if (!sender_owns) {
      ASSERT_PS_OK(sock_settimeout(a, timeout));
    }
    const sock_handle victim = a.release();
    std::atomic<bool> sending{false};
    std::thread sender([&] {
      if (sender_owns) {
        EXPECT_PS_OK(sock_settimeout(victim, timeout));
      }
      size_t n = 0;
      for (int i = 0; i < 100000; ++i) {
        if (sock_send(victim, "V", 1, 0, &n) != SOCK_OK) break;
        sending.store(true);
      }
    });
    for (int i = 0; i < 100000 && !sending.load(); ++i) std::this_thread::yield();
    int fd = -1;
    ASSERT_PS_OK(sock_detach(victim, &fd));
    ASSERT_GE(fd, 0);
    close(fd);
    Sock c, d;  // takes the detached number
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, c.out(), d.out()));
    sender.join();
    ASSERT_PS_OK(sock_setblocking(d, 0));
    char buf[8];
    size_t n = 0;
    ASSERT_EQ(SOCK_ERR_OS, sock_recv(d, buf, sizeof buf, 0, &n))
        << "round " << round << ": the new socket received " << std::string(buf, n);
    ASSERT_PS_OK(sock_setblocking(c, 0));
    ASSERT_EQ(SOCK_ERR_OS, sock_recv(c, buf, sizeof buf, 0, &n))
        << "round " << round << ": the new socket received " << std::string(buf, n);
  }
}

TEST(Detach, HandsOutTheSameWorkingDescriptorAfterWakingACall) {
  Pair p = tcp_pair();
  int before = -1;
  ASSERT_PS_OK(sock_fileno(p.server, &before));
  const sock_handle victim = p.server.release();
  std::atomic<int> st{1};
  std::thread reader([&] {
    char buf[8];
    size_t n = 0;
    st.store(sock_recv(victim, buf, sizeof buf, 0, &n));
  });
  std::this_thread::sleep_for(30ms);
  int fd = -1;
  ASSERT_PS_OK(sock_detach(victim, &fd));
  reader.join();
  EXPECT_EQ(SOCK_ERR_OS, st.load());
  EXPECT_EQ(before, fd) << "Python's detach returns the socket's own descriptor";
  ASSERT_PS_OK(sock_sendall(p.client, "after", 5, 0, nullptr));
  char buf[8];
  ASSERT_EQ(5, recv(fd, buf, sizeof buf, 0)) << "the descriptor is the connected socket";
  EXPECT_EQ("after", std::string(buf, 5));
  close(fd);
}

}  // namespace
