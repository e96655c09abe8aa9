// What the C ABI's translation units share: the socket handle table, the one
// handle lookup, publishing a new socket, and copying addresses out.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "../../core/error.hpp"
#include "../../core/socket.hpp"
#include "handle_table.hpp"
#include "polysock/polysock.h"

namespace polysock {

// The kind stamped into each table's handles (handle_table.hpp), so that a socket
// handle and a poller handle never name each other's objects.
enum HandleKind : std::uint8_t { kSocketHandles = 1, kPollerHandles = 2 };

// 2^20 - 1 sockets: Linux's default limit on a process's descriptors. Owned: a
// socket's calls from its owner thread take no locked instruction (handle_table.hpp).
using SocketTable = HandleTable<Socket, kSocketHandles, 20, 0xffffffffU, true>;
using SocketRef = SocketTable::Ref;

// The one handle lookup: a closed or never-issued handle is SOCK_ERR_OS / EBADF.
inline int lookup(sock_handle h, SocketRef *out) {
  return SocketTable::acquire(h, out) == SocketTable::Lookup::kOk ? kOk : fail_os(EBADF);
}

// The same lookup for the hot calls: f(Socket *) runs with the socket held, with no
// SocketRef in memory (the owner's marked path then keeps its values in registers).
// f should capture by value: a captured reference keeps its variable in memory.
template <class F>
int with_socket(sock_handle h, F &&f) {
  return SocketTable::with(h, std::forward<F>(f),
                           [](SocketTable::Lookup) { return fail_os(EBADF); });
}

// Registers a new socket and writes its handle.
int publish(std::unique_ptr<Socket> sock, sock_handle *out);

// The body of every extern "C" function: nothing may throw across the C ABI. An
// allocation failure becomes SOCK_ERR_NOMEM, a failed lock the OS error it carries.
// It costs nothing when nothing is thrown (table-driven unwinding).
template <class F>
int guarded(F &&f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc &) {
    return fail_nomem();
  } catch (const std::length_error &) {
    return fail_nomem();
  } catch (const std::system_error &e) {
    return fail_os(e.code().value());
  } catch (...) {
    return fail_os_message("internal error: unexpected C++ exception");
  }
}

// A string result into (buf, buflen) with the length out-parameter (may be NULL):
// the length on success, the size needed (NUL included) when it does not fit.
int copy_out(const char *text, std::size_t n, char *buf, std::size_t buflen, std::size_t *out_len);
inline int copy_out(const std::string &s, char *buf, std::size_t buflen, std::size_t *out_len) {
  return copy_out(s.data(), s.size(), buf, buflen, out_len);
}

// A required pointer argument that was NULL.
int fail_null(const char *what);

void copy_address(const Address &in, sock_address *out);

}  // namespace polysock
