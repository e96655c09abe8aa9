// Waking calls that wait on a socket another thread closes (docs/design.md).
//
// A blocking-mode call sleeps inside the kernel (recv, send, accept, connect,
// sendfile), exactly as on a plain blocking socket, and a timeout-mode call sleeps
// in poll(). Close reaches both in two steps: it puts a dead socket in place of the
// descriptor (os::replace_with_dead), so that any system call that starts from then
// on returns at once, and it signals every thread that is inside a WaitSection on
// the socket, so that a call already asleep returns too (a restarted call then
// finds the dead socket; poll returns EINTR). Other descriptors of the same socket
// (sock_dup, net_fromfd) are never touched: the connection is not shut down.
//
// Registering costs one atomic exchange and one store per wait, and nothing at all
// for a non-blocking call, which never sleeps.
#pragma once

#include <atomic>
#include <cstdint>

namespace polysock {

// A thread's mark that it is inside a call on one handle, the handle itself (0: none),
// for the handle tables' owned fast path (capi/src/handle_table.hpp). Only its thread
// writes it, with plain stores; a close from another thread reads it after
// os::barrier_all_threads(). One per thread, in the thread's record below.
struct CallHold {
  std::atomic<std::uint64_t> handle{0};
  // A handle whose close handed its reference to this thread's marked call on it, to
  // drop as that call leaves (0: none). Written by that close, cleared by either.
  std::atomic<std::uint64_t> orphan{0};
};

// The calling thread's CallHold once this_thread_hold() has registered the thread (a
// shared one that no handle table ever records as an owner before that): one load,
// initial-exec TLS.
extern __thread CallHold *t_call_hold __attribute__((tls_model("initial-exec")));

// Registers the calling thread, as its first WaitSection does, and returns its
// CallHold; nullptr if the process has no thread barriers (os.hpp) or no memory, in
// which case no table may count on the thread's marks.
CallHold *this_thread_hold();

// What the calling thread waits on (its record's), nullptr until the thread registers:
// inline for WaitSection, one load, initial-exec TLS as t_call_hold.
extern __thread std::atomic<const void *> *t_wait_slot __attribute__((tls_model("initial-exec")));
// Registers the calling thread and returns its slot; nullptr without memory (that wait
// cannot be interrupted; it still ends).
std::atomic<const void *> *register_wait_slot();

// The calling thread waits on `owner` (any stable address naming the socket) for
// this object's life. The caller checks its closed flag after constructing it: the
// registration and the flag are both sequentially consistent, so either the call
// sees the close, or the close sees the registration and signals the thread.
class WaitSection {
 public:
  explicit WaitSection(const void *owner)
      : slot_(t_wait_slot != nullptr ? t_wait_slot : register_wait_slot()) {
    if (slot_ != nullptr) slot_->store(owner, std::memory_order_seq_cst);
  }
  ~WaitSection() {
    if (slot_ != nullptr) slot_->store(nullptr, std::memory_order_release);
  }
  WaitSection(const WaitSection &) = delete;
  WaitSection &operator=(const WaitSection &) = delete;

 private:
  std::atomic<const void *> *slot_;
};

// Signals every thread inside a WaitSection on `owner`. The caller has already
// marked the socket closed and replaced its descriptor.
void interrupt_waiters(const void *owner);

// The program's interrupt hook (net_set_interrupt_hook): NULL restores the default.
using InterruptHook = int (*)(void *ctx);
void set_interrupt_hook(InterruptHook hook, void *ctx);

// Every wait that meets EINTR asks here whether to go on: kOk to retry with the time
// left (no hook, the hook said so, or the signal was polysock's own wake-up), else
// the status of fail_interrupted() (SOCK_ERR_INTERRUPTED, errno EINTR) to stop.
int on_eintr();

}  // namespace polysock
