// How much a failing non-blocking recv costs through polysock compared with the
// raw system call: the handle lookup, the error record and the flag handling must
// stay within a few percent, because servers hit EAGAIN on every poll round.
#include <benchmark/benchmark.h>
#include <polysock/polysock.h>
#include <sys/socket.h>

namespace {

struct Pair {
  sock_handle a = 0, b = 0;
  int fd = -1;
  Pair() {
    net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &a, &b);
    sock_setblocking(a, 0);
    sock_fileno(a, &fd);
  }
  ~Pair() {
    sock_close(a);
    sock_close(b);
  }
};

void RawRecvEagain(benchmark::State &state) {
  Pair p;
  char buf[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(::recv(p.fd, buf, sizeof buf, MSG_DONTWAIT));
  }
}

void PolysockRecvEagain(benchmark::State &state) {
  Pair p;
  char buf[64];
  size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sock_recv(p.a, buf, sizeof buf, 0, &n));
  }
  if (sock_last_errno() != NET_EAGAIN) state.SkipWithError("expected EAGAIN");
}

void PolysockRecvEagainWithMessage(benchmark::State &state) {
  // What a binding pays when it also turns the failure into an exception message.
  Pair p;
  char buf[64];
  size_t n = 0;
  for (auto _ : state) {
    if (sock_recv(p.a, buf, sizeof buf, 0, &n) != SOCK_OK) {
      benchmark::DoNotOptimize(sock_last_error_message());
    }
  }
}

}  // namespace

BENCHMARK(RawRecvEagain);
BENCHMARK(PolysockRecvEagain);
BENCHMARK(PolysockRecvEagainWithMessage);
BENCHMARK_MAIN();
