// The process-wide handle table: integer handles with a generation per slot, so a
// closed handle stays invalid forever even when its slot is reused. Every call
// takes a reference for its duration (one atomic CAS, no lock); close marks the
// slot closed, and whoever drops the last reference destroys the object, so an
// object (and its descriptor) outlives every call in flight on it.
//
// Handle layout: high 32 bits generation (never 0), bits 24..31 the table's kind,
// bits 0..23 slot index + 1. The kind keeps tables apart: a poller handle passed
// where a socket handle belongs names no socket, even when both share slot and
// generation. Slot state layout: high 32 bits generation, bits 24..31 the kind, as
// in the handle, bits 1..23 references, bit 0 open; so one comparison of the top 40
// bits checks a handle's generation and kind at once.
//
// Generations never wrap: a slot whose generation reaches the last one is retired
// (never reused) when that socket is freed, so no handle is ever issued twice.
// With 2^24 slots of 2^32 - 1 generations each, retiring costs nothing in practice:
// at 200,000 create/close cycles a second one slot lasts six hours, and the table
// lasts eleven thousand years.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

namespace polysock {

template <class T, std::uint8_t Kind>
class HandleTable {
  struct Slot;

 public:
  enum class Lookup { kOk, kClosed, kNeverIssued };

  // A counted reference to a live object; releases it (and maybe destroys it) on scope exit.
  class Ref {
   public:
    Ref() = default;
    Ref(Ref &&o) noexcept : table_(o.table_), slot_(o.slot_), obj_(o.obj_) { o.table_ = nullptr; }
    Ref(const Ref &) = delete;
    Ref &operator=(const Ref &) = delete;
    ~Ref() { reset(); }
    T *get() const { return obj_; }
    T *operator->() const { return obj_; }
    explicit operator bool() const { return table_ != nullptr; }
    // True when this is the only reference: no call is in flight on the object.
    // Once the slot is closed the count only goes down, so false may turn true.
    bool sole() const { return (slot_->state.load(std::memory_order_acquire) & kRefMask) == kRef; }
    // Drops the reference; true if this was the last one of a closed slot, in which
    // case the object is handed to the caller (via *last) instead of destroyed.
    void reset(T **last = nullptr) {
      if (table_ == nullptr) return;
      HandleTable *t = table_;
      table_ = nullptr;
      t->release(slot_, last);
    }

   private:
    friend class HandleTable;
    HandleTable *table_ = nullptr;
    Slot *slot_ = nullptr;
    T *obj_ = nullptr;
  };

  // Kind (0..255) is stamped into every handle this table issues. last_generation
  // is lowered only by tests, to see slots retire without 2^32 cycles.
  constexpr explicit HandleTable(std::uint32_t last_generation = 0xffffffffU)
      : last_generation_(last_generation) {}
  HandleTable(const HandleTable &) = delete;
  HandleTable &operator=(const HandleTable &) = delete;
  // Frees the slots, not the objects still in them. The process-wide tables are
  // never destroyed (capi.hpp's NeverDestroyed); tests make tables of their own.
  ~HandleTable() {
    for (auto &chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
  }

  // Stores obj (taking ownership) and returns its handle, or 0 if out of memory/slots.
  std::uint64_t insert(T *obj) {
    std::lock_guard<std::mutex> lock(mu_);
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      if (used_ == kCapacity) return 0;
      index = used_;
      const std::uint32_t c = index / kChunkSize;
      if (chunks_[c].load(std::memory_order_acquire) == nullptr) {
        Slot *chunk = new (std::nothrow) Slot[kChunkSize];
        if (chunk == nullptr) return 0;
        for (std::uint32_t i = 0; i < kChunkSize; ++i) chunk[i].index = c * kChunkSize + i;
        chunks_[c].store(chunk, std::memory_order_release);
      }
      ++used_;
    }
    Slot &s = slot(index);
    // Below last_generation_: a slot at the last one is never put back (release).
    const std::uint32_t gen = static_cast<std::uint32_t>(s.state.load() >> 32) + 1;
    s.obj = obj;
    s.state.store((static_cast<std::uint64_t>(gen) << 32) | kind_ | kOpen,
                  std::memory_order_release);
    return (static_cast<std::uint64_t>(gen) << 32) | kind_ | (index + 1);
  }

