// Module functions for names, services and interfaces through the C ABI:
// python_contract.md items 13-27 (the parts answered by /etc/hosts, /etc/services,
// /etc/protocols and numeric addresses; the parts that need a DNS answer are in
// test_netdb_private_dns.cpp), the result objects, string buffers, and thread safety.
#include <gtest/gtest.h>
#include <polysock/polysock.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

std::string failure_text(int st) {
  std::string kind = st == SOCK_ERR_OS      ? "OS"
                     : st == SOCK_ERR_VALUE ? "VALUE"
                     : st == SOCK_ERR_GAI   ? "GAI"
                     : st == SOCK_ERR_HOST  ? "HOST"
                                            : sock_strerror(st);
  return kind + "[" + std::to_string(sock_last_errno()) + "]: " + sock_last_error_message();
}

std::string servbyname(const char *name, const char *proto) {
  int port = 0;
  const int st = net_getservbyname(name, proto, &port);
  return st == SOCK_OK ? std::to_string(port) : failure_text(st);
}

std::string servbyport(int port, const char *proto) {
  char buf[64];
  const int st = net_getservbyport(port, proto, buf, sizeof buf, nullptr);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

std::string protobyname(const char *name) {
  int proto = 0;
  const int st = net_getprotobyname(name, &proto);
  return st == SOCK_OK ? std::to_string(proto) : failure_text(st);
}

std::string hostbyname(const char *name) {
  char buf[64];
  const int st = net_gethostbyname(name, buf, sizeof buf, nullptr);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

std::string fqdn(const char *name) {
  char buf[NET_NI_MAXHOST];
  const int st = net_getfqdn(name, buf, sizeof buf, nullptr);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

std::string hostname() {
  char buf[NET_NI_MAXHOST];
  EXPECT_EQ(SOCK_OK, net_gethostname(buf, sizeof buf, nullptr)) << sock_last_error_message();
  return buf;
}

// A host entry as Python prints it: ('name', ['alias', ...], ['addr', ...]).
std::string entry_text(const net_hostent *he) {
  char buf[NET_NI_MAXHOST];
  std::string s = "('";
  EXPECT_EQ(SOCK_OK, net_hostent_name(he, buf, sizeof buf, nullptr));
  s += std::string(buf) + "', [";
  size_t n = 0;
  EXPECT_EQ(SOCK_OK, net_hostent_alias_count(he, &n));
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(SOCK_OK, net_hostent_alias(he, i, buf, sizeof buf, nullptr));
    s += std::string(i ? ", '" : "'") + buf + "'";
  }
  s += "], [";
  EXPECT_EQ(SOCK_OK, net_hostent_address_count(he, &n));
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(SOCK_OK, net_hostent_address(he, i, buf, sizeof buf, nullptr));
    s += std::string(i ? ", '" : "'") + buf + "'";
  }
  return s + "])";
}

std::string hostbyname_ex(const char *name) {
  net_hostent *he = nullptr;
  const int st = net_gethostbyname_ex(name, &he);
  if (st != SOCK_OK) return failure_text(st);
  std::string s = entry_text(he);
  net_hostent_free(he);
  return s;
}

std::string hostbyaddr(const char *ip) {
  net_hostent *he = nullptr;
  const int st = net_gethostbyaddr(ip, &he);
  if (st != SOCK_OK) return failure_text(st);
  std::string s = entry_text(he);
  net_hostent_free(he);
  return s;
}

// getaddrinfo's list as Python prints it, e.g. "(2, 1, 6, '', ('127.0.0.1', 80))".
std::string addrinfo(const char *host, const char *port, int family = 0, int type = 0,
                     int proto = 0, int flags = 0) {
  net_addrinfo_list *list = nullptr;
  const int st = net_getaddrinfo(host, port, family, type, proto, flags, &list);
  if (st != SOCK_OK) return failure_text(st);
  size_t n = 0;
  EXPECT_EQ(SOCK_OK, net_addrinfo_count(list, &n));
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) {
    net_addrinfo ai;
    EXPECT_EQ(SOCK_OK, net_addrinfo_get(list, i, &ai));
    s += i ? ", (" : "(";
    s += std::to_string(ai.family) + ", " + std::to_string(ai.type) + ", " +
         std::to_string(ai.proto) + ", '" + ai.canonname + "', ('" + ai.addr.host + "', " +
         std::to_string(ai.addr.port);
    if (ai.family == NET_AF_INET6) {
      s += ", " + std::to_string(ai.addr.flowinfo) + ", " + std::to_string(ai.addr.scope_id);
    }
    s += "))";
  }
  net_addrinfo_free(list);
  return s + "]";
}

