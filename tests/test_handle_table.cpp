// The handle table itself (capi/src/handle_table.hpp), on tables of its own: capacity,
// generations that retire instead of wrapping, and the owner's marked calls racing a
// close from another thread. Each table is a type whose state is static: each test
// has its own kind, so that none sees another's slots.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "../capi/src/handle_table.hpp"
#include "../core/os.hpp"

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
  Table::Closing ref;
  ASSERT_EQ(Table::Lookup::kOk, Table::close(issued[3], &ref));
  ref.reset();
  const std::uint64_t again = Table::insert(new int(16));
  EXPECT_NE(0u, again) << "a freed slot is used again";
  EXPECT_EQ(issued[3] & 0xffffffffULL, again & 0xffffffffULL);
  EXPECT_NE(issued[3], again);
  for (std::uint64_t h : issued) {
    if (h == issued[3]) continue;
    Table::Closing r;
    ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &r));
  }
  ASSERT_EQ(Table::Lookup::kOk, Table::close(again, &ref));
}

TEST(HandleTable, ThreadsInsertingAndClosingAtOnceNeverShareASlotOrLoseOne) {
  // The free slots are a stack with no lock: 4 threads take and give back slots of
  // a 63-slot table, each keeping up to 8 of its own at a time. Each object names its
  // thread and turn; a slot handed to two threads at once would show another's object
  // behind a handle. At the end every slot is free again: 63 inserts succeed.
  using Table = polysock::HandleTable<long, 9, 6>;
  constexpr int kThreads = 4;
  constexpr long kTurns = 20000;
  std::atomic<long> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &wrong] {
      std::vector<std::pair<std::uint64_t, long>> mine;
      for (long turn = 0; turn < kTurns; ++turn) {
        const long value = t * kTurns + turn;
        const std::uint64_t h = Table::insert(new long(value));
        if (h == 0) {  // the table is full for now (4 x 8 < 63, so never): a failure
          wrong.fetch_add(1);
          continue;
        }
        mine.emplace_back(h, value);
        for (const auto &[handle, expected] : mine) {
          Table::Ref r;
          if (Table::acquire(handle, &r) != Table::Lookup::kOk || *r.get() != expected) {
            wrong.fetch_add(1);
          }
        }
        if (mine.size() == 8 || turn % 3 == 0) {
          const std::size_t at = static_cast<std::size_t>(turn) % mine.size();
          Table::Closing c;
          if (Table::close(mine[at].first, &c) != Table::Lookup::kOk) wrong.fetch_add(1);
          mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(at));
        }
      }
      for (const auto &[handle, expected] : mine) {
        Table::Closing c;
        if (Table::close(handle, &c) != Table::Lookup::kOk) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread &th : threads) th.join();
  EXPECT_EQ(0, wrong.load());
  std::vector<std::uint64_t> all;
  for (int i = 0; i < 63; ++i) {
    all.push_back(Table::insert(new long(i)));
    EXPECT_NE(0u, all.back()) << "slot " << i << " was lost";
  }
  for (std::uint64_t h : all) {
    Table::Closing c;
    if (h != 0) {
      EXPECT_EQ(Table::Lookup::kOk, Table::close(h, &c));
    }
  }
}

// ---- the owner's marked calls -------------------------------------------------------

namespace {

// A table object that counts its destruction and says whether it is alive.
struct Probe {
  explicit Probe(std::atomic<int> *d) : destroyed(d) {}
  ~Probe() {
    alive.store(false);
    destroyed->fetch_add(1);
  }
  std::atomic<int> *destroyed;
  std::atomic<bool> alive{true};
};

}  // namespace

