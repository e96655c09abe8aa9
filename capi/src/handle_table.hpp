// The process-wide handle tables: integer handles with a generation per slot, so a
// closed handle stays invalid forever even when its slot is reused. Every call
// holds the object for its duration; close marks the slot closed, and whoever lets
// go last destroys the object, so an object (and its descriptor) outlives every call
// in flight on it.
//
// A call holds the object in one of two ways. A counted reference (one atomic CAS to
// take, one atomic decrement to drop) works from any thread. An owned table (the
// socket table) also has a cheaper one, with no locked instruction: the first thread
// to take a counted reference on a slot becomes its owner, and the owner's calls
// mark themselves in flight with a plain store of the handle in the thread's own
// CallHold (core/interrupt.hpp), check the slot, and clear the mark with a plain
// store when they return. A close from another thread, after marking the slot
// closed, runs os::barrier_all_threads() (membarrier) and then reads the owner's
// mark: either the owner's check saw the slot closed, or the close sees the mark.
// When it sees it, the call in flight drops the close's reference for it: the close
// posts the handle in the owner's orphan word, runs the barrier again and looks at
// the mark once more; whoever of the two clears the orphan word drops the
// reference. A close from the owner itself needs no barrier. So a socket used and
// closed by one thread (an event loop, a thread per connection) costs no locked
// instruction a call and nothing more to close; a close from another thread costs a
// membarrier (two with a call in flight), which is also when it has calls to wake.
//
// Handle layout: high 32 bits generation (never 0), bits 25..31 the table's kind,
// bits 5..IndexBits+4 the slot index (never 0) times 32, the size of a slot, so that
// the index bits are the slot's byte offset in the table; the other bits 0. The kind
// keeps tables apart: a poller handle passed where a socket handle belongs names no
// socket, even when both share slot and generation. Slot state layout: high 32 bits
// generation, bits 25..31 the kind, as in the handle, bits 6..IndexBits+4
// references, bit 5 open, the other bits 0; so one comparison of everything outside
// the index bits checks a handle's generation, kind and unused bits at once.
//
// Each table is a type, its state static: the slots are one array of plain words
// (atomic through std::atomic_ref), zero-initialised with no constructor to run, so
// the array lives in .bss and the kernel commits a page of it only when a slot on it
// is first used; a lookup is a mask, an add and a load, and a reference needs no
// pointer to its table. The socket table's 2^20 slots (32 MiB of address space) are
// as many as Linux's default limit on a process's descriptors.
//
// Generations never wrap: a slot whose generation reaches the last one is retired
// (never reused) when its object is freed, so no handle is ever issued twice. At
// 200,000 create/close cycles a second one slot lasts six hours, and the socket
// table seven hundred years.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <new>
#include <thread>
#include <type_traits>

#include "../../core/interrupt.hpp"
#include "../../core/os.hpp"
#include "../../core/relaxed.hpp"

namespace polysock {

// Kind (1..127) is stamped into every handle the table issues. IndexBits (at most
// 20) sets its capacity, 2^IndexBits - 1 objects, and the counted references one
// object can have, 2^(IndexBits - 1) - 1 (more than a process has threads).
// LastGeneration is lowered only by tests, to see slots retire without 2^32 cycles.
// Owned turns on the owner's fast path (top of the file).
template <class T, std::uint8_t Kind, int IndexBits, std::uint32_t LastGeneration = 0xffffffffU,
          bool Owned = false>
class HandleTable {
  static_assert(Kind > 0 && Kind < 128 && IndexBits > 1 && IndexBits <= 20);
  struct Slot;

 public:
  enum class Lookup { kOk, kClosed, kNeverIssued };

  // The object behind a handle, held for a call; lets go on scope exit.
  class Ref {
   public:
    Ref() = default;
    Ref(Ref &&o) noexcept : slot_(o.slot_), obj_(o.obj_), hold_(o.hold_) { o.slot_ = nullptr; }
    Ref(const Ref &) = delete;
    Ref &operator=(const Ref &) = delete;
    ~Ref() { reset(); }
    T *get() const { return obj_; }
    T *operator->() const { return obj_; }
    explicit operator bool() const { return slot_ != nullptr; }
    // True when the call holds the object by its thread's mark (the owner's fast path).
    bool marked() const { return hold_ != nullptr; }
    // Lets go; true if this was the last hold of a closed slot, in which case the
    // object is handed to the caller (via *last) instead of destroyed.
    void reset(T **last = nullptr) {
      if (slot_ == nullptr) return;
      Slot *s = slot_;
      slot_ = nullptr;
      if constexpr (Owned) {
        if (hold_ != nullptr) return let_go(hold_);
      }
      release(s, last);
    }

