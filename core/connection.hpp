// Python's socket.create_connection and socket.create_server.
#pragma once

#include <memory>

#include "socket.hpp"

namespace polysock {

// timeout_seconds may be kTimeoutDefault (keep the module default) or kTimeoutNone.
int create_connection(const char *host, int port, double timeout_seconds, const char *source_host,
                      int source_port, std::unique_ptr<Socket> *out);

int create_server(const char *host, int port, int family, int backlog, bool reuse_port,
                  bool dualstack_ipv6, std::unique_ptr<Socket> *out);

bool has_dualstack_ipv6();

}  // namespace polysock
