// The one error-recording path. Every failure in polysock goes through one of the
// fail_* functions: they store the status and code in a thread-local record and
// return the status, so a failing call reads `return fail_os(errno);`. The text is
// built only when someone asks for it (last_error_message), which keeps a
// non-blocking call that hits EAGAIN as cheap as the system call itself.
#pragma once

#include <cstdint>
#include <string>

namespace polysock {

// The statuses of the C ABI. One table gives the values and the names.
#define POLYSOCK_STATUSES(X)                     \
  X(kOk, 0, "SOCK_OK")                           \
  X(kErrOs, -1, "SOCK_ERR_OS")                   \
  X(kErrTimeout, -2, "SOCK_ERR_TIMEOUT")         \
  X(kErrGai, -3, "SOCK_ERR_GAI")                 \
  X(kErrHost, -4, "SOCK_ERR_HOST")               \
  X(kErrValue, -5, "SOCK_ERR_VALUE")             \
  X(kErrNomem, -6, "SOCK_ERR_NOMEM")             \
  X(kErrRange, -7, "SOCK_ERR_RANGE")             \
  X(kErrInterrupted, -8, "SOCK_ERR_INTERRUPTED") \
  X(kErrSsl, -9, "SOCK_ERR_SSL")                 \
  X(kErrNotConfigured, -10, "SOCK_ERR_NOT_CONFIGURED")

enum Status : int {
#define X(name, value, text) name = value,
  POLYSOCK_STATUSES(X)
#undef X
};

// The name of a status ("SOCK_ERR_TIMEOUT"), or "SOCK_ERR_UNKNOWN".
const char *status_name(int status);

// The hot part of the thread's error record (error.cpp): one constant-initialised
// initial-exec TLS struct, so that recording a failure is an inlined store or two.
namespace detail {
struct ErrorRecord {
  // The status (bits 0..15, signed), whether text is this failure's message (bit 16)
  // and the code (bits 32..63): one word, so that recording a failure without a
  // message is one store, of a constant when the errno is one (EAGAIN).
  std::uint64_t head = 0;
  // The message, once there is one: a literal, or the thread's built text (error.cpp),
  // valid until the next failure replaces the record. Not cleared by a failure
  // without one (the flag in head says so).
  const char *text = nullptr;

  static constexpr std::uint64_t kHasText = 1ULL << 16;
  static constexpr std::uint64_t pack(int status, int code, bool has_text) {
    return static_cast<std::uint64_t>(static_cast<std::uint32_t>(code)) << 32 |
           (has_text ? kHasText : 0) | static_cast<std::uint16_t>(status);
  }
  int status() const { return static_cast<std::int16_t>(head & 0xffff); }
  int code() const { return static_cast<std::int32_t>(head >> 32); }
  bool has_text() const { return (head & kHasText) != 0; }
};
extern constinit thread_local __attribute__((tls_model("initial-exec"))) ErrorRecord t_error;
}  // namespace detail

// OSError with an errno; the message is "[Errno N] strerror(N)".
inline int fail_os(int err) {
  detail::t_error.head = detail::ErrorRecord::pack(kErrOs, err, false);
  return kErrOs;
}
// OSError without an errno (CPython's OSError(msg)); message must be a literal.
int fail_os_message(const char *literal);
// OSError with an errno and a message of its own (for example create_server's note).
int fail_os_with(int err, std::string message);
// InterruptedError: the interrupt hook stopped a call on EINTR ("[Errno 4] ...").
int fail_interrupted();
// socket.timeout: "timed out", or a message of its own (a literal), as ssl's
// "The read operation timed out".
int fail_timeout();
int fail_timeout(const char *literal);
// A feature this build does not have; message must be a literal.
int fail_not_configured(const char *literal);
// ssl.SSLError: kind is the TLS_ERROR_* value (sock_last_errno), message the text.
int fail_ssl(int kind, const char *literal);
int fail_ssl(int kind, std::string message);
// gaierror with an EAI_* code; EAI_SYSTEM falls back to fail_os(errno), as CPython.
int fail_gai(int eai);
// herror with an h_errno value.
int fail_host(int herr);
// ValueError / OverflowError / TypeError: a bad argument.
int fail_value(const char *literal);
int fail_value(std::string message);
// MemoryError.
int fail_nomem();
// A string output that does not fit: the caller reports the size needed.
int fail_range();

// The thread's last failure.
inline int last_status() { return detail::t_error.status(); }
int last_errno();
const char *last_error_message();

}  // namespace polysock
