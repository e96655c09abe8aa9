// Built without OpenSSL (POLYSOCK_TLS=OFF): every TLS function exists and says so.
#include "capi.hpp"

namespace polysock {
namespace {
int not_configured() {
  return fail_not_configured(
      "TLS support is not configured in this build of polysock (POLYSOCK_TLS=OFF)");
}
}  // namespace
}  // namespace polysock

using polysock::not_configured;

extern "C" {

int tls_available() { return 0; }

int tls_openssl_version(char * /*buf*/, size_t /*buflen*/, size_t * /*out_len*/) {
  return not_configured();
}

int tls_last_error(tls_error_info * /*out*/) { return not_configured(); }

int tls_context_create_default(int /*purpose*/, tls_context * /*out*/) { return not_configured(); }

int tls_context_create(int /*protocol*/, tls_context * /*out*/) { return not_configured(); }

int tls_context_close(tls_context /*ctx*/) { return not_configured(); }

int tls_context_load_cert_chain(tls_context /*ctx*/, const char * /*certfile*/,
                                const char * /*keyfile*/, const char * /*password*/) {
  return not_configured();
}

int tls_context_load_verify_locations(tls_context /*ctx*/, const char * /*cafile*/,
                                      const char * /*capath*/, const void * /*cadata*/,
                                      size_t /*cadata_len*/) {
  return not_configured();
}

int tls_context_load_default_certs(tls_context /*ctx*/, int /*purpose*/) {
  return not_configured();
}

int tls_context_set_verify_mode(tls_context /*ctx*/, int /*mode*/) { return not_configured(); }

int tls_context_get_verify_mode(tls_context /*ctx*/, int * /*out*/) { return not_configured(); }

int tls_context_set_check_hostname(tls_context /*ctx*/, int /*on*/) { return not_configured(); }

int tls_context_get_check_hostname(tls_context /*ctx*/, int * /*out*/) { return not_configured(); }

int tls_context_set_minimum_version(tls_context /*ctx*/, int /*version*/) {
  return not_configured();
}

int tls_context_get_minimum_version(tls_context /*ctx*/, int * /*out*/) { return not_configured(); }

int tls_context_set_maximum_version(tls_context /*ctx*/, int /*version*/) {
  return not_configured();
}

int tls_context_get_maximum_version(tls_context /*ctx*/, int * /*out*/) { return not_configured(); }

int tls_context_set_ciphers(tls_context /*ctx*/, const char * /*ciphers*/) {
  return not_configured();
}

int tls_context_set_alpn_protocols(tls_context /*ctx*/, const char * /*protocols*/) {
  return not_configured();
}

int tls_wrap_socket(tls_context /*ctx*/, sock_handle /*sock*/, int /*server_side*/,
                    const char * /*server_hostname*/, unsigned int /*flags*/,
                    sock_handle * /*out*/) {
  return not_configured();
}

int sock_tls_do_handshake(sock_handle /*h*/) { return not_configured(); }

int sock_tls_unwrap(sock_handle /*h*/) { return not_configured(); }

// Without TLS no socket is a TLS socket: a plain answer, so that code asking works.
int sock_tls_is_wrapped(sock_handle h, int *out) {
  return polysock::guarded([&]() -> int {
    if (out == nullptr) return polysock::fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    *out = 0;
    return polysock::kOk;
  });
}

int sock_tls_pending(sock_handle /*h*/, size_t * /*out*/) { return not_configured(); }

int sock_tls_version(sock_handle /*h*/, char * /*buf*/, size_t /*buflen*/, size_t * /*out_len*/) {
  return not_configured();
}

int sock_tls_cipher(sock_handle /*h*/, tls_cipher_info * /*out*/) { return not_configured(); }

int sock_tls_selected_alpn_protocol(sock_handle /*h*/, char * /*buf*/, size_t /*buflen*/,
                                    size_t * /*out_len*/) {
  return not_configured();
}

int sock_tls_server_side(sock_handle /*h*/, int * /*out*/) { return not_configured(); }

int sock_tls_getpeercert(sock_handle /*h*/, tls_cert ** /*out*/) { return not_configured(); }

int tls_cert_get_info(const tls_cert * /*cert*/, tls_cert_info * /*out*/) {
  return not_configured();
}

int tls_cert_entry_count(const tls_cert * /*cert*/, int /*list*/, size_t * /*out*/) {
  return not_configured();
}

int tls_cert_get_entry(const tls_cert * /*cert*/, int /*list*/, size_t /*i*/,
                       tls_cert_entry * /*out*/) {
  return not_configured();
}

int tls_cert_der(const tls_cert * /*cert*/, void * /*buf*/, size_t /*buflen*/,
                 size_t * /*out_len*/) {
  return not_configured();
}

void tls_cert_free(tls_cert * /*cert*/) {}

int tls_context_wrap_bio(tls_context /*ctx*/, int /*server_side*/, const char * /*server_hostname*/,
                         tls_object * /*out*/) {
  return not_configured();
}

int tls_object_close(tls_object /*obj*/) { return not_configured(); }

int tls_object_feed(tls_object /*obj*/, const void * /*buf*/, size_t /*len*/) {
  return not_configured();
}

int tls_object_feed_eof(tls_object /*obj*/) { return not_configured(); }

int tls_object_drain(tls_object /*obj*/, void * /*buf*/, size_t /*len*/, size_t * /*out_n*/) {
  return not_configured();
}

int tls_object_outgoing_pending(tls_object /*obj*/, size_t * /*out*/) { return not_configured(); }

int tls_object_do_handshake(tls_object /*obj*/) { return not_configured(); }

int tls_object_read(tls_object /*obj*/, void * /*buf*/, size_t /*len*/, size_t * /*out_n*/) {
  return not_configured();
}

int tls_object_write(tls_object /*obj*/, const void * /*buf*/, size_t /*len*/, size_t * /*out_n*/) {
  return not_configured();
}

int tls_object_pending(tls_object /*obj*/, size_t * /*out*/) { return not_configured(); }

int tls_object_unwrap(tls_object /*obj*/) { return not_configured(); }

int tls_object_version(tls_object /*obj*/, char * /*buf*/, size_t /*buflen*/,
                       size_t * /*out_len*/) {
  return not_configured();
}

int tls_object_cipher(tls_object /*obj*/, tls_cipher_info * /*out*/) { return not_configured(); }

int tls_object_selected_alpn_protocol(tls_object /*obj*/, char * /*buf*/, size_t /*buflen*/,
                                      size_t * /*out_len*/) {
  return not_configured();
}

int tls_object_getpeercert(tls_object /*obj*/, tls_cert ** /*out*/) { return not_configured(); }

}  // extern "C"
