// The process-wide handle tables: integer handles with a generation per slot, so a
// closed handle stays invalid forever even when its slot is reused. Every call
// takes a reference for its duration (one atomic CAS, no lock); close marks the
// slot closed, and whoever drops the last reference destroys the object, so an
// object (and its descriptor) outlives every call in flight on it.
//
// Handle layout: high 32 bits generation (never 0), bits 24..31 the table's kind,
// bits 4..IndexBits+3 the slot index (never 0) times 16, the size of a slot, so that
// the index bits are the slot's byte offset in the table; the other bits 0. The kind
// keeps tables apart: a poller handle passed where a socket handle belongs names no
// socket, even when both share slot and generation. Slot state layout: high 32 bits
// generation, bits 24..31 the kind, as in the handle, bits 5..IndexBits+3
// references, bit 4 open, the other bits 0; so one comparison of everything outside
// the index bits checks a handle's generation, kind and unused bits at once.
//
// Each table is a type, its state static: the slots are one array of plain words
// (atomic through std::atomic_ref), zero-initialised with no constructor to run, so
// the array lives in .bss and the kernel commits a page of it only when a slot on it
// is first used; a lookup is a mask, an add and a load, and a reference needs no
// pointer to its table. The socket table's 2^20 slots (16 MiB of address space) are
// as many as Linux's default limit on a process's descriptors.
//
// Generations never wrap: a slot whose generation reaches the last one is retired
// (never reused) when its object is freed, so no handle is ever issued twice. At
// 200,000 create/close cycles a second one slot lasts six hours, and the socket
// table seven hundred years.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace polysock {

// Kind (1..255) is stamped into every handle the table issues. IndexBits (at most
// 20) sets its capacity, 2^IndexBits - 1 objects, and the calls one object can have
// in flight, 2^(IndexBits - 1) - 1 (more than a process has threads). LastGeneration
// is lowered only by tests, to see slots retire without 2^32 cycles.
template <class T, std::uint8_t Kind, int IndexBits, std::uint32_t LastGeneration = 0xffffffffU>
class HandleTable {
  static_assert(Kind > 0 && IndexBits > 1 && IndexBits <= 20);
  struct Slot;

 public:
  enum class Lookup { kOk, kClosed, kNeverIssued };

  // A counted reference to a live object; releases it (and maybe destroys it) on scope exit.
  class Ref {
   public:
    Ref() = default;
    Ref(Ref &&o) noexcept : slot_(o.slot_), obj_(o.obj_) { o.slot_ = nullptr; }
    Ref(const Ref &) = delete;
    Ref &operator=(const Ref &) = delete;
    ~Ref() { reset(); }
    T *get() const { return obj_; }
    T *operator->() const { return obj_; }
    explicit operator bool() const { return slot_ != nullptr; }
    // True when this is the only reference: no call is in flight on the object.
    // Once the slot is closed the count only goes down, so false may turn true.
    bool sole() const { return (state(slot_).load(std::memory_order_acquire) & kRefMask) == kRef; }
    // Drops the reference; true if this was the last one of a closed slot, in which
    // case the object is handed to the caller (via *last) instead of destroyed.
    void reset(T **last = nullptr) {
      if (slot_ == nullptr) return;
      Slot *s = slot_;
      slot_ = nullptr;
      release(s, last);
    }

   private:
    friend class HandleTable;
    Slot *slot_ = nullptr;
    T *obj_ = nullptr;
  };

  // Stores obj (taking ownership) and returns its handle, or 0 if out of memory/slots.
  static std::uint64_t insert(T *obj) {
    std::lock_guard<std::mutex> lock(shared_.value.mu);
    std::vector<std::uint32_t> &free = shared_.value.free;
    std::uint32_t index;
    if (!free.empty()) {
      index = free.back();
      free.pop_back();
    } else {
      if (shared_.value.used == kCapacity) return 0;
      index = ++shared_.value.used;  // from 1: slot 0 is never issued
    }
    Slot &s = slots_[index];
    // Below LastGeneration: a slot at the last one is never put back (release).
    const std::uint32_t gen = static_cast<std::uint32_t>(state(&s).load() >> 32) + 1;
    s.obj = obj;
    state(&s).store(static_cast<std::uint64_t>(gen) << 32 | kKind | kOpen,
                    std::memory_order_release);
    return static_cast<std::uint64_t>(gen) << 32 | kKind |
           static_cast<std::uint64_t>(index) << kSlotShift;
  }

