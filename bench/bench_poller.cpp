// Poller vs plain epoll: the echo server of echo_servers.c on polysock's poller
// and the same server on raw epoll, each loaded in turn by N concurrent loopback
// connections from a load-generator process (raw epoll, one message in flight per
// connection). It reports messages per second, the server thread's CPU time per
// message (CLOCK of the server thread: user + system), their ratio, and the load
// generator's CPU per message. On a small machine the generator is usually the
// bottleneck, so the server's CPU per message is the figure to compare.
//
//   bench_poller [--seconds S] [--rounds R] [--size BYTES] [--connections N,N,...]
//
// The generator is a separate process (forked while this one has no other thread)
// so that 10,000 connections fit in each process's descriptor limit. With two or
// more CPUs the server thread is pinned to the first and the generator to the
// last, so that every run sees the same placement (CPU per message depends on it).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "echo_servers.h"

namespace {

struct Options {
  double seconds = 5.0;
  int rounds = 3;
  std::size_t size = 64;
  std::vector<int> connections = {1000, 10000};
};

enum class Server { kPolysock, kEpoll };
const char *name(Server s) { return s == Server::kPolysock ? "polysock poller" : "plain epoll"; }

// What the load generator measured over its window.
struct LoadResult {
  std::uint64_t messages = 0;  // round trips completed in the window
  std::int64_t window_ns = 0;
  std::int64_t cpu_ns = 0;  // the generator's CPU over the window
  std::uint64_t errors = 0;
  double connect_s = 0;  // time to connect and warm up every connection
};

struct RunResult {
  Server server;
  int connections;
  LoadResult load;
  std::int64_t server_cpu_ns = 0;
  echo_stats stats{};
};

std::int64_t clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Pins the calling thread to one CPU when there are several (no-op otherwise).
void pin_to(bool last) {
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (cpus < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(last ? cpus - 1 : 0, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "bench_poller: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void write_all(int fd, const void *p, std::size_t n) {
  const char *c = static_cast<const char *>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("write");
    c += w;
    n -= static_cast<std::size_t>(w);
  }
}

void read_all(int fd, void *p, std::size_t n) {
  char *c = static_cast<char *>(p);
  while (n > 0) {
    pollfd pfd = {fd, POLLIN, 0};
    if (::poll(&pfd, 1, 300000) == 0) {
      std::fprintf(stderr, "bench_poller: the load generator went silent\n");
      std::exit(1);
    }
    const ssize_t r = ::read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) die("read from the load generator");
    c += r;
    n -= static_cast<std::size_t>(r);
  }
}

// ---- The load generator (child process) -------------------------------------------

LoadResult generate_load(int port, int n, double seconds, std::size_t size, int report_fd) {
  LoadResult result;
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct Conn {
    int fd = -1;
    std::size_t got = 0;
    bool connected = false;
  };
  std::vector<Conn> conns(n);
  std::vector<char> msg(size, 'm'), buf(std::max<std::size_t>(size, 4096));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  // Connect in waves, so that the listen backlog never overflows (a dropped SYN
  // costs a one-second retransmission).
  constexpr int kWave = 500;
  int opened = 0, ready = 0;
  std::vector<epoll_event> events(256);
  auto open_wave = [&] {
    for (int end = std::min(n, opened + kWave); opened < end; ++opened) {
      Conn &c = conns[opened];
      c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c.fd < 0) die("socket");
      const int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(c.fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 &&
          errno != EINPROGRESS) {
        die("connect");
      }
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u32 = static_cast<std::uint32_t>(opened);
      if (epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) != 0) die("epoll_ctl");
    }
  };
  // Every connection does one round trip before the window opens.
  open_wave();
  while (ready < n) {
    const int k = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10000);
    if (k <= 0) die("connecting: epoll_wait (timeout?)");
    for (int i = 0; i < k; ++i) {
      Conn &c = conns[events[i].data.u32];
      if (!c.connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          errno = err;
          die("connect (async)");
        }
        c.connected = true;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = events[i].data.u32;
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        if (::send(c.fd, msg.data(), size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
          die("send");
        }
        continue;
      }
      const ssize_t r = ::recv(c.fd, buf.data(), size - c.got, 0);
      if (r <= 0) die("warm-up recv");
      c.got += static_cast<std::size_t>(r);
      if (c.got == size) {
        c.got = 0;
        ++ready;
        if (ready % kWave == 0) open_wave();
      }
    }
  }
  result.connect_s = static_cast<double>(clock_ns(CLOCK_MONOTONIC) - start) / 1e9;
  for (Conn &c : conns) {  // start every connection's first timed message
    if (::send(c.fd, msg.data(), size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) die("send");
  }
  write_all(report_fd, "R", 1);
  const std::int64_t t0 = clock_ns(CLOCK_MONOTONIC);
  const std::int64_t cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  const std::int64_t end = t0 + static_cast<std::int64_t>(seconds * 1e9);
  std::int64_t now = t0;
  while (now < end) {
    const int k = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (k < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < k; ++i) {
      Conn &c = conns[events[i].data.u32];
      const ssize_t r = ::recv(c.fd, buf.data(), size - c.got, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        ++result.errors;
        continue;
      }
      c.got += static_cast<std::size_t>(r);
      if (c.got < size) continue;
      c.got = 0;
      ++result.messages;
      if (::send(c.fd, msg.data(), size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
        ++result.errors;
      }
    }
    now = clock_ns(CLOCK_MONOTONIC);
  }
  result.window_ns = now - t0;
  result.cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  write_all(report_fd, "E", 1);
  write_all(report_fd, &result, sizeof result);
  // Let the messages still in flight come back (bounded), so that the server is
  // never cut off in the middle of an echo.
  std::vector<bool> in_flight(n, true);
  int pending = n;
  const std::int64_t drain_end = clock_ns(CLOCK_MONOTONIC) + 10000000000LL;
  while (pending > 0 && clock_ns(CLOCK_MONOTONIC) < drain_end) {
    const int k = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < k; ++i) {
      const std::uint32_t id = events[i].data.u32;
      Conn &c = conns[id];
      const ssize_t r = ::recv(c.fd, buf.data(), size - c.got, 0);
      if (r <= 0) continue;
      c.got += static_cast<std::size_t>(r);
      if (c.got == size && in_flight[id]) {
        in_flight[id] = false;
        --pending;
      }
    }
  }
  // Reset rather than FIN: no TIME_WAIT left behind to exhaust the port range.
  const linger abortive = {1, 0};
  for (Conn &c : conns) {
    setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    ::close(c.fd);
  }
  return result;
}