TEST(OwnedHandleTable, TheFirstThreadToCallOwnsTheSlotAndMarksItsLaterCalls) {
  ASSERT_TRUE(polysock::os::enable_thread_barriers()) << "membarrier: Linux 4.14 and later";
  using Table = polysock::HandleTable<Probe, 9, 4, 0xffffffffU, true>;
  std::atomic<int> destroyed{0};
  const std::uint64_t h = Table::insert(new Probe(&destroyed));
  ASSERT_NE(0u, h);
  std::thread([h] {
    Table::Ref first;
    ASSERT_EQ(Table::Lookup::kOk, Table::acquire(h, &first));
    EXPECT_FALSE(first.marked()) << "the call that makes the thread the owner is counted";
    first.reset();
    Table::Ref again;
    ASSERT_EQ(Table::Lookup::kOk, Table::acquire(h, &again));
    EXPECT_TRUE(again.marked()) << "the owner's later calls are marked";
  }).join();
  Table::Ref other;
  ASSERT_EQ(Table::Lookup::kOk, Table::acquire(h, &other));
  EXPECT_FALSE(other.marked()) << "another thread's calls are counted";
  other.reset();
  Table::Closing closing;
  ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &closing));
  EXPECT_TRUE(closing.sole()) << "the owner's thread is gone, and so is its mark";
  closing.reset();
  EXPECT_EQ(1, destroyed.load());
  Table::Ref late;
  EXPECT_EQ(Table::Lookup::kClosed, Table::acquire(h, &late));
}

TEST(OwnedHandleTable, ACloseFromAnotherThreadNeverFreesUnderTheOwnersMarkedCall) {
  // Each round the owner loops over marked calls that hold the object a varying
  // while, and this thread closes the handle at a varying moment: the object must
  // be destroyed exactly once, never while a call holds it (ASan and TSan builds
  // also see a use after free or a missing happens-before).
  ASSERT_TRUE(polysock::os::enable_thread_barriers());
  using Table = polysock::HandleTable<Probe, 10, 8, 0xffffffffU, true>;
  int marked_calls = 0;
  for (int round = 0; round < 600; ++round) {
    std::atomic<int> destroyed{0};
    const std::uint64_t h = Table::insert(new Probe(&destroyed));
    ASSERT_NE(0u, h);
    std::atomic<bool> owned{false};
    std::atomic<int> marked{0};
    std::atomic<int> freed_under_call{0};
    std::thread owner([&, h, round] {
      {
        Table::Ref r;
        if (Table::acquire(h, &r) != Table::Lookup::kOk) return;
      }
      owned.store(true);
      for (int i = 0; i < 200000; ++i) {
        Table::Ref r;
        if (Table::acquire(h, &r) != Table::Lookup::kOk) break;
        marked.fetch_add(r.marked() ? 1 : 0, std::memory_order_relaxed);
        for (int k = 0; k < round % 32; ++k) {
          if (!r->alive.load() || destroyed.load() != 0) freed_under_call.fetch_add(1);
        }
      }
    });
    while (!owned.load()) std::this_thread::yield();
    for (int k = 0; k < (round * 37) % 3000; ++k) asm volatile("");  // a varying moment
    Table::Closing closing;
    ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &closing));
    closing.reset();
    owner.join();
    ASSERT_EQ(0, freed_under_call.load()) << "round " << round;
    ASSERT_EQ(1, destroyed.load()) << "round " << round << ": destroyed once, after the calls";
    marked_calls += marked.load();
  }
  EXPECT_GT(marked_calls, 600) << "the owner's calls took the marked path";
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
    Table::Closing ref;
    ASSERT_EQ(Table::Lookup::kOk, Table::close(h, &ref));
    ref.reset();
    issued.push_back(h);
    for (std::uint64_t old : issued) {
      Table::Ref r;
      EXPECT_EQ(Table::Lookup::kClosed, Table::acquire(old, &r));
      Table::Closing c;
      EXPECT_EQ(Table::Lookup::kClosed, Table::close(old, &c))
          << "a second close of an old handle is a no-op, as in Python";
    }
  }
  EXPECT_EQ(12u, issued.size());
  EXPECT_EQ(4u, (issued.back() & 0x1ffffff) >> 5) << "3 generations a slot: 12 handles use 4 slots";
}
