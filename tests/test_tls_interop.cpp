// TLS against peers polysock did not write (issue 17, point 4): `openssl s_server`,
// `openssl s_client` and CPython's ssl module (tests/tls/peer.py), each both ways,
// with certificates made at test time by the `openssl` command in a temporary
// directory. Children are spawned with posix_spawn on 127.0.0.1, every wait on them
// is bounded, and they are killed and reaped when a test ends, whatever happened.
// SIGPIPE stays at its default disposition: if polysock raised it, the suite would die.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "test_support.hpp"
#include "tls_certs.hpp"

extern char **environ;

using namespace polysock_test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// ---- Time bounds and sizes ----------------------------------------------------------

// Under valgrind (tests/memcheck.sh sets POLYSOCK_TIMING_SLACK) everything is slower:
// bounds stretch and the bulk transfers shrink to what valgrind gets through in time.
int slack() {
  const char *s = std::getenv("POLYSOCK_TIMING_SLACK");
  return s != nullptr && std::atoi(s) > 0 ? std::atoi(s) : 1;
}
double bound_s(double seconds) { return seconds * slack(); }
size_t bulk_bytes() { return slack() > 1 ? (size_t{1} << 20) : (size_t{50} << 20); }

// ---- The byte pattern (tests/tls/peer.py computes the same) ----------------------------

constexpr unsigned kPeriod = 251;  // prime: a lost, doubled or reordered record shows

const std::vector<unsigned char> &pattern_block() {
  static const std::vector<unsigned char> block = [] {
    std::vector<unsigned char> b(kPeriod * (262144 / kPeriod + 2));
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<unsigned char>(i % kPeriod);
    return b;
  }();
  return block;
}
// n (<= 256 KiB) bytes of the pattern from offset.
const unsigned char *pattern_at(uint64_t offset) { return &pattern_block()[offset % kPeriod]; }

// Checks received bytes against the pattern; remembers the first bad offset.
struct PatternChecker {
  uint64_t got = 0;
  int64_t bad = -1;
  void add(const void *data, size_t n) {
    if (bad < 0 && std::memcmp(data, pattern_at(got), n) != 0) {
      const auto *p = static_cast<const unsigned char *>(data);
      for (size_t i = 0; i < n; ++i) {
        if (p[i] != (got + i) % kPeriod) {
          bad = static_cast<int64_t>(got + i);
          break;
        }
      }
    }
    got += n;
  }
};

// ---- Child processes ------------------------------------------------------------------

// A spawned child, with pipes to its stdin and from its stdout if asked for; its
// stderr goes to a file (shown when a test fails). Killed and reaped on destruction.
class Child {
 public:
  Child() = default;
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;
  ~Child() { stop(); }

  bool spawn(const std::vector<std::string> &argv, bool with_stdin, const std::string &err_path) {
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) return false;
    if (with_stdin && pipe2(in, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (with_stdin) {
      posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    } else {
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char *> args;
    for (const auto &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (with_stdin) close(in[0]);
    out_ = out[0];
    in_ = with_stdin ? in[1] : -1;
    err_path_ = err_path;
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // The next line of its stdout, within `seconds`; false at EOF or when time is up.
  bool read_line(std::string *line, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        *line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || out_ < 0) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char b[65536];
      const ssize_t n = read(out_, b, sizeof b);
      if (n <= 0) return false;
      buf_.append(b, static_cast<size_t>(n));
    }
  }

  // The next line that starts with `prefix` (others are skipped), without the prefix.
  bool expect_line(const std::string &prefix, std::string *rest, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::string line;
    for (;;) {
      const double left =
          std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0 || !read_line(&line, left)) return false;
      if (line.compare(0, prefix.size(), prefix) == 0) {
        *rest = line.substr(prefix.size());
        return true;
      }
    }
  }

  // A JSON line "KIND {...}" from peer.py; an empty object (and a failure) if none came.
  json expect_json(const std::string &kind, double seconds = 30) {
    std::string rest;
    if (!expect_line(kind + " ", &rest, bound_s(seconds))) {
      ADD_FAILURE() << "no " << kind << " line from the peer within " << bound_s(seconds)
                    << " s; its stderr: " << stderr_text();
      return json::object();
    }
    json j = json::parse(rest, nullptr, false);
    if (!j.is_object()) {
      ADD_FAILURE() << "not a JSON object from the peer: " << rest;
      return json::object();
    }
    return j;
  }

  // Drains stdout into f(data, n) until EOF or `seconds` (for the pattern checks).
  template <class F>
  bool drain(F &&f, double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    if (!buf_.empty()) {
      f(buf_.data(), buf_.size());
      buf_.clear();
    }
    std::vector<char> b(262144);
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      const ssize_t n = read(out_, b.data(), b.size());
      if (n == 0) return true;
      if (n < 0) return false;
      if (!f(b.data(), static_cast<size_t>(n))) return true;
    }
  }

  // Writes all of data to its stdin; false if it went away (EPIPE: SIGPIPE is blocked
  // on the writing thread, so a child that died cannot kill the test).
  bool write_stdin(const void *data, size_t n) {
    const auto *p = static_cast<const char *>(data);
    while (n > 0) {
      const ssize_t k = write(in_, p, n);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) return false;
      p += k;
      n -= static_cast<size_t>(k);
    }
    return true;
  }
  void close_stdin() {
    if (in_ >= 0) close(in_);
    in_ = -1;
  }

  // Its exit status (as waitpid's) once it ended, within `seconds`; -1 if it did not.
  int wait_exit(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (pid_ > 0) {
      int st = 0;
      const pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        status_ = st;
        return st;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(5ms);
    }
    return status_;
  }

  void stop() {
    close_stdin();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int st = 0;
      waitpid(pid_, &st, 0);  // SIGKILL cannot be ignored: this returns
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  // SIGKILL only: its pipes stay open (another thread may be writing to them).
  void kill_only() {
    if (pid_ > 0) kill(pid_, SIGKILL);
  }

  bool alive() { return wait_exit(0) == -1 && pid_ > 0; }

  std::string stderr_text() const {
    std::ifstream f(err_path_);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str().substr(0, 4000);
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int status_ = 0;
  std::string buf_;
  std::string err_path_;
};

std::string python() { return POLYSOCK_TEST_PYTHON; }
std::string openssl() { return POLYSOCK_TEST_OPENSSL; }

std::string read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The certificates (tests/support/tls_certs.hpp), made once per process.
const polysock_test::TlsCerts &certs() { return polysock_test::tls_certs(); }

// ---- polysock side helpers -------------------------------------------------------------

class Ctx {
 public:
  Ctx() = default;
  explicit Ctx(tls_context c) : c_(c) {}
  Ctx(Ctx &&o) noexcept : c_(std::exchange(o.c_, 0)) {}
  ~Ctx() {
    if (c_ != 0) tls_context_close(c_);
  }
  operator tls_context() const { return c_; }
  tls_context *out() { return &c_; }

 private:
  tls_context c_ = 0;
};

// A client context that trusts `ca` (the test CA by default), checking host names.
Ctx client_ctx(const std::string &ca = "") {
  Ctx c;
  EXPECT_PS_OK(tls_context_create(TLS_PROTOCOL_TLS_CLIENT, c.out()));
  EXPECT_PS_OK(tls_context_load_verify_locations(c, (ca.empty() ? certs().ca : ca).c_str(), nullptr,
                                                 nullptr, 0));
  return c;
}

// A server context with the test server certificate (or another).
Ctx server_ctx(const std::string &cert = "", const std::string &key = "") {
  Ctx c;
  EXPECT_PS_OK(tls_context_create(TLS_PROTOCOL_TLS_SERVER, c.out()));
  EXPECT_PS_OK(tls_context_load_cert_chain(c, (cert.empty() ? certs().server : cert).c_str(),
                                           (key.empty() ? certs().server_key : key).c_str(),
                                           nullptr));
  return c;
}

// A TCP connection to 127.0.0.1:port with a 20 s timeout, not yet wrapped.
Sock tcp_connect(int port, double timeout = 20) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  EXPECT_PS_OK(sock_settimeout(s, bound_s(timeout)));
  EXPECT_PS_OK(sock_connect(s, "127.0.0.1", port));
  return s;
}