   private:
    friend class HandleTable;
    Slot *slot_ = nullptr;
    T *obj_ = nullptr;
    CallHold *hold_ = nullptr;  // the thread's mark holds the object, with no count
  };

  // Close's reference to the object of a handle it has just closed.
  class Closing {
   public:
    Closing() = default;
    Closing(const Closing &) = delete;
    Closing &operator=(const Closing &) = delete;
    ~Closing() { reset(); }
    T *get() const { return ref_.get(); }
    T *operator->() const { return ref_.get(); }
    // True when no call is in flight on the object, neither with a counted reference
    // nor as the owner's marked call. Both only go away now, so false may turn true.
    bool sole() const {
      return (state(ref_.slot_).load(std::memory_order_acquire) & kRefMask) == kRef &&
             (watch_ == nullptr || watch_->handle.load(std::memory_order_acquire) != h_);
    }
    // Lets go; true if this was the last hold, in which case the object is handed to
    // the caller (via *last) instead of destroyed. With the owner's call still in
    // flight, that call lets go last, as it leaves.
    void reset(T **last = nullptr) {
      if constexpr (Owned) {
        if (ref_.slot_ != nullptr && watch_ != nullptr &&
            watch_->handle.load(std::memory_order_seq_cst) == h_ && !hand_over(watch_, h_)) {
          ref_.slot_ = nullptr;
          return;
        }
      }
      ref_.reset(last);
    }

   private:
    friend class HandleTable;
    Ref ref_;
    CallHold *watch_ = nullptr;  // the owner's mark, which named h_ at the close
    std::uint64_t h_ = 0;
  };

