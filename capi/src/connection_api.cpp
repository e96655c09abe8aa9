// The extern "C" side of create_connection with Happy Eyeballs and all_errors:
// net_create_connection_ex and the attempt list it hands out (net_connect_errors).
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "../../core/connection.hpp"
#include "capi.hpp"
#include "polysock/polysock.h"

// The opaque list of the header: each failed attempt, already in its C form.
struct net_connect_errors {
  std::vector<net_connect_error> items;
};

namespace polysock {
namespace {

void copy_failure(const ConnectFailure &in, net_connect_error *out) {
  copy_address(in.address, &out->address);
  out->status = in.status;
  out->err = in.err;
  std::snprintf(out->message, sizeof out->message, "%s", in.message.c_str());
}

}  // namespace
}  // namespace polysock

using polysock::kOk;

extern "C" {

int net_create_connection_ex(const char *host, int port, double timeout, const char *source_host,
                             int source_port, double happy_eyeballs_delay, int interleave,
                             net_connect_errors **out_errors, sock_handle *out) {
  return polysock::guarded([&]() -> int {
    if (out_errors != nullptr) *out_errors = nullptr;
    if (out == nullptr) return polysock::fail_null("out");
    const polysock::ConnectOptions options{timeout, source_host, source_port, happy_eyeballs_delay,
                                           interleave};
    std::vector<polysock::ConnectFailure> failures;
    std::unique_ptr<polysock::Socket> sock;
    const int st = polysock::create_connection(host, port, options,
                                               out_errors != nullptr ? &failures : nullptr, &sock);
    if (st != kOk) {
      if (failures.empty()) return st;
      // Every attempt failed: the status and the thread's error are the last
      // failure's. (Out of memory for the list: SOCK_ERR_NOMEM, *out_errors NULL.)
      auto list = std::make_unique<net_connect_errors>();
      list->items.resize(failures.size());
      for (std::size_t i = 0; i < failures.size(); ++i) {
        polysock::copy_failure(failures[i], &list->items[i]);
      }
      *out_errors = list.release();
      return st;
    }
    return polysock::publish(std::move(sock), out);
  });
}

int net_connect_errors_count(const net_connect_errors *list, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return polysock::fail_null("list");
    if (out == nullptr) return polysock::fail_null("out");
    *out = list->items.size();
    return kOk;
  });
}

int net_connect_errors_get(const net_connect_errors *list, size_t i, net_connect_error *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return polysock::fail_null("list");
    if (out == nullptr) return polysock::fail_null("out");
    if (i >= list->items.size()) return polysock::fail_value("attempt index out of range");
    *out = list->items[i];
    return kOk;
  });
}

void net_connect_errors_free(net_connect_errors *list) { delete list; }

}  // extern "C"
