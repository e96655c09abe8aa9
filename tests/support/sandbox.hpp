// A forked child with its own network namespace (lo up, no other interface) and
// its own mount namespace, in which private files are bind-mounted over real ones
// (/etc/hosts, /etc/resolv.conf): for tests whose names must resolve in a way the
// machine's files do not, without touching those files. Not /etc/gai.conf: glibc
// reads it once per process, and the child keeps what the parent had read.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace polysock_test {

struct PrivateFile {
  std::string path;     // the real file it hides, which must exist
  std::string content;  // what the child reads there instead
};

// Runs probe in the sandboxed child and returns the lines it returned. Needs root
// (CAP_SYS_ADMIN): when the sandbox cannot be made, the only line is "SKIP <why>";
// a child that does not finish within timeout_seconds is killed, and the last
// line is "FAIL ...".
std::vector<std::string> run_in_sandbox(const std::vector<PrivateFile> &files,
                                        const std::function<std::vector<std::string>()> &probe,
                                        int timeout_seconds = 60);

}  // namespace polysock_test