  // Takes a reference to the object behind h, if h is open.
  Lookup acquire(std::uint64_t h, Ref *out) {
    Slot *s = find(h);
    if (s == nullptr) [[unlikely]]
      return Lookup::kNeverIssued;
    std::uint64_t st = s->state.load(std::memory_order_acquire);
    for (;;) {
      if (((st ^ h) >> kKindShift) != 0 || !(st & kOpen)) [[unlikely]]
        return classify(st, h);
      if (s->state.compare_exchange_weak(st, st + kRef, std::memory_order_acquire)) [[likely]] {
        break;
      }
    }
    out->table_ = this;
    out->slot_ = s;
    out->obj_ = s->obj;
    return Lookup::kOk;
  }

  // Marks h closed (no new references) and returns a reference to its object, so
  // the caller can wake calls in flight before dropping it.
  Lookup close(std::uint64_t h, Ref *out) {
    Slot *s = find(h);
    if (s == nullptr) return Lookup::kNeverIssued;
    std::uint64_t st = s->state.load(std::memory_order_acquire);
    for (;;) {
      if (((st ^ h) >> kKindShift) != 0 || !(st & kOpen)) return classify(st, h);
      if (s->state.compare_exchange_weak(st, (st & ~kOpen) + kRef, std::memory_order_acq_rel)) {
        break;
      }
    }
    out->table_ = this;
    out->slot_ = s;
    out->obj_ = s->obj;
    return Lookup::kOk;
  }

 private:
  static constexpr std::uint64_t kOpen = 1;
  static constexpr std::uint64_t kRef = 2;
  static constexpr std::uint64_t kRefMask = 0x00fffffeULL;
  static constexpr int kKindShift = 24;
  static constexpr std::uint64_t kIndexMask = (1ULL << kKindShift) - 1;
  static constexpr std::uint64_t kKindMask = 0xffULL << kKindShift;
  // The chunk array covers every index the 24 bits can name, so a lookup needs no
  // range check; the last index is never issued (index bits 0 land there).
  static constexpr std::uint32_t kChunkSize = 4096;
  static constexpr std::uint32_t kMaxChunks = (kIndexMask + 1) / kChunkSize;
  static constexpr std::uint32_t kCapacity = kChunkSize * kMaxChunks - 1;

  struct Slot {
    std::atomic<std::uint64_t> state{0};
    T *obj = nullptr;
    std::uint32_t index = 0;  // its own index, for the free list
  };

  Slot &slot(std::uint32_t index) {
    return chunks_[index / kChunkSize].load(std::memory_order_acquire)[index % kChunkSize];
  }

  // The slot a handle names, if its chunk exists. The generation and the kind are
  // checked against the slot's state by the caller.
  Slot *find(std::uint64_t h) {
    const auto index = static_cast<std::uint32_t>((h - 1) & kIndexMask);
    Slot *chunk = chunks_[index / kChunkSize].load(std::memory_order_acquire);
    return chunk == nullptr ? nullptr : &chunk[index % kChunkSize];
  }

  // A handle that does not match the slot is closed if it is of this table's kind
  // and its generation was issued.
  static Lookup classify(std::uint64_t st, std::uint64_t h) {
    const std::uint64_t gen = h >> 32;
    const bool ours = (h & kKindMask) == kind_;
    return ours && gen != 0 && gen <= (st >> 32) ? Lookup::kClosed : Lookup::kNeverIssued;
  }

  void release(Slot *slot, T **last) {
    Slot &s = *slot;
    const std::uint64_t st = s.state.fetch_sub(kRef, std::memory_order_acq_rel) - kRef;
    if ((st & kRefMask) != 0 || (st & kOpen)) return;
    // Last reference of a closed slot: nobody can acquire it any more.
    T *obj = s.obj;
    s.obj = nullptr;
    if ((st >> 32) < last_generation_) {
      std::lock_guard<std::mutex> lock(mu_);
      try {
        free_.push_back(slot->index);
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

  static constexpr std::uint64_t kind_ = static_cast<std::uint64_t>(Kind) << kKindShift;
  const std::uint32_t last_generation_;
  std::atomic<Slot *> chunks_[kMaxChunks] = {};
  std::mutex mu_;
  std::vector<std::uint32_t> free_;
  std::uint32_t used_ = 0;
};

}  // namespace polysock