// ---- One run: a server thread here, the generator in a child -------------------------

RunResult run_once(Server server, int connections, const Options &opt) {
  RunResult run{server, connections, {}, 0, {}};
  // The listener and the stop channel, in the server's own terms.
  sock_handle listener = 0, stop_server = 0, stop_main = 0;
  int listen_fd = -1, stop_pipe[2] = {-1, -1};
  int port = 0;
  if (server == Server::kPolysock) {
    sock_address local;
    if (net_create_server("127.0.0.1", 0, NET_AF_INET, 4096, 0, 0, &listener) != SOCK_OK ||
        sock_setblocking(listener, 0) != SOCK_OK || sock_getsockname(listener, &local) != SOCK_OK ||
        net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &stop_server, &stop_main) != SOCK_OK) {
      std::fprintf(stderr, "bench_poller: %s\n", sock_last_error_message());
      std::exit(1);
    }
    port = local.port;
  } else {
    listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd, 4096) != 0 ||
        getsockname(listen_fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0 ||
        pipe2(stop_pipe, O_CLOEXEC) != 0) {
      die("listener");
    }
    port = ntohs(addr.sin_port);
  }

  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) die("pipe2");
  std::fflush(stdout);
  const pid_t child = fork();  // no other thread exists in this process right now
  if (child < 0) die("fork");
  if (child == 0) {
    ::close(report[0]);
    pin_to(true);
    pthread_setname_np(pthread_self(), "load-generator");  // names for perf and top
    generate_load(port, connections, opt.seconds, opt.size, report[1]);
    _exit(0);
  }
  ::close(report[1]);

  std::thread thread([&] {
    pin_to(false);
    pthread_setname_np(pthread_self(), server == Server::kPolysock ? "srv-polysock" : "srv-epoll");
    const int rc = server == Server::kPolysock
                       ? polysock_echo_server(listener, stop_server, &run.stats)
                       : epoll_echo_server(listen_fd, stop_pipe[0], &run.stats);
    if (rc != 0) run.stats.errors++;
  });
  clockid_t server_clock;
  if (pthread_getcpuclockid(thread.native_handle(), &server_clock) != 0)
    die("pthread_getcpuclockid");

  char tag = 0;
  read_all(report[0], &tag, 1);  // 'R': connected and warmed up, the window opens
  const std::int64_t cpu0 = clock_ns(server_clock);
  read_all(report[0], &tag, 1);  // 'E': the window closed
  const std::int64_t cpu1 = clock_ns(server_clock);
  read_all(report[0], &run.load, sizeof run.load);
  ::close(report[0]);
  run.server_cpu_ns = cpu1 - cpu0;
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench_poller: the load generator failed\n");
    std::exit(1);
  }

  // The generator has closed every connection: tell the server to finish.
  if (server == Server::kPolysock) {
    size_t sent = 0;
    sock_send(stop_main, "x", 1, 0, &sent);
  } else {
    write_all(stop_pipe[1], "x", 1);
  }
  thread.join();
  if (server == Server::kPolysock) {
    sock_close(listener);
    sock_close(stop_server);
    sock_close(stop_main);
  } else {
    ::close(listen_fd);
    ::close(stop_pipe[0]);
    ::close(stop_pipe[1]);
  }
  return run;
}

