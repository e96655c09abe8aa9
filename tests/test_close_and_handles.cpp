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

TEST(Handles, ALiveHandleWithAnyBitChangedNamesNoSocket) {
  // Every bit of a handle counts: the index, the unused bits between the index and
  // the kind, the kind and the generation. A changed handle is never issued, or at
  // least not this socket's (a lower index bit may name another slot).
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(s, &fd));
  for (int bit = 0; bit < 64; ++bit) {
    const sock_handle changed = s.get() ^ (1ULL << bit);
    int other = -1;
    if (sock_fileno(changed, &other) == SOCK_OK) {
      EXPECT_NE(fd, other) << "bit " << bit;
    } else {
      EXPECT_EQ(EBADF, sock_last_errno()) << "bit " << bit;
    }
  }
}

TEST(HandleTable, IssuesAtMostItsCapacityAndThenZero) {
  // A table of 4 index bits holds 15 objects; the 16th insert fails (the socket
  // table's 2^20 - 1 cannot be reached here: the process has 20,000 descriptors).
  // A table is its type (its state is static): this one is used by this test only.
  using Table = polysock::HandleTable<int, 7, 4>;
  std::vector<std::uint64_t> issued;
  for (int i = 0; i < 15; ++i) {
    issued.push_back(Table::insert(new int(i)));
    ASSERT_NE(0u, issued.back()) << i;
  }
  int *extra = new int(15);
  EXPECT_EQ(0u, Table::insert(extra)) << "full";
  delete extra;
  for (std::size_t i = 0; i < issued.size(); ++i) {
    Table::Ref r;
    ASSERT_EQ(Table::Lookup::kOk, Table::acquire(issued[i], &r));
    EXPECT_EQ(static_cast<int>(i), *r.get());
  }
  Table::Ref ref;
  ASSERT_EQ(Table::Lookup::kOk, Table::close(issued[3], &ref));
  ref.reset();
  const std::uint64_t again = Table::insert(new int(16));
  EXPECT_NE(0u, again) << "a freed slot is used again";
  EXPECT_EQ(issued[3] & 0xffffffffULL, again & 0xffffffffULL);
  EXPECT_NE(issued[3], again);
  for (std::uint64_t h : issued) {
    if (h == issued[3]) continue;
    Table::Ref r;
    ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &r));
  }
  ASSERT_EQ(Table::Lookup::kOk, Table::close(again, &ref));
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
  EXPECT_EQ(before, open_fd_count()) << "a wait leaves no descriptor behind";
}

// Close waking each kind of call, in each mode, is test_close_wakes.cpp.

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
  using Table = polysock::HandleTable<int, 7, 8, 3>;
  std::vector<std::uint64_t> issued;
  for (int cycle = 0; cycle < 12; ++cycle) {
    const std::uint64_t h = Table::insert(new int(cycle));
    ASSERT_NE(0u, h);
    for (std::uint64_t old : issued) ASSERT_NE(old, h) << "cycle " << cycle;
    ASSERT_LE(h >> 32, 3u) << "generation past the last one";
    Table::Ref ref;
    ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &ref));
    ref.reset();
    issued.push_back(h);
    for (std::uint64_t old : issued) {
      Table::Ref r;
      EXPECT_EQ(Table::Lookup::kClosed, Table::acquire(old, &r));
      EXPECT_EQ(Table::Lookup::kClosed, Table::close(old, &r))
          << "a second close of an old handle is a no-op, as in Python";
    }
  }
  EXPECT_EQ(12u, issued.size());
  EXPECT_EQ(4u, (issued.back() & 0xffffff) >> 4) << "3 generations a slot: 12 handles use 4 slots";
}
