// The load generator of bench/run.sh's echo cases: it opens N loopback connections to
// an echo server (any language's suite program in "echo-server" mode), keeps one
// message in flight on each, and measures over a window the round trips completed and
// the CPU time the server process spent (every thread of it, from the scheduler's
// per-thread run time in /proc/PID/task/*/schedstat, in nanoseconds).
//
//   loadgen port=P pid=PID [conns=1000] [seconds=3] [size=64]
//
// It prints "RESULT <server CPU microseconds per message>" and INFO lines with the
// message rate and its own CPU per message. Plain epoll and system calls only, so that
// the generator is the same for every server. It needs 1 descriptor per connection:
// the driver raises the limit (10,000 connections fit under this machine's 20,000).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  unsigned got;  // bytes of the current echo received
  int connected;
};

static void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(1);
}

static int64_t now_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// The run time of every thread of process pid, in nanoseconds (-1 if it is gone).
static int64_t process_cpu_ns(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *dir = opendir(path);
  if (!dir) return -1;
  int64_t total = 0;
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    char stat_path[300];
    snprintf(stat_path, sizeof stat_path, "/proc/%d/task/%s/schedstat", pid, e->d_name);
    FILE *f = fopen(stat_path, "r");
    if (!f) continue;  // a thread that just exited
    long long ns = 0;
    if (fscanf(f, "%lld", &ns) == 1) total += ns;
    fclose(f);
  }
  closedir(dir);
  return total;
}

