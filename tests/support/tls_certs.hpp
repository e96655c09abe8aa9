// Certificates for the TLS suites, made once per process by the `openssl` command
// (EC keys: milliseconds each) in a temporary directory that is removed at exit,
// never committed: a CA; a server certificate for localhost (subjectAltName
// DNS:localhost, IP:127.0.0.1), also as DER; a client certificate, both signed by
// the CA; and a second CA, unknown to the first, with a localhost certificate of its own.
#pragma once

#include <string>

namespace polysock_test {

struct TlsCerts {
  std::string dir;
  std::string ca, ca_key;                      // the trusted CA (PEM)
  std::string server, server_key, server_der;  // /C=XX/O=polysock tests/OU=interop/CN=localhost
  std::string client, client_key;              // for mutual TLS, signed by the CA
  std::string other_ca, other_server, other_server_key;  // an untrusted CA and its server cert
  std::string error;  // why making them failed, if it did (then the paths are empty)
};

// Made on first use; a test checks `error` (tls_certs().error.empty()).
const TlsCerts &tls_certs();

}  // namespace polysock_test
