// The OS half of the poller (poller.hpp). Exactly one implementation is built,
// chosen by the CMake option POLYSOCK_POLLER_BACKEND: poller_epoll.cpp (Linux) or
// poller_poll.cpp (plain POSIX poll(), the portable fallback).
//
// add/modify/remove are called with the Poller's lock held; wait is not, and may
// run in several threads at once and race with them. A backend may report a key
// that has just been removed: the Poller drops what is no longer registered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace polysock {

// What the OS said about one registration, in kEvent* bits, before the Poller
// masks it with the registered interest.
struct Readiness {
  std::uint64_t key;
  std::uint32_t events;
};

class PollerBackend {
 public:
  virtual ~PollerBackend() = default;

  // interest is kEventRead and/or kEventWrite. Each returns 0 or an errno value.
  virtual int add(int fd, std::uint32_t interest, std::uint64_t key) = 0;
  virtual int modify(int fd, std::uint32_t interest, std::uint64_t key) = 0;
  virtual int remove(int fd, std::uint64_t key) = 0;

  // Waits up to ms milliseconds (-1: no limit) and appends at most max entries.
  // It may return early with none (after abort(), or when the set changed under
  // it); the Poller then decides whether to wait again. Returns 0 or an errno
  // value (EINTR included: the Poller retries with the time left).
  virtual int wait(int ms, std::size_t max, std::vector<Readiness> *out) = 0;

  // Makes every wait, running or to come, return at once.
  virtual void abort() = 0;

  // A descriptor that polls readable while wait() would report an entry without
  // sleeping (sock_poller_fileno), or -1 if the backend has none.
  virtual int fileno() const = 0;
};

// The backend this build uses. Returns 0 or an errno value.
int make_poller_backend(std::unique_ptr<PollerBackend> *out);

}  // namespace polysock
