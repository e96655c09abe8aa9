// The sandboxed child of sandbox.hpp: fork, unshare, bind-mount, run, report by pipe.
#include "sandbox.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace polysock_test {
namespace {

std::string failed(const char *what) { return std::string(what) + ": " + std::strerror(errno); }

// Hides `file.path` behind a private copy. The mount() calls name a file system
// type although MS_BIND and MS_PRIVATE ignore it: valgrind checks the string.
bool mount_private_file(const PrivateFile &file, std::string *why) {
  char path[] = "/tmp/polysock-sandbox-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    *why = failed("mkstemp");
    return false;
  }
  const auto size = static_cast<ssize_t>(file.content.size());
  const bool written = write(fd, file.content.data(), file.content.size()) == size;
  close(fd);
  const bool mounted = written && mount(path, file.path.c_str(), "none", MS_BIND, nullptr) == 0;
  if (!mounted) *why = failed(("bind-mount " + file.path).c_str());
  unlink(path);  // the mount keeps the file alive
  return mounted;
}

bool enter_sandbox(const std::vector<PrivateFile> &files, std::string *why) {
  if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) {
    *why = failed("unshare");
    return false;
  }
  // Nothing mounted here may propagate back to the host.
  if (mount("none", "/", "none", MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = failed("mount private");
    return false;
  }
  for (const PrivateFile &file : files) {
    if (!mount_private_file(file, why)) return false;
  }
  const int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  up = up && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  if (!up) *why = failed("bring lo up");
  if (s >= 0) close(s);
  return up;
}

void write_all(int fd, const std::string &text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t w = write(fd, text.data() + off, text.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += static_cast<size_t>(w);
  }
}

}  // namespace

std::vector<std::string> run_in_sandbox(const std::vector<PrivateFile> &files,
                                        const std::function<std::vector<std::string>()> &probe,
                                        int timeout_seconds) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return {"FAIL " + failed("pipe")};
  const pid_t pid = fork();
  if (pid < 0) return {"FAIL " + failed("fork")};
  if (pid == 0) {
    close(pipe_fds[0]);
    std::string out;
    std::string why;
    if (!enter_sandbox(files, &why)) {
      out = "SKIP " + why + "\n";
    } else {
      for (const std::string &line : probe()) out += line + "\n";
    }
    write_all(pipe_fds[1], out);
    _exit(0);  // no atexit handlers, no gtest teardown: they are the parent's
  }
  close(pipe_fds[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int ready = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      kill(pid, SIGKILL);
      text += "\nFAIL the sandboxed child did not finish in " + std::to_string(timeout_seconds) +
              " s\n";
      break;
    }
    char buf[4096];
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
    lines.push_back("FAIL the sandboxed child died of signal " + std::to_string(WTERMSIG(status)));
  }
  return lines;
}

}  // namespace polysock_test
