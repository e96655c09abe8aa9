// getaddrinfo with CPython's error mapping.
#include "resolver.hpp"

#include <netdb.h>

#include <cstring>

#include "error.hpp"

namespace polysock {

int resolve(const char *host, const char *port, int family, int type, int proto, int flags,
            std::vector<AddrInfo> *out) {
  out->clear();
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = type;
  hints.ai_protocol = proto;
  hints.ai_flags = flags;
  addrinfo *res = nullptr;
  const int rc = ::getaddrinfo(host, port, &hints, &res);
  if (rc != 0) return fail_gai(rc);
  try {
    for (const addrinfo *ai = res; ai != nullptr; ai = ai->ai_next) {
      AddrInfo info;
      info.family = ai->ai_family;
      info.type = ai->ai_socktype;
      info.proto = ai->ai_protocol;
      if (ai->ai_canonname != nullptr) info.canonname = ai->ai_canonname;
      if (ai->ai_addrlen <= sizeof info.addr.storage) {
        std::memcpy(&info.addr.storage, ai->ai_addr, ai->ai_addrlen);
        info.addr.len = ai->ai_addrlen;
      }
      out->push_back(std::move(info));
    }
  } catch (const std::bad_alloc &) {
    ::freeaddrinfo(res);
    return fail_nomem();
  }
  ::freeaddrinfo(res);
  return kOk;
}

}  // namespace polysock
