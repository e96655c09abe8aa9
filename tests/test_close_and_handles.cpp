// Handles and close: generations, idempotent close, close from another thread
// waking blocked calls without touching other handles, and no descriptor leaks.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "../capi/src/handle_table.hpp"
#include "test_support.hpp"

using namespace polysock_test;

TEST(Close, Item72_IsIdempotentAndLaterCallsFailWithEbadf) {
  const sock_handle h = make_socket(NET_AF_INET, NET_SOCK_STREAM).release();
  ASSERT_PS_OK(sock_close(h));
  EXPECT_PS_OK(sock_close(h)) << "a second close is a no-op";
  int fd = 0;
  ASSERT_PS_OK(sock_fileno(h, &fd));
  EXPECT_EQ(-1, fd);
  char buf[4];
  size_t n = 0;
  sock_address a{};
  sock_handle d = 0;
  double t = 0;
  EXPECT_PS_ERR(sock_recv(h, buf, sizeof buf, 0, &n), SOCK_ERR_OS, EBADF);
  EXPECT_STREQ("[Errno 9] Bad file descriptor", sock_last_error_message());
  EXPECT_PS_ERR(sock_send(h, "x", 1, 0, &n), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_getsockname(h, &a), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_listen(h, 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_dup(h, &d), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_settimeout(h, 1.0), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_gettimeout(h, &t), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_connect(h, "127.0.0.1", 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_connect_ex(h, "127.0.0.1", 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_ERR(sock_info(h, nullptr, nullptr, nullptr), SOCK_ERR_OS, EBADF);
}

TEST(Close, Item73_ReportsEbadfWhenTheFdWasClosedElsewhere) {
  const sock_handle h = make_socket(NET_AF_INET, NET_SOCK_STREAM).release();
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(h, &fd));
  ASSERT_EQ(0, close(fd));
  EXPECT_PS_ERR(sock_close(h), SOCK_ERR_OS, EBADF);
  EXPECT_PS_OK(sock_close(h)) << "and the handle is closed all the same";
}

TEST(Handles, NeverIssuedHandlesFailWithEbadf) {
  int fd = 0;
  for (sock_handle h : {sock_handle{0}, sock_handle{1}, sock_handle{0xffffffffffffffffULL},
                        sock_handle{(1ULL << 32) | 0x7fffffffULL}}) {
    EXPECT_PS_ERR(sock_close(h), SOCK_ERR_OS, EBADF) << h;
    EXPECT_PS_ERR(sock_fileno(h, &fd), SOCK_ERR_OS, EBADF) << h;
    EXPECT_PS_ERR(sock_listen(h, 1), SOCK_ERR_OS, EBADF) << h;
  }
}

TEST(Handles, AClosedHandleStaysInvalidAfterItsSlotAndFdAreReused) {
  Sock first = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int old_fd = -1;
  ASSERT_PS_OK(sock_fileno(first, &old_fd));
  const sock_handle stale = first.release();
  ASSERT_PS_OK(sock_close(stale));
  // The next socket reuses the freed slot and (lowest free) the same fd number.
  Sock next = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int new_fd = -1;
  ASSERT_PS_OK(sock_fileno(next, &new_fd));
  EXPECT_EQ(old_fd, new_fd);
  EXPECT_NE(stale, next.get()) << "a new generation makes a new handle";
  EXPECT_EQ(stale & 0xffffffffULL, next.get() & 0xffffffffULL) << "same slot";
  EXPECT_PS_ERR(sock_listen(stale, 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_OK(sock_close(stale));
  EXPECT_PS_OK(sock_bind(next, "127.0.0.1", 0))
      << "closing the stale handle left the new one alone";
}

TEST(Handles, TenThousandOpenCloseCyclesLeakNoDescriptor) {
  const int before = open_fd_count();
  for (int i = 0; i < 10000; ++i) {
    sock_handle h = 0;
    ASSERT_PS_OK(sock_create(i % 2 ? NET_AF_INET : NET_AF_UNIX, NET_SOCK_STREAM, 0, &h));
    if (i % 3 == 0) {
      sock_handle d = 0;
      ASSERT_PS_OK(sock_dup(h, &d));
      ASSERT_PS_OK(sock_close(d));
    }
    ASSERT_PS_OK(sock_close(h));
  }
  EXPECT_EQ(before, open_fd_count());
}

TEST(Handles, WaitsLeaveNoDescriptorBehind) {
  const int before = open_fd_count();
  for (int i = 0; i < 200; ++i) {
    Pair p = tcp_pair();
    ASSERT_PS_OK(sock_settimeout(p.server, 0.001));
    char buf[4];
    size_t n = 0;
    EXPECT_EQ(SOCK_ERR_TIMEOUT, sock_recv(p.server, buf, sizeof buf, 0, &n));
  }
  EXPECT_EQ(before, open_fd_count()) << "the wake-up descriptor goes with its socket";
}

namespace {

enum class Op { kRecv, kRecvWaitall, kSend, kAccept };

// Blocks `op` on a fresh socket in another thread, closes the handle from this
// thread, and checks the blocked call fails with EBADF within milliseconds while a
// dup of the same socket keeps working.
void close_wakes(Op op, bool with_timeout) {
  Pair p = tcp_pair();
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  const sock_handle target = op == Op::kAccept ? listener.get() : p.server.get();
  if (with_timeout) {
    ASSERT_PS_OK(sock_settimeout(target, 30.0));
  }
  Sock dup;
  ASSERT_PS_OK(sock_dup(target, dup.out()));
  if (op == Op::kSend) {
    ASSERT_PS_OK(sock_setblocking(target, 0));  // fill the send buffer first
    std::vector<char> chunk(1 << 16, 's');
    size_t n = 0;
    while (sock_send(target, chunk.data(), chunk.size(), 0, &n) == SOCK_OK) {
    }
    ASSERT_PS_OK(sock_settimeout(target, with_timeout ? 30.0 : SOCK_TIMEOUT_NONE));
  }
  std::atomic<int> result{1};
  std::atomic<int> err{0};
  std::atomic<bool> started{false};
  std::thread blocked([&] {
    char buf[64];
    std::vector<char> chunk(1 << 16, 's');
    size_t n = 0;
    sock_handle conn = 0;
    started.store(true);
    int st = 0;
    switch (op) {
      case Op::kRecv:
        st = sock_recv(target, buf, sizeof buf, 0, &n);
        break;
      case Op::kRecvWaitall:
        st = sock_recv(target, buf, sizeof buf, NET_MSG_WAITALL, &n);
        break;
      case Op::kSend:
        st = sock_sendall(target, chunk.data(), chunk.size(), 0, nullptr);
        break;
      case Op::kAccept:
        st = sock_accept(target, &conn, nullptr);
        break;
    }
    err.store(sock_last_errno());
    result.store(st);
  });
  while (!started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto closed_at = std::chrono::steady_clock::now();
  if (op == Op::kAccept) {
    ASSERT_PS_OK(sock_close(listener.release()));
  } else {
    ASSERT_PS_OK(sock_close(p.server.release()));
  }
  blocked.join();
  const auto woke_in = std::chrono::steady_clock::now() - closed_at;
  EXPECT_EQ(SOCK_ERR_OS, result.load());
  EXPECT_EQ(EBADF, err.load());
  EXPECT_LT(woke_in, std::chrono::milliseconds(500));
  // The dup of the same socket is untouched.
  if (op == Op::kAccept) {
    Sock c = make_socket(NET_AF_INET, NET_SOCK_STREAM);
    ASSERT_PS_OK(sock_connect(c, "127.0.0.1", port));
    Sock conn;
    ASSERT_PS_OK(sock_settimeout(dup, 5.0));
    EXPECT_PS_OK(sock_accept(dup, conn.out(), nullptr));
  } else if (op == Op::kRecv || op == Op::kRecvWaitall) {
    ASSERT_PS_OK(sock_sendall(p.client, "dup", 3, 0, nullptr));
    ASSERT_PS_OK(sock_settimeout(dup, 5.0));
    char buf[4];
    size_t n = 0;
    ASSERT_PS_OK(sock_recv(dup, buf, sizeof buf, 0, &n));
    EXPECT_EQ("dup", std::string(buf, n));
  } else {
    int fd = -1;
    ASSERT_PS_OK(sock_fileno(dup, &fd));
    EXPECT_NE(-1, fcntl(fd, F_GETFD)) << "the dup's descriptor is still open";
  }
}

}  // namespace

TEST(CloseFromAnotherThread, WakesABlockedRecv) { close_wakes(Op::kRecv, false); }
TEST(CloseFromAnotherThread, WakesATimedRecv) { close_wakes(Op::kRecv, true); }
TEST(CloseFromAnotherThread, WakesABlockedWaitallRecv) { close_wakes(Op::kRecvWaitall, false); }
TEST(CloseFromAnotherThread, WakesATimedWaitallRecv) { close_wakes(Op::kRecvWaitall, true); }
TEST(CloseFromAnotherThread, WakesABlockedSend) { close_wakes(Op::kSend, false); }
TEST(CloseFromAnotherThread, WakesATimedSend) { close_wakes(Op::kSend, true); }
TEST(CloseFromAnotherThread, WakesABlockedAccept) { close_wakes(Op::kAccept, false); }
TEST(CloseFromAnotherThread, WakesATimedAccept) { close_wakes(Op::kAccept, true); }

TEST(CloseFromAnotherThread, RaceRunAThousandTimesNeverTouchesAnotherSocket) {
  // Each round: a reader blocks in recv, another thread closes its handle at once
  // (sometimes before the recv starts), and a new socket immediately takes the
  // lowest fd numbers. The reader must fail with EBADF and never see the new data.
  const int before = open_fd_count();
  for (int round = 0; round < 1000; ++round) {
    Sock a, b;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
    const sock_handle victim = a.release();
    std::atomic<int> st{1};
    size_t n = 0;
    char buf[16] = {};
    std::thread reader([&] { st.store(sock_recv(victim, buf, sizeof buf, 0, &n)); });
    if (round % 2) std::this_thread::yield();
    ASSERT_PS_OK(sock_close(victim));
    Sock c, d;
    ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, c.out(), d.out()));
    ASSERT_PS_OK(sock_sendall(d, "other", 5, 0, nullptr));
    reader.join();
    ASSERT_EQ(SOCK_ERR_OS, st.load()) << "round " << round << " read: " << std::string(buf, n);
    char got[8];
    size_t m = 0;
    ASSERT_PS_OK(sock_recv(c, got, sizeof got, 0, &m));
    ASSERT_EQ("other", std::string(got, m)) << "round " << round;
  }
  EXPECT_EQ(before, open_fd_count());
}

TEST(CloseFromAnotherThread, AWaitallRecvKeepsTheBytesItGatheredBeforeTheClose) {
  // A blocking MSG_WAITALL recv has 2 of its 6 bytes when another thread closes the
  // handle: it returns those 2 (as the kernel returns a short count when a signal
  // or error ends the wait). Either way no byte is lost: what the call did not take
  // is still readable through a dup of the socket.
  Pair p = tcp_pair();
  Sock dup;
  ASSERT_PS_OK(sock_dup(p.server, dup.out()));
  ASSERT_PS_OK(sock_sendall(p.client, "ab", 2, 0, nullptr));
  const sock_handle victim = p.server.release();
  std::atomic<int> st{1};
  std::atomic<bool> started{false};
  char buf[6] = {};
  size_t n = 0;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    started.store(true);
    st.store(sock_recv(victim, buf, sizeof buf, NET_MSG_WAITALL, &n));
    done.store(true);
  });
  while (!started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto closed_at = std::chrono::steady_clock::now();
  ASSERT_PS_OK(sock_close(victim));
  while (!done.load() && std::chrono::steady_clock::now() - closed_at < std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool woke = done.load();
  if (!woke) {  // still asleep in the kernel: fill its buffer so the test can end
    ASSERT_PS_OK(sock_sendall(p.client, "cdef", 4, 0, nullptr));
  }
  reader.join();
  ASSERT_TRUE(woke) << "close did not wake the MSG_WAITALL recv within 2 s";
  std::string taken = st.load() == SOCK_OK ? std::string(buf, n) : std::string();
  if (st.load() != SOCK_OK) {
    EXPECT_EQ(SOCK_ERR_OS, st.load());
    EXPECT_EQ(0u, n);
  }
  ASSERT_PS_OK(sock_setblocking(dup, 0));
  char rest[8];
  size_t m = 0;
  if (sock_recv(dup, rest, sizeof rest, 0, &m) == SOCK_OK) taken.append(rest, m);
  EXPECT_EQ("ab", taken);
  EXPECT_EQ(SOCK_OK, st.load()) << "after 50 ms the reader had the 2 bytes";
}

TEST(CloseFromAnotherThread, DescriptorIsReleasedOnlyAfterTheCallReturns) {
  // While a call is in flight the fd number must stay taken, so no new socket can
  // receive it under the running call; once the call returns, it is freed.
  Sock a, b;
  ASSERT_PS_OK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, a.out(), b.out()));
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(a, &fd));
  const sock_handle victim = a.release();
  std::atomic<bool> in_call{false};
  std::atomic<int> st{1};
  std::thread reader([&] {
    char buf[4];
    size_t n = 0;
    in_call.store(true);
    st.store(sock_sendall(victim, nullptr, 0, 0, nullptr));  // warm-up, returns at once
    st.store(sock_recv(victim, buf, sizeof buf, 0, &n));
  });
  while (!in_call.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_PS_OK(sock_close(victim));
  reader.join();
  EXPECT_EQ(SOCK_ERR_OS, st.load());
  EXPECT_EQ(-1, fcntl(fd, F_GETFD)) << "released once the call returned";
}

// ---- generations never wrap --------------------------------------------------------

TEST(HandleGenerations, ASlotAtItsLastGenerationRetiresInsteadOfWrapping) {
  // The table's own test hook: a last generation of 3 instead of 2^32 - 1, so that
  // what 2^32 create/close cycles of one slot would do (six hours at 190,000 cycles
  // a second) happens in a few: no handle is ever issued twice, and a closed handle
  // stays closed, so closing it again is still OK.
  using Table = polysock::HandleTable<int, 7>;
  Table table(3);
  std::vector<std::uint64_t> issued;
  for (int cycle = 0; cycle < 12; ++cycle) {
    const std::uint64_t h = table.insert(new int(cycle));
    ASSERT_NE(0u, h);
    for (std::uint64_t old : issued) ASSERT_NE(old, h) << "cycle " << cycle;
    ASSERT_LE(h >> 32, 3u) << "generation past the last one";
    Table::Ref ref;
    ASSERT_EQ(Table::Lookup::kOk, table.close(h, &ref));
    ref.reset();
    issued.push_back(h);
    for (std::uint64_t old : issued) {
      Table::Ref r;
      EXPECT_EQ(Table::Lookup::kClosed, table.acquire(old, &r));
      EXPECT_EQ(Table::Lookup::kClosed, table.close(old, &r))
          << "a second close of an old handle is a no-op, as in Python";
    }
  }
  EXPECT_EQ(12u, issued.size());
  EXPECT_EQ(4u, (issued.back() & 0xffffff)) << "3 generations a slot: 12 handles use 4 slots";
}
