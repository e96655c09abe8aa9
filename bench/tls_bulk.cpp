// TLS bulk throughput over loopback (issue 17, point 6): one side of a transfer, on
// polysock, in blocking mode. bench/tls_bulk.py is the same program on CPython's
// ssl module and the driver that runs both in the same run (docs/benchmarks.md).
//
//   tls_bulk serve   --role sink|source [--plain] --cert C --key K --bytes N
//       listens on 127.0.0.1:0, prints "PORT n", serves one connection: a sink reads N
//       bytes and answers one byte; a source writes N bytes and waits for that byte.
//   tls_bulk connect --role source|sink [--plain] --ca CA --port P --bytes N
//       the measured side: connects, handshakes, then moves N bytes in 64 KiB calls
//       (sock_sendall / sock_recv) and prints one JSON line: bytes, seconds (wall,
//       from after the handshake to the last byte or the answer), cpu (this
//       process's user+system seconds over the same window), version, cipher.
#include <polysock/polysock.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kChunk = 65536;

struct Args {
  std::string cmd, role, cert, key, ca;
  bool plain = false;
  int port = 0;
  unsigned long long bytes = 0;
};

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "tls_bulk: %s: %s\n", what, sock_last_error_message());
  std::exit(1);
}

void check(int st, const char *what) {
  if (st != SOCK_OK) die(what);
}

double now(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Sends n bytes in kChunk sendall calls, or reads n bytes with kChunk recv calls.
void move_bytes(sock_handle h, bool send, unsigned long long n) {
  std::vector<char> buf(kChunk, 'x');
  unsigned long long done = 0;
  while (done < n) {
    const size_t want = static_cast<size_t>(std::min<unsigned long long>(kChunk, n - done));
    if (send) {
      check(sock_sendall(h, buf.data(), want, 0, nullptr), "sendall");
      done += want;
    } else {
      size_t got = 0;
      check(sock_recv(h, buf.data(), want, 0, &got), "recv");
      if (got == 0) die("early end of stream");
      done += got;
    }
  }
}

void answer(sock_handle h) { check(sock_sendall(h, "k", 1, 0, nullptr), "send answer"); }

void await_answer(sock_handle h) {
  char c = 0;
  size_t got = 0;
  check(sock_recv(h, &c, 1, 0, &got), "recv answer");
  if (got != 1) die("no answer");
}

tls_context make_ctx(const Args &a, bool server) {
  tls_context ctx = 0;
  if (server) {
    check(tls_context_create_default(TLS_PURPOSE_CLIENT_AUTH, &ctx), "context");
    check(tls_context_load_cert_chain(ctx, a.cert.c_str(), a.key.c_str(), nullptr), "cert");
  } else {
    check(tls_context_create_default(TLS_PURPOSE_SERVER_AUTH, &ctx), "context");
    check(tls_context_load_verify_locations(ctx, a.ca.c_str(), nullptr, nullptr, 0), "ca");
  }
  return ctx;
}

int serve(const Args &a) {
  sock_handle l = 0;
  check(net_create_server("127.0.0.1", 0, NET_AF_INET, 1, 0, 0, &l), "listen");
  sock_address addr{};
  check(sock_getsockname(l, &addr), "getsockname");
  std::printf("PORT %d\n", addr.port);
  std::fflush(stdout);
  sock_handle c = 0;
  check(sock_accept(l, &c, nullptr), "accept");
  sock_close(l);
  check(sock_settimeout(c, SOCK_TIMEOUT_NONE), "blocking");
  if (!a.plain) {
    const tls_context ctx = make_ctx(a, true);
    sock_handle t = 0;
    check(tls_wrap_socket(ctx, c, 1, nullptr, 0, &t), "handshake");
    tls_context_close(ctx);
    c = t;
  }
  if (a.role == "sink") {
    move_bytes(c, false, a.bytes);
    answer(c);
  } else {
    move_bytes(c, true, a.bytes);
    await_answer(c);
  }
  sock_close(c);
  return 0;
}

int connect(const Args &a) {
  sock_handle c = 0;
  check(net_create_connection("127.0.0.1", a.port, SOCK_TIMEOUT_NONE, nullptr, 0, &c), "connect");
  char version[32] = "";
  tls_cipher_info cipher{};
  if (!a.plain) {
    const tls_context ctx = make_ctx(a, false);
    sock_handle t = 0;
    check(tls_wrap_socket(ctx, c, 0, "localhost", 0, &t), "handshake");
    tls_context_close(ctx);
    c = t;
    check(sock_tls_version(c, version, sizeof version, nullptr), "version");
    check(sock_tls_cipher(c, &cipher), "cipher");
  }
  const double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
  if (a.role == "source") {
    move_bytes(c, true, a.bytes);
    await_answer(c);
  } else {
    move_bytes(c, false, a.bytes);
  }
  const double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
  if (a.role == "sink") answer(c);
  sock_close(c);
  std::printf(
      "{\"impl\": \"polysock\", \"bytes\": %llu, \"seconds\": %.6f, \"cpu\": %.6f, "
      "\"version\": \"%s\", \"cipher\": \"%s\"}\n",
      a.bytes, w1 - w0, c1 - c0, version, cipher.name);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Args a;
  if (argc < 2) {
    std::fprintf(stderr, "usage: tls_bulk serve|connect --role R [--plain] ...\n");
    return 2;
  }
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string k = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (k == "--plain") {
      a.plain = true;
      continue;
    }
    ++i;
    if (k == "--role") {
      a.role = v;
    } else if (k == "--cert") {
      a.cert = v;
    } else if (k == "--key") {
      a.key = v;
    } else if (k == "--ca") {
      a.ca = v;
    } else if (k == "--port") {
      a.port = std::atoi(v);
    } else if (k == "--bytes") {
      a.bytes = std::strtoull(v, nullptr, 10);
    } else {
      std::fprintf(stderr, "tls_bulk: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (a.cmd == "serve") return serve(a);
  if (a.cmd == "connect") return connect(a);
  std::fprintf(stderr, "tls_bulk: unknown command %s\n", a.cmd.c_str());
  return 2;
}
