// Byte-order helpers and inet_* conversions through the C ABI: python_contract.md
// items 1-12, plus the ABI's own buffer and argument rules. (The contract's TypeError
// cases, such as htons(1.5) or inet_aton(b'...'), cannot be written in C.)
#include <gtest/gtest.h>
#include <polysock/polysock.h>

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace {

// "OSError[errno]: message"-like text of the last failure, to compare with Python's.
std::string failure_text(int st) {
  std::string kind = st == SOCK_ERR_OS      ? "OS"
                     : st == SOCK_ERR_VALUE ? "VALUE"
                     : st == SOCK_ERR_GAI   ? "GAI"
                     : st == SOCK_ERR_HOST  ? "HOST"
                                            : sock_strerror(st);
  return kind + "[" + std::to_string(sock_last_errno()) + "]: " + sock_last_error_message();
}

std::string hex(const unsigned char *p, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", p[i]);
    s += b;
  }
  return s;
}

std::vector<unsigned char> unhex(const std::string &h) {
  std::vector<unsigned char> v;
  for (size_t i = 0; i + 1 < h.size(); i += 2) {
    v.push_back(static_cast<unsigned char>(std::stoul(h.substr(i, 2), nullptr, 16)));
  }
  return v;
}

std::string aton(const char *s) {
  unsigned char out[4];
  const int st = net_inet_aton(s, out);
  return st == SOCK_OK ? hex(out, 4) : failure_text(st);
}

std::string pton(int af, const char *s) {
  unsigned char out[16];
  size_t n = 0;
  const int st = net_inet_pton(af, s, out, sizeof out, &n);
  return st == SOCK_OK ? hex(out, n) : failure_text(st);
}