std::string nameinfo(const char *host, int port, int flags) {
  char h[NET_NI_MAXHOST];
  char s[NET_NI_MAXSERV];
  const int st = net_getnameinfo(host, port, flags, h, sizeof h, s, sizeof s);
  return st == SOCK_OK ? "('" + std::string(h) + "', '" + s + "')" : failure_text(st);
}

std::string nameinfo6(const char *host, int port, uint32_t flowinfo, uint32_t scope_id, int flags,
                      int family = NET_AF_INET6) {
  sock_address a{};
  a.family = family;
  std::snprintf(a.host, sizeof a.host, "%s", host);
  a.port = port;
  a.flowinfo = flowinfo;
  a.scope_id = scope_id;
  char h[NET_NI_MAXHOST];
  char s[NET_NI_MAXSERV];
  const int st = net_getnameinfo_address(&a, flags, h, sizeof h, s, sizeof s);
  return st == SOCK_OK ? "('" + std::string(h) + "', '" + s + "')" : failure_text(st);
}

unsigned loopback_index() {
  unsigned index = 0;
  EXPECT_EQ(SOCK_OK, net_if_nametoindex("lo", &index)) << sock_last_error_message();
  return index;
}

constexpr int kNumeric = NET_NI_NUMERICHOST | NET_NI_NUMERICSERV;

TEST(Services, Item13_GetservbynameReadsEtcServices) {
  EXPECT_EQ("80", servbyname("http", "tcp"));
  EXPECT_EQ("80", servbyname("http", nullptr));
  EXPECT_EQ("53", servbyname("domain", "udp"));
  EXPECT_EQ("OS[0]: service/proto not found", servbyname("nosuchservice", "tcp"));
  EXPECT_EQ("OS[0]: service/proto not found", servbyname("http", "nosuchproto"));
  EXPECT_EQ("OS[0]: service/proto not found", servbyname("http", "udp"));  // none here
}

TEST(Services, Item14_GetservbyportChecksTheRangeThenReadsEtcServices) {
  EXPECT_EQ("ftp", servbyport(21, nullptr));
  EXPECT_EQ("http", servbyport(80, "tcp"));
  EXPECT_EQ("ssh", servbyport(22, nullptr));
  EXPECT_EQ("domain", servbyport(53, "udp"));
  EXPECT_EQ("VALUE[0]: getservbyport: port must be 0-65535.", servbyport(-1, nullptr));
  EXPECT_EQ("VALUE[0]: getservbyport: port must be 0-65535.", servbyport(65536, nullptr));
  EXPECT_EQ("OS[0]: port/proto not found", servbyport(65535, "tcp"));
  EXPECT_EQ("OS[0]: port/proto not found", servbyport(80, "nosuchproto"));
}

