// 64-byte round trips over TCP loopback, polysock against plain sockets in the same
// process and run: blocking mode against plain blocking sockets, and timeout mode
// against plain sockets that poll() before each call (what CPython's timeout mode
// does). Both ends are threads of this process pinned to one CPU, so that a round
// trip is two context switches and the per-call overhead is not hidden by a second
// CPU. Rounds alternate which side goes first; the ratio is taken per round.
//
//   bench_roundtrip [--trips N] [--rounds R] [--cpu C] [--only raw|polysock|...]
//
// --only runs one side once (for `strace -f -c`, which counts its system calls).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

int g_cpu = 0;

void pin() {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(g_cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void die(const char *what) {
  std::fprintf(stderr, "bench_roundtrip: %s: %s\n", what, sock_last_error_message());
  std::exit(1);
}

// A connected TCP pair of polysock handles with TCP_NODELAY on both ends.
void polysock_pair(sock_handle *a, sock_handle *b) {
  sock_handle l = 0;
  if (net_create_server("127.0.0.1", 0, NET_AF_INET, 1, 0, 0, &l) != SOCK_OK) die("server");
  sock_address addr{};
  sock_getsockname(l, &addr);
  if (net_create_connection("127.0.0.1", addr.port, SOCK_TIMEOUT_NONE, nullptr, 0, a) != SOCK_OK) {
    die("connect");
  }
  if (sock_accept(l, b, nullptr) != SOCK_OK) die("accept");
  sock_close(l);
  sock_setsockopt(*a, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1);
  sock_setsockopt(*b, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1);
}

// One side's loop: send 64 bytes, read 64 bytes back, `trips` times.
using Exchange = std::function<bool(bool first)>;

double run_pair(const Exchange &client, const Exchange &server, int trips) {
  std::thread echo([&] {
    pin();
    for (int i = 0; i < trips; ++i) {
      if (!server(false)) die("echo side");
    }
  });
  pin();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < trips; ++i) {
    if (!client(true)) die("client side");
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  echo.join();
  return trips / s;
}

bool read_exact_raw(int fd, char *buf, size_t n, bool poll_first) {
  size_t got = 0;
  while (got < n) {
    if (poll_first) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 30000) != 1) return false;
    }
    const ssize_t r = ::recv(fd, buf + got, n - got, poll_first ? MSG_DONTWAIT : 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

bool write_raw(int fd, const char *buf, size_t n, bool poll_first) {
  if (poll_first) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 30000) != 1) return false;
  }
  return ::send(fd, buf, n, MSG_NOSIGNAL | (poll_first ? MSG_DONTWAIT : 0)) ==
         static_cast<ssize_t>(n);
}

bool read_exact_ps(sock_handle h, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t r = 0;
    if (sock_recv(h, buf + got, n - got, 0, &r) != SOCK_OK || r == 0) return false;
    got += r;
  }
  return true;
}

struct Side {
  std::string name;
  double timeout;   // for polysock: SOCK_TIMEOUT_NONE or seconds
  bool raw;         // plain sockets on the same descriptors
  bool poll_first;  // raw: poll before each call, as a timeout mode does
};

double measure(const Side &side, int trips) {
  sock_handle a = 0, b = 0;
  polysock_pair(&a, &b);
  char msg[64];
  std::memset(msg, 'x', sizeof msg);
  double rate = 0;
  if (side.raw) {
    int fa = -1, fb = -1;
    sock_fileno(a, &fa);
    sock_fileno(b, &fb);  // blocking descriptors: the handles are in blocking mode
    const bool pf = side.poll_first;
    rate = run_pair(
        [&](bool) {
          char in[64];
          return write_raw(fa, msg, sizeof msg, pf) && read_exact_raw(fa, in, sizeof in, pf);
        },
        [&](bool) {
          char in[64];
          return read_exact_raw(fb, in, sizeof in, pf) && write_raw(fb, in, sizeof in, pf);
        },
        trips);
  } else {
    sock_settimeout(a, side.timeout);
    sock_settimeout(b, side.timeout);
    rate = run_pair(
        [&](bool) {
          char in[64];
          return sock_sendall(a, msg, sizeof msg, 0, nullptr) == SOCK_OK &&
                 read_exact_ps(a, in, sizeof in);
        },
        [&](bool) {
          char in[64];
          return read_exact_ps(b, in, sizeof in) &&
                 sock_sendall(b, in, sizeof in, 0, nullptr) == SOCK_OK;
        },
        trips);
  }
  sock_close(a);
  sock_close(b);
  return rate;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char **argv) {
  int trips = 20000, rounds = 7;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--trips") trips = std::atoi(argv[i + 1]);
    if (k == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (k == "--cpu") g_cpu = std::atoi(argv[i + 1]);
    if (k == "--only") only = argv[i + 1];
  }
  const Side raw_blocking{"plain blocking", 0, true, false};
  const Side ps_blocking{"polysock blocking", SOCK_TIMEOUT_NONE, false, false};
  const Side raw_timed{"plain poll+call", 0, true, true};
  const Side ps_timed{"polysock timeout", 30.0, false, false};
  const std::vector<std::pair<Side, Side>> pairs = {{ps_blocking, raw_blocking},
                                                    {ps_timed, raw_timed}};
  if (!only.empty()) {
    for (const Side &s : {raw_blocking, ps_blocking, raw_timed, ps_timed}) {
      if (s.name == only) {
        std::printf("%s: %.0f round trips/s\n", s.name.c_str(), measure(s, trips));
        return 0;
      }
    }
    std::fprintf(stderr,
                 "--only takes one of: plain blocking, polysock blocking, plain "
                 "poll+call, polysock timeout\n");
    return 2;
  }
  std::printf("polysock %s, 64-byte TCP round trips (TCP_NODELAY), both ends on CPU %d\n",
              net_version(), g_cpu);
  std::printf("%d round trips per run, %d rounds, alternating order\n\n", trips, rounds);
  std::printf("| round | polysock mode | polysock trips/s | plain trips/s | ratio |\n");
  std::printf("|---|---|---|---|---|\n");
  std::vector<std::vector<double>> ratios(pairs.size()), ps(pairs.size()), rw(pairs.size());
  for (int r = 1; r <= rounds; ++r) {
    for (size_t k = 0; k < pairs.size(); ++k) {
      double x, y;
      if (r % 2) {
        x = measure(pairs[k].first, trips);
        y = measure(pairs[k].second, trips);
      } else {
        y = measure(pairs[k].second, trips);
        x = measure(pairs[k].first, trips);
      }
      ps[k].push_back(x);
      rw[k].push_back(y);
      ratios[k].push_back(x / y);
      std::printf("| %d | %s | %.0f | %.0f | %.3f |\n", r, pairs[k].first.name.c_str(), x, y,
                  x / y);
    }
  }
  std::printf("\n| comparison | polysock median | plain median | ratio (median of rounds) |\n");
  std::printf("|---|---|---|---|\n");
  for (size_t k = 0; k < pairs.size(); ++k) {
    std::printf("| %s vs %s | %.0f | %.0f | %.3f |\n", pairs[k].first.name.c_str(),
                pairs[k].second.name.c_str(), median(ps[k]), median(rw[k]), median(ratios[k]));
  }
  return 0;
}