// ---- Reporting -----------------------------------------------------------------------

double per_second(const RunResult &r) {
  return static_cast<double>(r.load.messages) / (static_cast<double>(r.load.window_ns) / 1e9);
}
double server_ns_per_msg(const RunResult &r) {
  return static_cast<double>(r.server_cpu_ns) / static_cast<double>(r.load.messages);
}
double client_ns_per_msg(const RunResult &r) {
  return static_cast<double>(r.load.cpu_ns) / static_cast<double>(r.load.messages);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

std::string machine() {
  std::string cpu = "unknown CPU";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  utsname u{};
  uname(&u);
  return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " CPUs, Linux " +
         u.release;
}

Options parse(int argc, char **argv) {
  Options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char *value = argv[i + 1];
    if (flag == "--seconds") {
      opt.seconds = std::atof(value);
    } else if (flag == "--rounds") {
      opt.rounds = std::atoi(value);
    } else if (flag == "--size") {
      opt.size = static_cast<std::size_t>(std::atol(value));
    } else if (flag == "--connections") {
      opt.connections.clear();
      for (const char *p = value; *p != '\0';) {
        char *next = nullptr;
        opt.connections.push_back(static_cast<int>(std::strtol(p, &next, 10)));
        p = *next == ',' ? next + 1 : next;
      }
    } else {
      std::fprintf(stderr,
                   "usage: bench_poller [--seconds S] [--rounds R] [--size BYTES] "
                   "[--connections N,N,...]\n");
      std::exit(2);
    }
  }
  if (opt.seconds <= 0 || opt.rounds <= 0 || opt.size == 0 || opt.size > 4096 ||
      opt.connections.empty()) {
    std::fprintf(stderr, "bench_poller: bad arguments\n");
    std::exit(2);
  }
  return opt;
}

}  // namespace

