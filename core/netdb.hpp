// Python's module-level lookups of hosts, services, protocols and interfaces:
// gethostname, gethostbyname(_ex), gethostbyaddr, getfqdn, getnameinfo,
// getservbyname/port, getprotobyname and if_*. Every one is thread-safe: names go
// through resolve() (getaddrinfo) or the reentrant *_r calls, never a static buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polysock {

// What gethostbyname_ex and gethostbyaddr return: (name, aliases, addresses).
struct HostEntry {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> addresses;  // numeric text
};

// An if_nameindex() entry.
struct Interface {
  unsigned index = 0;
  std::string name;
};

// The socket address Python's getnameinfo takes: (host, port) or, when ipv6_tuple,
// (host, port, flowinfo, scope_id).
struct NameInfoAddress {
  const char *host = nullptr;
  int port = 0;
  bool ipv6_tuple = false;
  std::uint32_t flowinfo = 0;
  std::uint32_t scope_id = 0;
};

int host_name(std::string *out);                        // gethostname()
int host_by_name(const char *name, std::string *out);   // gethostbyname()
int host_by_name_ex(const char *name, HostEntry *out);  // gethostbyname_ex()
int host_by_addr(const char *ip, HostEntry *out);       // gethostbyaddr()
int fqdn(const char *name, std::string *out);           // getfqdn()
int name_info(const NameInfoAddress &addr, int flags, std::string *host,
              std::string *serv);                                 // getnameinfo()
int service_port(const char *name, const char *proto, int *out);  // getservbyname()
int service_name(int port, const char *proto, std::string *out);  // getservbyport()
int protocol_number(const char *name, int *out);                  // getprotobyname()
int interfaces(std::vector<Interface> *out);                      // if_nameindex()
int interface_index(const char *name, unsigned *out);             // if_nametoindex()
int interface_name(long long index, std::string *out);            // if_indextoname()

}  // namespace polysock
