// The poller's OS-independent half (see poller.hpp): registrations, the socket
// links that close relies on, event translation, and the wait loop.
#include "poller.hpp"

#include <algorithm>
#include <cerrno>
#include <new>
#include <string>

#include "error.hpp"
#include "poller_backend.hpp"
#include "scratch.hpp"
#include "socket.hpp"

namespace polysock {
namespace {

constexpr std::uint32_t kInterest = kEventRead | kEventWrite;
constexpr std::uint32_t kAlwaysReported = kEventError | kEventHup;

// One wait hands back at most this many events; the rest stay ready (level-
// triggered) for the next. It bounds the scratch buffers a huge max_events asks for.
constexpr std::size_t kMaxBatch = 4096;

// Python's selectors: "Invalid events". READ or WRITE is needed; ERROR and HUP
// are accepted as epoll accepts them, though they are reported regardless.
int check_events(std::uint32_t events) {
  if ((events & kInterest) == 0 || (events & ~(kInterest | kAlwaysReported)) != 0) {
    return fail_value("Invalid events: " + std::to_string(events));
  }
  return kOk;
}

bool same_poller(const std::weak_ptr<Poller> &a, const std::weak_ptr<Poller> &b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

}  // namespace

void PollerLinks::drop_all() {
  closed_.store(true, std::memory_order_seq_cst);
  if (!linked_.load(std::memory_order_seq_cst)) return;  // never registered: nothing to drop
  std::lock_guard<std::mutex> lock(mu_);
  for (const Link &link : links_) {
    if (std::shared_ptr<Poller> p = link.poller.lock()) p->drop(link.key);
  }
  links_.clear();
}

Poller::Poller(std::unique_ptr<PollerBackend> backend) : backend_(std::move(backend)) {}

Poller::~Poller() = default;

int Poller::create(std::shared_ptr<Poller> *out) {
  std::unique_ptr<PollerBackend> backend;
  if (int err = make_poller_backend(&backend)) {
    return err == ENOMEM ? fail_nomem() : fail_os(err);
  }
  try {
    *out = std::shared_ptr<Poller>(new Poller(std::move(backend)));
  } catch (const std::bad_alloc &) {
    return fail_nomem();
  }
  return kOk;
}

int Poller::add(Socket &sock, std::uint64_t key, std::uint32_t events, std::uint64_t user_data) {
  if (int st = check_events(events)) return st;
  if (key == 0) return fail_value("poller key must not be 0");
  PollerLinks &links = sock.pollers();
  std::lock_guard<std::mutex> links_lock(links.mu_);
  links.linked_.store(true, std::memory_order_seq_cst);  // before closed_: see drop_all
  if (links.closed_.load(std::memory_order_seq_cst)) return fail_os(EBADF);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_.load()) return fail_os(EBADF);
  const int fd = sock.fd();
  decltype(regs_)::iterator it;
  try {
    // Links to pollers closed since are pruned here, so they cannot pile up.
    std::erase_if(links.links_, [](const PollerLinks::Link &l) { return l.poller.expired(); });
    links.links_.reserve(links.links_.size() + 1);
    Socket *tls = sock.tls() != nullptr ? &sock : nullptr;
    if (tls != nullptr) tls_keys_.reserve(tls_keys_.size() + 1);
    auto result = regs_.try_emplace(key, Registration{fd, events & kInterest, user_data, tls});
    if (!result.second) return fail_os(EEXIST);
    it = result.first;
  } catch (const std::bad_alloc &) {
    return fail_nomem();
  }
  if (int err = backend_->add(fd, events & kInterest, key)) {
    regs_.erase(it);
    return fail_os(err);
  }
  if (it->second.tls != nullptr) {
    tls_keys_.push_back(key);  // no allocation: reserved above
    tls_count_.store(tls_keys_.size(), std::memory_order_relaxed);
  }
  links.links_.push_back({weak_from_this(), key});  // no allocation: reserved above
  return kOk;
}

int Poller::modify(Socket &sock, std::uint64_t key, std::uint32_t events, std::uint64_t user_data) {
  if (int st = check_events(events)) return st;
  PollerLinks &links = sock.pollers();
  std::lock_guard<std::mutex> links_lock(links.mu_);
  if (links.closed_.load()) return fail_os(EBADF);
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_.load()) return fail_os(EBADF);
  auto it = regs_.find(key);
  if (it == regs_.end()) return fail_os(ENOENT);
  Registration &reg = it->second;
  if ((events & kInterest) != reg.interest) {
    if (int err = backend_->modify(reg.fd, events & kInterest, key)) return fail_os(err);
    reg.interest = events & kInterest;
  }
  reg.user_data = user_data;
  return kOk;
}

