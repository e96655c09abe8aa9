// No C++ exception crosses the C ABI: with every allocation failing, each function
// that needs memory reports SOCK_ERR_NOMEM (and the message getter a fixed text)
// instead of throwing std::bad_alloc through C code, which would abort the program.
#include <gtest/gtest.h>
#include <polysock/polysock.h>
#include <unistd.h>

#include <cstdlib>
#include <new>
#include <string>

#include "test_support.hpp"

using namespace polysock_test;

namespace {
thread_local bool t_fail_allocations = false;  // this thread's allocations fail
}

// The program's replacements of the global allocation functions are the library's
// too (it takes operator new from the executable, as every shared library does).
void *operator new(std::size_t size) {
  if (t_fail_allocations) throw std::bad_alloc();
  if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void *operator new[](std::size_t size) { return operator new(size); }
void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
  if (t_fail_allocations) return nullptr;
  return std::malloc(size == 0 ? 1 : size);
}
void *operator new[](std::size_t size, const std::nothrow_t &t) noexcept {
  return operator new(size, t);
}
// Over-aligned objects (a Socket is cache-line aligned) come from these.
void *operator new(std::size_t size, std::align_val_t al, const std::nothrow_t &) noexcept {
  if (t_fail_allocations) return nullptr;
  const auto align = static_cast<std::size_t>(al);
  return std::aligned_alloc(align, (size + align - 1) / align * align);
}
void *operator new(std::size_t size, std::align_val_t al) {
  if (void *p = operator new(size, al, std::nothrow)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

namespace {

// Runs f with every allocation of this thread failing.
template <class F>
int without_memory(F &&f) {
  t_fail_allocations = true;
  const int st = f();
  t_fail_allocations = false;
  return st;
}

TEST(NoExceptions, FunctionsThatBuildMessagesReportNomem) {
  Pair p = tcp_pair();
  // sendfile's message for a negative count is built with std::to_string.
  EXPECT_EQ(SOCK_ERR_NOMEM,
            without_memory([&] { return sock_sendfile(p.client, 0, 0, -1, nullptr); }));
  // create_server's note on a bind error is built at run time.
  Sock taken;
  int port = 0;
  Sock listener = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  sock_handle h = 0;
  EXPECT_EQ(SOCK_ERR_NOMEM, without_memory([&] {
              return net_create_server("127.0.0.1", port, NET_AF_INET, -1, 0, 0, &h);
            }));
  EXPECT_EQ(0u, h);
}

TEST(NoExceptions, FunctionsThatAllocateObjectsReportNomem) {
  sock_handle h = 0;
  EXPECT_EQ(SOCK_ERR_NOMEM,
            without_memory([&] { return sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, &h); }));
  EXPECT_EQ(0u, h);
  sock_poller poller = 0;
  EXPECT_EQ(SOCK_ERR_NOMEM, without_memory([&] { return sock_poller_create(&poller); }));
  net_addrinfo_list *list = nullptr;
  EXPECT_EQ(SOCK_ERR_NOMEM, without_memory([&] {
              return net_getaddrinfo("127.0.0.1", "80", 0, NET_SOCK_STREAM, 0, 0, &list);
            }));
  EXPECT_EQ(nullptr, list);
  Pair p = tcp_pair();
  int fds[2];
  ASSERT_EQ(0, pipe(fds));
  // sendfile from a pipe needs a 64 KiB buffer.
  EXPECT_EQ(SOCK_ERR_NOMEM,
            without_memory([&] { return sock_sendfile(p.client, fds[0], 0, 0, nullptr); }));
  close(fds[0]);
  close(fds[1]);
}

TEST(NoExceptions, TheMessageGetterSaysOutOfMemoryInsteadOfThrowing) {
  Sock s = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  ASSERT_EQ(SOCK_ERR_OS, sock_connect(s, "127.0.0.1", 1));  // refused: text built lazily
  t_fail_allocations = true;
  const std::string text = sock_last_error_message();
  t_fail_allocations = false;
  EXPECT_EQ("out of memory", text);
  EXPECT_STREQ("[Errno 111] Connection refused", sock_last_error_message())
      << "with memory again the real text comes back";
}

TEST(NoExceptions, EverythingWorksAgainAfterwards) {
  Pair p = tcp_pair();
  ASSERT_PS_OK(sock_sendall(p.client, "ok", 2, 0, nullptr));
  char buf[4];
  size_t n = 0;
  ASSERT_PS_OK(sock_recv(p.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("ok", std::string(buf, n));
}

}  // namespace
