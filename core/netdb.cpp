// Host, service, protocol and interface lookups, following CPython's socketmodule.c
// (and socket.py for getfqdn) call for call, but with the reentrant libc functions.
#include "netdb.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "address.hpp"
#include "error.hpp"
#include "resolver.hpp"

namespace polysock {
namespace {

// A scratch-buffer callback's request to be called again with a bigger buffer.
constexpr int kGrow = 1;

// Runs a reentrant netdb call with a scratch buffer, growing it while the call needs
// more. CPython uses one fixed 16 KiB buffer; growing avoids failing on big entries.
template <class Call>
int with_scratch(Call call) {
  std::vector<char> buf(16 * 1024);
  for (;;) {
    const int st = call(buf.data(), buf.size());
    if (st != kGrow) return st;
    if (buf.size() >= 16 * 1024 * 1024) return fail_os(ERANGE);
    buf.resize(buf.size() * 2);
  }
}

// CPython's gethost_common: a hostent (or its absence) as a HostEntry.
int host_entry(const hostent *h, int herr, int af, HostEntry *out) {
  if (h == nullptr) return fail_host(herr);
  if (h->h_addrtype != af) return fail_os(EAFNOSUPPORT);
  HostEntry e;
  e.name = h->h_name;
  if (h->h_aliases != nullptr) {  // may be NULL on some systems
    for (char **p = h->h_aliases; *p != nullptr; ++p) e.aliases.emplace_back(*p);
  }
  for (char **p = h->h_addr_list; *p != nullptr; ++p) {
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(af, *p, text, sizeof text) == nullptr) return fail_os(errno);
    e.addresses.emplace_back(text);
  }
  *out = std::move(e);
  return kOk;
}

bool is_python_space(char c) {
  // str.strip()'s ASCII whitespace, including the four separator controls.
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

}  // namespace

int host_name(std::string *out) {
  char buf[1024];
  if (::gethostname(buf, sizeof buf - 1) < 0) return fail_os(errno);
  buf[sizeof buf - 1] = '\0';
  *out = buf;
  return kOk;
}

int host_by_name(const char *name, std::string *out) {
  SockAddr sa;
  if (int st = set_ip_address(AF_INET, name, &sa)) return st;
  char text[INET_ADDRSTRLEN];
  const auto *sin = reinterpret_cast<const sockaddr_in *>(&sa.storage);
  if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text) == nullptr) return fail_os(errno);
  *out = text;
  return kOk;
}

int host_by_name_ex(const char *name, HostEntry *out) {
  // As CPython: the name must first resolve as an IPv4 address (gaierror if not);
  // the entry itself comes from gethostbyname (herror if it has none).
  SockAddr sa;
  if (int st = set_ip_address(AF_INET, name, &sa)) return st;
  const int af = sa.get()->sa_family;
  return with_scratch([&](char *buf, std::size_t len) {
    hostent he{};
    hostent *h = nullptr;
    int herr = 0;
    const int rc = gethostbyname_r(name, &he, buf, len, &h, &herr);
    if (h == nullptr && rc == ERANGE) return kGrow;
    return host_entry(h, herr, af, out);
  });
}

int host_by_addr(const char *ip, HostEntry *out) {
  SockAddr sa;
  if (int st = set_ip_address(AF_UNSPEC, ip, &sa)) return st;
  const int af = sa.get()->sa_family;
  const void *addr = nullptr;
  socklen_t addr_len = 0;
  if (af == AF_INET) {
    addr = &reinterpret_cast<const sockaddr_in *>(&sa.storage)->sin_addr;
    addr_len = sizeof(in_addr);
  } else if (af == AF_INET6) {
    addr = &reinterpret_cast<const sockaddr_in6 *>(&sa.storage)->sin6_addr;
    addr_len = sizeof(in6_addr);
  } else {
    return fail_os_message("unsupported address family");
  }
  return with_scratch([&](char *buf, std::size_t len) {
    hostent he{};
    hostent *h = nullptr;
    int herr = 0;
    const int rc = gethostbyaddr_r(addr, addr_len, af, &he, buf, len, &h, &herr);
    if (h == nullptr && rc == ERANGE) return kGrow;
    return host_entry(h, herr, af, out);
  });
}

int fqdn(const char *name, std::string *out) {
  // socket.py's getfqdn: the first alias with a dot, else the host name; any lookup
  // failure leaves the name as given.
  const char *end = name + std::strlen(name);
  while (name < end && is_python_space(*name)) ++name;
  while (end > name && is_python_space(end[-1])) --end;
  std::string result(name, end);
  if (result.empty() || result == "0.0.0.0" || result == "::") {
    if (int st = host_name(&result)) return st;
  }
  HostEntry e;
  const int st = host_by_addr(result.c_str(), &e);
  if (st == kOk) {
    result = e.name;  // checked first, as socket.py puts it before the aliases
    if (e.name.find('.') == std::string::npos) {
      for (const std::string &alias : e.aliases) {
        if (alias.find('.') != std::string::npos) {
          result = alias;
          break;
        }
      }
    }
  } else if (st != kErrOs && st != kErrGai && st != kErrHost && st != kErrTimeout) {
    return st;  // only OSError and its subclasses are swallowed, as `except error`
  }
  *out = std::move(result);
  return kOk;
}

