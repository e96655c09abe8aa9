// The extern "C" module functions for names, services and addresses: argument
// checks, the core call, and copying results into the caller's buffers or into the
// owned result objects (net_addrinfo_list, net_hostent, net_if_list).
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "../../core/inet.hpp"
#include "../../core/netdb.hpp"
#include "../../core/resolver.hpp"
#include "capi.hpp"

// The opaque result objects of the header.
struct net_addrinfo_list {
  std::vector<polysock::AddrInfo> items;
};
struct net_hostent {
  polysock::HostEntry entry;
};
struct net_if_list {
  std::vector<polysock::Interface> items;
};

namespace polysock {
namespace {

// For the functions without a length out-parameter (documented maximum sizes).
int copy_text(const char *text, char *buf, std::size_t buflen) {
  return copy_out(text, std::strlen(text), buf, buflen, nullptr);
}

int item_out_of_range() { return fail_value("index out of range"); }

int byte_order_16(const char *fn, long long x, long long *out) {
  if (out == nullptr) return fail_null("out");
  return guarded([&] { return inet::swap16(fn, x, out); });
}

int byte_order_32(long long x, long long *out) {
  if (out == nullptr) return fail_null("out");
  return inet::swap32(x, out);
}

int name_info_out(const NameInfoAddress &addr, int flags, char *host_out, std::size_t host_len,
                  char *serv_out, std::size_t serv_len) {
  if (host_out == nullptr) return fail_null("host_out");
  if (serv_out == nullptr) return fail_null("serv_out");
  return guarded([&] {
    std::string host, serv;
    if (int st = polysock::name_info(addr, flags, &host, &serv)) return st;
    if (int st = copy_out(host, host_out, host_len, nullptr)) return st;
    return copy_out(serv, serv_out, serv_len, nullptr);
  });
}

}  // namespace
}  // namespace polysock

using polysock::fail_null;
using polysock::guarded;
using polysock::kOk;

extern "C" {

int net_gethostname(char *buf, size_t buflen, size_t *out_len) {
  return guarded([&] {
    std::string name;
    if (int st = polysock::host_name(&name)) return st;
    return polysock::copy_out(name, buf, buflen, out_len);
  });
}

int net_gethostbyname(const char *name, char *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    return guarded([&] {
      std::string addr;
      if (int st = polysock::host_by_name(name, &addr)) return st;
      return polysock::copy_out(addr, buf, buflen, out_len);
    });
  });
}

int net_gethostbyname_ex(const char *name, net_hostent **out) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    if (out == nullptr) return fail_null("out");
    return guarded([&] {
      auto he = std::make_unique<net_hostent>();
      if (int st = polysock::host_by_name_ex(name, &he->entry)) return st;
      *out = he.release();
      return int{kOk};
    });
  });
}

int net_gethostbyaddr(const char *ip, net_hostent **out) {
  return polysock::guarded([&]() -> int {
    if (ip == nullptr) return fail_null("ip");
    if (out == nullptr) return fail_null("out");
    return guarded([&] {
      auto he = std::make_unique<net_hostent>();
      if (int st = polysock::host_by_addr(ip, &he->entry)) return st;
      *out = he.release();
      return int{kOk};
    });
  });
}

int net_hostent_name(const net_hostent *he, char *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (he == nullptr) return fail_null("he");
    return polysock::copy_out(he->entry.name, buf, buflen, out_len);
  });
}

int net_hostent_alias_count(const net_hostent *he, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (he == nullptr) return fail_null("he");
    if (out == nullptr) return fail_null("out");
    *out = he->entry.aliases.size();
    return kOk;
  });
}

int net_hostent_alias(const net_hostent *he, size_t i, char *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (he == nullptr) return fail_null("he");
    if (i >= he->entry.aliases.size()) return polysock::item_out_of_range();
    return polysock::copy_out(he->entry.aliases[i], buf, buflen, out_len);
  });
}

