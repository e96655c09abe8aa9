// Load (issue 7): 500 concurrent clients, each in its own thread with a blocking
// socket, talk for POLYSOCK_LOAD_SECONDS seconds (default 20) to one server thread
// that serves them all through a poller with non-blocking sockets. Every message
// carries its length, a sequence number and a checksum of its random payload; the
// server checks each one and echoes it, the client checks the echo byte for byte.
// Nothing may be lost, corrupted, reordered or duplicated. The counts are printed,
// recorded as test properties, and written to polysock-load-report.txt in the
// working directory. POLYSOCK_LOAD_CLIENTS overrides the number of clients.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace polysock_test;
using Clock = std::chrono::steady_clock;

namespace {

int env_int(const char *name, int fallback) {
  const char *v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  const int n = std::atoi(v);
  return n > 0 ? n : fallback;
}

// The frame: a 16-byte header (payload length, sequence number, FNV-1a checksum of
// the payload), all little-endian, then the payload.
constexpr size_t kHeader = 16;

uint32_t fnv1a(const unsigned char *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

void put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint32_t get32(const unsigned char *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// xorshift64*: fast enough for payload bytes in a debug build.
struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
};

// Message lengths from 0 bytes to 256 KiB, mostly small: a mix of one-segment
// messages and ones that take many sends and receives.
size_t random_length(Rng &rng) {
  const uint64_t r = rng.next();
  switch (r % 10) {
    case 0:
      return static_cast<size_t>((r >> 8) % (256 << 10));
    case 1:
    case 2:
    case 3:
    case 4:
      return static_cast<size_t>((r >> 8) % (8 << 10));
    default:
      return static_cast<size_t>((r >> 8) % 256);
  }
}

struct Totals {
  std::atomic<uint64_t> messages{0};
  std::atomic<uint64_t> bytes{0};  // frame bytes, headers included
  std::atomic<uint64_t> corrupted{0};
};

// The poller server: one thread, non-blocking sockets, level-triggered.
class Server {
 public:
  Server(sock_handle listener, int expected) : listener_(listener), expected_(expected) {}

  // Serves until every expected client has come and gone, or stop, or deadline.
  void run(Clock::time_point deadline, const std::atomic<bool> &stop) {
    sock_poller poller = 0;
    if (sock_poller_create(&poller) != SOCK_OK) return fail("poller create");
    if (sock_poller_register(poller, listener_, SOCK_EVENT_READ, 0) != SOCK_OK) {
      sock_poller_close(poller);
      return fail("register listener");
    }
    std::vector<sock_event> events(512);
    std::vector<unsigned char> buf(256 << 10);
    while (finished_ < expected_ && error_.empty() && !stop.load() && Clock::now() < deadline) {
      size_t n = 0;
      if (sock_poller_wait(poller, 0.2, events.data(), events.size(), &n) != SOCK_OK) {
        fail("wait");
        break;
      }
      for (size_t i = 0; i < n && error_.empty(); ++i) {
        if (events[i].user_data == 0) {
          accept_all(poller);
        } else {
          serve(poller, *conns_[events[i].user_data - 1], events[i].events, buf);
        }
      }
    }
    sock_poller_close(poller);
    conns_.clear();  // closes whatever is left
  }

  Totals checked;  // messages that arrived whole with the right checksum and sequence
  int accepted() const { return accepted_; }
  int finished() const { return finished_; }
  const std::string &error() const { return error_; }

 private:
  struct Conn {
    Sock sock;
    uint64_t id = 0;
    std::vector<unsigned char> in;
    size_t in_used = 0;  // bytes of `in` already parsed
    std::vector<unsigned char> out;
    size_t out_sent = 0;
    uint64_t next_seq = 0;
    uint32_t interest = SOCK_EVENT_READ;
    bool eof = false;
  };

  void fail(const char *what) {
    if (error_.empty()) error_ = std::string("server ") + what + ": " + last_message();
  }

  void accept_all(sock_poller poller) {
    for (;;) {
      auto c = std::make_unique<Conn>();
      if (sock_accept(listener_, c->sock.out(), nullptr) != SOCK_OK) {
        if (sock_last_errno() != EAGAIN) fail("accept");
        return;
      }
      c->id = conns_.size() + 1;
      if (sock_setblocking(c->sock, 0) != SOCK_OK ||
          sock_poller_register(poller, c->sock, SOCK_EVENT_READ, c->id) != SOCK_OK) {
        return fail("new connection");
      }
      conns_.push_back(std::move(c));
      ++accepted_;
    }
  }

  void serve(sock_poller poller, Conn &c, uint32_t events, std::vector<unsigned char> &buf) {
    if (!c.sock.get()) return;  // closed earlier in this batch
    if ((events & (SOCK_EVENT_READ | SOCK_EVENT_HUP | SOCK_EVENT_ERROR)) && !c.eof) {
      size_t got = 0;
      const int st = sock_recv(c.sock, buf.data(), buf.size(), 0, &got);
      if (st != SOCK_OK && sock_last_errno() != EAGAIN) return fail("recv");
      if (st == SOCK_OK && got == 0) c.eof = true;
      if (st == SOCK_OK && got > 0) {
        c.in.insert(c.in.end(), buf.begin(), buf.begin() + static_cast<long>(got));
        parse(c);
      }
    }
    flush(c);
    if (!error_.empty()) return;
    if (c.eof && c.out_sent == c.out.size()) {
      if (c.in_used != c.in.size()) {
        ++checked.corrupted;  // a partial frame before the end: bytes were lost
        error_ = "server: connection ended inside a frame";
      }
      c.sock.reset();  // closing drops it from the poller
      ++finished_;
      return;
    }
    const uint32_t want = c.out_sent < c.out.size() ? SOCK_EVENT_WRITE
                          : c.eof                   ? 0
                                                    : SOCK_EVENT_READ;
    if (want != 0 && want != c.interest) {
      if (sock_poller_modify(poller, c.sock, want, c.id) != SOCK_OK) return fail("modify");
      c.interest = want;
    }
  }

  // Checks every whole frame in c.in and queues its echo.
  void parse(Conn &c) {
    while (c.in.size() - c.in_used >= kHeader) {
      const unsigned char *h = c.in.data() + c.in_used;
      const size_t len = get32(h);
      if (c.in.size() - c.in_used < kHeader + len) break;
      const uint64_t seq = get64(h + 4);
      const uint32_t sum = get32(h + 12);
      if (seq != c.next_seq || sum != fnv1a(h + kHeader, len)) {
        ++checked.corrupted;
        error_ = "server: frame " + std::to_string(c.next_seq) + " of connection " +
                 std::to_string(c.id) + " has a wrong sequence number or checksum";
        return;
      }
      ++c.next_seq;
      ++checked.messages;
      checked.bytes += kHeader + len;
      if (c.out_sent == c.out.size()) {
        c.out.clear();
        c.out_sent = 0;
      }
      c.out.insert(c.out.end(), h, h + kHeader + len);
      c.in_used += kHeader + len;
    }
    if (c.in_used == c.in.size()) {
      c.in.clear();
      c.in_used = 0;
    }
  }

  void flush(Conn &c) {
    while (c.out_sent < c.out.size()) {
      size_t n = 0;
      if (sock_send(c.sock, c.out.data() + c.out_sent, c.out.size() - c.out_sent, 0, &n) !=
          SOCK_OK) {
        if (sock_last_errno() != EAGAIN) fail("send");
        return;
      }
      c.out_sent += n;
    }
  }

  const sock_handle listener_;
  const int expected_;
  std::vector<std::unique_ptr<Conn>> conns_;  // user_data is the index + 1
  int accepted_ = 0;
  int finished_ = 0;
  std::string error_;
};

// One client: sends framed messages until the deadline and checks every echo.
void run_client(int id, int port, Clock::time_point until, Totals *sent, Totals *echoed,
                std::mutex *errors_mu, std::vector<std::string> *errors) {
  auto fail = [&](const std::string &what) {
    std::lock_guard<std::mutex> lock(*errors_mu);
    errors->push_back("client " + std::to_string(id) + " " + what + ": " + last_message());
  };
  Sock s;
  if (sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, s.out()) != SOCK_OK) return fail("create");
  // Blocking, with a generous timeout so that a stuck server fails the test
  // instead of hanging it.
  if (sock_settimeout(s, 30.0) != SOCK_OK) return fail("settimeout");
  if (sock_connect(s, "127.0.0.1", port) != SOCK_OK) return fail("connect");
  Rng rng{0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(id + 1)};
  std::vector<unsigned char> frame, echo;
  for (uint64_t seq = 0; Clock::now() < until; ++seq) {
    const size_t len = random_length(rng);
    frame.resize(kHeader + len);
    for (size_t k = 0; k < len; k += 8) {
      const uint64_t r = rng.next();
      std::memcpy(frame.data() + kHeader + k, &r, std::min<size_t>(8, len - k));
    }
    put32(frame.data(), static_cast<uint32_t>(len));
    put64(frame.data() + 4, seq);
    put32(frame.data() + 12, fnv1a(frame.data() + kHeader, len));
    size_t out = 0;
    if (sock_sendall(s, frame.data(), frame.size(), 0, &out) != SOCK_OK) return fail("sendall");
    ++sent->messages;
    sent->bytes += frame.size();
    echo.resize(frame.size());
    size_t got = 0;
    while (got < echo.size()) {
      size_t n = 0;
      if (sock_recv(s, echo.data() + got, echo.size() - got, 0, &n) != SOCK_OK) {
        return fail("recv");
      }
      if (n == 0) return fail("recv: the server hung up early");
      got += n;
    }
    if (echo != frame || fnv1a(echo.data() + kHeader, len) != get32(echo.data() + 12)) {
      ++echoed->corrupted;
      return fail("echo of message " + std::to_string(seq) + " differs");
    }
    ++echoed->messages;
    echoed->bytes += echo.size();
  }
  // The end: nothing more may arrive after the last echo.
  if (sock_shutdown(s, NET_SHUT_WR) != SOCK_OK) return fail("shutdown");
  unsigned char extra[16];
  size_t n = 0;
  if (sock_recv(s, extra, sizeof extra, 0, &n) != SOCK_OK) return fail("final recv");
  if (n != 0) {
    ++echoed->corrupted;
    fail("bytes after the last echo");
  }
}

bool raise_fd_limit(rlim_t needed) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;  // soft to hard
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= needed;
}

}  // namespace

