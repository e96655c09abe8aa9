// The lookups whose answer comes from DNS: unknown names and addresses
// (python_contract.md items 16, 17, 23, 26 and 27). No test may use the network, so
// these run in a child process with its own network and mount namespaces: there
// /etc/resolv.conf names 127.0.0.1, where a small responder answers every query
// "no such name" (NXDOMAIN), as the reference machine's resolver did. Without the
// privilege to make namespaces (not root) the tests are skipped.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sandbox.hpp"
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

// Answers every DNS query on 127.0.0.1:53 with NXDOMAIN until stopped.
class NxdomainResponder {
 public:
  bool start(std::string *why) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(53);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&sin), sizeof sin) != 0) {
      *why = std::string("cannot bind 127.0.0.1:53: ") + std::strerror(errno);
      return false;
    }
    thread_ = std::thread([this] { serve(); });
    return true;
  }
  ~NxdomainResponder() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  int answered() const { return answered_; }

 private:
  void serve() {
    unsigned char msg[512];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      const ssize_t n =
          recvfrom(fd_, msg, sizeof msg, 0, reinterpret_cast<sockaddr *>(&from), &from_len);
      if (n < 12) continue;
      // The reply is the header and the question: skip the question's name and its
      // type and class.
      size_t end = 12;
      while (end < static_cast<size_t>(n) && msg[end] != 0) end += msg[end] + 1u;
      end += 1 + 4;
      if (end > static_cast<size_t>(n)) continue;
      msg[2] = static_cast<unsigned char>(0x80 | (msg[2] & 0x79));  // response; opcode, RD kept
      msg[3] = 0x80 | 3;                                            // RA, RCODE 3: NXDOMAIN
      std::memset(msg + 6, 0, 6);  // no answer, authority or additional records
      // Counted before the reply goes: the probe may read the count as soon as it
      // has its answer (a slow thread, as under TSan, lost this race).
      ++answered_;
      sendto(fd_, msg, end, 0, reinterpret_cast<sockaddr *>(&from), from_len);
    }
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

// Runs probe in a sandboxed child (sandbox.hpp) whose /etc/resolv.conf names
// 127.0.0.1, where the responder answers; "SKIP <why>" if no sandbox can be made.
std::vector<std::string> run_with_private_dns(
    const std::function<std::vector<std::string>()> &probe) {
  const polysock_test::PrivateFile resolv_conf{
      "/etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"};
  return polysock_test::run_in_sandbox({resolv_conf}, [&probe]() -> std::vector<std::string> {
    NxdomainResponder dns;
    std::string why;
    if (!dns.start(&why)) return {"SKIP " + why};
    std::vector<std::string> lines = probe();
    lines.push_back("answered " + std::to_string(dns.answered() > 0 ? 1 : 0));
    return lines;
  });
}

std::string hostbyname(const char *name) {
  char buf[64];
  const int st = net_gethostbyname(name, buf, sizeof buf, nullptr);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

std::string hostbyaddr(const char *ip) {
  net_hostent *he = nullptr;
  const int st = net_gethostbyaddr(ip, &he);
  if (st != SOCK_OK) return failure_text(st);
  char name[NET_NI_MAXHOST];
  net_hostent_name(he, name, sizeof name, nullptr);
  net_hostent_free(he);
  return name;
}

std::string addrinfo(const char *host, const char *port) {
  net_addrinfo_list *list = nullptr;
  const int st = net_getaddrinfo(host, port, 0, 0, 0, 0, &list);
  if (st != SOCK_OK) return failure_text(st);
  net_addrinfo_free(list);
  return "found";
}

std::string nameinfo(const char *host, int port, int flags) {
  char h[NET_NI_MAXHOST];
  char s[NET_NI_MAXSERV];
  const int st = net_getnameinfo(host, port, flags, h, sizeof h, s, sizeof s);
  return st == SOCK_OK ? "('" + std::string(h) + "', '" + s + "')" : failure_text(st);
}

std::string server_on(const char *host) {
  sock_handle h = 0;
  const int st = net_create_server(host, 0, NET_AF_INET, -1, 0, 0, &h);
  if (st != SOCK_OK) return failure_text(st);
  sock_close(h);
  return "listening";
}

std::string fqdn(const char *name) {
  char buf[NET_NI_MAXHOST];
  const int st = net_getfqdn(name, buf, sizeof buf, nullptr);
  return st == SOCK_OK ? std::string(buf) : failure_text(st);
}

// Runs the probe and compares its lines; skips when no sandbox can be made.
void expect_with_private_dns(const std::function<std::vector<std::string>()> &probe,
                             const std::vector<std::string> &expected) {
  const std::vector<std::string> got = run_with_private_dns(probe);
  ASSERT_FALSE(got.empty()) << "no output from the sandboxed child";
  if (got.front().rfind("SKIP ", 0) == 0) GTEST_SKIP() << got.front();
  std::vector<std::string> want = expected;
  want.push_back("answered 1");  // the queries reached the private responder
  EXPECT_EQ(want, got);
}

const char kNoName[] = "GAI[-2]: [Errno -2] Name or service not known";
const char kUnknownHost[] = "HOST[1]: [Errno 1] Unknown host";

TEST(PrivateDns, Item16_GethostbynameOfAnUnknownNameIsGaierrorNoname) {
  expect_with_private_dns(
      [] { return std::vector<std::string>{hostbyname("nonexistent.invalid")}; }, {kNoName});
}

TEST(PrivateDns, Item17_GethostbyaddrOfAnUnknownAddressIsHerrorUnknownHost) {
  expect_with_private_dns(
      [] {
        return std::vector<std::string>{hostbyaddr("::1"), hostbyaddr("10.1.2.3"),
                                        hostbyaddr("127.0.0.1")};
      },
      {kUnknownHost, kUnknownHost, "localhost"});
}

TEST(PrivateDns, Item17_GetfqdnOfAnUnknownNameIsTheNameItself) {
  expect_with_private_dns(
      [] {
        return std::vector<std::string>{fqdn("nonexistent.invalid"), fqdn("10.1.2.3")};
      },
      {"nonexistent.invalid", "10.1.2.3"});
}

TEST(PrivateDns, Item23_GetaddrinfoOfAnUnknownHostIsEaiNoname) {
  expect_with_private_dns(
      [] { return std::vector<std::string>{addrinfo("nonexistent.invalid", "80")}; }, {kNoName});
}

TEST(PrivateDns, Item26_GetnameinfoFallsBackToNumericWhenAnAddressHasNoName) {
  expect_with_private_dns(
      [] {
        return std::vector<std::string>{nameinfo("::1", 80, 0), nameinfo("127.0.0.1", 80, 0)};
      },
      {"('::1', 'http')", "('localhost', 'http')"});
}

TEST(PrivateDns, Item27_GetnameinfoNamereqdOnAnAddressWithoutANameIsEaiNoname) {
  expect_with_private_dns(
      [] { return std::vector<std::string>{nameinfo("127.0.0.2", 80, NET_NI_NAMEREQD)}; },
      {kNoName});
}

}  // namespace

TEST(PrivateDns, CreateServerOnAnUnknownHostIsOsErrorWithTheAddressAsPython) {
  // Python 3.11: OSError -2 "[Errno -2] Name or service not known (while attempting
  // to bind on address ('nonexistent.invalid', 0))", not a gaierror.
  expect_with_private_dns(
      [] { return std::vector<std::string>{server_on("nonexistent.invalid")}; },
      {"OS[-2]: [Errno -2] Name or service not known (while attempting to bind on address "
       "('nonexistent.invalid', 0))"});
}
