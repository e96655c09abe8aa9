#include "tls_certs.hpp"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace polysock_test {
namespace {

std::string g_dir;  // removed at exit

void remove_dir() {
  if (g_dir.rfind("/tmp/polysock-tls-", 0) == 0) {
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
  }
}

std::string read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

const TlsCerts &tls_certs() {
  static const TlsCerts certs = [] {
    TlsCerts k;
    char tmpl[] = "/tmp/polysock-tls-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      k.error = "mkdtemp failed";
      return k;
    }
    g_dir = tmpl;
    std::atexit(remove_dir);
    const std::string d = g_dir + "/";
    const std::string log = d + "openssl.log";
    // Every argument is ours (no spaces, no quotes): the shell only runs openssl.
    auto run = [&](const std::string &args) {
      if (!k.error.empty()) return;
      const std::string cmd = "openssl " + args + " >>" + log + " 2>&1";
      if (std::system(cmd.c_str()) != 0) k.error = "failed: " + cmd + "\n" + read_file(log);
    };
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto make_ca = [&](const std::string &name, const std::string &cn) {
      run("req -x509 " + ec + " -keyout " + d + name + ".key -out " + d + name +
          ".pem -days 2 -subj '/O=polysock tests/CN=" + cn +
          "' -addext basicConstraints=critical,CA:TRUE -addext "
          "keyUsage=critical,keyCertSign,cRLSign");
    };
    auto make_leaf = [&](const std::string &name, const std::string &ca, const std::string &subj,
                         const std::string &ext) {
      std::ofstream(d + name + ".ext") << ext;
      run("req -new " + ec + " -keyout " + d + name + ".key -out " + d + name + ".csr -subj '" +
          subj + "'");
      run("x509 -req -in " + d + name + ".csr -CA " + d + ca + ".pem -CAkey " + d + ca +
          ".key -CAcreateserial -days 2 -extfile " + d + name + ".ext -out " + d + name + ".pem");
    };
    const std::string server_ext =
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    make_ca("ca", "polysock test CA");
    make_leaf("server", "ca", "/C=XX/O=polysock tests/OU=interop/CN=localhost", server_ext);
    make_leaf(
        "client", "ca", "/O=polysock tests/CN=polysock test client",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
    make_ca("other_ca", "untrusted CA");
    make_leaf("other_server", "other_ca", "/O=somebody else/CN=localhost", server_ext);
    run("x509 -in " + d + "server.pem -outform DER -out " + d + "server.der");
    if (!k.error.empty()) return k;
    k.dir = g_dir;
    k.ca = d + "ca.pem";
    k.ca_key = d + "ca.key";
    k.server = d + "server.pem";
    k.server_key = d + "server.key";
    k.server_der = d + "server.der";
    k.client = d + "client.pem";
    k.client_key = d + "client.key";
    k.other_ca = d + "other_ca.pem";
    k.other_server = d + "other_server.pem";
    k.other_server_key = d + "other_server.key";
    return k;
  }();
  return certs;
}

}  // namespace polysock_test
