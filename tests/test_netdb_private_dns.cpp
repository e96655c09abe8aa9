// The lookups whose answer comes from DNS: unknown names and addresses
// (python_contract.md items 16, 17, 23, 26 and 27). No test may use the network, so
// these run in a child process with its own network and mount namespaces: there
// /etc/resolv.conf names 127.0.0.1, where a small responder answers every query
// "no such name" (NXDOMAIN), as the reference machine's resolver did. Without the
// privilege to make namespaces (not root) the tests are skipped.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <polysock/polysock.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <sstream>
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

// In the child: private mounts and network, lo up, resolv.conf pointing at 127.0.0.1.
bool enter_sandbox(std::string *why) {
  if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) {
    *why = std::string("unshare: ") + std::strerror(errno);
    return false;
  }
  // Nothing mounted here may propagate back to the host.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = std::string("mount private: ") + std::strerror(errno);
    return false;
  }
  char path[] = "/tmp/polysock-resolv-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    *why = std::string("mkstemp: ") + std::strerror(errno);
    return false;
  }
  const char conf[] = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
  const bool written = write(fd, conf, sizeof conf - 1) == static_cast<ssize_t>(sizeof conf - 1);
  close(fd);
  const bool mounted = written && mount(path, "/etc/resolv.conf", nullptr, MS_BIND, nullptr) == 0;
  const int mount_errno = errno;
  unlink(path);
  if (!mounted) {
    *why = std::string("bind-mount /etc/resolv.conf: ") + std::strerror(mount_errno);
    return false;
  }
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  up = up && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  if (s >= 0) close(s);
  if (!up) *why = std::string("bring lo up: ") + std::strerror(errno);
  return up;
}

// Runs probe in a sandboxed child and returns its lines; "SKIP <why>" if the child
// could not make its sandbox.
std::vector<std::string> run_with_private_dns(
    const std::function<std::vector<std::string>()> &probe) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {"FAIL pipe"};
  const pid_t pid = fork();
  if (pid < 0) return {"FAIL fork"};
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string out;
    std::string why;
    if (!enter_sandbox(&why)) {
      out = "SKIP " + why + "\n";
    } else {
      NxdomainResponder dns;
      if (!dns.start(&why)) {
        out = "SKIP " + why + "\n";
      } else {
        for (const std::string &line : probe()) out += line + "\n";
        out += "answered " + std::to_string(dns.answered() > 0 ? 1 : 0) + "\n";
      }
    }
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t w = write(pipe_fds[1], out.data() + off, out.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      kill(pid, SIGKILL);
      text += "FAIL the sandboxed child did not finish in 60 s\n";
      break;
    }
    char buf[4096];
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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