  // Takes a reference to the object behind h, if h is open.
  static Lookup acquire(std::uint64_t h, Ref *out) {
    Slot *s = find(h);
    std::atomic_ref<std::uint64_t> st_ref = state(s);
    std::uint64_t st = st_ref.load(std::memory_order_acquire);
    do {
      if (((st ^ h) & ~kIndexMask) != 0 || !(st & kOpen)) [[unlikely]]
        return classify(st, h);
    } while (!st_ref.compare_exchange_weak(st, st + kRef, std::memory_order_acquire));
    out->slot_ = s;
    out->obj_ = s->obj;
    return Lookup::kOk;
  }

  // Marks h closed (no new references) and returns a reference to its object, so
  // the caller can wake calls in flight before dropping it.
  static Lookup close(std::uint64_t h, Ref *out) {
    Slot *s = find(h);
    std::atomic_ref<std::uint64_t> st_ref = state(s);
    std::uint64_t st = st_ref.load(std::memory_order_acquire);
    do {
      if (((st ^ h) & ~kIndexMask) != 0 || !(st & kOpen)) return classify(st, h);
    } while (!st_ref.compare_exchange_weak(st, (st & ~kOpen) + kRef, std::memory_order_acq_rel));
    out->slot_ = s;
    out->obj_ = s->obj;
    return Lookup::kOk;
  }

 private:
  static constexpr std::uint64_t kKind = static_cast<std::uint64_t>(Kind) << 24;
  static constexpr std::uint64_t kKindMask = 0xffULL << 24;
  static constexpr int kSlotShift = 4;  // log2 of sizeof(Slot)
  static constexpr std::uint64_t kIndexMask = ((1ULL << IndexBits) - 1) << kSlotShift;
  static constexpr std::uint64_t kOpen = 1ULL << kSlotShift;
  static constexpr std::uint64_t kRef = kOpen << 1;
  static constexpr std::uint64_t kRefMask = kIndexMask & ~kOpen;
  static constexpr std::uint32_t kSlots = 1U << IndexBits;
  // Slot 0 is never issued: a handle whose index bits are 0 lands there.
  static constexpr std::uint32_t kCapacity = kSlots - 1;

  // Plain data, so that the array needs no constructor (see the top of the file).
  struct Slot {
    alignas(std::atomic_ref<std::uint64_t>::required_alignment) std::uint64_t state;
    T *obj;
  };
  static std::atomic_ref<std::uint64_t> state(Slot *s) {
    return std::atomic_ref<std::uint64_t>(s->state);
  }

  // The slot a handle names; the caller checks the handle against its state. The
  // empty asm hides where the pointer came from: left to itself, GCC computes the
  // slot's address again from the index for each use, and keeps the index in a
  // register across the call in between to do so.
  static Slot *find(std::uint64_t h) {
    static_assert(sizeof(Slot) == 1U << kSlotShift);
    Slot *s = reinterpret_cast<Slot *>(reinterpret_cast<char *>(slots_) + (h & kIndexMask));
    asm("" : "+r"(s));
    return s;
  }

  // A handle that does not match the slot is closed if it is of this table's kind,
  // has no stray bits, and its generation was issued.
  static Lookup classify(std::uint64_t st, std::uint64_t h) {
    const std::uint64_t gen = h >> 32;
    const bool ours = (h & (kKindMask | (0xffffffULL & ~kIndexMask))) == kKind;
    return ours && gen != 0 && gen <= (st >> 32) ? Lookup::kClosed : Lookup::kNeverIssued;
  }

  static void release(Slot *s, T **last) {
    const std::uint64_t st = state(s).fetch_sub(kRef, std::memory_order_acq_rel) - kRef;
    if ((st & kRefMask) != 0 || (st & kOpen)) [[likely]]
      return;
    free_slot(s, st, last);
  }

  // After the last reference of a closed slot: nobody can acquire it any more. Out
  // of line, so that every call's release stays a decrement and a test.
  __attribute__((noinline)) static void free_slot(Slot *s, std::uint64_t st, T **last) {
    T *obj = s->obj;
    s->obj = nullptr;
    if ((st >> 32) < LastGeneration) {
      std::lock_guard<std::mutex> lock(shared_.value.mu);
      try {
        shared_.value.free.push_back(static_cast<std::uint32_t>(s - slots_));
      } catch (const std::bad_alloc &) {
        // The slot is lost, never reused: still no handle is issued twice.
      }
    }
    if (last != nullptr) {
      *last = obj;
    } else {
      delete obj;
    }
  }

  // The free list, never destroyed (threads may still close sockets at exit).
  struct Shared {
    std::mutex mu;
    std::vector<std::uint32_t> free;
    std::uint32_t used = 0;
  };
  union Forever {
    constexpr Forever() : value() {}
    ~Forever() {}
    Shared value;
  };

  static inline Slot slots_[kSlots];  // zero: no handle names a slot before insert
  static constinit inline Forever shared_;
};

}  // namespace polysock