int main(int argc, char **argv) {
  const Options opt = parse(argc, argv);
  // Each process needs one descriptor per connection, plus a few.
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  const int most = *std::max_element(opt.connections.begin(), opt.connections.end());
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < static_cast<rlim_t>(most) + 64) {
    std::fprintf(stderr, "bench_poller: RLIMIT_NOFILE %lu is too low for %d connections\n",
                 static_cast<unsigned long>(lim.rlim_cur), most);
    return 1;
  }

  std::printf("polysock %s, poller vs plain epoll echo server\n", net_version());
  std::printf("%s\n", machine().c_str());
  std::printf("%g s per run, %d rounds, %zu-byte messages, one in flight per connection\n\n",
              opt.seconds, opt.rounds, opt.size);
  std::printf(
      "| round | connections | server | messages/s | server CPU ns/msg | server CPU %% "
      "| generator CPU ns/msg | connect+warm-up s |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::map<std::pair<int, Server>, std::vector<RunResult>> runs;
  bool failed = false;
  for (int round = 1; round <= opt.rounds; ++round) {
    for (int n : opt.connections) {
      // Alternate which server goes first, so that neither always runs warm.
      const Server order[2] = {round % 2 ? Server::kPolysock : Server::kEpoll,
                               round % 2 ? Server::kEpoll : Server::kPolysock};
      for (Server s : order) {
        const RunResult r = run_once(s, n, opt);
        const double cpu_share =
            static_cast<double>(r.server_cpu_ns) / static_cast<double>(r.load.window_ns) * 100;
        std::printf("| %d | %d | %s | %.0f | %.0f | %.0f | %.0f | %.2f |\n", round, n, name(s),
                    per_second(r), server_ns_per_msg(r), cpu_share, client_ns_per_msg(r),
                    r.load.connect_s);
        std::fflush(stdout);
        if (r.stats.errors != 0 || r.load.errors != 0 ||
            r.stats.accepted != static_cast<std::uint64_t>(n)) {
          std::fprintf(stderr, "  errors: server %llu, generator %llu, accepted %llu of %d\n",
                       static_cast<unsigned long long>(r.stats.errors),
                       static_cast<unsigned long long>(r.load.errors),
                       static_cast<unsigned long long>(r.stats.accepted), n);
          failed = true;
        }
        runs[{n, s}].push_back(r);
      }
    }
  }

  // Interference from other work on the machine only ever adds CPU time, so the
  // lowest server CPU per message of the rounds is the steadiest figure; the
  // median is shown next to it.
  std::printf("\nOver %d rounds (median, and lowest for CPU):\n\n", opt.rounds);
  std::printf(
      "| connections | server | messages/s (median) | server CPU ns/msg (median) | "
      "server CPU ns/msg (lowest) | generator CPU ns/msg (median) |\n");
  std::printf("|---|---|---|---|---|---|\n");
  std::map<std::pair<int, Server>, double> lowest;
  for (int n : opt.connections) {
    for (Server s : {Server::kPolysock, Server::kEpoll}) {
      std::vector<double> rate, server_cpu, client_cpu;
      for (const RunResult &r : runs[{n, s}]) {
        rate.push_back(per_second(r));
        server_cpu.push_back(server_ns_per_msg(r));
        client_cpu.push_back(client_ns_per_msg(r));
      }
      lowest[{n, s}] = *std::min_element(server_cpu.begin(), server_cpu.end());
      std::printf("| %d | %s | %.0f | %.0f | %.0f | %.0f |\n", n, name(s), median(rate),
                  median(server_cpu), lowest[{n, s}], median(client_cpu));
    }
  }
  std::printf(
      "\n| connections | server CPU/msg poller / epoll (median of paired rounds) | "
      "(lowest / lowest) | messages/s poller / epoll (median of paired rounds) |\n"
      "|---|---|---|---|\n");
  for (int n : opt.connections) {
    std::vector<double> cpu_ratio, rate_ratio;
    const auto &p = runs[{n, Server::kPolysock}];
    const auto &e = runs[{n, Server::kEpoll}];
    for (std::size_t i = 0; i < p.size() && i < e.size(); ++i) {  // same round, paired
      cpu_ratio.push_back(server_ns_per_msg(p[i]) / server_ns_per_msg(e[i]));
      rate_ratio.push_back(per_second(p[i]) / per_second(e[i]));
    }
    std::printf("| %d | %.3f | %.3f | %.3f |\n", n, median(cpu_ratio),
                lowest[{n, Server::kPolysock}] / lowest[{n, Server::kEpoll}], median(rate_ratio));
  }
  return failed ? 1 : 0;
}
