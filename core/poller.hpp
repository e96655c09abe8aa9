// The poller: many sockets watched from one thread, like Python's selectors
// (level-triggered, DefaultSelector semantics). The OS part sits behind the small
// PollerBackend interface (poller_backend.hpp): epoll, or poll() as the portable
// fallback, chosen at build time.
//
// Closing a socket must drop it from its pollers *before* its descriptor is closed:
// epoll keys its registrations on the open file, not on the fd number, so a stale
// entry would survive in a dup and report a reused fd number as the old socket. So
// each Socket carries its PollerLinks, and Socket::abort() (the first step of close
// and detach) drops it from every poller while the descriptor is still open. A
// wait also reports an event only if its key is still registered at that moment,
// which makes the race between close in one thread and wait in another harmless.
//
// Lock order: a socket's PollerLinks, then a Poller, then the backend's own lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "timeout.hpp"

namespace polysock {

class Socket;
class Poller;
class PollerBackend;

// Readiness bits; the C ABI's SOCK_EVENT_* have the same values (Python's
// EVENT_READ and EVENT_WRITE are 1 and 2 too).
enum : std::uint32_t {
  kEventRead = 1,
  kEventWrite = 2,
  kEventError = 4,
  kEventHup = 8,
};

// The pollers one socket is registered with. It lives in the Socket; the Poller
// fills it. Links are weak: a poller closed before its sockets simply expires.
class PollerLinks {
 public:
  // The socket is going away: drops it from every poller while its descriptor is
  // still open, and makes later registrations fail with EBADF.
  void drop_all();

 private:
  friend class Poller;
  struct Link {
    std::weak_ptr<Poller> poller;
    std::uint64_t key;
  };
  std::mutex mu_;
  // closed_ by drop_all; linked_ by the first add, before it looks at closed_ (both
  // sequentially consistent): drop_all of a socket no add reached takes no lock, and
  // an add that comes after it sees closed_.
  std::atomic<bool> closed_{false};
  std::atomic<bool> linked_{false};
  std::vector<Link> links_;  // under mu_
};

class Poller : public std::enable_shared_from_this<Poller> {
 public:
  // One reported event; key is the registration's key (the C ABI's socket handle).
  struct Event {
    std::uint64_t key;
    std::uint32_t events;
    std::uint64_t user_data;
  };

  static int create(std::shared_ptr<Poller> *out);
  ~Poller();
  Poller(const Poller &) = delete;
  Poller &operator=(const Poller &) = delete;

  // A key names one socket's registration: non-zero, and never given to another
  // socket (the C ABI uses the socket handle, whose generation makes it unique).
  // events: kEventRead and/or kEventWrite; kEventError and kEventHup may be added
  // but change nothing, as they are always reported. Registering a key twice is
  // EEXIST and an unknown key is ENOENT, as select.epoll says.
  int add(Socket &sock, std::uint64_t key, std::uint32_t events, std::uint64_t user_data);
  int modify(Socket &sock, std::uint64_t key, std::uint32_t events, std::uint64_t user_data);
  int remove(Socket &sock, std::uint64_t key);

  // Waits until a registered socket is ready, the timeout passes (kBlocking: no
  // limit; 0: just look), or the poller is closed (EBADF). Fills *out with at most
  // max_events events; none means the time ran out. EINTR is retried with the
  // time that is left (PEP 475).
  int wait(Nanos timeout, std::size_t max_events, std::vector<Event> *out);

  // The backend's descriptor for foreign event loops: readable while a wait would
  // return at once. ENOTSUP if the backend has none; EBADF once closed.
  int fileno(int *out) const;

  // Wakes every wait (they fail with EBADF) and refuses all later calls. The
  // backend's descriptors are released with the last reference.
  void close();

 private:
  friend class PollerLinks;
  struct Registration {
    int fd;
    std::uint32_t interest;  // kEventRead | kEventWrite
    std::uint64_t user_data;
    Socket *tls;  // a TLS socket (valid while registered: close drops it first), or nullptr
  };

  explicit Poller(std::unique_ptr<PollerBackend> backend);
  // PollerLinks::drop_all: the socket behind key is closing.
  void drop(std::uint64_t key);
  // Removes key from tls_keys_ (under mu_).
  void forget_tls(std::uint64_t key);

  std::unique_ptr<PollerBackend> backend_;
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::unordered_map<std::uint64_t, Registration> regs_;
  // The keys of TLS sockets: OpenSSL may hold bytes the descriptor no longer shows,
  // and each wait asks them first (SSL_has_pending).
  std::vector<std::uint64_t> tls_keys_;
  std::atomic<std::size_t> tls_count_{0};  // tls_keys_.size(), read without the lock
};

}  // namespace polysock
