// Shared test helpers (see test_support.hpp).
#include "test_support.hpp"

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace polysock_test {

::testing::AssertionResult PsOk(const char *expr_text, int status) {
  if (status == SOCK_OK) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expr_text << " -> " << sock_strerror(status) << ": " << sock_last_error_message();
}

::testing::AssertionResult PsErr(const char *expr_text, const char *status_text,
                                 const char *err_text, int got, int status, int err) {
  const int got_err = sock_last_errno();  // read before anything else can overwrite it
  if (got != status) {
    return ::testing::AssertionFailure()
           << expr_text << " -> " << sock_strerror(got) << " (" << sock_last_error_message()
           << "), expected " << status_text;
  }
  if (got != SOCK_OK && got_err != err) {
    return ::testing::AssertionFailure()
           << expr_text << " -> errno " << got_err << " (" << sock_last_error_message()
           << "), expected " << err_text << " = " << err;
  }
  return ::testing::AssertionSuccess();
}

Sock make_socket(int family, int type, int proto) {
  Sock s;
  const int st = sock_create(family, type, proto, s.out());
  EXPECT_EQ(SOCK_OK, st) << "sock_create: " << sock_last_error_message();
  return s;
}

Sock tcp_listener(int family, const char *host, int *port, int backlog) {
  Sock s = make_socket(family, NET_SOCK_STREAM);
  EXPECT_EQ(SOCK_OK, sock_bind(s, host, 0)) << sock_last_error_message();
  EXPECT_EQ(SOCK_OK, sock_listen(s, backlog)) << sock_last_error_message();
  *port = local_address(s).port;
  return s;
}

Pair tcp_pair(int family) {
  const char *host = family == NET_AF_INET6 ? "::1" : "127.0.0.1";
  int port = 0;
  Sock listener = tcp_listener(family, host, &port);
  Pair p;
  p.client = make_socket(family, NET_SOCK_STREAM);
  EXPECT_EQ(SOCK_OK, sock_connect(p.client, host, port)) << sock_last_error_message();
  EXPECT_EQ(SOCK_OK, sock_accept(listener, p.server.out(), nullptr)) << sock_last_error_message();
  return p;
}

sock_address local_address(sock_handle h) {
  sock_address a{};
  EXPECT_EQ(SOCK_OK, sock_getsockname(h, &a)) << sock_last_error_message();
  return a;
}

int open_fd_count() {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n - 3;  // ".", ".." and the directory's own descriptor
}

std::string temp_socket_path(const char *tag) {
  static std::atomic<int> counter{0};
  char buf[108];
  std::snprintf(buf, sizeof buf, "/tmp/polysock-%d-%s-%d.sock", static_cast<int>(getpid()), tag,
                counter.fetch_add(1));
  unlink(buf);
  return buf;
}

std::string last_message() { return sock_last_error_message(); }

}  // namespace polysock_test