TEST(LoadTest, FiveHundredClientsAgainstOnePollerServerLoseAndCorruptNothing) {
  const int clients = env_int("POLYSOCK_LOAD_CLIENTS", 500);
  const int seconds = env_int("POLYSOCK_LOAD_SECONDS", 20);
  // Per client: its socket and the server's end (and room to spare).
  ASSERT_TRUE(raise_fd_limit(static_cast<rlim_t>(3 * clients + 100)))
      << "RLIMIT_NOFILE's hard limit is too low for " << clients << " clients";
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port, clients);
  ASSERT_PS_OK(sock_setblocking(listener, 0));

  const auto start = Clock::now();
  const auto until = start + std::chrono::seconds(seconds);
  const auto hard_deadline = until + std::chrono::seconds(60);
  Server server(listener, clients);
  std::atomic<bool> stop{false};
  std::thread server_thread([&] { server.run(hard_deadline, stop); });

  Totals sent, echoed;
  std::mutex errors_mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back(run_client, c, port, until, &sent, &echoed, &errors_mu, &errors);
  }
  for (std::thread &t : threads) t.join();
  const double client_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!errors.empty()) stop.store(true);  // some clients will never hang up
  server_thread.join();

  const uint64_t lost = sent.bytes.load() - std::min(sent.bytes.load(), echoed.bytes.load());
  const uint64_t corrupted = server.checked.corrupted.load() + echoed.corrupted.load();
  char report[512];
  std::snprintf(report, sizeof report,
                "LoadTest: %d clients, %d s requested, %.1f s run; messages sent %llu, checked "
                "by the server %llu, echoed intact %llu; bytes sent %llu, checked %llu, echoed "
                "%llu; lost bytes %llu, corrupted messages %llu; %.0f messages/s, %.1f MiB/s "
                "each way\n",
                clients, seconds, client_seconds,
                static_cast<unsigned long long>(sent.messages.load()),
                static_cast<unsigned long long>(server.checked.messages.load()),
                static_cast<unsigned long long>(echoed.messages.load()),
                static_cast<unsigned long long>(sent.bytes.load()),
                static_cast<unsigned long long>(server.checked.bytes.load()),
                static_cast<unsigned long long>(echoed.bytes.load()),
                static_cast<unsigned long long>(lost), static_cast<unsigned long long>(corrupted),
                static_cast<double>(echoed.messages.load()) / client_seconds,
                static_cast<double>(echoed.bytes.load()) / client_seconds / (1 << 20));
  std::fputs(report, stdout);
  std::fflush(stdout);
  if (FILE *f = std::fopen("polysock-load-report.txt", "w")) {
    std::fputs(report, f);
    std::fclose(f);
  }
  RecordProperty("clients", clients);
  RecordProperty("seconds", seconds);
  RecordProperty("messages", std::to_string(echoed.messages.load()));
  RecordProperty("bytes", std::to_string(echoed.bytes.load()));
  RecordProperty("lost_bytes", std::to_string(lost));
  RecordProperty("corrupted_messages", std::to_string(corrupted));

  EXPECT_TRUE(errors.empty()) << errors.size() << " clients failed; the first: " << errors.front();
  EXPECT_EQ("", server.error());
  EXPECT_EQ(clients, server.accepted());
  EXPECT_EQ(clients, server.finished()) << "every client hung up cleanly";
  EXPECT_EQ(0u, lost);
  EXPECT_EQ(0u, corrupted);
  EXPECT_EQ(sent.messages.load(), server.checked.messages.load());
  EXPECT_EQ(sent.messages.load(), echoed.messages.load());
  EXPECT_EQ(sent.bytes.load(), server.checked.bytes.load());
  EXPECT_EQ(sent.bytes.load(), echoed.bytes.load());
  EXPECT_GE(sent.messages.load(), static_cast<uint64_t>(clients)) << "every client got going";
}
