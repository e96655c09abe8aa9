// create_connection: Lib/socket.py's loop over getaddrinfo's addresses, and Happy
// Eyeballs (RFC 8305 section 5, with asyncio's happy_eyeballs_delay and interleave)
// as one mechanism. Every attempt is a non-blocking connect; the attempts in flight
// are waited on together in one poll(). CPython's loop is the case where the next
// attempt starts only once the last has failed (no delay), so that it never has more
// than one attempt in flight, and its errors are the same: socket(), bind() and
// connect() failures of each attempt, "timed out" when an attempt's own timeout ends.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "connection.hpp"
#include "error.hpp"
#include "interrupt.hpp"
#include "resolver.hpp"

namespace polysock {
namespace {

// asyncio's _interleave_addrinfos: the families in the order they first appear,
// `first_family_count` addresses of the first family, then one of each family in
// turn. A count <= 0 keeps getaddrinfo's order.
std::vector<const AddrInfo *> attempt_order(const std::vector<AddrInfo> &infos,
                                            int first_family_count) {
  std::vector<const AddrInfo *> order;
  order.reserve(infos.size());
  if (first_family_count <= 0) {
    for (const AddrInfo &ai : infos) order.push_back(&ai);
    return order;
  }
  std::vector<std::vector<const AddrInfo *>> families;
  for (const AddrInfo &ai : infos) {
    auto same = std::find_if(families.begin(), families.end(),
                             [&](const auto &f) { return f.front()->family == ai.family; });
    if (same == families.end()) {
      families.push_back({&ai});
    } else {
      same->push_back(&ai);
    }
  }
  std::vector<std::size_t> next(families.size(), 0);
  const std::size_t head =
      std::min(families.front().size(), static_cast<std::size_t>(first_family_count - 1));
  for (; next[0] < head; ++next[0]) order.push_back(families[0][next[0]]);
  while (order.size() < infos.size()) {
    for (std::size_t f = 0; f < families.size(); ++f) {
      if (next[f] < families[f].size()) order.push_back(families[f][next[f]++]);
    }
  }
  return order;
}

// The delay between two starts: kBlocking (never: only a failure starts the next),
// else nanoseconds >= 0.
int delay_from_seconds(double seconds, Nanos *out) {
  if (seconds == kTimeoutNone) {
    *out = kBlocking;
    return kOk;
  }
  if (std::isnan(seconds)) return fail_value("happy_eyeballs_delay must not be NaN");
  if (seconds < 0) {
    return fail_value("happy_eyeballs_delay must be non-negative or SOCK_TIMEOUT_NONE");
  }
  return timeout_from_seconds(seconds, out);
}

Nanos saturated_add(Nanos a, Nanos b) { return b > INT64_MAX - a ? INT64_MAX : a + b; }

struct Attempt {
  const AddrInfo *target;
  std::unique_ptr<Socket> sock;
  Deadline deadline;  // the attempt's own timeout, from its start
  bool latest;        // the attempt started last: its failure starts the next at once
};

// The attempts of one create_connection call, in flight together.
class Race {
 public:
  // failures: where each failed attempt goes, or NULL to keep only the last error.
  Race(Nanos timeout, Nanos delay, const ConnectOptions &options,
       std::vector<ConnectFailure> *failures)
      : timeout_(timeout), delay_(delay), options_(options), failures_(failures) {}

  // Runs the attempts in order. kOk with *won the winner; the status of the last
  // failure when all failed (then all_failed()); the status of anything that stops
  // the race itself (the interrupt hook, poll's own failure).
  int run(const std::vector<const AddrInfo *> &order, std::unique_ptr<Socket> *won);
  bool all_failed() const { return all_failed_; }

 private:
  // Creates, binds and starts connecting; kOk with the attempt in flight (or in
  // *won if it connected at once), or the attempt's failure.
  int start(const AddrInfo &target, std::unique_ptr<Socket> *won);
  // The attempt's failure, whose status the thread's error record holds.
  int failed(const AddrInfo &target, int status);
  // Waits for the attempts in flight until one completes, one's timeout ends or
  // the next start is due; kOk, or what stops the race.
  int wait(Nanos next_start);
  // Reads the outcome of the attempts poll() reported and of those whose timeout
  // ended; sets *won when one connected.
  void settle(std::unique_ptr<Socket> *won);

