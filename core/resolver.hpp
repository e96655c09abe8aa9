// Name resolution shared by the socket functions and the module functions:
// a thread-safe getaddrinfo that keeps glibc's order (never re-sorted).
#pragma once

#include <string>
#include <vector>

#include "address.hpp"

namespace polysock {

struct AddrInfo {
  int family = 0;
  int type = 0;
  int proto = 0;
  std::string canonname;
  SockAddr addr;
};

// getaddrinfo(host, port, family, type, proto, flags): host or port may be NULL;
// port is a number or a service name. Failures are SOCK_ERR_GAI with the EAI_* code.
int resolve(const char *host, const char *port, int family, int type, int proto, int flags,
            std::vector<AddrInfo> *out);

}  // namespace polysock