int name_info(const NameInfoAddress &a, int flags, std::string *host, std::string *serv) {
  if (a.ipv6_tuple && a.flowinfo > 0xfffff) {
    return fail_value("getnameinfo(): flowinfo must be 0-1048575.");
  }
  // The port goes through getaddrinfo as text, so it is not range-checked: glibc
  // wraps it modulo 65536, as Python shows.
  char port[NI_MAXSERV];
  std::snprintf(port, sizeof port, "%d", a.port);
  std::vector<AddrInfo> infos;
  if (int st = resolve(a.host, port, AF_UNSPEC, SOCK_DGRAM, 0, AI_NUMERICHOST, &infos)) return st;
  if (infos.size() > 1) return fail_os_message("sockaddr resolved to multiple addresses");
  SockAddr sa = infos.front().addr;
  if (infos.front().family == AF_INET) {
    if (a.ipv6_tuple) return fail_os_message("IPv4 sockaddr must be 2 tuple");
  } else if (infos.front().family == AF_INET6) {
    // The tuple's flowinfo and scope_id win, even over a "%scope" in the host text.
    auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&sa.storage);
    sin6->sin6_flowinfo = htonl(a.flowinfo);
    sin6->sin6_scope_id = a.scope_id;
  }
  char hbuf[NI_MAXHOST];
  char sbuf[NI_MAXSERV];
  const int rc = ::getnameinfo(sa.get(), sa.len, hbuf, sizeof hbuf, sbuf, sizeof sbuf, flags);
  if (rc != 0) return fail_gai(rc);
  *host = hbuf;
  *serv = sbuf;
  return kOk;
}

int service_port(const char *name, const char *proto, int *out) {
  return with_scratch([&](char *buf, std::size_t len) {
    servent se{};
    servent *s = nullptr;
    const int rc = getservbyname_r(name, proto, &se, buf, len, &s);
    if (s == nullptr && rc == ERANGE) return kGrow;
    if (s == nullptr) return fail_os_message("service/proto not found");
    *out = ntohs(static_cast<std::uint16_t>(s->s_port));
    return int{kOk};
  });
}

int service_name(int port, const char *proto, std::string *out) {
  if (port < 0 || port > 0xffff) return fail_value("getservbyport: port must be 0-65535.");
  return with_scratch([&](char *buf, std::size_t len) {
    servent se{};
    servent *s = nullptr;
    const int rc =
        getservbyport_r(htons(static_cast<std::uint16_t>(port)), proto, &se, buf, len, &s);
    if (s == nullptr && rc == ERANGE) return kGrow;
    if (s == nullptr) return fail_os_message("port/proto not found");
    *out = s->s_name;
    return int{kOk};
  });
}

int protocol_number(const char *name, int *out) {
  return with_scratch([&](char *buf, std::size_t len) {
    protoent pe{};
    protoent *p = nullptr;
    const int rc = getprotobyname_r(name, &pe, buf, len, &p);
    if (p == nullptr && rc == ERANGE) return kGrow;
    if (p == nullptr) return fail_os_message("protocol not found");
    *out = p->p_proto;
    return int{kOk};
  });
}

int interfaces(std::vector<Interface> *out) {
  struct Deleter {
    void operator()(struct if_nameindex *ni) const { if_freenameindex(ni); }
  };
  std::unique_ptr<struct if_nameindex, Deleter> list(if_nameindex());
  if (list == nullptr) return fail_os(errno);
  std::vector<Interface> result;
  for (const struct if_nameindex *ni = list.get(); ni->if_index != 0; ++ni) {
    result.push_back(Interface{ni->if_index, ni->if_name});
  }
  *out = std::move(result);
  return kOk;
}

int interface_index(const char *name, unsigned *out) {
  const unsigned index = if_nametoindex(name);
  if (index == 0) return fail_os_message("no interface with this name");  // errno unset
  *out = index;
  return kOk;
}

int interface_name(long long index, std::string *out) {
  if (index < 0) return fail_value("can't convert negative value to unsigned int");
  // CPython 3.11 casts the unsigned long to the C unsigned int, dropping high bits.
  const auto idx = static_cast<unsigned>(static_cast<unsigned long long>(index));
  char name[IF_NAMESIZE + 1] = {};
  if (if_indextoname(idx, name) == nullptr) return fail_os(errno);
  *out = name;
  return kOk;
}

}  // namespace polysock