int net_hostent_address_count(const net_hostent *he, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (he == nullptr) return fail_null("he");
    if (out == nullptr) return fail_null("out");
    *out = he->entry.addresses.size();
    return kOk;
  });
}

int net_hostent_address(const net_hostent *he, size_t i, char *buf, size_t buflen,
                        size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (he == nullptr) return fail_null("he");
    if (i >= he->entry.addresses.size()) return polysock::item_out_of_range();
    return polysock::copy_out(he->entry.addresses[i], buf, buflen, out_len);
  });
}

void net_hostent_free(net_hostent *he) { delete he; }

int net_getfqdn(const char *name, char *buf, size_t buflen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    return guarded([&] {
      std::string fqdn;
      if (int st = polysock::fqdn(name, &fqdn)) return st;
      return polysock::copy_out(fqdn, buf, buflen, out_len);
    });
  });
}

int net_getaddrinfo(const char *host, const char *port, int family, int type, int proto, int flags,
                    net_addrinfo_list **out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    return guarded([&] {
      auto list = std::make_unique<net_addrinfo_list>();
      if (int st = polysock::resolve(host, port, family, type, proto, flags, &list->items)) {
        return st;
      }
      *out = list.release();
      return int{kOk};
    });
  });
}

int net_addrinfo_count(const net_addrinfo_list *list, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return fail_null("list");
    if (out == nullptr) return fail_null("out");
    *out = list->items.size();
    return kOk;
  });
}

int net_addrinfo_get(const net_addrinfo_list *list, size_t i, net_addrinfo *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return fail_null("list");
    if (out == nullptr) return fail_null("out");
    if (i >= list->items.size()) return polysock::item_out_of_range();
    const polysock::AddrInfo &info = list->items[i];
    if (info.canonname.size() >= sizeof out->canonname) return polysock::fail_range();
    out->family = info.family;
    out->type = info.type;
    out->proto = info.proto;
    std::memcpy(out->canonname, info.canonname.c_str(), info.canonname.size() + 1);
    polysock::Address addr;
    polysock::parse_sockaddr(info.addr.get(), info.addr.len, &addr);
    polysock::copy_address(addr, &out->addr);
    return kOk;
  });
}

void net_addrinfo_free(net_addrinfo_list *list) { delete list; }

int net_getnameinfo(const char *host, int port, int flags, char *host_out, size_t host_len,
                    char *serv_out, size_t serv_len) {
  return polysock::guarded([&]() -> int {
    if (host == nullptr) return fail_null("host");
    polysock::NameInfoAddress addr;
    addr.host = host;
    addr.port = port;
    return polysock::name_info_out(addr, flags, host_out, host_len, serv_out, serv_len);
  });
}

int net_getnameinfo_address(const sock_address *sa, int flags, char *host_out, size_t host_len,
                            char *serv_out, size_t serv_len) {
  return polysock::guarded([&]() -> int {
    if (sa == nullptr) return fail_null("addr");
    if (sa->family != NET_AF_INET && sa->family != NET_AF_INET6) {
      return polysock::fail_value("getnameinfo(): illegal sockaddr argument");
    }
    if (std::memchr(sa->host, '\0', sizeof sa->host) == nullptr) {
      return polysock::fail_value("getnameinfo(): host is not NUL-terminated");
    }
    polysock::NameInfoAddress addr;
    addr.host = sa->host;
    addr.port = sa->port;
    addr.ipv6_tuple = sa->family == NET_AF_INET6;
    addr.flowinfo = sa->flowinfo;
    addr.scope_id = sa->scope_id;
    return polysock::name_info_out(addr, flags, host_out, host_len, serv_out, serv_len);
  });
}

int net_getservbyname(const char *name, const char *proto, int *out_port) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    if (out_port == nullptr) return fail_null("out_port");
    return guarded([&] { return polysock::service_port(name, proto, out_port); });
  });
}

int net_getservbyport(int port, const char *proto, char *buf, size_t buflen, size_t *out_len) {
  return guarded([&] {
    std::string name;
    if (int st = polysock::service_name(port, proto, &name)) return st;
    return polysock::copy_out(name, buf, buflen, out_len);
  });
}