// Wraps s (detached by the call) as a client of host; the status of the wrap in *st.
Sock wrap_client(const Ctx &ctx, Sock s, const char *host, unsigned flags = 0, int *st = nullptr) {
  Sock out;
  const int r = tls_wrap_socket(ctx, s.get(), 0, host, flags, out.out());
  if (r == SOCK_OK || r == SOCK_ERR_SSL) s.release();  // detached, or closed by the failure
  if (st != nullptr) {
    *st = r;
  } else {
    EXPECT_PS_OK(r) << "tls_wrap_socket (client of " << (host ? host : "NULL") << ")";
  }
  return out;
}

Sock wrap_server(const Ctx &ctx, Sock s, unsigned flags = 0, int *st = nullptr) {
  Sock out;
  const int r = tls_wrap_socket(ctx, s.get(), 1, nullptr, flags, out.out());
  if (r == SOCK_OK || r == SOCK_ERR_SSL) s.release();
  if (st != nullptr) {
    *st = r;
  } else {
    EXPECT_PS_OK(r) << "tls_wrap_socket (server side)";
  }
  return out;
}

// A listener on 127.0.0.1 and its port.
struct Listener {
  Sock sock;
  int port = 0;
};
Listener listen_local() {
  Listener l;
  l.sock = tcp_listener(NET_AF_INET, "127.0.0.1", &l.port);
  EXPECT_PS_OK(sock_settimeout(l.sock, bound_s(20)));
  return l;
}

Sock accept_one(const Listener &l) {
  Sock c;
  EXPECT_PS_OK(sock_accept(l.sock, c.out(), nullptr));
  if (c.get() != 0) {
    EXPECT_PS_OK(sock_settimeout(c, bound_s(20)));
  }
  return c;
}

std::string tls_version(sock_handle h) {
  char buf[32] = {0};
  EXPECT_PS_OK(sock_tls_version(h, buf, sizeof buf, nullptr));
  return buf;
}

std::string alpn(sock_handle h) {
  char buf[256] = {0};
  EXPECT_PS_OK(sock_tls_selected_alpn_protocol(h, buf, sizeof buf, nullptr));
  return buf;
}

// Sends n pattern bytes in 64 KiB sendall calls.
void send_pattern(sock_handle h, size_t n) {
  for (size_t sent = 0; sent < n;) {
    const size_t k = std::min<size_t>(65536, n - sent);
    ASSERT_PS_OK(sock_sendall(h, pattern_at(sent), k, 0, nullptr)) << "after " << sent << " bytes";
    sent += k;
  }
}

// Receives until recv gives 0 bytes (or fails, or `limit` bytes came when stop_at_limit);
// the status of the last call in *last.
PatternChecker recv_pattern(sock_handle h, size_t limit, bool stop_at_limit, int *last) {
  PatternChecker c;
  std::vector<unsigned char> buf(262144);
  *last = SOCK_OK;
  for (;;) {
    if (stop_at_limit && c.got >= limit) break;
    size_t n = 0;
    *last = sock_recv(h, buf.data(), buf.size(), 0, &n);
    if (*last != SOCK_OK || n == 0) break;
    c.add(buf.data(), n);
    if (c.got > limit) break;
  }
  return c;
}

std::string recv_exact(sock_handle h, size_t n) {
  std::string s;
  char buf[4096];
  while (s.size() < n) {
    size_t k = 0;
    if (sock_recv(h, buf, std::min(sizeof buf, n - s.size()), 0, &k) != SOCK_OK || k == 0) break;
    s.append(buf, k);
  }
  return s;
}

// ---- The peers ------------------------------------------------------------------------

std::string peer_script() { return POLYSOCK_TEST_TLS_PEER; }

// A child whose stdout, stderr and port the fixture keeps.
struct Peer {
  std::unique_ptr<Child> child = std::make_unique<Child>();
  int port = 0;
  Child *operator->() { return child.get(); }
};

class TlsInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(certs().error.empty()) << certs().error;
    ASSERT_EQ(1, tls_available()) << "this build has no TLS";
  }

  std::string err_path() { return certs().dir + "/stderr-" + std::to_string(counter_++) + ".txt"; }

  // peer.py as a server: its port from its first line.
  Peer py_server(std::vector<std::string> args) {
    Peer p;
    std::vector<std::string> argv = {python(),
                                     peer_script(),
                                     "server",
                                     "--timeout",
                                     std::to_string(bound_s(20)),
                                     "--deadline",
                                     std::to_string(static_cast<int>(bound_s(90)))};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_TRUE(p->spawn(argv, false, err_path())) << "cannot run " << python();
    std::string rest;
    if (!p->expect_line("PORT ", &rest, bound_s(20))) {
      ADD_FAILURE() << "peer.py server did not start: " << p->stderr_text();
      return p;
    }
    p.port = std::atoi(rest.c_str());
    return p;
  }

  // peer.py as a client of 127.0.0.1:port.
  Peer py_client(int port, std::vector<std::string> args) {
    Peer p;
    std::vector<std::string> argv = {python(),
                                     peer_script(),
                                     "client",
                                     "--port",
                                     std::to_string(port),
                                     "--timeout",
                                     std::to_string(bound_s(20)),
                                     "--deadline",
                                     std::to_string(static_cast<int>(bound_s(90)))};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_TRUE(p->spawn(argv, false, err_path())) << "cannot run " << python();
    return p;
  }

  // `openssl s_server -quiet -nbio` on a free port: what the client sends comes out
  // of its stdout, what goes into its stdin is sent (its stdin is a pipe held open:
  // at EOF on stdin it would stop reading). -nbio: a blocking s_server stops sending
  // while it waits in SSL_read.
  Peer s_server(std::vector<std::string> args) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      Peer p;
      p.port = free_port();
      std::vector<std::string> argv = {openssl(), "s_server",
                                       "-accept", "127.0.0.1:" + std::to_string(p.port),
                                       "-quiet",  "-nbio"};
      argv.insert(argv.end(), args.begin(), args.end());
      EXPECT_TRUE(p->spawn(argv, true, err_path()));
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::duration<double>(bound_s(20));
      while (std::chrono::steady_clock::now() < deadline && p->alive() && !listening(p.port)) {
        std::this_thread::sleep_for(5ms);
      }
      if (listening(p.port)) return p;
      if (attempt == 4) ADD_FAILURE() << "s_server did not listen: " << p->stderr_text();
    }
    return Peer{};
  }

  // `openssl s_client` to 127.0.0.1:port, stdin a pipe; -nocommands, or a line of the
  // pattern that starts with Q, R or K would quit, renegotiate or update keys.
  Peer s_client(int port, std::vector<std::string> args) {
    Peer p;
    std::vector<std::string> argv = {openssl(), "s_client", "-connect",
                                     "127.0.0.1:" + std::to_string(port), "-nocommands"};
    argv.insert(argv.end(), args.begin(), args.end());
    EXPECT_TRUE(p->spawn(argv, true, err_path()));
    return p;
  }

  static int free_port() {
    int port = 0;
    Sock l = tcp_listener(NET_AF_INET, "127.0.0.1", &port, 1);
    return port;  // closed again: s_server binds it next (retried if someone else did)
  }

  // True once something listens on 127.0.0.1:port (/proc/net/tcp, state 0A): probing
  // with a connection would use up s_server's -naccept.
  static bool listening(int port) {
    std::ifstream f("/proc/net/tcp");
    std::string line;
    char want[32];
    std::snprintf(want, sizeof want, "0100007F:%04X", port);
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      std::string sl, local, remote, st;
      ss >> sl >> local >> remote >> st;
      if (local == want && st == "0A") return true;
    }
    return false;
  }

  int counter_ = 0;
};