int Poller::remove(Socket &sock, std::uint64_t key) {
  PollerLinks &links = sock.pollers();
  std::lock_guard<std::mutex> links_lock(links.mu_);
  if (links.closed_.load()) return fail_os(EBADF);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_.load()) return fail_os(EBADF);
    auto it = regs_.find(key);
    if (it == regs_.end()) return fail_os(ENOENT);
    const int err = backend_->remove(it->second.fd, key);
    if (it->second.tls != nullptr) forget_tls(key);
    regs_.erase(it);
    if (err != 0) return fail_os(err);
  }
  const std::weak_ptr<Poller> self = weak_from_this();
  std::erase_if(links.links_, [&](const PollerLinks::Link &l) {
    return l.poller.expired() || same_poller(l.poller, self);
  });
  return kOk;
}

void Poller::forget_tls(std::uint64_t key) {
  std::erase(tls_keys_, key);
  tls_count_.store(tls_keys_.size(), std::memory_order_relaxed);
}

void Poller::drop(std::uint64_t key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = regs_.find(key);
  if (it == regs_.end()) return;
  backend_->remove(it->second.fd, key);  // the socket is closing: nothing to report
  if (it->second.tls != nullptr) forget_tls(key);
  regs_.erase(it);
}

int Poller::fileno(int *out) const {
  if (closed_.load()) return fail_os(EBADF);
  const int fd = backend_->fileno();
  if (fd < 0) return fail_os(ENOTSUP);
  *out = fd;
  return kOk;
}

void Poller::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_.store(true);
  }
  backend_->abort();
}

int Poller::wait(Nanos timeout, std::size_t max_events, std::vector<Event> *out) {
  out->clear();
  const std::size_t max = std::min(max_events, kMaxBatch);
  std::vector<Readiness> *scratch = nullptr;
  try {
    scratch = &ThreadScratch<std::vector<Readiness>>::get();
    out->reserve(max);  // so that push_back below never allocates
    scratch->reserve(max);
  } catch (const std::bad_alloc &) {
    return fail_nomem();
  }
  std::vector<Readiness> &ready = *scratch;
  const Deadline deadline(timeout);
  for (;;) {
    if (closed_.load()) return fail_os(EBADF);
    int ms = deadline.poll_ms();
    if (ms == -2) return kOk;  // time is up: no events, as selectors returns []
    ready.clear();
    // TLS sockets whose engine holds bytes are readable now, whatever the
    // descriptor says: the OS is only asked what else is ready.
    std::size_t held = 0;
    if (tls_count_.load(std::memory_order_relaxed) != 0) [[unlikely]] {
      std::lock_guard<std::mutex> lock(mu_);
      for (std::uint64_t key : tls_keys_) {
        if (ready.size() >= max) break;
        const Registration &reg = regs_.at(key);
        if ((reg.interest & kEventRead) && reg.tls->tls_has_pending()) {
          ready.push_back({key, kEventRead});
        }
      }
      held = ready.size();
      if (held != 0) ms = 0;
    }
    const int err = held < max ? backend_->wait(ms, max - held, &ready) : 0;
    if (closed_.load()) return fail_os(EBADF);
    if (err == EINTR) {  // PEP 475: again, with the time that is left
      if (int st = on_eintr()) return st;
      continue;
    }
    if (err != 0) return fail_os(err);
    // A held socket the OS reported too is reported once.
    for (std::size_t i = held; i < ready.size() && held != 0; ++i) {
      for (std::size_t j = 0; j < held; ++j) {
        if (ready[j].key == ready[i].key) {
          ready[j].events |= ready[i].events;
          ready[i].key = 0;  // never a registered key: skipped below
        }
      }
    }
    {
      // Only what is registered now is reported: a socket closed (or unregistered)
      // after the OS looked is dropped here, whatever its fd number is by now.
      std::lock_guard<std::mutex> lock(mu_);
      for (const Readiness &r : ready) {
        auto it = regs_.find(r.key);
        if (it == regs_.end()) continue;
        std::uint32_t events = r.events;
        // As selectors does: an error or hang-up wakes readers and writers alike,
        // whose next call reports it.
        if (events & kAlwaysReported) events |= kInterest;
        events &= it->second.interest | kAlwaysReported;
        if (events != 0) out->push_back({r.key, events, it->second.user_data});
      }
    }
    if (!out->empty() || timeout == 0) return kOk;
    // Nothing left to report (stale events, or a wake-up after the set changed):
    // wait again with the time that is left.
  }
}

}  // namespace polysock
