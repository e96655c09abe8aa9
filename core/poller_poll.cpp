// The poller's poll() backend: the portable fallback. poll() takes the whole set
// on every call, so a wait works on a copy made under the lock. A change made
// while threads are inside poll() wakes them (each waiting thread has a wake fd of
// its own, so no wake-up can be consumed by the wrong thread) and they wait again
// with the new set: a registration is seen at once and a removed descriptor is
// never polled after its socket is closed.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>
#include <unordered_map>

#include "os.hpp"
#include "poller.hpp"
#include "poller_backend.hpp"

namespace polysock {
namespace {

short to_poll(std::uint32_t interest) {
  return static_cast<short>(((interest & kEventRead) ? POLLIN : 0) |
                            ((interest & kEventWrite) ? POLLOUT : 0));
}

std::uint32_t from_poll(short e) {
  std::uint32_t events = 0;
  if (e & (POLLIN | POLLPRI)) events |= kEventRead;
  if (e & POLLOUT) events |= kEventWrite;
  if (e & (POLLERR | POLLNVAL)) events |= kEventError;
  if (e & POLLHUP) events |= kEventHup;
  return events;
}

// This thread's wake fd, made on its first wait and closed when the thread ends.
struct ThreadWake {
  ThreadWake() : fd(os::make_wake_fd()), err(fd < 0 ? errno : 0) {}
  ~ThreadWake() {
    if (fd >= 0) ::close(fd);
  }
  const int fd;
  const int err;
};

class PollBackend final : public PollerBackend {
 public:
  int add(int fd, std::uint32_t interest, std::uint64_t key) override {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      index_.emplace(key, fds_.size());
      fds_.push_back({fd, to_poll(interest), 0});
      keys_.push_back(key);
    } catch (const std::bad_alloc &) {
      index_.erase(key);
      fds_.resize(index_.size());
      keys_.resize(index_.size());
      return ENOMEM;
    }
    changed();
    return 0;
  }

  int modify(int, std::uint32_t interest, std::uint64_t key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return ENOENT;
    fds_[it->second].events = to_poll(interest);
    changed();
    return 0;
  }

  int remove(int, std::uint64_t key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return ENOENT;
    // Swap with the last entry so that removal stays O(1).
    const std::size_t i = it->second;
    index_.erase(it);
    if (i + 1 != fds_.size()) {
      fds_[i] = fds_.back();
      keys_[i] = keys_.back();
      index_[keys_[i]] = i;
    }
    fds_.pop_back();
    keys_.pop_back();
    changed();
    return 0;
  }

  int wait(int ms, std::size_t max, std::vector<Readiness> *out) override {
    thread_local ThreadWake self;
    thread_local std::vector<pollfd> fds;
    thread_local std::vector<std::uint64_t> keys;
    if (self.fd < 0) return self.err;
    std::size_t start = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (aborted_) return 0;
      try {
        fds.reserve(fds_.size() + 1);
        keys.reserve(keys_.size());
        waiting_.reserve(waiting_.size() + 1);
      } catch (const std::bad_alloc &) {
        return ENOMEM;
      }
      fds.assign(fds_.begin(), fds_.end());
      keys.assign(keys_.begin(), keys_.end());
      waiting_.push_back(self.fd);
      // Start the scan somewhere else each time, so that when more than max are
      // ready the same few are not always the ones reported.
      start = next_start_++;
    }
    fds.push_back({self.fd, POLLIN, 0});
    const int n = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), ms);
    const int err = n < 0 ? errno : 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), self.fd));
    }
    // No one writes it any more; a write that raced the line above only costs one
    // early return from the next wait.
    if (err != 0 || fds.back().revents != 0) os::drain_wake(self.fd);
    if (err != 0) return err;
    const std::size_t count = keys.size();
    std::size_t added = 0;
    for (std::size_t k = 0; k < count && added < max; ++k) {
      const std::size_t i = (start + k) % count;
      if (fds[i].revents != 0) {
        out->push_back({keys[i], from_poll(fds[i].revents)});
        ++added;
      }
    }
    return 0;
  }

  void abort() override {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    changed();
  }

  // poll() sets are not descriptors: a foreign loop would have to poll them itself.
  int fileno() const override { return -1; }

 private:
  // Under mu_: every thread inside poll() has a stale copy of the set.
  void changed() {
    for (int w : waiting_) os::wake(w);
  }

  std::mutex mu_;
  std::vector<pollfd> fds_;                               // the registration set...
  std::vector<std::uint64_t> keys_;                       // ...and the key of each entry
  std::unordered_map<std::uint64_t, std::size_t> index_;  // key -> position in fds_
  std::vector<int> waiting_;  // wake fds of the threads inside poll() on this set
  std::size_t next_start_ = 0;
  bool aborted_ = false;
};

}  // namespace

int make_poller_backend(std::unique_ptr<PollerBackend> *out) {
  out->reset(new (std::nothrow) PollBackend);
  return *out ? 0 : ENOMEM;
}

}  // namespace polysock