// A thread that writes n pattern bytes into a child's stdin, with SIGPIPE blocked on it.
std::thread feed_stdin(Child *c, size_t n, bool close_after, std::atomic<bool> *ok) {
  return std::thread([c, n, close_after, ok] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    bool good = true;
    for (size_t sent = 0; sent < n && good;) {
      const size_t k = std::min<size_t>(65536, n - sent);
      good = c->write_stdin(pattern_at(sent), k);
      sent += k;
    }
    if (close_after) c->close_stdin();
    ok->store(good);
  });
}

// ---- 50 MiB through, both ways, against Python --------------------------------------

// Ours sends, Python's server reads; then close_notify both ways (sock_tls_unwrap):
// Python reads its b'' at our close_notify (it would raise SSLEOFError at an EOF
// without one: --ragged-error) and its unwrap() returns at ours... and theirs ours.
TEST_F(TlsInterop, PolysockClientSends50MiBToPythonServer) {
  const size_t n = bulk_bytes();
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "sink",
                       "--bytes", std::to_string(n), "--unwrap", "--ragged-error"});
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
  EXPECT_EQ("TLSv1.3", tls_version(s));
  send_pattern(s, n);
  EXPECT_PS_OK(sock_tls_unwrap(s)) << "close_notify sent, and Python's answered";
  int wrapped = 1;
  EXPECT_PS_OK(sock_tls_is_wrapped(s, &wrapped));
  EXPECT_EQ(0, wrapped);
  s.reset();
  json r = py->expect_json("RESULT", 60);
  EXPECT_EQ(n, r.value("received", 0u)) << r.dump();
  EXPECT_EQ(-1, r.value("bad_offset", 0)) << r.dump();
  EXPECT_EQ(json("eof"), r.value("end", json())) << "close_notify, not a bare EOF: " << r.dump();
  EXPECT_TRUE(r.value("unwrapped", false)) << r.dump();
}

// Python's server sends, ours reads until its close_notify (TLS_WRAP_RAGGED_EOF_ERROR:
// an EOF without one would fail), then answers it; Python's unwrap() returns.
TEST_F(TlsInterop, PythonServerSends50MiBToPolysockClient) {
  const size_t n = bulk_bytes();
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "source",
                       "--bytes", std::to_string(n), "--unwrap"});
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost", TLS_WRAP_RAGGED_EOF_ERROR);
  int last = 0;
  PatternChecker c = recv_pattern(s, n, false, &last);
  EXPECT_PS_OK(last) << "recv ends with 0 bytes at the peer's close_notify";
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
  size_t k = 1;
  char b[16];
  EXPECT_PS_OK(sock_recv(s, b, sizeof b, 0, &k));
  EXPECT_EQ(0u, k) << "and again 0 bytes";
  EXPECT_PS_OK(sock_tls_unwrap(s));
  json r = py->expect_json("RESULT", 60);
  EXPECT_EQ(n, r.value("sent", 0u)) << r.dump();
  EXPECT_TRUE(r.value("unwrapped", false)) << "Python saw our close_notify: " << r.dump();
}

TEST_F(TlsInterop, PythonClientSends50MiBToPolysockServer) {
  const size_t n = bulk_bytes();
  Listener l = listen_local();
  Peer py = py_client(
      l.port, {"--ca", certs().ca, "--mode", "source", "--bytes", std::to_string(n), "--unwrap"});
  Ctx ctx = server_ctx();
  Sock s = wrap_server(ctx, accept_one(l), TLS_WRAP_RAGGED_EOF_ERROR);
  int last = 0;
  PatternChecker c = recv_pattern(s, n, false, &last);
  EXPECT_PS_OK(last);
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
  EXPECT_PS_OK(sock_tls_unwrap(s));
  json info = py->expect_json("INFO");
  EXPECT_EQ("TLSv1.3", info.value("version", ""));
  json r = py->expect_json("RESULT", 60);
  EXPECT_TRUE(r.value("unwrapped", false)) << r.dump();
}

TEST_F(TlsInterop, PolysockServerSends50MiBToPythonClient) {
  const size_t n = bulk_bytes();
  Listener l = listen_local();
  Peer py = py_client(l.port, {"--ca", certs().ca, "--mode", "sink", "--bytes", std::to_string(n),
                               "--unwrap", "--ragged-error"});
  Ctx ctx = server_ctx();
  Sock s = wrap_server(ctx, accept_one(l));
  send_pattern(s, n);
  EXPECT_PS_OK(sock_tls_unwrap(s));
  json r = py->expect_json("RESULT", 60);
  EXPECT_EQ(n, r.value("received", 0u)) << r.dump();
  EXPECT_EQ(-1, r.value("bad_offset", 0)) << r.dump();
  EXPECT_EQ(json("eof"), r.value("end", json())) << "close_notify, not a bare EOF: " << r.dump();
  EXPECT_TRUE(r.value("unwrapped", false)) << r.dump();
}

// ---- 50 MiB through, both ways, against openssl s_server / s_client --------------------

TEST_F(TlsInterop, PolysockClientSends50MiBToOpensslServer) {
  const size_t n = bulk_bytes();
  Peer srv = s_server({"-cert", certs().server, "-key", certs().server_key, "-naccept", "1"});
  ASSERT_NE(0, srv.port);
  PatternChecker c;
  std::thread reader([&] {
    srv->drain(
        [&](const char *d, size_t k) {
          c.add(d, k);
          return c.got < n;
        },
        bound_s(60));
  });
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(srv.port), "localhost");
  send_pattern(s, n);
  reader.join();
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
  EXPECT_PS_OK(sock_tls_unwrap(s)) << "s_server answers close_notify";
}

