// The extern "C" poller functions (Python's selectors): check arguments, turn
// handles into core objects, call core/poller.cpp, copy events out. Poller
// handles come from their own instance of the one HandleTable template.
#include <cerrno>
#include <cmath>
#include <memory>
#include <new>
#include <vector>

#include "../../core/poller.hpp"
#include "../../core/scratch.hpp"
#include "capi.hpp"
#include "polysock/polysock.h"

namespace polysock {
namespace {

static_assert(SOCK_EVENT_READ == kEventRead && SOCK_EVENT_WRITE == kEventWrite &&
                  SOCK_EVENT_ERROR == kEventError && SOCK_EVENT_HUP == kEventHup,
              "the C ABI's event bits are the core's");

// A poller handle owns one reference to the poller; its sockets hold weak ones,
// so that a socket that outlives its poller does not keep it alive.
using PollerTable = HandleTable<std::shared_ptr<Poller>, kPollerHandles, 16>;
using PollerRef = PollerTable::Ref;

// The poller lookup, as the socket one: closed or never issued is EBADF.
int lookup_poller(sock_poller p, PollerRef *out) {
  return PollerTable::acquire(p, out) == PollerTable::Lookup::kOk ? kOk : fail_os(EBADF);
}

// The poller behind a call's reference (PollerRef) or close's (PollerTable::Closing).
template <class Held>
Poller &poller_of(const Held &ref) {
  return **ref.get();
}

// A wait's timeout: unlike settimeout, every negative value means "no limit".
int wait_timeout(double seconds, Nanos *out) {
  if (seconds == 0) [[likely]] {  // a poll loop's "just look"
    *out = 0;
    return kOk;
  }
  if (std::isnan(seconds)) return fail_value("Invalid value NaN (not a number)");
  if (seconds < 0) {
    *out = kBlocking;
    return kOk;
  }
  return timeout_from_seconds(seconds, out);
}

}  // namespace
}  // namespace polysock

using polysock::kOk;

extern "C" {

int sock_poller_create(sock_poller *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    std::shared_ptr<polysock::Poller> poller;
    if (int st = polysock::Poller::create(&poller)) return st;
    auto *owner = new (std::nothrow) std::shared_ptr<polysock::Poller>(std::move(poller));
    if (owner == nullptr) return polysock::fail_nomem();
    const sock_poller p = polysock::PollerTable::insert(owner);
    if (p == 0) {
      delete owner;
      return polysock::fail_nomem();
    }
    *out = p;
    return kOk;
  });
}

int sock_poller_register(sock_poller p, sock_handle h, uint32_t events, uint64_t user_data) {
  return polysock::guarded([&]() -> int {
    polysock::PollerRef poller;
    if (int st = polysock::lookup_poller(p, &poller)) return st;
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return polysock::poller_of(poller).add(*s.get(), h, events, user_data);
  });
}

int sock_poller_modify(sock_poller p, sock_handle h, uint32_t events, uint64_t user_data) {
  return polysock::guarded([&]() -> int {
    polysock::PollerRef poller;
    if (int st = polysock::lookup_poller(p, &poller)) return st;
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return polysock::poller_of(poller).modify(*s.get(), h, events, user_data);
  });
}

int sock_poller_unregister(sock_poller p, sock_handle h) {
  return polysock::guarded([&]() -> int {
    polysock::PollerRef poller;
    if (int st = polysock::lookup_poller(p, &poller)) return st;
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return polysock::poller_of(poller).remove(*s.get(), h);
  });
}

int sock_poller_wait(sock_poller p, double timeout, sock_event *events, size_t max_events,
                     size_t *out_n) {
  return polysock::guarded([&]() -> int {
    if (out_n == nullptr) return polysock::fail_null("out_n");
    *out_n = 0;
    if (events == nullptr) return polysock::fail_null("events");
    if (max_events == 0) return polysock::fail_value("maxevents must be greater than 0");
    polysock::Nanos t = 0;
    if (int st = polysock::wait_timeout(timeout, &t)) return st;
    polysock::PollerRef poller;
    if (int st = polysock::lookup_poller(p, &poller)) return st;
    std::vector<polysock::Poller::Event> &ready =
        polysock::ThreadScratch<std::vector<polysock::Poller::Event>>::get();
    if (int st = polysock::poller_of(poller).wait(t, max_events, &ready)) return st;
    for (size_t i = 0; i < ready.size(); ++i) {
      events[i] = sock_event{ready[i].key, ready[i].events, ready[i].user_data};
    }
    *out_n = ready.size();
    return kOk;
  });
}

int sock_poller_fileno(sock_poller p, int *out_fd) {
  return polysock::guarded([&]() -> int {
    if (out_fd == nullptr) return polysock::fail_null("out_fd");
    polysock::PollerRef poller;
    if (int st = polysock::lookup_poller(p, &poller)) return st;
    return polysock::poller_of(poller).fileno(out_fd);
  });
}

int sock_poller_close(sock_poller p) {
  return polysock::guarded([&]() -> int {
    polysock::PollerTable::Closing poller;
    switch (polysock::PollerTable::close(p, &poller)) {
      case polysock::PollerTable::Lookup::kClosed:
        return kOk;  // a second close() is a no-op, as for sockets
      case polysock::PollerTable::Lookup::kNeverIssued:
        return polysock::fail_os(EBADF);
      case polysock::PollerTable::Lookup::kOk:
        break;
    }
    polysock::poller_of(poller).close();  // wake the waits in flight
    return kOk;  // the last reference (this one, or a wait's) releases the poller
  });
}

}  // extern "C"
