#include "tls_certs.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <mutex>

namespace polysock_test {
namespace {

bool run(const std::string &cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

// A CA and a localhost certificate it signs, named prefix_ca.pem, prefix.pem, prefix.key.
bool make_pair(const std::string &dir, const std::string &prefix, const std::string &ca_name) {
  const std::string p = dir + "/" + prefix;
  return run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + ca_name +
             "' -keyout " + p + "_ca.key -out " + p + "_ca.pem") &&
         run("openssl req -newkey rsa:2048 -nodes -subj '/C=US/O=polysock/CN=localhost' -keyout " +
             p + ".key -out " + p + ".csr") &&
         run("openssl x509 -req -days 2 -in " + p + ".csr -CA " + p + "_ca.pem -CAkey " + p +
             "_ca.key -CAcreateserial -out " + p + ".pem -extfile " + dir + "/san.ext");
}

}  // namespace

const TlsCerts &tls_certs() {
  static TlsCerts certs;
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    char tmpl[] = "/tmp/polysock-tls-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return;
    const std::string dir = tmpl;
    std::ofstream(dir + "/san.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    if (!make_pair(dir, "server", "polysock test CA") ||
        !make_pair(dir, "other", "polysock untrusted CA")) {
      return;
    }
    certs = {dir,
             dir + "/server_ca.pem",
             dir + "/server.pem",
             dir + "/server.key",
             dir + "/other_ca.pem",
             dir + "/other.pem",
             dir + "/other.key"};
    ok = true;
  });
  EXPECT_TRUE(ok) << "the openssl command could not make the test certificates";
  return certs;
}

}  // namespace polysock_test