TEST_F(TlsInterop, OpensslServerSends50MiBToPolysockClient) {
  const size_t n = bulk_bytes();
  Peer srv = s_server({"-cert", certs().server, "-key", certs().server_key, "-naccept", "1"});
  ASSERT_NE(0, srv.port);
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(srv.port), "localhost");
  std::atomic<bool> fed{false};
  std::thread feeder = feed_stdin(srv.child.get(), n, false, &fed);
  int last = 0;
  PatternChecker c = recv_pattern(s, n, true, &last);
  if (c.got < n) srv->kill_only();  // so that the feeder's write fails rather than waits
  feeder.join();
  EXPECT_TRUE(fed.load());
  EXPECT_PS_OK(last);
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
}

// s_client -no_ign_eof ends its connection with close_notify when its stdin ends:
// ours reads exactly n bytes and then 0 (not TLS_ERROR_EOF).
TEST_F(TlsInterop, OpensslClientSends50MiBToPolysockServer) {
  const size_t n = bulk_bytes();
  Listener l = listen_local();
  Peer cli = s_client(l.port, {"-quiet", "-no_ign_eof", "-CAfile", certs().ca});
  Ctx ctx = server_ctx();
  Sock s = wrap_server(ctx, accept_one(l), TLS_WRAP_RAGGED_EOF_ERROR);
  std::atomic<bool> fed{false};
  std::thread feeder = feed_stdin(cli.child.get(), n, true, &fed);
  int last = 0;
  PatternChecker c = recv_pattern(s, n, false, &last);
  if (c.got < n) cli->kill_only();
  feeder.join();
  EXPECT_TRUE(fed.load());
  EXPECT_PS_OK(last) << "0 bytes at s_client's close_notify";
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
  const int st = cli->wait_exit(bound_s(20));
  EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
      << "s_client ended cleanly: " << cli->stderr_text();
}

TEST_F(TlsInterop, PolysockServerSends50MiBToOpensslClient) {
  const size_t n = bulk_bytes();
  Listener l = listen_local();
  Peer cli = s_client(l.port, {"-quiet", "-CAfile", certs().ca, "-verify_return_error",
                               "-verify_hostname", "localhost"});
  Ctx ctx = server_ctx();
  Sock s = wrap_server(ctx, accept_one(l));
  PatternChecker c;
  std::thread reader([&] {
    cli->drain(
        [&](const char *d, size_t k) {
          c.add(d, k);
          return c.got < n;
        },
        bound_s(60));
  });
  send_pattern(s, n);
  reader.join();
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
}

// ---- Refused certificates, with Python's words --------------------------------------

void expect_verify_failure(int st, const std::string &python_error, int code,
                           const std::string &expected) {
  const int kind = sock_last_errno();
  const std::string msg = sock_last_error_message();
  EXPECT_EQ(SOCK_ERR_SSL, st) << sock_strerror(st) << ": " << msg;
  EXPECT_EQ(TLS_ERROR_SSL, kind);
  EXPECT_EQ(expected, msg);
  EXPECT_EQ(python_error, msg) << "polysock's text is Python's";
  tls_error_info e{};
  EXPECT_PS_OK(tls_last_error(&e));
  EXPECT_EQ(TLS_ERROR_SSL, e.kind);
  EXPECT_STREQ("SSL", e.library);
  EXPECT_STREQ("CERTIFICATE_VERIFY_FAILED", e.reason);
  EXPECT_EQ(code, e.verify_code);
}

TEST_F(TlsInterop, WrongHostnameIsRefusedWithPythonsText) {
  Peer srv = s_server({"-cert", certs().server, "-key", certs().server_key});
  ASSERT_NE(0, srv.port);
  Peer py = py_client(srv.port, {"--ca", certs().ca, "--hostname", "wrong.example"});
  json r = py->expect_json("RESULT");
  EXPECT_EQ(62, r.value("verify_code", 0)) << r.dump();
  Ctx ctx = client_ctx();
  int st = 0;
  Sock s = wrap_client(ctx, tcp_connect(srv.port), "wrong.example", 0, &st);
  expect_verify_failure(st, r.value("error", ""), 62,
                        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname "
                        "mismatch, certificate is not valid for 'wrong.example'.");
  EXPECT_EQ(0u, s.get());
}

TEST_F(TlsInterop, UntrustedCaIsRefusedWithPythonsText) {
  Peer srv = s_server({"-cert", certs().other_server, "-key", certs().other_server_key});
  ASSERT_NE(0, srv.port);
  Peer py = py_client(srv.port, {"--ca", certs().ca});
  json r = py->expect_json("RESULT");
  EXPECT_EQ(20, r.value("verify_code", 0)) << r.dump();
  Ctx ctx = client_ctx();
  int st = 0;
  Sock s = wrap_client(ctx, tcp_connect(srv.port), "localhost", 0, &st);
  expect_verify_failure(st, r.value("error", ""), 20,
                        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
                        "local issuer certificate");
}

// The other direction: Python's client refuses our server's untrusted certificate; our
// server's handshake fails as a Python server's does in the same case.
TEST_F(TlsInterop, PythonClientRefusesPolysockServersUntrustedCert) {
  Peer pysrv = py_server(
      {"--cert", certs().other_server, "--key", certs().other_server_key, "--mode", "close"});
  Peer pycli = py_client(pysrv.port, {"--ca", certs().ca});
  json python_client = pycli->expect_json("RESULT");
  json python_server = pysrv->expect_json("RESULT");
  ASSERT_TRUE(python_server.contains("error")) << python_server.dump();

  Listener l = listen_local();
  Peer py = py_client(l.port, {"--ca", certs().ca});
  Ctx ctx = server_ctx(certs().other_server, certs().other_server_key);
  int st = 0;
  Sock s = wrap_server(ctx, accept_one(l), 0, &st);
  const std::string msg = sock_last_error_message();
  EXPECT_EQ(SOCK_ERR_SSL, st) << msg;
  EXPECT_EQ(python_server.value("error", ""), msg);
  json r = py->expect_json("RESULT");
  EXPECT_EQ(python_client.value("error", "?"), r.value("error", "")) << r.dump();
  EXPECT_EQ(20, r.value("verify_code", 0)) << r.dump();
}

// ---- TLS 1.2 and 1.3, forced on either side ------------------------------------------

struct VersionCase {
  const char *version;  // "1.2" or "1.3"
  bool polysock_forces;
  bool polysock_server;
};

void PrintTo(const VersionCase &v, std::ostream *os) {
  *os << "TLS " << v.version << (v.polysock_forces ? " forced by polysock" : " forced by Python")
      << (v.polysock_server ? ", polysock server" : ", polysock client");
}

class TlsInteropVersions : public TlsInterop, public ::testing::WithParamInterface<VersionCase> {};

