// The poller's epoll backend (Linux). The kernel keeps the registration set, so
// registrations made while another thread waits are seen at once, and removing a
// descriptor needs no wake-up. One eventfd in the set serves abort().
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <new>
#include <vector>

#include "os.hpp"
#include "poller.hpp"
#include "poller_backend.hpp"
#include "scratch.hpp"

namespace polysock {
namespace {

// The wake eventfd's key; socket keys are never 0.
constexpr std::uint64_t kWakeKey = 0;

std::uint32_t to_epoll(std::uint32_t interest) {
  return ((interest & kEventRead) ? EPOLLIN : 0u) | ((interest & kEventWrite) ? EPOLLOUT : 0u);
}

std::uint32_t from_epoll(std::uint32_t e) {
  std::uint32_t events = 0;
  if (e & (EPOLLIN | EPOLLPRI | EPOLLRDHUP)) events |= kEventRead;
  if (e & EPOLLOUT) events |= kEventWrite;
  if (e & EPOLLERR) events |= kEventError;
  if (e & EPOLLHUP) events |= kEventHup;
  return events;
}

class EpollBackend final : public PollerBackend {
 public:
  EpollBackend(int epfd, int wake_fd) : epfd_(epfd), wake_fd_(wake_fd) {}
  ~EpollBackend() override {
    ::close(epfd_);
    ::close(wake_fd_);
  }

  int add(int fd, std::uint32_t interest, std::uint64_t key) override {
    return ctl(EPOLL_CTL_ADD, fd, to_epoll(interest), key);
  }
  int modify(int fd, std::uint32_t interest, std::uint64_t key) override {
    return ctl(EPOLL_CTL_MOD, fd, to_epoll(interest), key);
  }
  int remove(int fd, std::uint64_t key) override { return ctl(EPOLL_CTL_DEL, fd, 0, key); }

  int wait(int ms, std::size_t max, std::vector<Readiness> *out) override {
    // Per thread, so that several threads may wait on one poller.
    std::vector<epoll_event> *scratch = nullptr;
    try {
      scratch = &ThreadScratch<std::vector<epoll_event>>::get();
      if (scratch->size() < max) scratch->resize(max);
    } catch (const std::bad_alloc &) {
      return ENOMEM;
    }
    std::vector<epoll_event> &buf = *scratch;
    const int n = ::epoll_wait(epfd_, buf.data(), static_cast<int>(max), ms);
    if (n < 0) return errno;
    for (int i = 0; i < n; ++i) {
      if (buf[i].data.u64 == kWakeKey) continue;  // abort(): the Poller sees it is closed
      out->push_back({buf[i].data.u64, from_epoll(buf[i].events)});
    }
    return 0;
  }

  // The eventfd is never drained: every wait, now or later, returns at once.
  void abort() override { os::wake(wake_fd_); }

  // An epoll descriptor is itself pollable: readable while its ready list is not
  // empty, level-triggered, which is exactly when epoll_wait returns at once.
  int fileno() const override { return epfd_; }

 private:
  int ctl(int op, int fd, std::uint32_t events, std::uint64_t key) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = key;
    return ::epoll_ctl(epfd_, op, fd, &ev) == 0 ? 0 : errno;
  }

  const int epfd_;
  const int wake_fd_;
};

}  // namespace

int make_poller_backend(std::unique_ptr<PollerBackend> *out) {
  const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return errno;
  const int wake_fd = os::make_wake_fd();
  if (wake_fd < 0) {
    const int err = errno;
    ::close(epfd);
    return err;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  if (::epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) {
    const int err = errno;
    ::close(epfd);
    ::close(wake_fd);
    return err;
  }
  out->reset(new (std::nothrow) EpollBackend(epfd, wake_fd));
  if (!*out) {
    ::close(epfd);
    ::close(wake_fd);
    return ENOMEM;
  }
  return 0;
}

}  // namespace polysock