  const Nanos timeout_;
  const Nanos delay_;
  const ConnectOptions &options_;
  std::vector<ConnectFailure> *const failures_;
  std::vector<Attempt> flying_;
  std::vector<pollfd> polled_;  // flying_'s descriptors, in the same order
  int last_status_ = kOk;
  bool all_failed_ = false;
  bool latest_failed_ = true;  // nothing started yet: the first starts at once
};

int Race::failed(const AddrInfo &target, int status) {
  if (status == kErrInterrupted) return status;  // not the attempt's: the call stops
  last_status_ = status;
  if (failures_ == nullptr) return status;
  ConnectFailure f;
  parse_sockaddr(target.addr.get(), target.addr.len, &f.address);
  f.status = status;
  f.err = last_errno();
  f.message = last_error_message();
  failures_->push_back(std::move(f));
  return status;
}

int Race::start(const AddrInfo &target, std::unique_ptr<Socket> *won) {
  for (Attempt &a : flying_) a.latest = false;
  std::unique_ptr<Socket> sock;
  int st = Socket::create(target.family, target.type | SOCK_NONBLOCK, target.proto, &sock);
  if (st == kOk && options_.source_host != nullptr) {
    st = sock->bind(options_.source_host, options_.source_port);
  }
  if (st != kOk) return failed(target, st);
  if (::connect(sock->fd(), target.addr.get(), target.addr.len) == 0) {
    *won = std::move(sock);
    return kOk;
  }
  const int err = errno;
  // As CPython's internal_connect: after EINTR (if the interrupt hook lets the call
  // go on) the connection goes on in the background, as after EINPROGRESS; with a
  // timeout of 0 neither is waited for.
  if (err == EINTR) {
    if (int stop = on_eintr()) return stop;
  }
  if ((err != EINPROGRESS && err != EINTR) || timeout_ == 0) return failed(target, fail_os(err));
  flying_.push_back(Attempt{&target, std::move(sock), Deadline(timeout_), true});
  return kOk;
}

int Race::wait(Nanos next_start) {
  polled_.clear();
  int ms = -1;
  for (const Attempt &a : flying_) {
    polled_.push_back(pollfd{a.sock->fd(), POLLOUT, 0});
    const int left = a.deadline.poll_ms();
    if (left != -1) ms = ms == -1 ? std::max(left, 0) : std::min(ms, std::max(left, 0));
  }
  if (next_start != INT64_MAX) {
    const Nanos left = std::max<Nanos>(next_start - monotonic_now(), 0);
    const Nanos start_ms = std::min<Nanos>((left + 999999) / 1000000, 2147483647);
    ms = ms == -1 ? static_cast<int>(start_ms) : std::min(ms, static_cast<int>(start_ms));
  }
  if (::poll(polled_.data(), polled_.size(), ms) >= 0) return kOk;
  const int err = errno;
  polled_.clear();  // nothing was reported
  if (err != EINTR) return fail_os(err);
  // PEP 475: the caller's next round waits again with the time left, unless the
  // interrupt hook says stop.
  return on_eintr();
}

void Race::settle(std::unique_ptr<Socket> *won) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < flying_.size(); ++i) {
    Attempt &a = flying_[i];
    int status = kOk;
    if (polled_.size() > i && polled_[i].revents != 0) {
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(a.sock->fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err == 0) {
        *won = std::move(a.sock);
        return;  // the attempts still in flight close with the race
      }
      status = fail_os(err);
    } else if (a.deadline.poll_ms() == -2) {
      status = fail_timeout();
    }
    if (status == kOk) {
      if (kept != i) flying_[kept] = std::move(a);
      ++kept;
      continue;
    }
    if (a.latest) latest_failed_ = true;
    failed(*a.target, status);
  }
  flying_.erase(flying_.begin() + static_cast<std::ptrdiff_t>(kept), flying_.end());
  polled_.clear();
}

int Race::run(const std::vector<const AddrInfo *> &order, std::unique_ptr<Socket> *won) {
  std::size_t next = 0;
  Nanos next_start = 0;
  for (;;) {
    // Start the next attempt when the last one has failed, or when the delay since
    // its start has passed (never, without Happy Eyeballs).
    while (next < order.size() && (latest_failed_ || monotonic_now() >= next_start)) {
      latest_failed_ = false;
      const int st = start(*order[next++], won);
      if (st == kErrInterrupted) return st;
      if (*won) return kOk;
      if (st != kOk) {
        latest_failed_ = true;
        continue;
      }
      next_start = delay_ < 0 ? INT64_MAX : saturated_add(monotonic_now(), delay_);
    }
    if (flying_.empty()) {  // every attempt failed
      all_failed_ = true;
      return last_status_;
    }
    if (int st = wait(next < order.size() ? next_start : INT64_MAX)) return st;
    settle(won);
    if (*won) return kOk;
  }
}

}  // namespace

int create_connection(const char *host, int port, const ConnectOptions &options,
                      std::vector<ConnectFailure> *failures, std::unique_ptr<Socket> *out) {
  if (failures != nullptr) failures->clear();
  Nanos timeout = default_timeout();
  if (options.timeout_seconds != kTimeoutDefault) {
    if (int st = timeout_from_seconds(options.timeout_seconds, &timeout)) return st;
  }
  Nanos delay = kBlocking;
  if (int st = delay_from_seconds(options.happy_eyeballs_delay, &delay)) return st;
  int interleave = options.interleave;
  if (interleave < 0) interleave = delay >= 0 ? 1 : 0;
  // As Python, the port goes to getaddrinfo as text: glibc takes it modulo 65536
  // (70000 is 4464) and refuses a negative one as an unknown service.
  std::vector<AddrInfo> infos;
  const std::string service = std::to_string(port);
  if (int st = resolve(host, service.c_str(), AF_UNSPEC, SOCK_STREAM, 0, 0, &infos)) return st;
  if (infos.empty()) return fail_os_message("getaddrinfo returns an empty list");

  std::vector<ConnectFailure> failed;
  Race race(timeout, delay, options, failures != nullptr ? &failed : nullptr);
  std::unique_ptr<Socket> sock;
  const int st = race.run(attempt_order(infos, interleave), &sock);
  if (st != kOk) {
    // When every attempt failed, the thread's error record is the last failure's.
    if (race.all_failed() && failures != nullptr) *failures = std::move(failed);
    return st;
  }
  // The winner takes the timeout it was asked for (blocking mode for None).
  if (int set = sock->settimeout(timeout)) return set;
  *out = std::move(sock);
  return kOk;
}

}  // namespace polysock