TEST_P(TlsInteropVersions, AgreedWithPython) {
  const VersionCase v = GetParam();
  const int wire = std::string(v.version) == "1.2" ? TLS_VERSION_TLSv1_2 : TLS_VERSION_TLSv1_3;
  const std::string name = std::string("TLSv") + v.version;
  std::vector<std::string> force;
  if (!v.polysock_forces) force = {"--min", v.version, "--max", v.version};
  Ctx ctx = v.polysock_server ? server_ctx() : client_ctx();
  if (v.polysock_forces) {
    ASSERT_PS_OK(tls_context_set_minimum_version(ctx, wire));
    ASSERT_PS_OK(tls_context_set_maximum_version(ctx, wire));
  }
  Sock s;
  Peer py;
  if (v.polysock_server) {
    Listener l = listen_local();
    std::vector<std::string> args = {"--ca", certs().ca, "--mode", "echo"};
    args.insert(args.end(), force.begin(), force.end());
    py = py_client(l.port, args);
    s = wrap_server(ctx, accept_one(l));
  } else {
    std::vector<std::string> args = {"--cert",           certs().server, "--key",
                                     certs().server_key, "--mode",       "echo"};
    args.insert(args.end(), force.begin(), force.end());
    py = py_server(args);
    s = wrap_client(ctx, tcp_connect(py.port), "localhost");
  }
  EXPECT_EQ(name, tls_version(s));
  tls_cipher_info ci{};
  EXPECT_PS_OK(sock_tls_cipher(s, &ci));
  EXPECT_EQ(name, ci.protocol);
  json info = py->expect_json("INFO");
  EXPECT_EQ(name, info.value("version", ""));
  EXPECT_EQ(info.value("cipher", ""), std::string(ci.name));
  if (v.polysock_server) {
    // Python's client is in echo mode too: nothing to exchange, our close ends it.
    s.reset();
  } else {
    ASSERT_PS_OK(sock_sendall(s, "ping", 4, 0, nullptr));
    EXPECT_EQ("ping", recv_exact(s, 4));
    s.reset();
  }
  py->expect_json("RESULT");
}

INSTANTIATE_TEST_SUITE_P(
    Versions, TlsInteropVersions,
    ::testing::Values(VersionCase{"1.2", true, false}, VersionCase{"1.2", false, false},
                      VersionCase{"1.2", true, true}, VersionCase{"1.2", false, true},
                      VersionCase{"1.3", true, false}, VersionCase{"1.3", false, false},
                      VersionCase{"1.3", true, true}, VersionCase{"1.3", false, true}),
    [](const ::testing::TestParamInfo<VersionCase> &i) {
      return std::string(i.param.version[2] == '2' ? "TLS12" : "TLS13") +
             (i.param.polysock_forces ? "ForcedByPolysock" : "ForcedByPython") +
             (i.param.polysock_server ? "PolysockServer" : "PolysockClient");
    });

TEST_F(TlsInterop, VersionsAgreedWithOpenssl) {
  {
    Peer srv = s_server({"-cert", certs().server, "-key", certs().server_key, "-tls1_2"});
    ASSERT_NE(0, srv.port);
    Ctx ctx = client_ctx();
    Sock s = wrap_client(ctx, tcp_connect(srv.port), "localhost");
    EXPECT_EQ("TLSv1.2", tls_version(s));
  }
  for (const char *v : {"-tls1_2", "-tls1_3"}) {
    Listener l = listen_local();
    Peer cli = s_client(l.port, {"-brief", "-no_ign_eof", "-CAfile", certs().ca, v});
    Ctx ctx = server_ctx();
    Sock s = wrap_server(ctx, accept_one(l));
    const std::string want = std::string(v) == "-tls1_2" ? "TLSv1.2" : "TLSv1.3";
    EXPECT_EQ(want, tls_version(s));
    cli->close_stdin();
    int last = 0;
    recv_pattern(s, 0, false, &last);  // 0 bytes at its close_notify
    EXPECT_PS_OK(last);
    EXPECT_EQ(0, cli->wait_exit(bound_s(20)));
    EXPECT_NE(std::string::npos, cli->stderr_text().find("Protocol version: " + want))
        << cli->stderr_text();
  }
}

// ---- ALPN ------------------------------------------------------------------------------

TEST_F(TlsInterop, AlpnAgreedWithOpensslAndPython) {
  {  // s_server prefers h2; we offer spdy/1 and http/1.1
    Peer srv =
        s_server({"-cert", certs().server, "-key", certs().server_key, "-alpn", "h2,http/1.1"});
    ASSERT_NE(0, srv.port);
    Ctx ctx = client_ctx();
    ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx, "spdy/1,http/1.1"));
    Sock s = wrap_client(ctx, tcp_connect(srv.port), "localhost");
    EXPECT_EQ("http/1.1", alpn(s));
  }
  {  // Python's server
    Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--alpn",
                         "x-other,h2", "--mode", "echo"});
    Ctx ctx = client_ctx();
    ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx, "h2,http/1.1"));
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
    EXPECT_EQ("h2", alpn(s));
    EXPECT_EQ("h2", py->expect_json("INFO").value("alpn", ""));
  }
  {  // our server, Python's client
    Listener l = listen_local();
    Peer py = py_client(l.port, {"--ca", certs().ca, "--alpn", "http/1.1,h2", "--mode", "echo"});
    Ctx ctx = server_ctx();
    ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx, "h2,http/1.1"));
    Sock s = wrap_server(ctx, accept_one(l));
    EXPECT_EQ("h2", alpn(s)) << "the server's preference, as OpenSSL's and Python's servers";
    EXPECT_EQ("h2", py->expect_json("INFO").value("alpn", ""));
  }
  {  // our server, s_client: its session summary names what was agreed
    Listener l = listen_local();
    Peer cli = s_client(l.port, {"-no_ign_eof", "-CAfile", certs().ca, "-alpn", "http/1.1"});
    Ctx ctx = server_ctx();
    ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx, "h2,http/1.1"));
    Sock s = wrap_server(ctx, accept_one(l));
    EXPECT_EQ("http/1.1", alpn(s));
    cli->close_stdin();
    std::string out;
    cli->drain(
        [&](const char *d, size_t k) {
          out.append(d, k);
          return true;
        },
        bound_s(20));
    EXPECT_NE(std::string::npos, out.find("ALPN protocol: http/1.1")) << out;
  }
  {  // nothing in common: none agreed
    Peer py = py_server(
        {"--cert", certs().server, "--key", certs().server_key, "--alpn", "h2", "--mode", "echo"});
    Ctx ctx = client_ctx();
    ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx, "x-nothing"));
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
    EXPECT_EQ("", alpn(s)) << "no protocol in common: none (Python's server does not refuse)";
    json info = py->expect_json("INFO");
    EXPECT_TRUE(info.value("alpn", json("?")).is_null()) << info.dump();
  }
}

// ---- unwrap back to plain TCP ------------------------------------------------------------

TEST_F(TlsInterop, UnwrapToPlainTcpAgainstPythonServer) {
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "unwrap"});
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
  ASSERT_PS_OK(sock_sendall(s, "tls ping", 8, 0, nullptr));
  EXPECT_EQ("tls pong", recv_exact(s, 8));
  ASSERT_PS_OK(sock_tls_unwrap(s));
  int wrapped = 1;
  EXPECT_PS_OK(sock_tls_is_wrapped(s, &wrapped));
  EXPECT_EQ(0, wrapped);
  ASSERT_PS_OK(sock_sendall(s, "plain ping", 10, 0, nullptr));
  EXPECT_EQ("plain pong", recv_exact(s, 10));
  s.reset();
  json r = py->expect_json("RESULT");
  EXPECT_EQ("tls ping", r.value("tls", "")) << r.dump();
  EXPECT_EQ("plain ping", r.value("plain", "")) << "plain bytes after the unwrap: " << r.dump();
  EXPECT_EQ("", r.value("after", "?")) << r.dump();
}

