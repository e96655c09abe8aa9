// Python's socket.create_connection (with asyncio's Happy Eyeballs options and
// Python 3.11's all_errors) and socket.create_server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "address.hpp"
#include "socket.hpp"
#include "timeout.hpp"

namespace polysock {

struct ConnectOptions {
  // Each attempt's timeout and the new socket's: seconds, kTimeoutDefault (the
  // module default) or kTimeoutNone.
  double timeout_seconds = kTimeoutDefault;
  const char *source_host = nullptr;  // NULL: no bind
  int source_port = 0;
  // Seconds between the starts of two attempts (RFC 8305's Connection Attempt
  // Delay); kTimeoutNone: the next starts only when the last has failed (CPython).
  double happy_eyeballs_delay = kTimeoutNone;
  // asyncio's interleave ("First Address Family Count"); negative: 1 with Happy
  // Eyeballs, 0 (getaddrinfo's order) without.
  int interleave = -1;
};

// One failed attempt, as Python's all_errors lists it.
struct ConnectFailure {
  Address address;  // getaddrinfo's address of the attempt
  int status = 0;
  int err = 0;
  std::string message;
};

// create_connection((host, port), ...): the first attempt that connects wins. When
// every attempt fails, the status is the last failure's and `failures` (may be NULL)
// gets every attempt in the order they failed; it is left empty otherwise (success,
// bad arguments, resolver failure, an interrupted wait).
int create_connection(const char *host, int port, const ConnectOptions &options,
                      std::vector<ConnectFailure> *failures, std::unique_ptr<Socket> *out);

// CPython's create_connection: one attempt after another, only the last error kept.
inline int create_connection(const char *host, int port, double timeout_seconds,
                             const char *source_host, int source_port,
                             std::unique_ptr<Socket> *out) {
  const ConnectOptions options{timeout_seconds, source_host, source_port, kTimeoutNone, 0};
  return create_connection(host, port, options, nullptr, out);
}

int create_server(const char *host, int port, int family, int backlog, bool reuse_port,
                  bool dualstack_ipv6, std::unique_ptr<Socket> *out);

bool has_dualstack_ipv6();

}  // namespace polysock
