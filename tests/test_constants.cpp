// The host constants: every NET_* macro of the generated header equals
// net_constant() of its name, and python_contract.md item 28's values hold.
#include <gtest/gtest.h>
#include <polysock/polysock.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace {

long long constant(const char *name) {
  long long v = 0;
  EXPECT_EQ(SOCK_OK, net_constant(name, &v)) << name << ": " << sock_last_error_message();
  return v;
}

// Each macro, compiled in, against the run-time table (the same list makes both).
TEST(Constants, EveryMacroOfTheDefinitionListEqualsNetConstant) {
  struct Macro {
    const char *name;
    long long value;
  };
  const Macro macros[] = {
#define X(name) {#name, static_cast<long long>(NET_##name)},
#include "../core/constants.def"
#undef X
  };
  size_t count = 0;
  ASSERT_PS_OK(net_constant_count(&count));
  EXPECT_EQ(sizeof macros / sizeof macros[0], count);
  for (const Macro &m : macros) {
    EXPECT_EQ(m.value, constant(m.name)) << m.name;
    EXPECT_EQ(m.value, constant(("NET_" + std::string(m.name)).c_str())) << m.name;
  }
}

// The generated header's text: no macro in it is missing from net_constant().
TEST(Constants, EveryMacroInTheGeneratedHeaderTextEqualsNetConstant) {
  std::ifstream in(POLYSOCK_GENERATED_CONSTANTS_HEADER);
  ASSERT_TRUE(in) << POLYSOCK_GENERATED_CONSTANTS_HEADER;
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const std::regex define(R"(#define NET_([A-Z0-9_]+) (-?[0-9]+)(LL)?)");
  size_t seen = 0;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), define); it != std::sregex_iterator();
       ++it) {
    ++seen;
    const std::string name = (*it)[1];
    EXPECT_EQ(std::stoll((*it)[2]), constant(name.c_str())) << name;
  }
  size_t count = 0;
  ASSERT_PS_OK(net_constant_count(&count));
  EXPECT_EQ(count, seen);
}

TEST(Constants, EnumerationMatchesLookupByName) {
  size_t count = 0;
  ASSERT_PS_OK(net_constant_count(&count));
  for (size_t i = 0; i < count; ++i) {
    const char *name = nullptr;
    long long value = 0;
    ASSERT_PS_OK(net_constant_at(i, &name, &value));
    EXPECT_EQ(value, constant(name)) << name;
  }
  const char *name = nullptr;
  long long value = 0;
  EXPECT_PS_ERR(net_constant_at(count, &name, &value), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_constant("NO_SUCH_CONSTANT", &value), SOCK_ERR_VALUE, 0);
}

TEST(Constants, Item28_LinuxValuesAsPythonExportsThem) {
  // clang-format off
  const std::map<std::string, long long> expected = {
      {"AF_UNSPEC", 0}, {"AF_UNIX", 1}, {"AF_INET", 2}, {"AF_INET6", 10}, {"SOCK_STREAM", 1},
      {"SOCK_DGRAM", 2}, {"SOCK_RAW", 3}, {"SOCK_SEQPACKET", 5}, {"SOCK_NONBLOCK", 2048},
      {"SOCK_CLOEXEC", 524288}, {"SOL_SOCKET", 1}, {"SO_REUSEADDR", 2}, {"SO_REUSEPORT", 15},
      {"SO_KEEPALIVE", 9}, {"SO_RCVBUF", 8}, {"SO_SNDBUF", 7}, {"SO_ERROR", 4}, {"SO_TYPE", 3},
      {"SO_LINGER", 13}, {"IPPROTO_IP", 0}, {"IPPROTO_TCP", 6}, {"IPPROTO_UDP", 17},
      {"IPPROTO_IPV6", 41}, {"IPV6_V6ONLY", 26}, {"TCP_NODELAY", 1}, {"SHUT_RD", 0},
      {"SHUT_WR", 1}, {"SHUT_RDWR", 2}, {"MSG_OOB", 1}, {"MSG_PEEK", 2}, {"MSG_TRUNC", 32},
      {"MSG_DONTWAIT", 64}, {"MSG_WAITALL", 256}, {"MSG_NOSIGNAL", 16384}, {"AI_PASSIVE", 1},
      {"AI_CANONNAME", 2}, {"AI_NUMERICHOST", 4}, {"AI_V4MAPPED", 8}, {"AI_ALL", 16},
      {"AI_ADDRCONFIG", 32}, {"AI_NUMERICSERV", 1024}, {"NI_NUMERICHOST", 1},
      {"NI_NUMERICSERV", 2}, {"NI_NOFQDN", 4}, {"NI_NAMEREQD", 8}, {"NI_DGRAM", 16},
      {"NI_MAXHOST", 1025}, {"NI_MAXSERV", 32}, {"EAI_AGAIN", -3}, {"EAI_FAIL", -4},
      {"EAI_FAMILY", -6}, {"EAI_SOCKTYPE", -7}, {"EAI_SERVICE", -8}, {"EAI_NONAME", -2},
      {"EAI_ADDRFAMILY", -9}, {"INADDR_ANY", 0}, {"INADDR_LOOPBACK", 2130706433},
      {"INADDR_BROADCAST", 4294967295LL}, {"INADDR_NONE", 4294967295LL}, {"SOMAXCONN", 4096}};
  // clang-format on
  for (const auto &[name, value] : expected) EXPECT_EQ(value, constant(name.c_str())) << name;
  // A few through the macros too, as C code uses them.
  EXPECT_EQ(10, NET_AF_INET6);
  EXPECT_EQ(1025, NET_NI_MAXHOST);
  EXPECT_EQ(32, NET_NI_MAXSERV);
  EXPECT_EQ(16, NET_INET_ADDRSTRLEN);
  EXPECT_EQ(46, NET_INET6_ADDRSTRLEN);
  EXPECT_EQ(4294967295LL, NET_INADDR_NONE);
}

TEST(Constants, Item28_HasIpv6) {
  sock_handle h = 0;
  ASSERT_PS_OK(sock_create(NET_AF_INET6, NET_SOCK_STREAM, 0, &h));
  EXPECT_PS_OK(sock_close(h));
}

}  // namespace