int net_getprotobyname(const char *name, int *out) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    if (out == nullptr) return fail_null("out");
    return guarded([&] { return polysock::protocol_number(name, out); });
  });
}

int net_htons(long long x, long long *out) { return polysock::byte_order_16("htons", x, out); }

int net_ntohs(long long x, long long *out) { return polysock::byte_order_16("ntohs", x, out); }

int net_htonl(long long x, long long *out) { return polysock::byte_order_32(x, out); }

int net_ntohl(long long x, long long *out) { return polysock::byte_order_32(x, out); }

int net_inet_aton(const char *s, unsigned char out[4]) {
  return polysock::guarded([&]() -> int {
    if (s == nullptr) return fail_null("s");
    if (out == nullptr) return fail_null("out");
    return polysock::inet::aton(s, out);
  });
}

int net_inet_ntoa(const unsigned char *packed, size_t len, char *buf, size_t buflen) {
  return polysock::guarded([&]() -> int {
    if (packed == nullptr && len != 0) return fail_null("packed");
    char text[polysock::inet::kText4Size];
    if (int st = polysock::inet::ntoa(packed, len, text)) return st;
    return polysock::copy_text(text, buf, buflen);
  });
}

int net_inet_pton(int af, const char *s, unsigned char *out, size_t outlen, size_t *out_len) {
  return polysock::guarded([&]() -> int {
    if (s == nullptr) return fail_null("s");
    if (out == nullptr && outlen != 0) return fail_null("out");
    unsigned char packed[16];
    size_t n = 0;
    if (int st = polysock::inet::pton(af, s, packed, &n)) return st;
    if (outlen < n) {
      if (out_len != nullptr) *out_len = n;
      return polysock::fail_range();
    }
    std::memcpy(out, packed, n);
    if (out_len != nullptr) *out_len = n;
    return kOk;
  });
}

int net_inet_ntop(int af, const unsigned char *packed, size_t len, char *buf, size_t buflen) {
  return polysock::guarded([&]() -> int {
    if (packed == nullptr && len != 0) return fail_null("packed");
    return guarded([&] {
      char text[polysock::inet::kText6Size];
      if (int st = polysock::inet::ntop(af, packed, len, text)) return st;
      return polysock::copy_text(text, buf, buflen);
    });
  });
}

int net_if_nameindex(net_if_list **out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    return guarded([&] {
      auto list = std::make_unique<net_if_list>();
      if (int st = polysock::interfaces(&list->items)) return st;
      *out = list.release();
      return int{kOk};
    });
  });
}

int net_if_nameindex_count(const net_if_list *list, size_t *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return fail_null("list");
    if (out == nullptr) return fail_null("out");
    *out = list->items.size();
    return kOk;
  });
}

int net_if_nameindex_get(const net_if_list *list, size_t i, net_if_entry *out) {
  return polysock::guarded([&]() -> int {
    if (list == nullptr) return fail_null("list");
    if (out == nullptr) return fail_null("out");
    if (i >= list->items.size()) return polysock::item_out_of_range();
    const polysock::Interface &itf = list->items[i];
    if (itf.name.size() >= sizeof out->name) return polysock::fail_range();
    out->index = itf.index;
    std::memcpy(out->name, itf.name.c_str(), itf.name.size() + 1);
    return kOk;
  });
}

void net_if_nameindex_free(net_if_list *list) { delete list; }

int net_if_nametoindex(const char *name, unsigned int *out) {
  return polysock::guarded([&]() -> int {
    if (name == nullptr) return fail_null("name");
    if (out == nullptr) return fail_null("out");
    return polysock::interface_index(name, out);
  });
}

int net_if_indextoname(long long index, char *buf, size_t buflen, size_t *out_len) {
  return guarded([&] {
    std::string name;
    if (int st = polysock::interface_name(index, &name)) return st;
    return polysock::copy_out(name, buf, buflen, out_len);
  });
}

}  // extern "C"