// Python's client sends its plain bytes right after its unwrap: they may come in the
// same segment as its close_notify, and must not be lost to OpenSSL's buffer.
TEST_F(TlsInterop, UnwrapToPlainTcpAgainstPythonClient) {
  Listener l = listen_local();
  Peer py = py_client(l.port, {"--ca", certs().ca, "--mode", "unwrap"});
  Ctx ctx = server_ctx();
  Sock s = wrap_server(ctx, accept_one(l));
  EXPECT_EQ("tls ping", recv_exact(s, 8));
  ASSERT_PS_OK(sock_sendall(s, "tls pong", 8, 0, nullptr));
  ASSERT_PS_OK(sock_tls_unwrap(s));
  EXPECT_EQ("plain ping", recv_exact(s, 10));
  ASSERT_PS_OK(sock_sendall(s, "plain pong", 10, 0, nullptr));
  char b[8];
  size_t k = 1;
  EXPECT_PS_OK(sock_recv(s, b, sizeof b, 0, &k));
  EXPECT_EQ(0u, k) << "Python's FIN, in plain TCP";
  json r = py->expect_json("RESULT");
  EXPECT_EQ("tls pong", r.value("tls", "")) << r.dump();
  EXPECT_EQ("plain pong", r.value("plain", "")) << r.dump();
}

// ---- A non-blocking handshake driven by the poller ----------------------------------------

struct Driven {
  int want_read = 0;
  int want_write = 0;
  int status = SOCK_OK;
};

// Calls op until it succeeds, waiting on a poller for the event each WANT_* names.
template <class Op>
Driven drive(sock_handle h, Op op, double seconds = 20) {
  Driven d;
  sock_poller p = 0;
  EXPECT_PS_OK(sock_poller_create(&p));
  bool registered = false;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(bound_s(seconds));
  for (;;) {
    d.status = op();
    if (d.status != SOCK_ERR_SSL) break;
    const int kind = sock_last_errno();
    if (kind != TLS_ERROR_WANT_READ && kind != TLS_ERROR_WANT_WRITE) break;
    const uint32_t ev = kind == TLS_ERROR_WANT_READ ? SOCK_EVENT_READ : SOCK_EVENT_WRITE;
    (kind == TLS_ERROR_WANT_READ ? d.want_read : d.want_write)++;
    if (!registered) {
      EXPECT_PS_OK(sock_poller_register(p, h, ev, 7));
      registered = true;
    } else {
      EXPECT_PS_OK(sock_poller_modify(p, h, ev, 7));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "still wanting I/O after " << bound_s(seconds) << " s";
      break;
    }
    sock_event events[4];
    size_t n = 0;
    EXPECT_PS_OK(sock_poller_wait(p, 1.0, events, 4, &n));
  }
  sock_poller_close(p);
  return d;
}

TEST_F(TlsInterop, NonBlockingHandshakeDrivenByThePollerAsClient) {
  // Python's server waits 0.2 s before its handshake, so that our first do_handshake
  // meets no ServerHello yet (a slow run, under valgrind, would otherwise find it there).
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "echo",
                       "--unwrap", "--delay", "0.2"});
  Ctx ctx = client_ctx();
  Sock plain = tcp_connect(py.port);
  ASSERT_PS_OK(sock_setblocking(plain, 0));
  Sock s = wrap_client(ctx, std::move(plain), "localhost", TLS_WRAP_NO_HANDSHAKE);
  EXPECT_EQ("", tls_version(s)) << "no handshake yet";
  Driven hs = drive(s, [&] { return sock_tls_do_handshake(s); });
  ASSERT_PS_OK(hs.status) << sock_last_error_message();
  EXPECT_GE(hs.want_read, 1) << "a non-blocking client waits for the server's flight";
  EXPECT_EQ("TLSv1.3", tls_version(s));
  const std::string msg = "non-blocking hello";
  size_t sent = 0;
  Driven w = drive(s, [&] { return sock_send(s, msg.data(), msg.size(), 0, &sent); });
  ASSERT_PS_OK(w.status);
  EXPECT_EQ(msg.size(), sent);
  std::string got;
  while (got.size() < msg.size()) {
    char b[64];
    size_t k = 0;
    Driven r = drive(s, [&] { return sock_recv(s, b, sizeof b, 0, &k); });
    ASSERT_PS_OK(r.status);
    ASSERT_GT(k, 0u);
    got.append(b, k);
  }
  EXPECT_EQ(msg, got);
  // unwrap in non-blocking mode: WANT_READ until Python's close_notify came.
  Driven u = drive(s, [&] { return sock_tls_unwrap(s); });
  EXPECT_PS_OK(u.status) << sock_last_error_message();
  json r = py->expect_json("RESULT");
  EXPECT_EQ(static_cast<int>(msg.size()), r.value("echoed", 0)) << r.dump();
  EXPECT_TRUE(r.value("unwrapped", false)) << r.dump();
}

TEST_F(TlsInterop, NonBlockingHandshakeDrivenByThePollerAsServer) {
  const size_t n = 1 << 20;
  Listener l = listen_local();
  Peer py = py_client(l.port, {"--ca", certs().ca, "--mode", "source", "--bytes", std::to_string(n),
                               "--unwrap", "--delay", "0.2"});
  Ctx ctx = server_ctx();
  Sock plain = accept_one(l);
  ASSERT_PS_OK(sock_setblocking(plain, 0));
  Sock s = wrap_server(ctx, std::move(plain), TLS_WRAP_NO_HANDSHAKE);
  Driven hs = drive(s, [&] { return sock_tls_do_handshake(s); });
  ASSERT_PS_OK(hs.status) << sock_last_error_message();
  EXPECT_GE(hs.want_read, 1);
  PatternChecker c;
  std::vector<unsigned char> buf(65536);
  for (;;) {
    size_t k = 0;
    Driven r = drive(s, [&] { return sock_recv(s, buf.data(), buf.size(), 0, &k); });
    ASSERT_PS_OK(r.status) << "after " << c.got << " bytes";
    if (k == 0) break;
    c.add(buf.data(), k);
  }
  EXPECT_EQ(n, c.got);
  EXPECT_EQ(-1, c.bad);
  Driven u = drive(s, [&] { return sock_tls_unwrap(s); });
  EXPECT_PS_OK(u.status);
  json r = py->expect_json("RESULT");
  EXPECT_TRUE(r.value("unwrapped", false)) << r.dump();
}

// ---- A peer that vanishes mid-record --------------------------------------------------