std::string ntop(int af, const std::vector<unsigned char> &packed) {
  char buf[NET_INET6_ADDRSTRLEN];
  const int st = net_inet_ntop(af, packed.data(), packed.size(), buf, sizeof buf);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

std::string ntoa(const std::vector<unsigned char> &packed) {
  char buf[NET_INET_ADDRSTRLEN];
  const int st = net_inet_ntoa(packed.data(), packed.size(), buf, sizeof buf);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

using Fn = int (*)(long long, long long *);

std::string swap(Fn fn, long long x) {
  long long out = 0;
  const int st = fn(x, &out);
  return st == SOCK_OK ? std::to_string(out) : failure_text(st);
}

const std::string kAtonError = "OS[0]: illegal IP address string passed to inet_aton";
const std::string kPtonError = "OS[0]: illegal IP address string passed to inet_pton";
const std::string kNtopLength = "VALUE[0]: invalid length of packed IP address string";

TEST(ByteOrder, Item01_SwapsOnThisLittleEndianHost) {
  EXPECT_EQ("256", swap(net_htons, 1));
  EXPECT_EQ("16777216", swap(net_htonl, 1));
  EXPECT_EQ("13330", swap(net_ntohs, 0x1234));
  EXPECT_EQ("2018915346", swap(net_ntohl, 0x12345678));
  EXPECT_EQ("65535", swap(net_htons, 0xffff));
  EXPECT_EQ("4294967295", swap(net_htonl, 0xffffffffLL));
}

TEST(ByteOrder, Item02_OutOfRangeIsValueWithPythonsOverflowText) {
  EXPECT_EQ("VALUE[0]: htons: can't convert negative Python int to C 16-bit unsigned integer",
            swap(net_htons, -1));
  EXPECT_EQ("VALUE[0]: htons: Python int too large to convert to C 16-bit unsigned integer",
            swap(net_htons, 65536));
  EXPECT_EQ("VALUE[0]: htons: Python int too large to convert to C 16-bit unsigned integer",
            swap(net_htons, 70000));
  EXPECT_EQ("VALUE[0]: ntohs: can't convert negative Python int to C 16-bit unsigned integer",
            swap(net_ntohs, -1));
  EXPECT_EQ("VALUE[0]: can't convert negative value to unsigned int", swap(net_htonl, -1));
  EXPECT_EQ("VALUE[0]: int larger than 32 bits", swap(net_htonl, 1LL << 32));
  EXPECT_EQ("VALUE[0]: int larger than 32 bits", swap(net_ntohl, 1LL << 32));
}

TEST(ByteOrder, NullOutIsValue) {
  EXPECT_PS_ERR(net_htons(1, nullptr), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_ntohl(1, nullptr), SOCK_ERR_VALUE, 0);
}

TEST(InetAton, Item03_AcceptsBsdShorthandHexAndOctal) {
  const std::pair<const char *, const char *> cases[] = {
      {"127.1", "7f000001"},          {"1.2.3", "01020003"},     {"1", "00000001"},
      {"0x7f.1", "7f000001"},         {"017.1", "0f000001"},     {"0x7f000001", "7f000001"},
      {"4294967295", "ffffffff"},     {"1.2.65535", "0102ffff"}, {"0.0.0.0", "00000000"},
      {"255.255.255.255", "ffffffff"}};
  for (const auto &[text, packed] : cases) EXPECT_EQ(packed, aton(text)) << text;
}

TEST(InetAton, Item04_RejectsBadTextWithOsErrorWithoutErrno) {
  for (const char *text : {"256.1.1.1", "1.2.3.4.5", "", " 1.2.3.4", "a.b.c.d", "08.1.1.1",
                           "4294967296", "1.2.65536", "0.0.0.", "300.0.0.0", "::1"}) {
    EXPECT_EQ(kAtonError, aton(text)) << text;
  }
}

TEST(InetAton, Item05_StopsAtTheFirstWhitespace) {
  EXPECT_EQ("01020304", aton("1.2.3.4 "));
  EXPECT_EQ("01020304", aton("1.2.3.4 junk"));
}

TEST(InetAton, NullArgumentsAreValue) {
  unsigned char out[4];
  EXPECT_PS_ERR(net_inet_aton(nullptr, out), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_aton("1.2.3.4", nullptr), SOCK_ERR_VALUE, 0);
}

TEST(InetNtoa, Item06_FourBytesGiveADottedQuadOtherLengthsAnOsError) {
  EXPECT_EQ("127.0.0.1", ntoa({0x7f, 0, 0, 1}));
  EXPECT_EQ("170.85.170.85", ntoa({0xaa, 0x55, 0xaa, 0x55}));
  const std::string wrong = "OS[0]: packed IP wrong length for inet_ntoa";
  EXPECT_EQ(wrong, ntoa({}));
  EXPECT_EQ(wrong, ntoa({1, 2, 3}));
  EXPECT_EQ(wrong, ntoa({1, 2, 3, 4, 5}));
  EXPECT_EQ(wrong, ntoa(std::vector<unsigned char>(16, 1)));
}

TEST(InetNtoa, SmallBufferIsRangeAndAddrstrlenAlwaysFits) {
  const unsigned char packed[4] = {255, 255, 255, 255};
  char buf[NET_INET_ADDRSTRLEN];
  EXPECT_PS_ERR(net_inet_ntoa(packed, 4, buf, 15), SOCK_ERR_RANGE, 0);
  ASSERT_PS_OK(net_inet_ntoa(packed, 4, buf, sizeof buf));
  EXPECT_STREQ("255.255.255.255", buf);
  EXPECT_PS_ERR(net_inet_ntoa(nullptr, 4, buf, sizeof buf), SOCK_ERR_VALUE, 0);
}

TEST(InetPton, Item07_Ipv4IsStrictDottedQuad) {
  EXPECT_EQ("01020304", pton(NET_AF_INET, "1.2.3.4"));
  for (const char *text :
       {"127.1", "0x7f.0.0.1", "01.2.3.4", "1.2.3.4 ", "256.0.0.0", "", "1.2.3.4.5", "::1"}) {
    EXPECT_EQ(kPtonError, pton(NET_AF_INET, text)) << text;
  }
}

// polysock parses dotted quads itself (core/inet.cpp parse4, also what connect, bind and
// sendto use for a numeric host): it must accept exactly what libc's inet_pton accepts,
// with the same bytes. Every text of up to 7 characters over digits and dots, and
// longer ones made of four parts of 0-4 digits with a random character between them.
TEST(InetPton, Ipv4AcceptsExactlyWhatLibcAccepts) {
  const auto agrees = [](const std::string &text) {
    unsigned char libc[4] = {};
    const bool ok = inet_pton(AF_INET, text.c_str(), libc) == 1;
    const std::string ours = pton(NET_AF_INET, text.c_str());
    return ours == (ok ? hex(libc, 4) : kPtonError);
  };
  const std::string alphabet = "01259.";
  std::size_t checked = 0;
  std::vector<std::string> level = {""};
  for (int length = 0; length <= 7; ++length) {
    std::vector<std::string> next;
    for (const std::string &text : level) {
      ASSERT_TRUE(agrees(text)) << '"' << text << '"';
      ++checked;
      if (length < 7) {
        for (char c : alphabet) next.push_back(text + c);
      }
    }
    level = std::move(next);
  }
  std::uint32_t seed = 12345;  // a fixed LCG: the same texts on every run
  const auto next = [&seed](std::uint32_t n) {
    seed = seed * 1664525u + 1013904223u;
    return (seed >> 8) % n;
  };
  const std::string between = "....... x0";
  for (int i = 0; i < 100000; ++i) {
    std::string text;
    for (int part = 0; part < 4; ++part) {
      if (part > 0) text += between[next(static_cast<std::uint32_t>(between.size()))];
      const std::uint32_t digits = next(5);
      for (std::uint32_t d = 0; d < digits; ++d) text += static_cast<char>('0' + next(10));
    }
    if (next(8) == 0) text += between[next(static_cast<std::uint32_t>(between.size()))];
    ASSERT_TRUE(agrees(text)) << '"' << text << '"';
    ++checked;
  }
  EXPECT_EQ(checked, 335923u + 100000u);
}

TEST(InetPton, Item08_Ipv6ParsesCompressedUpperCaseAndEmbeddedIpv4) {
  const std::pair<const char *, const char *> cases[] = {
      {"::", "00000000000000000000000000000000"},
      {"0::0", "00000000000000000000000000000000"},
      {"::1", "00000000000000000000000000000001"},
      {"1::", "00010000000000000000000000000000"},
      {"::ffff:1.2.3.4", "00000000000000000000ffff01020304"},
      {"FE80::1", "fe800000000000000000000000000001"},
      {"ad42:abc::127:0:254:2", "ad420abc000000000127000002540002"},
      {"1:2:3:4:5:6:7::", "00010002000300040005000600070000"},
      {"42::a29b:254.42.23.64", "00420000000000000000a29bfe2a1740"}};
  for (const auto &[text, packed] : cases) EXPECT_EQ(packed, pton(NET_AF_INET6, text)) << text;
}

TEST(InetPton, Item09_Ipv6RejectsMalformedTextAndUnknownFamilyIsEafnosupport) {
  for (const char *text : {"1::2::3", ":::", "::0::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6",
                           "1:2:3:4:5:6:7:8:", "12345::", "G::", "0x20::", "::1%lo", "1.2.3.4",
                           "1::260.2.3.0", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:0"}) {
    EXPECT_EQ(kPtonError, pton(NET_AF_INET6, text)) << text;
  }
  EXPECT_EQ("OS[97]: [Errno 97] Address family not supported by protocol", pton(99, "1.2.3.4"));
}

TEST(InetPton, SmallOutputIsRangeWithTheSizeNeeded) {
  unsigned char out[16];
  size_t n = 0;
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET6, "::1", out, 15, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(16u, n);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, "1.2.3.4", nullptr, 0, &n), SOCK_ERR_RANGE, 0);
  EXPECT_EQ(4u, n);
  ASSERT_PS_OK(net_inet_pton(NET_AF_INET, "1.2.3.4", out, 4, &n));
  EXPECT_EQ(4u, n);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, nullptr, out, 4, &n), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(net_inet_pton(NET_AF_INET, "1.2.3.4", nullptr, 4, &n), SOCK_ERR_VALUE, 0);
}

