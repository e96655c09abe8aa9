// Helpers shared by the GoogleTest suites: RAII handles, loopback fixtures and
// assertions that print polysock's own error message when a call fails.
#pragma once

#include <gtest/gtest.h>
#include <polysock/polysock.h>

#include <string>
#include <utility>

namespace polysock_test {

// A polysock status, checked with polysock's own message in the failure text.
// They stream like any gtest assertion: EXPECT_PS_OK(call) << "context".
::testing::AssertionResult PsOk(const char *expr_text, int status);
// Expects `status` and (when it matches) `err` as sock_last_errno().
::testing::AssertionResult PsErr(const char *expr_text, const char *status_text,
                                 const char *err_text, int got, int status, int err);

#define ASSERT_PS_OK(expr) ASSERT_PRED_FORMAT1(::polysock_test::PsOk, expr)
#define EXPECT_PS_OK(expr) EXPECT_PRED_FORMAT1(::polysock_test::PsOk, expr)
#define EXPECT_PS_ERR(expr, status, err) \
  EXPECT_PRED_FORMAT3(::polysock_test::PsErr, expr, status, err)
#define ASSERT_PS_ERR(expr, status, err) \
  ASSERT_PRED_FORMAT3(::polysock_test::PsErr, expr, status, err)

// An owned socket handle, closed when it goes out of scope.
class Sock {
 public:
  Sock() = default;
  explicit Sock(sock_handle h) : h_(h) {}
  Sock(Sock &&o) noexcept : h_(std::exchange(o.h_, 0)) {}
  Sock &operator=(Sock &&o) noexcept {
    reset(std::exchange(o.h_, 0));
    return *this;
  }
  ~Sock() { reset(); }
  sock_handle get() const { return h_; }
  sock_handle *out() {
    reset();
    return &h_;
  }
  sock_handle release() { return std::exchange(h_, 0); }
  void reset(sock_handle h = 0) {
    if (h_ != 0) sock_close(h_);
    h_ = h;
  }
  operator sock_handle() const { return h_; }

 private:
  sock_handle h_ = 0;
};

// A new socket; fails the test if it cannot be made.
Sock make_socket(int family, int type, int proto = 0);

// A listening TCP socket on host:0 (127.0.0.1 or ::1); its port in *port.
Sock tcp_listener(int family, const char *host, int *port, int backlog = 16);

// A connected (client, server) TCP pair over loopback.
struct Pair {
  Sock client;
  Sock server;
};
Pair tcp_pair(int family = NET_AF_INET);

// The local address of a socket.
sock_address local_address(sock_handle h);

// The number of descriptors open in this process (/proc/self/fd).
int open_fd_count();

// A unique path for an AF_UNIX socket in the temporary directory.
std::string temp_socket_path(const char *tag);

// The message of the last failure as a std::string.
std::string last_message();

// Seconds elapsed while running f().
template <class F>
double seconds_for(F &&f);

}  // namespace polysock_test

#include <chrono>

template <class F>
double polysock_test::seconds_for(F &&f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
