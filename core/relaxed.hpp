// Relaxed atomic loads folded into the instruction that tests them, for the hot
// paths' flags that other threads write: GCC never folds an atomic load into its use
// (a load, then the test: one instruction more), and on x86-64 an aligned load of up
// to 8 bytes is atomic by itself. Elsewhere, and under TSan (which must see each
// load), they are std::atomic_ref loads.
#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace polysock {

// The value an atomic holds, as a plain object (std::atomic<T> of a lock-free T is
// laid out as T), for the helpers below.
template <class T>
const T &word_of(const std::atomic<T> &a) {
  static_assert(sizeof(std::atomic<T>) == sizeof(T) && std::atomic<T>::is_always_lock_free);
  return *reinterpret_cast<const T *>(&a);
}

// Whether an 8-byte word holds v.
template <class W>
inline bool relaxed_equals(const W &word, W v) {
  static_assert(sizeof(W) == 8 && std::is_trivially_copyable_v<W>);
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  bool eq;
  asm("cmpq %2, %1" : "=@cce"(eq) : "m"(word), "er"(v) : "cc");
  return eq;
#else
  return std::atomic_ref<W>(const_cast<W &>(word)).load(std::memory_order_relaxed) == v;
#endif
}

// Whether a byte has none of the bits of mask set.
inline bool relaxed_none_of(const std::uint8_t &byte, std::uint8_t mask) {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  bool none;
  asm("testb %2, %1" : "=@ccz"(none) : "m"(byte), "iq"(mask) : "cc");
  return none;
#else
  return (std::atomic_ref<std::uint8_t>(const_cast<std::uint8_t &>(byte))
              .load(std::memory_order_relaxed) &
          mask) == 0;
#endif
}

}  // namespace polysock