  // Stores obj (taking ownership) and returns its handle, or 0 if out of memory/slots.
  static std::uint64_t insert(T *obj) {
    std::uint32_t index = pop_free();
    if (index == 0) {
      std::uint32_t used = used_.load(std::memory_order_relaxed);
      do {
        if (used == kCapacity) return 0;
      } while (!used_.compare_exchange_weak(used, used + 1, std::memory_order_relaxed));
      index = used + 1;  // from 1: slot 0 is never issued
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

  // Holds the object behind h for a call, if h is open: marked in flight when the
  // calling thread owns the slot, else with a counted reference. (A handle reaches a
  // thread as any value does, with happens-before: then the owner the thread reads
  // is the one of the handle's generation or a later one.)
  static Lookup acquire(std::uint64_t h, Ref *out) {
    Slot *s = find(h);
    if constexpr (Owned) {
      CallHold *me = t_call_hold;
      if (!relaxed_equals(s->owner, me)) [[unlikely]]
        return acquire_counted(s, h, out);
      if (!mark(me, s, h)) [[unlikely]]
        return missed(me, s);
      out->slot_ = s;
      out->obj_ = s->obj;
      out->hold_ = me;
      return Lookup::kOk;
    } else {
      return acquire_counted(s, h, out);
    }
  }

  // Runs f(object) with the object behind h held for the call, and returns what f
  // returns; a closed or never-issued h is fail(why) instead. acquire's lookup, with
  // no Ref in memory: the compiler keeps the hold in registers (the hot calls).
  template <class F, class Fail>
  static int with(std::uint64_t h, F &&f, Fail &&fail) {
    if constexpr (Owned) {
      Slot *s = find(h);
      CallHold *me = t_call_hold;
      if (!relaxed_equals(s->owner, me)) [[unlikely]]
        return with_counted<std::decay_t<F>, std::decay_t<Fail>>(h, f, fail);
      if (!mark(me, s, h)) [[unlikely]]
        return fail(missed(me, s));
      struct Leave {
        CallHold *me;
        ~Leave() { let_go(me); }
      } leave{me};
      return f(s->obj);
    } else {
      return with_counted<std::decay_t<F>, std::decay_t<Fail>>(h, f, fail);
    }
  }

  // Marks h closed (no new references) and returns a reference to its object, so
  // the caller can wake calls in flight before dropping it.
  static Lookup close(std::uint64_t h, Closing *closing) {
    Ref *out = &closing->ref_;
    Slot *s = find(h);
    std::atomic_ref<std::uint64_t> st_ref = state(s);
    std::uint64_t st = st_ref.load(std::memory_order_acquire);
    do {
      if (((st ^ h) & ~kIndexMask) != 0 || !(st & kOpen)) return classify(st, h);
    } while (!st_ref.compare_exchange_weak(st, (st & ~kOpen) + kRef, std::memory_order_acq_rel));
    out->slot_ = s;
    out->obj_ = s->obj;
    if constexpr (Owned) watch(s, h, closing);
    return Lookup::kOk;
  }

 private:
  static constexpr std::uint64_t kKind = static_cast<std::uint64_t>(Kind) << 25;
  static constexpr std::uint64_t kKindMask = 0x7fULL << 25;
  static constexpr int kSlotShift = 5;  // log2 of sizeof(Slot)
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
    CallHold *owner;          // owned tables: the thread whose calls mark themselves, or null
    std::uint32_t next_free;  // on the free list: the index below it (0: none)
  };
  static std::atomic_ref<std::uint64_t> state(Slot *s) {
    return std::atomic_ref<std::uint64_t>(s->state);
  }
  static std::atomic_ref<CallHold *> owner(Slot *s) {
    return std::atomic_ref<CallHold *>(s->owner);
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

  // A counted reference: the object, or null and why not. In an owned table it is
  // out of line (the owner's calls are marked), and returns by value so that the
  // caller's Ref can stay in registers.
  struct Counted {
    T *obj;
    Lookup result;
  };
  static Counted counted(Slot *s, std::uint64_t h) {
    std::atomic_ref<std::uint64_t> st_ref = state(s);
    std::uint64_t st = st_ref.load(std::memory_order_acquire);
    do {
      if (((st ^ h) & ~kIndexMask) != 0 || !(st & kOpen)) [[unlikely]]
        return {nullptr, classify(st, h)};
    } while (!st_ref.compare_exchange_weak(st, st + kRef, std::memory_order_acquire));
    if constexpr (Owned) {
      if (owner(s).load(std::memory_order_relaxed) == nullptr) [[unlikely]]
        claim(s);
    }
    return {s->obj, Lookup::kOk};
  }
  __attribute__((noinline)) static Counted counted_out_of_line(Slot *s, std::uint64_t h) {
    return counted(s, h);
  }
  static Lookup acquire_counted(Slot *s, std::uint64_t h, Ref *out) {
    Counted c;
    if constexpr (Owned) {
      c = counted_out_of_line(s, h);
    } else {
      c = counted(s, h);
    }
    if (c.result != Lookup::kOk) [[unlikely]]
      return c.result;
    out->slot_ = s;
    out->obj_ = c.obj;
    return Lookup::kOk;
  }

  // with() through a counted reference: out of line in an owned table, so that the
  // owner's marked path keeps its values in the registers they come in.
  // (f by value: a closure of a few words, whose address would otherwise keep it in
  // memory on the marked path too.)
  template <class F, class Fail>
  __attribute__((noinline)) static int with_counted(std::uint64_t h, F f, Fail fail) {
    Slot *s = find(h);
    const Counted c = counted(s, h);
    if (c.result != Lookup::kOk) [[unlikely]]
      return fail(c.result);
    Ref r;
    r.slot_ = s;
    r.obj_ = c.obj;
    return f(c.obj);
  }

  // A handle that does not match the slot is closed if it is of this table's kind,
  // has no stray bits, and its generation was issued.
  static Lookup classify(std::uint64_t st, std::uint64_t h) {
    const std::uint64_t gen = h >> 32;
    const bool ours = (h & (kKindMask | (0x1ffffffULL & ~kIndexMask))) == kKind;
    return ours && gen != 0 && gen <= (st >> 32) ? Lookup::kClosed : Lookup::kNeverIssued;
  }

  // The calling thread, with a counted reference, becomes the first owner of the slot
  // (if the process has thread barriers). Once: a slot has one owner a generation.
  __attribute__((noinline)) static void claim(Slot *s) {
    CallHold *me = this_thread_hold();
    CallHold *none = nullptr;
    if (me != nullptr) {  // release: a close reads the record through it
      owner(s).compare_exchange_strong(none, me, std::memory_order_release,
                                       std::memory_order_relaxed);
    }
  }

  // The owner's call on h marks itself in flight, then checks the slot: either the
  // check sees a close, or the close (after its barrier) sees the mark. A thread has
  // one mark at a time: nothing in polysock looks a socket up while it holds another,
  // and the program's interrupt hook, the one program code run inside a call, runs
  // unmarked (core/interrupt.cpp).
  static bool mark(CallHold *me, Slot *s, std::uint64_t h) {
    assert(me->handle.load(std::memory_order_relaxed) == 0);
    me->handle.store(h, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the CPU: close's barrier
    const std::uint64_t st = state(s).load(std::memory_order_acquire);
    return ((st ^ h) & ~kIndexMask) == 0 && (st & kOpen);
  }

  // A marked call leaves: the mark goes, then the thread's orphan word is read (in
  // this order for the CPU too, by the barrier of a close that posts to it; see
  // hand_over). The hold needs nothing of the slot to let go.
  static void let_go(CallHold *hold) {
    hold->handle.store(0, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (!relaxed_equals(word_of(hold->orphan), std::uint64_t{0})) [[unlikely]]
      adopt(hold);
  }

  // A marked call whose check failed (closed, or another handle): it lets go as any,
  // and says why.
  __attribute__((noinline)) static Lookup missed(CallHold *hold, Slot *s) {
    const std::uint64_t h = hold->handle.load(std::memory_order_relaxed);
    let_go(hold);
    return classify(state(s).load(std::memory_order_acquire), h);
  }

  // Drops the reference a close handed this thread's marked call (the call is over:
  // a thread has one mark at a time), unless the close took it back first: whoever
  // clears the orphan word drops it. Another owned table's orphan is left to it.
  __attribute__((noinline)) static void adopt(CallHold *hold) {
    std::uint64_t h = hold->orphan.load(std::memory_order_relaxed);
    if ((h & kKindMask) != kKind) return;
    if (hold->orphan.compare_exchange_strong(h, 0, std::memory_order_acq_rel))
      release(find(h), nullptr);
  }

  // Close, having marked the slot closed: is the owner's call in flight on h? A close
  // from another thread than the owner makes the owner's mark visible first.
  static void watch(Slot *s, std::uint64_t h, Closing *out) {
    CallHold *o = owner(s).load(std::memory_order_acquire);
    if (o == nullptr) return;
    if (o != t_call_hold) os::barrier_all_threads();
    if (o->handle.load(std::memory_order_seq_cst) != h) return;
    out->watch_ = o;
    out->h_ = h;
  }

  // Close's reference, with the owner's call on h seen in flight: true when the
  // caller drops it itself (the call is gone, or the reference came back), false
  // when the call drops it as it leaves (let_go). The reference is posted in the
  // owner's orphan word; a word still holding another close's reference (being
  // settled, a few instructions from done) is waited for.
  __attribute__((noinline)) static bool hand_over(CallHold *o, std::uint64_t h) {
    std::uint64_t none = 0;
    while (!o->orphan.compare_exchange_strong(none, h, std::memory_order_seq_cst)) {
      if (o->handle.load(std::memory_order_seq_cst) != h) return true;
      none = 0;
      std::this_thread::yield();
    }
    if (o != t_call_hold) os::barrier_all_threads();
    if (o->handle.load(std::memory_order_seq_cst) == h) return false;  // it sees the post
    return o->orphan.compare_exchange_strong(h, 0, std::memory_order_acq_rel);
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
    if constexpr (Owned) owner(s).store(nullptr, std::memory_order_relaxed);
    if ((st >> 32) < LastGeneration) push_free(static_cast<std::uint32_t>(s - slots_));
    if (last != nullptr) {
      *last = obj;
    } else {
      delete obj;
    }
  }

  // The free slots, a stack linked through next_free with no lock: free_head_ is the
  // top's index (0: empty) under a count of the changes made to it (the high 32 bits),
  // so that a pop whose top was popped and pushed again meanwhile fails its exchange
  // instead of installing a stale next. Release on push, acquire on pop: the slot's
  // state and cleared fields reach the thread that reuses it.
  static std::atomic_ref<std::uint32_t> next_free(Slot *s) {
    return std::atomic_ref<std::uint32_t>(s->next_free);
  }
  static std::uint32_t pop_free() {
    std::uint64_t head = free_head_.load(std::memory_order_acquire);
    for (;;) {
      const auto index = static_cast<std::uint32_t>(head);
      if (index == 0) return 0;
      const std::uint64_t next = next_free(&slots_[index]).load(std::memory_order_relaxed);
      if (free_head_.compare_exchange_weak(head, ((head >> 32) + 1) << 32 | next,
                                           std::memory_order_acquire)) {
        return index;
      }
    }
  }
  static void push_free(std::uint32_t index) {
    std::uint64_t head = free_head_.load(std::memory_order_relaxed);
    do {
      next_free(&slots_[index]).store(static_cast<std::uint32_t>(head), std::memory_order_relaxed);
    } while (!free_head_.compare_exchange_weak(head, ((head >> 32) + 1) << 32 | index,
                                               std::memory_order_release,
                                               std::memory_order_relaxed));
  }

  static inline Slot slots_[kSlots];  // zero: no handle names a slot before insert
  // Trivially destructible: threads may still close sockets during exit.
  static constinit inline std::atomic<std::uint64_t> free_head_{0};
  static constinit inline std::atomic<std::uint32_t> used_{0};  // slots ever issued
};

}  // namespace polysock
