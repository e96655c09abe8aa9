// Certificates for the TLS suites, made once per process by the `openssl` command
// in a temporary directory (never committed): a CA, a server certificate for
// localhost (subjectAltName DNS:localhost, IP:127.0.0.1) signed by it, and a second
// CA, unknown to the first, with a server certificate of its own.
#pragma once

#include <string>

namespace polysock_test {

struct TlsCerts {
  std::string dir;
  std::string ca;           // the trusted CA (PEM)
  std::string server_cert;  // CN=localhost, signed by ca
  std::string server_key;
  std::string other_ca;    // an untrusted CA
  std::string other_cert;  // CN=localhost, signed by other_ca
  std::string other_key;
};

// Made on first use; fails the calling test (and returns an empty dir) if openssl fails.
const TlsCerts &tls_certs();

}  // namespace polysock_test
