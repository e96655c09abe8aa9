// The registry of threads that wait on sockets (see interrupt.hpp). Each thread
// that ever waits gets one record, kept in a list that close walks; a record is
// handed to a new thread when its thread ends. The hot path touches only the
// thread's own record, through initial-exec TLS.
#include "interrupt.hpp"

#include <pthread.h>

#include <mutex>
#include <new>

#include "error.hpp"
#include "os.hpp"

namespace polysock {
namespace {

struct Waiter {
  CallHold hold;
  std::atomic<const void *> on{nullptr};
  pthread_t thread{};
  bool live = false;  // guarded by g_mu
  Waiter *next = nullptr;
};

std::mutex g_mu;              // guards the list and every record's thread and live
Waiter *g_waiters = nullptr;  // never freed: records are reused
pthread_key_t g_exit_key;
std::once_flag g_key_once;

thread_local __attribute__((tls_model("initial-exec"))) Waiter *t_waiter = nullptr;
constinit CallHold g_unregistered;  // t_call_hold's value until the thread registers

void thread_ended(void *record) {
  auto *w = static_cast<Waiter *>(record);
  std::lock_guard<std::mutex> lock(g_mu);
  w->on.store(nullptr, std::memory_order_relaxed);
  w->live = false;  // from now on close never signals this pthread_t
  // The record goes to the next thread (with the handles it owns); a call this thread
  // still makes from a later destructor registers it again.
  t_waiter = nullptr;
  t_call_hold = &g_unregistered;
  t_wait_slot = nullptr;
}

// fork() copies only the calling thread: the child must not signal the parent's
// threads through records copied from it, nor find g_mu held by one of them.
void before_fork() { g_mu.lock(); }
void after_fork_in_parent() { g_mu.unlock(); }
void after_fork_in_child() {
  for (Waiter *w = g_waiters; w != nullptr; w = w->next) {
    if (w == t_waiter) {
      w->thread = pthread_self();
      continue;
    }
    w->on.store(nullptr, std::memory_order_relaxed);
    w->hold.handle.store(0, std::memory_order_relaxed);  // its calls are not in the child
    w->live = false;
  }
  g_mu.unlock();
}

Waiter *register_thread() {
  std::call_once(g_key_once, [] {
    (void)pthread_key_create(&g_exit_key, thread_ended);
    (void)pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
  });
  std::lock_guard<std::mutex> lock(g_mu);
  Waiter *w = g_waiters;
  while (w != nullptr && w->live) w = w->next;
  if (w == nullptr) {
    w = new (std::nothrow) Waiter;
    if (w == nullptr) return nullptr;  // this wait cannot be interrupted; it still ends
    w->next = g_waiters;
    g_waiters = w;
  }
  w->thread = pthread_self();
  w->live = true;
  if (pthread_setspecific(g_exit_key, w) != 0) {
    w->live = false;
    return nullptr;
  }
  t_waiter = w;
  t_call_hold = &w->hold;
  t_wait_slot = &w->on;
  return w;
}

// The hook and its context change together: each setting is a record of its own,
// published with one pointer; records are kept (never freed) so that a call that
// read an old one can still use it. Programs set a hook a handful of times.
struct Hook {
  InterruptHook fn;
  void *ctx;
  Hook *older;
};
std::atomic<Hook *> g_hook{nullptr};
std::mutex g_hook_mu;  // serialises setters
Hook *g_hooks = nullptr;

}  // namespace

__thread CallHold *t_call_hold __attribute__((tls_model("initial-exec"))) = &g_unregistered;
__thread std::atomic<const void *> *t_wait_slot __attribute__((tls_model("initial-exec"))) =
    nullptr;

CallHold *this_thread_hold() {
  if (!os::enable_thread_barriers()) return nullptr;
  Waiter *w = t_waiter != nullptr ? t_waiter : register_thread();
  return w != nullptr ? &w->hold : nullptr;
}

void set_interrupt_hook(InterruptHook hook, void *ctx) {
  std::lock_guard<std::mutex> lock(g_hook_mu);
  if (hook == nullptr) {
    g_hook.store(nullptr, std::memory_order_release);
    return;
  }
  Hook *h = new Hook{hook, ctx, g_hooks};  // bad_alloc reaches guarded() at the C ABI
  g_hooks = h;
  g_hook.store(h, std::memory_order_release);
}

int on_eintr() {
  if (os::consume_wake()) return kOk;  // close's wake-up: the caller sees the close
  const Hook *h = g_hook.load(std::memory_order_acquire);
  if (h == nullptr) return kOk;
  // The hook runs inside a call that may be marked: its own calls must not mark
  // (one mark a thread, capi/src/handle_table.hpp), so it runs as an unregistered thread.
  CallHold *const held = t_call_hold;
  t_call_hold = &g_unregistered;
  const int stop = h->fn(h->ctx);
  t_call_hold = held;
  return stop == 0 ? kOk : fail_interrupted();
}

std::atomic<const void *> *register_wait_slot() {
  Waiter *w = t_waiter != nullptr ? t_waiter : register_thread();
  return w != nullptr ? &w->on : nullptr;
}

void interrupt_waiters(const void *owner) {
  std::lock_guard<std::mutex> lock(g_mu);  // keeps each live pthread_t valid
  for (Waiter *w = g_waiters; w != nullptr; w = w->next) {
    if (w->live && w->on.load(std::memory_order_seq_cst) == owner) os::interrupt_thread(w->thread);
  }
}

}  // namespace polysock