TEST(InetNtop, Item10_Ipv6CanonicalText) {
  const std::pair<const char *, const char *> cases[] = {
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"FE80:0000:0000:0000:0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329"},
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
      {"1:0:0:0:2:0:0:3", "1::2:0:0:3"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
      {"0:0:1:0:0:0:0:0", "0:0:1::"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"}};
  for (const auto &[text, canonical] : cases) {
    EXPECT_EQ(canonical, ntop(NET_AF_INET6, unhex(pton(NET_AF_INET6, text)))) << text;
  }
}

TEST(InetNtop, Item11_DottedTailOnlyForMappedAndCompatibleAddresses) {
  const std::pair<const char *, const char *> cases[] = {
      {"00000000000000000000ffff01020304", "::ffff:1.2.3.4"},
      {"00000000000000000000000001020304", "::1.2.3.4"},
      {"00000000000000000000ffff00000000", "::ffff:0.0.0.0"},
      {"00000000000000000000000000010000", "::0.1.0.0"},
      {"00000000000000000000000000000002", "::2"},
      {"0064ff9b000000000000000001020304", "64:ff9b::102:304"}};
  for (const auto &[packed, text] : cases) EXPECT_EQ(text, ntop(NET_AF_INET6, unhex(packed)));
}

TEST(InetNtop, Item12_WrongLengthsAndFamiliesAreValueErrors) {
  EXPECT_EQ("1.2.3.4", ntop(NET_AF_INET, {1, 2, 3, 4}));
  EXPECT_EQ(kNtopLength, ntop(NET_AF_INET, {1, 2, 3}));
  EXPECT_EQ(kNtopLength, ntop(NET_AF_INET, {1, 2, 3, 4, 5}));
  EXPECT_EQ(kNtopLength, ntop(NET_AF_INET6, std::vector<unsigned char>(15)));
  EXPECT_EQ(kNtopLength, ntop(NET_AF_INET6, std::vector<unsigned char>(17)));
  EXPECT_EQ(kNtopLength, ntop(NET_AF_INET6, std::vector<unsigned char>(4)));
  EXPECT_EQ("VALUE[0]: unknown address family 99", ntop(99, {1, 2, 3, 4}));
}

TEST(InetNtop, SmallBufferIsRangeAndInet6AddrstrlenAlwaysFits) {
  const std::vector<unsigned char> widest =
      unhex("ffffffffffffffffffffffffffffffff");  // "ffff:...:ffff", 39 characters
  char buf[NET_INET6_ADDRSTRLEN];
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET6, widest.data(), 16, buf, 39), SOCK_ERR_RANGE, 0);
  ASSERT_PS_OK(net_inet_ntop(NET_AF_INET6, widest.data(), 16, buf, 40));
  EXPECT_STREQ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", buf);
  const std::vector<unsigned char> mapped = unhex("00000000000000000000ffffffffffff");
  ASSERT_PS_OK(net_inet_ntop(NET_AF_INET6, mapped.data(), 16, buf, sizeof buf));
  EXPECT_STREQ("::ffff:255.255.255.255", buf);
  EXPECT_PS_ERR(net_inet_ntop(NET_AF_INET, nullptr, 4, buf, sizeof buf), SOCK_ERR_VALUE, 0);
}

}  // namespace