// Python's peer writes the first half of one record and closes (a raw socket under an
// SSLObject). By default recv gives 0 bytes (suppress_ragged_eofs); with
// TLS_WRAP_RAGGED_EOF_ERROR, Python's SSLEOFError, in Python's words.
TEST_F(TlsInterop, PeerVanishingMidRecordAgainstPolysockClient) {
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode",
                       "halfrecord", "--count", "3"});
  Peer pycli = py_client(py.port, {"--ca", certs().ca, "--mode", "wait", "--ragged-error"});
  json python_view = pycli->expect_json("RESULT");
  json python_end = python_view.value("end", json());
  ASSERT_TRUE(python_end.is_object()) << python_view.dump();
  EXPECT_EQ(TLS_ERROR_EOF, python_end.value("errno", 0)) << python_view.dump();
  py->expect_json("RESULT");

  Ctx ctx = client_ctx();
  {
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
    char b[2048];
    size_t k = 1;
    EXPECT_PS_OK(sock_recv(s, b, sizeof b, 0, &k));
    EXPECT_EQ(0u, k) << "suppress_ragged_eofs: the half record ends as 0 bytes";
    s.reset();  // the peer waits for our end before it reports
    py->expect_json("RESULT");
  }
  {
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost", TLS_WRAP_RAGGED_EOF_ERROR);
    char b[2048];
    size_t k = 0;
    const int st = sock_recv(s, b, sizeof b, 0, &k);
    const int kind = sock_last_errno();
    const std::string msg = sock_last_error_message();
    EXPECT_EQ(SOCK_ERR_SSL, st);
    EXPECT_EQ(TLS_ERROR_EOF, kind);
    EXPECT_EQ("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", msg);
    EXPECT_EQ(python_end.value("error", ""), msg);
    s.reset();
    py->expect_json("RESULT");
  }
}

TEST_F(TlsInterop, PeerVanishingMidRecordAgainstPolysockServer) {
  Listener l = listen_local();
  Ctx ctx = server_ctx();
  for (unsigned flags : {0u, TLS_WRAP_RAGGED_EOF_ERROR}) {
    Peer py = py_client(l.port, {"--ca", certs().ca, "--mode", "halfrecord"});
    Sock s = wrap_server(ctx, accept_one(l), flags);
    char b[2048];
    size_t k = 1;
    const int st = sock_recv(s, b, sizeof b, 0, &k);
    if (flags == 0) {
      EXPECT_PS_OK(st);
      EXPECT_EQ(0u, k);
    } else {
      const int kind = sock_last_errno();
      EXPECT_EQ(SOCK_ERR_SSL, st);
      EXPECT_EQ(TLS_ERROR_EOF, kind);
      EXPECT_STREQ("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
                   sock_last_error_message());
    }
    s.reset();
    json r = py->expect_json("RESULT");
    EXPECT_GT(r.value("sent", 0), 0) << r.dump();
  }
}

// ---- getpeercert against Python's dict ------------------------------------------------

// Python's getpeercert() list of RDNs [[[name, value], ...], ...] against ours.
void expect_same_rdns(const tls_cert *cert, int list, const json &rdns, const char *what) {
  size_t count = 0;
  ASSERT_PS_OK(tls_cert_entry_count(cert, list, &count));
  std::vector<std::tuple<int, std::string, std::string>> want;
  for (size_t i = 0; i < rdns.size(); ++i) {
    for (const auto &attr : rdns[i]) {
      want.emplace_back(static_cast<int>(i), attr[0].get<std::string>(),
                        attr[1].get<std::string>());
    }
  }
  ASSERT_EQ(want.size(), count) << what << ": " << rdns.dump();
  for (size_t i = 0; i < count; ++i) {
    tls_cert_entry e{};
    ASSERT_PS_OK(tls_cert_get_entry(cert, list, i, &e));
    EXPECT_EQ(std::get<0>(want[i]), e.rdn) << what << " entry " << i;
    EXPECT_EQ(std::get<1>(want[i]), e.name) << what << " entry " << i;
    EXPECT_EQ(std::get<2>(want[i]), e.value) << what << " entry " << i;
  }
}

void expect_cert_matches_python(const tls_cert *cert, const json &dict, const std::string &der) {
  ASSERT_NE(nullptr, cert);
  tls_cert_info info{};
  ASSERT_PS_OK(tls_cert_get_info(cert, &info));
  EXPECT_EQ(1, info.validated);
  EXPECT_EQ(dict.value("version", 0), info.version);
  EXPECT_EQ(dict.value("serialNumber", ""), info.serial_number);
  EXPECT_EQ(dict.value("notBefore", ""), info.not_before);
  EXPECT_EQ(dict.value("notAfter", ""), info.not_after);
  expect_same_rdns(cert, TLS_CERT_SUBJECT, dict.value("subject", json::array()), "subject");
  expect_same_rdns(cert, TLS_CERT_ISSUER, dict.value("issuer", json::array()), "issuer");
  size_t count = 0;
  ASSERT_PS_OK(tls_cert_entry_count(cert, TLS_CERT_SAN, &count));
  const json san = dict.value("subjectAltName", json::array());
  ASSERT_EQ(san.size(), count) << san.dump();
  for (size_t i = 0; i < count; ++i) {
    tls_cert_entry e{};
    ASSERT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_SAN, i, &e));
    EXPECT_EQ(static_cast<int>(i), e.rdn);
    EXPECT_EQ(san[i][0].get<std::string>(), e.name);
    EXPECT_EQ(san[i][1].get<std::string>(), e.value);
  }
  size_t len = 0;
  EXPECT_EQ(SOCK_ERR_RANGE, tls_cert_der(cert, nullptr, 0, &len));
  std::string got(len, '\0');
  ASSERT_PS_OK(tls_cert_der(cert, got.data(), got.size(), &len));
  got.resize(len);
  EXPECT_TRUE(got == der) << "the DER bytes are the certificate's";
}

std::string hex_to_bytes(const std::string &hex) {
  std::string b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    b.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return b;
}

TEST_F(TlsInterop, GetpeercertMatchesPythonsDict) {
  Peer dict_peer;
  ASSERT_TRUE(dict_peer->spawn({python(), peer_script(), "certdict", "--cert", certs().server,
                                "--key", certs().server_key, "--ca", certs().ca},
                               false, err_path()));
  json c = dict_peer->expect_json("CERT");
  ASSERT_TRUE(c.contains("dict")) << c.dump();
  const json dict = c["dict"];
  const std::string der = read_file(certs().server_der);
  EXPECT_EQ(der, hex_to_bytes(c.value("der", ""))) << "Python's binary_form is the file's DER";
  ASSERT_EQ(4u, dict.value("subject", json::array()).size()) << dict.dump();

  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "echo"});
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
  tls_cert *cert = nullptr;
  ASSERT_PS_OK(sock_tls_getpeercert(s, &cert));
  expect_cert_matches_python(cert, dict, der);
  tls_cert_free(cert);
}

