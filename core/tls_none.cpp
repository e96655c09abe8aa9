// A build without TLS (POLYSOCK_TLS=OFF): no socket ever has a session, so these
// are never reached; they exist so that socket.cpp needs no conditional code.
#include "error.hpp"
#include "socket.hpp"

namespace polysock {
namespace {
int not_configured() {
  return fail_not_configured(
      "TLS support is not configured in this build of polysock (POLYSOCK_TLS=OFF)");
}
}  // namespace

void TlsSessionDeleter::operator()(TlsSession *) const {}

int Socket::tls_wrap(TlsSessionPtr, bool) { return not_configured(); }
int Socket::tls_do_handshake() { return not_configured(); }
int Socket::tls_unwrap() { return not_configured(); }
bool Socket::tls_has_pending() const { return false; }
int Socket::tls_recv(TlsSession *, void *, std::size_t, int, std::size_t *) {
  return not_configured();
}
int Socket::tls_send(TlsSession *, const void *, std::size_t, int, std::size_t *) {
  return not_configured();
}
int Socket::tls_send_all(TlsSession *, const unsigned char *, std::size_t, int, const Deadline &,
                         std::size_t *) {
  return not_configured();
}
int Socket::tls_handshake_in_mode(TlsSession *) { return not_configured(); }
int Socket::tls_before_connect() { return not_configured(); }
int Socket::tls_after_connect() { return not_configured(); }
void Socket::tls_connect_failed() {}
int Socket::tls_accepted(std::unique_ptr<Socket> *) { return not_configured(); }
int Socket::tls_refuse(const char *) const { return not_configured(); }

}  // namespace polysock