TEST(Services, GetservbyportSmallBufferIsRangeWithTheSizeNeeded) {
  char buf[4];
  size_t n = 0;
  EXPECT_PS_ERR(net_getservbyport(53, "udp", buf, sizeof buf, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(7u, n);  // "domain" and its NUL
  EXPECT_PS_ERR(net_getservbyport(53, "udp", nullptr, 0, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(7u, n);
  EXPECT_PS_ERR(net_getservbyport(53, "udp", nullptr, 7, &n), SOCK_ERR_VALUE, 0);
  char fits[7];
  ASSERT_PS_OK(net_getservbyport(53, "udp", fits, sizeof fits, &n));
  EXPECT_EQ(6u, n);
  EXPECT_STREQ("domain", fits);
}

TEST(Services, Item15_GetprotobynameReadsEtcProtocols) {
  EXPECT_EQ("6", protobyname("tcp"));
  EXPECT_EQ("17", protobyname("udp"));
  EXPECT_EQ("1", protobyname("icmp"));
  EXPECT_EQ("58", protobyname("ipv6-icmp"));
  EXPECT_EQ("OS[0]: protocol not found", protobyname("nosuchproto"));
}

TEST(Services, NullArgumentsAreValue) {
  int port = 0;
  EXPECT_PS_ERR(net_getservbyname(nullptr, "tcp", &port), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getservbyname("http", "tcp", nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getprotobyname(nullptr, &port), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_getprotobyname("tcp", nullptr), SOCK_ERR_VALUE, 0);
}

TEST(Hosts, GethostnameIsTheKernelsNodeName) {
  char expected[256] = {};
  ASSERT_EQ(0, gethostname(expected, sizeof expected - 1));
  char buf[256];
  size_t n = 0;
  ASSERT_PS_OK(net_gethostname(buf, sizeof buf, &n));
  EXPECT_STREQ(expected, buf);
  EXPECT_EQ(std::string(expected).size(), n);
  EXPECT_PS_ERR(net_gethostname(buf, n, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(std::string(expected).size() + 1, n);
}

TEST(Hosts, Item16_GethostbynameGivesIpv4TextWithoutLookingUpNumbers) {
  EXPECT_EQ("127.0.0.1", hostbyname("localhost"));
  EXPECT_EQ("127.0.0.1", hostbyname("127.0.0.1"));
  EXPECT_EQ("127.0.0.1", hostbyname("127.1"));
  EXPECT_EQ("10.0.0.1", hostbyname("10.0.0.1"));
  EXPECT_EQ("255.255.255.255", hostbyname("255.255.255.255"));
  EXPECT_EQ("0.0.0.0", hostbyname(""));
  EXPECT_EQ("255.255.255.255", hostbyname("<broadcast>"));
  // Failures are gaierror with a negative EAI_* code. ("nonexistent.invalid" needs a
  // DNS answer: see test_netdb_private_dns.cpp.)
  EXPECT_EQ("GAI[-9]: [Errno -9] Address family for hostname not supported", hostbyname("::1"));
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known", hostbyname("0.1.1.~1"));
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known", hostbyname("::1::2"));
}

TEST(Hosts, Item17_HostEntriesAndGetfqdnFromEtcHosts) {
  EXPECT_EQ("('localhost', [], ['127.0.0.1'])", hostbyname_ex("localhost"));
  EXPECT_EQ("('localhost', [], ['127.0.0.1'])", hostbyaddr("127.0.0.1"));
  EXPECT_EQ("('localhost', [], ['127.0.0.1'])", hostbyaddr("localhost"));
  // (The herror cases need a DNS answer: see test_netdb_private_dns.cpp.)
  EXPECT_EQ("localhost", fqdn("127.0.0.1"));
  EXPECT_EQ("localhost", fqdn(" localhost "));
  // "", "0.0.0.0" and "::" mean this host, whose name /etc/hosts maps to 127.0.0.1
  // on the reference machine, so they too give "localhost".
  const std::string self = hostname();
  if (hostbyname(self.c_str()) != "127.0.0.1") {
    GTEST_SKIP() << "this host's name (" << self << ") is not 127.0.0.1 in /etc/hosts";
  }
  EXPECT_EQ("localhost", fqdn(""));
  EXPECT_EQ("localhost", fqdn("0.0.0.0"));
  EXPECT_EQ("localhost", fqdn("::"));
}

TEST(Hosts, GethostbynameExOfALiteralEchoesIt) {
  EXPECT_EQ("('127.0.0.1', [], ['127.0.0.1'])", hostbyname_ex("127.0.0.1"));
  EXPECT_EQ("GAI[-9]: [Errno -9] Address family for hostname not supported", hostbyname_ex("::1"));
}

TEST(Hosts, GethostbyaddrOfTheWildcardIsRefusedAsInPython) {
  EXPECT_EQ("OS[0]: wildcard resolved to multiple address", hostbyaddr(""));
}

TEST(Hosts, GetfqdnOfAnUnresolvableNameIsTheNameItself) {
  EXPECT_EQ("0.1.1.~1", fqdn("0.1.1.~1"));  // rejected by glibc before any DNS query
}

TEST(Hosts, HostEntryAccessorsCheckTheirArguments) {
  net_hostent *he = nullptr;
  ASSERT_PS_OK(net_gethostbyname_ex("localhost", &he));
  char buf[16];
  size_t n = 0;
  EXPECT_PS_ERR(net_hostent_alias(he, 0, buf, sizeof buf, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_address(he, 1, buf, sizeof buf, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_name(he, buf, 4, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(10u, n);  // "localhost" and its NUL
  EXPECT_PS_ERR(net_hostent_name(nullptr, buf, sizeof buf, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_hostent_alias_count(he, nullptr), SOCK_ERR_VALUE, 0);
  net_hostent_free(he);
  net_hostent_free(nullptr);
  EXPECT_PS_ERR(net_gethostbyname_ex(nullptr, &he), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_gethostbyaddr("127.0.0.1", nullptr), SOCK_ERR_VALUE, 0);
}

TEST(Getaddrinfo, Item18_NoFiltersGiveOneEntryPerSocketType) {
  EXPECT_EQ(
      "[(2, 1, 6, '', ('127.0.0.1', 80)), (2, 2, 17, '', ('127.0.0.1', 80)), "
      "(2, 3, 0, '', ('127.0.0.1', 80))]",
      addrinfo("127.0.0.1", "80"));
}

TEST(Getaddrinfo, Item19_FiltersAndTheIpv6AddressShape) {
  EXPECT_EQ("[(2, 1, 6, '', ('127.0.0.1', 80))]",
            addrinfo("localhost", "80", NET_AF_INET, NET_SOCK_STREAM));
  EXPECT_EQ("[(10, 1, 6, '', ('::1', 80, 0, 0))]", addrinfo("::1", "80", 0, NET_SOCK_STREAM));
}

TEST(Getaddrinfo, Item20_NoneHostGivesLoopbackV6FirstAndPassiveGivesWildcardV4First) {
  EXPECT_EQ("[(10, 1, 6, '', ('::1', 80, 0, 0)), (2, 1, 6, '', ('127.0.0.1', 80))]",
            addrinfo(nullptr, "80", 0, NET_SOCK_STREAM));
  EXPECT_EQ("[(2, 1, 6, '', ('0.0.0.0', 80)), (10, 1, 6, '', ('::', 80, 0, 0))]",
            addrinfo(nullptr, "80", 0, NET_SOCK_STREAM, 0, NET_AI_PASSIVE));
}

TEST(Getaddrinfo, Item21_PortIsANumberAServiceNameOrNone) {
  EXPECT_EQ("[(2, 1, 6, '', ('127.0.0.1', 80))]", addrinfo("127.0.0.1", "80", 0, NET_SOCK_STREAM));
  EXPECT_EQ("[(2, 1, 6, '', ('127.0.0.1', 80))]",
            addrinfo("127.0.0.1", "http", 0, NET_SOCK_STREAM));
  EXPECT_EQ("[(2, 1, 6, '', ('127.0.0.1', 0))]",
            addrinfo("127.0.0.1", nullptr, 0, NET_SOCK_STREAM));
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known", addrinfo(nullptr, nullptr));
}

TEST(Getaddrinfo, Item22_Flags) {
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known",
            addrinfo("localhost", "80", 0, NET_SOCK_STREAM, 0, NET_AI_NUMERICHOST));
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known",
            addrinfo("127.0.0.1", "http", 0, NET_SOCK_STREAM, 0, NET_AI_NUMERICSERV));
  EXPECT_EQ("[(2, 1, 6, 'localhost', ('127.0.0.1', 80))]",
            addrinfo("localhost", "80", NET_AF_INET, NET_SOCK_STREAM, 0, NET_AI_CANONNAME));
  EXPECT_EQ("[(2, 1, 6, '127.0.0.1', ('127.0.0.1', 80))]",
            addrinfo("127.0.0.1", "80", NET_AF_INET, NET_SOCK_STREAM, 0, NET_AI_CANONNAME));
  EXPECT_EQ("[(10, 1, 6, '', ('::ffff:127.0.0.1', 80, 0, 0))]",
            addrinfo("127.0.0.1", "80", NET_AF_INET6, NET_SOCK_STREAM, 0, NET_AI_V4MAPPED));
}

TEST(Getaddrinfo, Item23_ErrorMapping) {
  EXPECT_EQ("GAI[-6]: [Errno -6] ai_family not supported",
            addrinfo("127.0.0.1", "80", NET_AF_UNIX));
  EXPECT_EQ("GAI[-8]: [Errno -8] Servname not supported for ai_socktype",
            addrinfo("127.0.0.1", "-1"));
  EXPECT_EQ("GAI[-9]: [Errno -9] Address family for hostname not supported",
            addrinfo("127.0.0.1", "80", NET_AF_INET6));
  EXPECT_EQ("GAI[-7]: [Errno -7] ai_socktype not supported", addrinfo("127.0.0.1", "80", 0, 99));
  EXPECT_EQ("GAI[-1]: [Errno -1] Bad value for ai_flags",
            addrinfo("127.0.0.1", "80", 0, 0, 0, 0x7fffffff));
  // (An unknown host needs a DNS answer: see test_netdb_private_dns.cpp.)
}

TEST(Getaddrinfo, Item24_PortsAreNotRangeCheckedAndWrap) {
  EXPECT_EQ("[(2, 1, 6, '', ('127.0.0.1', 0))]",
            addrinfo("127.0.0.1", "65536", 0, NET_SOCK_STREAM));
  EXPECT_EQ("('127.0.0.1', '4464')", nameinfo("127.0.0.1", 70000, kNumeric));
}

TEST(Getaddrinfo, Item25_Ipv6ScopeIdsAndLowerCaseHex) {
  const unsigned lo = loopback_index();
  const std::string expected = "[(10, 1, 6, '', ('fe80::1', 80, 0, " + std::to_string(lo) + "))]";
  EXPECT_EQ(expected, addrinfo("fe80::1%lo", "80", 0, NET_SOCK_STREAM));
  EXPECT_EQ(expected,
            addrinfo(("fe80::1%" + std::to_string(lo)).c_str(), "80", 0, NET_SOCK_STREAM));
  EXPECT_EQ("[(10, 1, 6, '', ('ff02::1de:c0:face:8d', 1234, 0, 0))]",
            addrinfo("FF02::1de:c0:face:8D", "1234", 0, NET_SOCK_STREAM));
  EXPECT_EQ(1u, lo) << "the reference machine's loopback is interface 1";
}

TEST(Getaddrinfo, ResultObjectChecksItsArguments) {
  net_addrinfo_list *list = nullptr;
  ASSERT_PS_OK(net_getaddrinfo("127.0.0.1", "80", 0, NET_SOCK_STREAM, 0, 0, &list));
  size_t n = 0;
  ASSERT_PS_OK(net_addrinfo_count(list, &n));
  EXPECT_EQ(1u, n);
  net_addrinfo ai;
  EXPECT_PS_ERR(net_addrinfo_get(list, 1, &ai), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_get(list, 0, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_get(nullptr, 0, &ai), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_addrinfo_count(list, nullptr), SOCK_ERR_VALUE, 0);
  net_addrinfo_free(list);
  net_addrinfo_free(nullptr);
  EXPECT_PS_ERR(net_getaddrinfo("127.0.0.1", "80", 0, 0, 0, 0, nullptr), SOCK_ERR_VALUE, 0);
}

TEST(Getnameinfo, Item26_NamesServicesScopesAndDgram) {
  EXPECT_EQ("('localhost', 'http')", nameinfo("127.0.0.1", 80, 0));
  EXPECT_EQ("('127.0.0.1', '80')", nameinfo("127.0.0.1", 80, kNumeric));
  EXPECT_EQ("('::1', 'http')", nameinfo("::1", 80, NET_NI_NUMERICHOST));  // IPv6 2-tuple
  EXPECT_EQ("('fe80::1%lo', '80')", nameinfo6("fe80::1", 80, 0, loopback_index(), kNumeric));
  EXPECT_EQ("('localhost', '80')", nameinfo("127.0.0.1", 80, NET_NI_DGRAM));  // no http/udp
}

TEST(Getnameinfo, Item27_Errors) {
  EXPECT_EQ("GAI[-2]: [Errno -2] Name or service not known", nameinfo("localhost", 80, 0));
  EXPECT_EQ("OS[0]: IPv4 sockaddr must be 2 tuple", nameinfo6("127.0.0.1", 80, 0, 0, 0));
  EXPECT_EQ("VALUE[0]: getnameinfo(): flowinfo must be 0-1048575.",
            nameinfo6("::1", 80, 0x100000, 0, kNumeric));
  EXPECT_EQ("('::1', '80')", nameinfo6("::1", 80, 0xfffff, 0, kNumeric));
  // (NI_NAMEREQD on an address without a name needs a DNS answer: see
  // test_netdb_private_dns.cpp.)
}

TEST(Getnameinfo, ATwoTupleDropsTheScopeOfTheHostText) {
  EXPECT_EQ("('fe80::1', '80')", nameinfo("fe80::1%lo", 80, kNumeric));
  EXPECT_EQ("('fe80::1', '80')", nameinfo6("fe80::1%lo", 80, 0, 0, kNumeric));
  EXPECT_EQ("GAI[-8]: [Errno -8] Servname not supported for ai_socktype",
            nameinfo("127.0.0.1", -1, kNumeric));
  EXPECT_EQ("('127.0.0.1', '80')", nameinfo6("127.0.0.1", 80, 0, 0, kNumeric, NET_AF_INET));
  EXPECT_EQ("VALUE[0]: getnameinfo(): illegal sockaddr argument",
            nameinfo6("/tmp/x", 0, 0, 0, 0, NET_AF_UNIX));
}

TEST(Getnameinfo, SmallBuffersAreRange) {
  char h[4];
  char s[NET_NI_MAXSERV];
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, kNumeric, h, sizeof h, s, sizeof s),
                SOCK_ERR_RANGE, 0);
  char h2[NET_NI_MAXHOST];
  char s2[2];
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, kNumeric, h2, sizeof h2, s2, sizeof s2),
                SOCK_ERR_RANGE, 0);
  EXPECT_PS_ERR(net_getnameinfo("127.0.0.1", 80, kNumeric, nullptr, 0, s, sizeof s), SOCK_ERR_VALUE,
                0);
  EXPECT_PS_ERR(net_getnameinfo(nullptr, 80, kNumeric, h2, sizeof h2, s, sizeof s), SOCK_ERR_VALUE,
                0);
}

TEST(Interfaces, NameindexListsEveryInterfaceConsistentlyWithTheLookups) {
  net_if_list *list = nullptr;
  ASSERT_PS_OK(net_if_nameindex(&list));
  size_t n = 0;
  ASSERT_PS_OK(net_if_nameindex_count(list, &n));
  ASSERT_GE(n, 1u);
  bool saw_lo = false;
  for (size_t i = 0; i < n; ++i) {
    net_if_entry e;
    ASSERT_PS_OK(net_if_nameindex_get(list, i, &e));
    saw_lo = saw_lo || std::string(e.name) == "lo";
    unsigned index = 0;
    ASSERT_PS_OK(net_if_nametoindex(e.name, &index));
    EXPECT_EQ(e.index, index) << e.name;
    char name[64];
    ASSERT_PS_OK(net_if_indextoname(e.index, name, sizeof name, nullptr));
    EXPECT_STREQ(e.name, name);
  }
  EXPECT_TRUE(saw_lo);
  net_if_entry e;
  EXPECT_PS_ERR(net_if_nameindex_get(list, n, &e), SOCK_ERR_VALUE, 0);
  net_if_nameindex_free(list);
  net_if_nameindex_free(nullptr);
}

TEST(Interfaces, ErrorsAsInPython) {
  unsigned index = 0;
  EXPECT_PS_ERR(net_if_nametoindex("nosuchif0", &index), SOCK_ERR_OS, 0);
  EXPECT_EQ("no interface with this name", polysock_test::last_message());
  EXPECT_PS_ERR(net_if_nametoindex("", &index), SOCK_ERR_OS, 0);
  char name[64];
  EXPECT_PS_ERR(net_if_indextoname(0, name, sizeof name, nullptr), SOCK_ERR_OS, ENXIO);
  EXPECT_EQ("[Errno 6] No such device or address", polysock_test::last_message());
  EXPECT_PS_ERR(net_if_indextoname(-1, name, sizeof name, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("can't convert negative value to unsigned int", polysock_test::last_message());
  // CPython 3.11 keeps only the low 32 bits of the index.
  const unsigned lo = loopback_index();
  ASSERT_PS_OK(net_if_indextoname((1LL << 32) + lo, name, sizeof name, nullptr));
  EXPECT_STREQ("lo", name);
  size_t n = 0;
  EXPECT_PS_ERR(net_if_indextoname(lo, name, 2, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(3u, n);
}

// Every lookup kind from 8 threads at once; each answer is checked.
TEST(ThreadSafety, EightThreadsResolveAtOnceAndEveryAnswerIsRight) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 150;
  std::atomic<int> wrong{0};
  std::atomic<int> done{0};
  const unsigned lo = loopback_index();
  auto worker = [&](int t) {
    for (int i = 0; i < kRounds; ++i) {
      switch ((i + t) % 8) {
        case 0:
          if (addrinfo("localhost", "http", NET_AF_INET, NET_SOCK_STREAM) !=
              "[(2, 1, 6, '', ('127.0.0.1', 80))]") {
            ++wrong;
          }
          break;
        case 1:
          if (hostbyname("localhost") != "127.0.0.1") ++wrong;
          break;
        case 2:
          if (hostbyaddr("127.0.0.1") != "('localhost', [], ['127.0.0.1'])") ++wrong;
          break;
        case 3:
          if (servbyname(i % 2 ? "ssh" : "domain", i % 2 ? "tcp" : "udp") !=
              (i % 2 ? "22" : "53")) {
            ++wrong;
          }
          break;
        case 4:
          if (servbyport(i % 2 ? 21 : 443, "tcp") != (i % 2 ? "ftp" : "https")) ++wrong;
          break;
        case 5:
          if (protobyname(i % 2 ? "udp" : "icmp") != (i % 2 ? "17" : "1")) ++wrong;
          break;
        case 6:
          if (nameinfo("127.0.0.1", 22, 0) != "('localhost', 'ssh')") ++wrong;
          break;
        case 7: {
          char name[64];
          if (net_if_indextoname(lo, name, sizeof name, nullptr) != SOCK_OK ||
              std::string(name) != "lo" ||
              hostbyname_ex("localhost") != "('localhost', [], ['127.0.0.1'])") {
            ++wrong;
          }
          break;
        }
      }
      ++done;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread &th : threads) th.join();
  EXPECT_EQ(kThreads * kRounds, done.load());
  EXPECT_EQ(0, wrong.load());
}

}  // namespace