// Mutual TLS: our server asks for and checks Python's client certificate; Python's
// client sees the same dict of our server's certificate as of Python's own server.
TEST_F(TlsInterop, MutualTlsWithPythonClient) {
  Listener l = listen_local();
  Peer py = py_client(l.port, {"--ca", certs().ca, "--cert", certs().client, "--key",
                               certs().client_key, "--mode", "echo"});
  Ctx ctx = server_ctx();
  ASSERT_PS_OK(tls_context_load_verify_locations(ctx, certs().ca.c_str(), nullptr, nullptr, 0));
  ASSERT_PS_OK(tls_context_set_verify_mode(ctx, TLS_CERT_REQUIRED));
  Sock s = wrap_server(ctx, accept_one(l));
  tls_cert *cert = nullptr;
  ASSERT_PS_OK(sock_tls_getpeercert(s, &cert));
  ASSERT_NE(nullptr, cert);
  size_t count = 0;
  EXPECT_PS_OK(tls_cert_entry_count(cert, TLS_CERT_SUBJECT, &count));
  bool found = false;
  for (size_t i = 0; i < count; ++i) {
    tls_cert_entry e{};
    EXPECT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_SUBJECT, i, &e));
    found |= std::string(e.name) == "commonName" && std::string(e.value) == "polysock test client";
  }
  EXPECT_TRUE(found) << "the client's commonName";
  tls_cert_free(cert);
  json info = py->expect_json("INFO");
  ASSERT_TRUE(info.contains("peercert")) << info.dump();
  EXPECT_EQ(json::array({"commonName", "localhost"}), info["peercert"]["subject"].back()[0])
      << "Python's client verified our server's certificate: " << info.dump();
  s.reset();
  py->expect_json("RESULT");
}

// ---- SIGPIPE ------------------------------------------------------------------------------

// Sends to a peer that has gone (both as client and as server) until the send fails;
// SIGPIPE at its default disposition would end the whole test process.
TEST_F(TlsInterop, SendingToAPeerThatClosedRaisesNoSigpipe) {
  struct sigaction dfl {
  }, old{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ASSERT_EQ(0, sigaction(SIGPIPE, &dfl, &old));
  sigset_t pipe_set, old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ASSERT_EQ(0, pthread_sigmask(SIG_UNBLOCK, &pipe_set, &old_mask));
  auto send_until_failure = [](sock_handle h) {
    std::vector<unsigned char> chunk(65536, 'x');
    for (int i = 0; i < 2000; ++i) {
      const int st = sock_sendall(h, chunk.data(), chunk.size(), 0, nullptr);
      if (st != SOCK_OK) return st;
      std::this_thread::sleep_for(1ms);
    }
    return static_cast<int>(SOCK_OK);
  };
  {
    Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "close"});
    Ctx ctx = client_ctx();
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
    py->expect_json("RESULT");
    EXPECT_EQ(0, py->wait_exit(bound_s(20)));
    const int st = send_until_failure(s);
    EXPECT_NE(SOCK_OK, st) << "a send to a closed peer fails";
    EXPECT_TRUE(st == SOCK_ERR_OS || st == SOCK_ERR_SSL) << sock_strerror(st);
  }
  {
    Listener l = listen_local();
    Peer py = py_client(l.port, {"--ca", certs().ca, "--mode", "close"});
    Ctx ctx = server_ctx();
    Sock s = wrap_server(ctx, accept_one(l));
    py->expect_json("RESULT");
    EXPECT_EQ(0, py->wait_exit(bound_s(20)));
    EXPECT_NE(SOCK_OK, send_until_failure(s));
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old, nullptr);
}

// ---- No data stranded under a poller -----------------------------------------------------

// Python writes several small records before we read any. After each small recv the
// poller must still report the socket readable while bytes remain, including when
// the kernel's buffer is empty and OpenSSL holds the rest (SSL_has_pending).
TEST_F(TlsInterop, RecordsHeldByOpensslKeepThePollerReporting) {
  const int records = 5, size = 100, total = records * size;
  Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "burst",
                       "--records", std::to_string(records), "--bytes", std::to_string(size)});
  Ctx ctx = client_ctx();
  Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
  std::string rest;
  ASSERT_TRUE(py->expect_line("SENT", &rest, bound_s(20)));
  int fd = -1;
  ASSERT_PS_OK(sock_fileno(s, &fd));
  // All of it in our kernel buffer before the first read: at least the bytes, and no
  // more arriving for 20 ms (the session tickets come first, the records' headers too).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(bound_s(5));
  int queued = 0, before = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(0, ioctl(fd, FIONREAD, &queued));
    if (queued >= total && queued == before) break;
    before = queued;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(queued, total);
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  ASSERT_PS_OK(sock_poller_register(p, s, SOCK_EVENT_READ, 1));
  PatternChecker c;
  int held_by_openssl = 0;  // reads after which the kernel had nothing and OpenSSL had bytes
  while (c.got < static_cast<uint64_t>(total)) {
    sock_event ev[2];
    size_t n = 0;
    ASSERT_PS_OK(sock_poller_wait(p, 0, ev, 2, &n));
    ASSERT_EQ(1u, n) << "readable with " << total - c.got << " bytes still to read";
    EXPECT_TRUE(ev[0].events & SOCK_EVENT_READ);
    char b[7];
    size_t k = 0;
    ASSERT_PS_OK(sock_recv(s, b, sizeof b, 0, &k));
    ASSERT_GT(k, 0u);
    c.add(b, k);
    int in_kernel = -1;
    ASSERT_EQ(0, ioctl(fd, FIONREAD, &in_kernel));
    pollfd pf{fd, POLLIN, 0};
    if (in_kernel == 0 && poll(&pf, 1, 0) == 0 && c.got < static_cast<uint64_t>(total)) {
      ++held_by_openssl;
    }
  }
  EXPECT_EQ(-1, c.bad);
  EXPECT_GT(held_by_openssl, 0) << "the case this test is for happened";
  size_t n = 9;
  sock_event ev[2];
  ASSERT_PS_OK(sock_poller_wait(p, 0.05, ev, 2, &n));
  EXPECT_EQ(0u, n) << "nothing left: not readable any more";
  sock_poller_close(p);
}

// ---- Close from another thread --------------------------------------------------------

TEST_F(TlsInterop, CloseFromAnotherThreadWakesABlockingTlsRecv) {
  for (const double timeout : {SOCK_TIMEOUT_NONE, 30.0}) {
    Peer py = py_server({"--cert", certs().server, "--key", certs().server_key, "--mode", "wait"});
    Ctx ctx = client_ctx();
    Sock s = wrap_client(ctx, tcp_connect(py.port), "localhost");
    ASSERT_PS_OK(sock_settimeout(s, timeout));
    const sock_handle h = s.release();
    std::atomic<bool> done{false};
    std::atomic<int> status{1}, err{0};
    std::thread t([&] {
      char b[64];
      size_t k = 0;
      const int st = sock_recv(h, b, sizeof b, 0, &k);
      err.store(sock_last_errno());
      status.store(st);
      done.store(true);
    });
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(done.load()) << "recv waits";
    const auto closed_at = std::chrono::steady_clock::now();
    ASSERT_PS_OK(sock_close(h));
    while (!done.load() && std::chrono::steady_clock::now() - closed_at < 5s) {
      std::this_thread::sleep_for(100us);
    }
    const auto took = std::chrono::steady_clock::now() - closed_at;
    if (!done.load()) py->stop();  // the peer's end unsticks it, so that join returns
    t.join();
    EXPECT_LT(took, std::chrono::milliseconds(static_cast<int>(bound_s(0.05) * 1000)))
        << "timeout " << timeout;
    EXPECT_EQ(SOCK_ERR_OS, status.load());
    EXPECT_EQ(EBADF, err.load());
  }
}

}  // namespace
