// The thread-local error record and its lazily formatted message.
#include "error.hpp"

#include <netdb.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace polysock {
namespace detail {
constinit thread_local __attribute__((tls_model("initial-exec"))) ErrorRecord t_error;
}  // namespace detail
namespace {

// The hot part of the record is plain data, so that recording a failure (EAGAIN on
// every poll round of a server) is one 8-byte store to initial-exec TLS: no TLS init
// guard, no __tls_get_addr call from the shared library, no string touched.

// The cold part: built messages, only touched when a message is asked for or built;
// the record's text points into it.
thread_local std::string t_text;

int record(int status, int code, const char *literal) {
  detail::t_error = {detail::ErrorRecord::pack(status, code, literal != nullptr), literal};
  return status;
}

int record_owned(int status, int code, std::string message) {
  t_text = std::move(message);
  return record(status, code, t_text.c_str());
}

const char *errno_text(int err, char *buf, std::size_t len) {
  // GNU strerror_r returns the text (maybe not in buf); "Unknown error N" otherwise.
  return strerror_r(err, buf, len);
}

}  // namespace

const char *status_name(int status) {
  switch (status) {
#define X(name, value, text) \
  case value:                \
    return text;
    POLYSOCK_STATUSES(X)
#undef X
  }
  return "SOCK_ERR_UNKNOWN";
}

int fail_os_message(const char *literal) { return record(kErrOs, 0, literal); }
int fail_os_with(int err, std::string message) {
  return record_owned(kErrOs, err, std::move(message));
}
int fail_interrupted() { return record(kErrInterrupted, EINTR, nullptr); }
int fail_timeout() { return record(kErrTimeout, 0, "timed out"); }
int fail_timeout(const char *literal) { return record(kErrTimeout, 0, literal); }
int fail_not_configured(const char *literal) { return record(kErrNotConfigured, 0, literal); }
int fail_ssl(int kind, const char *literal) { return record(kErrSsl, kind, literal); }
int fail_ssl(int kind, std::string message) {
  return record_owned(kErrSsl, kind, std::move(message));
}
int fail_gai(int eai) {
  if (eai == EAI_SYSTEM) return fail_os(errno);
  return record(kErrGai, eai, nullptr);
}
int fail_host(int herr) { return record(kErrHost, herr, nullptr); }
int fail_value(const char *literal) { return record(kErrValue, 0, literal); }
int fail_value(std::string message) { return record_owned(kErrValue, 0, std::move(message)); }
int fail_nomem() { return record(kErrNomem, 0, "out of memory"); }
int fail_range() { return record(kErrRange, 0, "output buffer too small"); }

int last_errno() { return detail::t_error.code(); }

const char *last_error_message() {
  detail::ErrorRecord &e = detail::t_error;
  if (e.has_text()) return e.text;
  char buf[256];
  const char *detail = "";
  switch (e.status()) {
    case kOk:
      return "";
    case kErrOs:
    case kErrInterrupted:
      detail = errno_text(e.code(), buf, sizeof buf);
      break;
    case kErrGai:
      detail = gai_strerror(e.code());
      break;
    case kErrHost:
      detail = hstrerror(e.code());
      break;
    default:
      return status_name(e.status());
  }
  t_text = "[Errno " + std::to_string(e.code()) + "] " + detail;
  e.text = t_text.c_str();  // formatted once; asking again returns the same text
  e.head |= detail::ErrorRecord::kHasText;
  return e.text;
}

}  // namespace polysock