static long arg(int argc, char **argv, const char *key, long fallback) {
  const size_t n = strlen(key);
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], key, n) == 0 && argv[i][n] == '=')
      return strtol(argv[i] + n + 1, NULL, 10);
  }
  return fallback;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    const char *known[] = {"port=", "pid=", "conns=", "seconds=", "size="};
    int ok = 0;
    for (size_t k = 0; k < sizeof known / sizeof *known; ++k) {
      ok |= strncmp(argv[i], known[k], strlen(known[k])) == 0;
    }
    if (!ok) {
      fprintf(stderr, "loadgen: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  const int port = (int)arg(argc, argv, "port", 0);
  const int pid = (int)arg(argc, argv, "pid", 0);
  const int n = (int)arg(argc, argv, "conns", 1000);
  const double seconds = (double)arg(argc, argv, "seconds", 3);
  const unsigned size = (unsigned)arg(argc, argv, "size", 64);
  if (port <= 0 || port > 65535 || pid <= 0 || n <= 0 || seconds <= 0 || size == 0 || size > 4096) {
    fprintf(stderr, "usage: loadgen port=P pid=PID [conns=N] [seconds=S] [size=B<=4096]\n");
    return 2;
  }
  if (process_cpu_ns(pid) < 0) {
    fprintf(stderr, "loadgen: no process %d\n", pid);
    return 1;
  }

  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  struct conn *conns = calloc((size_t)n, sizeof *conns);
  if (!conns) die("calloc");
  char msg[4096], buf[4096];
  memset(msg, 'm', sizeof msg);
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct epoll_event events[256];

  // Connect in waves so that the listen backlog never overflows (a dropped SYN costs
  // a one-second retransmission); every connection does one round trip before the
  // window opens, which also proves the server accepted it.
  enum { kWave = 250 };
  int opened = 0, ready = 0;
  const int64_t connect_start = now_ns(CLOCK_MONOTONIC);
  while (ready < n) {
    if (opened == ready) {
      for (int end = opened + kWave < n ? opened + kWave : n; opened < end; ++opened) {
        struct conn *c = &conns[opened];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) die("socket");
        const int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
          die("connect");
        }
        struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)opened};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) die("epoll_ctl");
      }
    }
    const int k = epoll_wait(ep, events, 256, 20000);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      fprintf(stderr, "loadgen: connecting: no progress in 20 s (%d of %d ready)\n", ready, n);
      return 1;
    }
    for (int i = 0; i < k; ++i) {
      struct conn *c = &conns[events[i].data.u32];
      if (!c->connected) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          errno = err;
          die("connect (asynchronous)");
        }
        c->connected = 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = events[i].data.u32};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl");
        if (send(c->fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) die("send");
        continue;
      }
      const ssize_t r = recv(c->fd, buf, size - c->got, 0);
      if (r < 0 && errno == EAGAIN) continue;
      if (r <= 0) die("warm-up recv (did the server close?)");
      c->got += (unsigned)r;
      if (c->got == size) {
        c->got = 0;
        ++ready;
      }
    }
  }
  const double connect_s = (double)(now_ns(CLOCK_MONOTONIC) - connect_start) / 1e9;

  // Warm-up under load (JIT, caches), then the window.
  for (int i = 0; i < n; ++i) {
    if (send(conns[i].fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) die("send");
  }
  uint64_t messages = 0, errors = 0;
  int64_t t0 = 0, cpu0 = 0, self0 = 0;
  const int64_t warm_end = now_ns(CLOCK_MONOTONIC) + 500000000;
  const int64_t end = warm_end + (int64_t)(seconds * 1e9);
  int64_t now = now_ns(CLOCK_MONOTONIC);
  int measuring = 0;
  while (now < end) {
    if (!measuring && now >= warm_end) {
      measuring = 1;
      messages = 0;
      t0 = now;
      cpu0 = process_cpu_ns(pid);
      self0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    }
    const int k = epoll_wait(ep, events, 256, 100);
    if (k < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < k; ++i) {
      struct conn *c = &conns[events[i].data.u32];
      const ssize_t r = recv(c->fd, buf, size - c->got, 0);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        ++errors;
        continue;
      }
      c->got += (unsigned)r;
      if (c->got < size) continue;
      c->got = 0;
      ++messages;
      if (send(c->fd, msg, size, MSG_NOSIGNAL) != (ssize_t)size) ++errors;
    }
    now = now_ns(CLOCK_MONOTONIC);
  }
  const int64_t cpu1 = process_cpu_ns(pid);
  const int64_t self1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
  const double window_s = (double)(now - t0) / 1e9;
  if (errors > 0 || messages == 0 || cpu1 < 0) {
    fprintf(stderr, "loadgen: %llu messages, %llu errors%s\n", (unsigned long long)messages,
            (unsigned long long)errors, cpu1 < 0 ? ", the server exited" : "");
    return 1;
  }
  printf("INFO connections %d connected-and-echoed-in %.2f s\n", n, connect_s);
  printf("INFO rate %.0f messages/s\n", (double)messages / window_s);
  printf("INFO loadgen-cpu %.3f us/message\n", (double)(self1 - self0) / 1e3 / (double)messages);
  printf("RESULT %.4f\n", (double)(cpu1 - cpu0) / 1e3 / (double)messages);
  fflush(stdout);
  // Let the messages in flight come back (bounded), so that no server is cut off in the
  // middle of an echo; then reset rather than FIN: no TIME_WAIT left behind to exhaust
  // the port range over many runs. Servers see ECONNRESET or EOF on idle connections.
  char *pending = calloc((size_t)n, 1);
  if (!pending) die("calloc");
  int in_flight = 0;
  for (int i = 0; i < n; ++i) {
    pending[i] = 1;
    ++in_flight;
  }
  const int64_t drain_end = now_ns(CLOCK_MONOTONIC) + 10000000000LL;
  while (in_flight > 0 && now_ns(CLOCK_MONOTONIC) < drain_end) {
    const int k = epoll_wait(ep, events, 256, 100);
    for (int i = 0; i < k; ++i) {
      const uint32_t id = events[i].data.u32;
      struct conn *c = &conns[id];
      const ssize_t r = recv(c->fd, buf, size - c->got, 0);
      if (r <= 0) continue;
      c->got += (unsigned)r;
      if (c->got == size && pending[id]) {
        pending[id] = 0;
        --in_flight;
      }
    }
  }
  free(pending);
  const struct linger abortive = {1, 0};
  for (int i = 0; i < n; ++i) {
    setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    close(conns[i].fd);
  }
  free(conns);
  return 0;
}
