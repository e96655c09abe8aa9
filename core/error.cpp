// The thread-local error record and its lazily formatted message.
#include "error.hpp"

#include <netdb.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace polysock {
namespace {

struct ErrorRecord {
  int status = kOk;
  int code = 0;
  const char *literal = nullptr;  // a fixed message, if the failure has one
  std::string owned;              // a built message, if the failure has one
  std::string text;               // the formatted message handed out
};

thread_local ErrorRecord t_error;

int record(int status, int code, const char *literal) {
  ErrorRecord &e = t_error;
  e.status = status;
  e.code = code;
  e.literal = literal;
  if (!e.owned.empty()) e.owned.clear();
  return status;
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

int fail_os(int err) { return record(kErrOs, err, nullptr); }
int fail_os_message(const char *literal) { return record(kErrOs, 0, literal); }
int fail_os_with(int err, std::string message) {
  record(kErrOs, err, nullptr);
  t_error.owned = std::move(message);
  return kErrOs;
}
int fail_timeout() { return record(kErrTimeout, 0, "timed out"); }
int fail_gai(int eai) {
  if (eai == EAI_SYSTEM) return fail_os(errno);
  return record(kErrGai, eai, nullptr);
}
int fail_host(int herr) { return record(kErrHost, herr, nullptr); }
int fail_value(const char *literal) { return record(kErrValue, 0, literal); }
int fail_value(std::string message) {
  record(kErrValue, 0, nullptr);
  t_error.owned = std::move(message);
  return kErrValue;
}
int fail_nomem() { return record(kErrNomem, 0, "out of memory"); }
int fail_range() { return record(kErrRange, 0, "output buffer too small"); }

int last_errno() { return t_error.code; }

const char *last_error_message() {
  ErrorRecord &e = t_error;
  if (e.literal != nullptr) return e.literal;
  if (!e.owned.empty()) return e.owned.c_str();
  char buf[256];
  const char *detail = "";
  switch (e.status) {
    case kOk:
      return "";
    case kErrOs:
      detail = errno_text(e.code, buf, sizeof buf);
      break;
    case kErrGai:
      detail = gai_strerror(e.code);
      break;
    case kErrHost:
      detail = hstrerror(e.code);
      break;
    default:
      return status_name(e.status);
  }
  e.text = "[Errno " + std::to_string(e.code) + "] " + detail;
  return e.text.c_str();
}

}  // namespace polysock
