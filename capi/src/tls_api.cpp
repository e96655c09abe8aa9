// The extern "C" TLS functions (Python's ssl): check arguments, turn handles into
// core objects (core/tls.hpp), copy results out. Contexts and memory objects have
// handle tables of their own; a TLS socket is an ordinary socket handle.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "../../core/tls.hpp"
#include "capi.hpp"
#include "polysock/polysock.h"

// The opaque certificate of the header.
struct tls_cert {
  polysock::TlsCert cert;
};

namespace polysock {
namespace {

static_assert(TLS_ERROR_SSL == kTlsErrorSsl && TLS_ERROR_WANT_READ == kTlsErrorWantRead &&
                  TLS_ERROR_WANT_WRITE == kTlsErrorWantWrite &&
                  TLS_ERROR_SYSCALL == kTlsErrorSyscall &&
                  TLS_ERROR_ZERO_RETURN == kTlsErrorZeroReturn && TLS_ERROR_EOF == kTlsErrorEof,
              "the C ABI's TLS error kinds are the core's");

enum : std::uint8_t { kContextHandles = 3, kObjectHandles = 4 };

// An object per TLS connection (as many as sockets); contexts are shared.
using ContextTable = HandleTable<std::shared_ptr<TlsContext>, kContextHandles, 16>;
using ObjectTable = HandleTable<TlsSession, kObjectHandles, 20>;

int lookup_context(tls_context c, ContextTable::Ref *out) {
  return ContextTable::acquire(c, out) == ContextTable::Lookup::kOk ? kOk : fail_os(EBADF);
}
int lookup_object(tls_object o, ObjectTable::Ref *out) {
  return ObjectTable::acquire(o, out) == ObjectTable::Lookup::kOk ? kOk : fail_os(EBADF);
}

template <class Table>
int close_handle(std::uint64_t h) {
  typename Table::Closing ref;
  switch (Table::close(h, &ref)) {
    case Table::Lookup::kClosed:
      return kOk;
    case Table::Lookup::kNeverIssued:
      return fail_os(EBADF);
    case Table::Lookup::kOk:
      break;
  }
  return kOk;  // the last reference frees it
}

int publish_context(std::shared_ptr<TlsContext> ctx, tls_context *out) {
  auto *holder = new std::shared_ptr<TlsContext>(std::move(ctx));
  const tls_context h = ContextTable::insert(holder);
  if (h == 0) {
    delete holder;
    return fail_nomem();
  }
  *out = h;
  return kOk;
}

// The engine behind a socket handle that is (still) a TLS socket.
int tls_of(const SocketRef &s, TlsSession **out) {
  *out = s->tls();
  if (*out == nullptr) return fail_value("not an SSLSocket (never wrapped, or unwrapped)");
  return kOk;
}

// The getters shared by SSLSocket and SSLObject.
int version_out(const TlsSession &s, char *buf, std::size_t buflen, std::size_t *out_len) {
  return copy_out(s.version(), buf, buflen, out_len);
}

int cipher_out(const TlsSession &s, tls_cipher_info *out) {
  if (out == nullptr) return fail_null("out");
  std::string name, protocol;
  int bits = 0;
  if (int st = s.cipher(&name, &protocol, &bits)) return st;
  if (name.size() >= sizeof out->name || protocol.size() >= sizeof out->protocol) {
    return fail_range();
  }
  std::memset(out, 0, sizeof *out);
  std::memcpy(out->name, name.data(), name.size());
  std::memcpy(out->protocol, protocol.data(), protocol.size());
  out->secret_bits = bits;
  return kOk;
}

int alpn_out(const TlsSession &s, char *buf, std::size_t buflen, std::size_t *out_len) {
  return copy_out(s.alpn(), buf, buflen, out_len);
}

int cert_out(const TlsSession &s, tls_cert **out) {
  if (out == nullptr) return fail_null("out");
  *out = nullptr;
  std::unique_ptr<TlsCert> cert;
  if (int st = s.peer_cert(&cert)) return st;
  if (!cert) return kOk;  // None: the peer sent no certificate
  auto *c = new tls_cert{std::move(*cert)};
  *out = c;
  return kOk;
}

const std::vector<TlsCert::Entry> *cert_list(const tls_cert *c, int list) {
  switch (list) {
    case TLS_CERT_SUBJECT:
      return &c->cert.subject;
    case TLS_CERT_ISSUER:
      return &c->cert.issuer;
    case TLS_CERT_SAN:
      return &c->cert.san;
    default:
      return nullptr;
  }
}

template <std::size_t N>
bool fits(const std::string &s, const char (&)[N]) {
  return s.size() < N;
}

template <std::size_t N>
void put(char (&dst)[N], const std::string &s) {
  const std::size_t n = std::min(s.size(), N - 1);
  std::memcpy(dst, s.data(), n);
  dst[n] = '\0';
}

int check_hostname_arg(const char *hostname) {
  if (hostname != nullptr && (hostname[0] == '\0' || hostname[0] == '.')) {
    return fail_value("server_hostname cannot be an empty string or start with a leading dot.");
  }
  return kOk;
}

}  // namespace
}  // namespace polysock

using polysock::fail_null;
using polysock::fail_value;
using polysock::guarded;
using polysock::kOk;

extern "C" {

int tls_available(void) { return 1; }

int tls_openssl_version(char *buf, size_t buflen, size_t *out_len) {
  return guarded(
      [&] { return polysock::copy_out(polysock::openssl_version(), buf, buflen, out_len); });
}

int tls_last_error(tls_error_info *out) {
  if (out == nullptr) return fail_null("out");
  const polysock::TlsErrorDetail &d = polysock::last_tls_error();
  std::memset(out, 0, sizeof *out);
  out->kind = d.kind;
  polysock::put(out->library, d.library);
  polysock::put(out->reason, d.reason);
  out->verify_code = d.verify_code;
  polysock::put(out->verify_message, d.verify_message);
  return kOk;
}

int tls_context_create(int protocol, tls_context *out) {
  return guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    std::shared_ptr<polysock::TlsContext> ctx;
    if (int st = polysock::TlsContext::create(protocol, &ctx)) return st;
    return polysock::publish_context(std::move(ctx), out);
  });
}

int tls_context_create_default(int purpose, tls_context *out) {
  return guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    if (purpose != TLS_PURPOSE_SERVER_AUTH && purpose != TLS_PURPOSE_CLIENT_AUTH) {
      return fail_value("purpose must be TLS_PURPOSE_SERVER_AUTH or TLS_PURPOSE_CLIENT_AUTH");
    }
    // Python's create_default_context: a client context to authenticate servers, or
    // a server context, with the system's CA store either way.
    std::shared_ptr<polysock::TlsContext> ctx;
    const int protocol =
        purpose == TLS_PURPOSE_SERVER_AUTH ? TLS_PROTOCOL_TLS_CLIENT : TLS_PROTOCOL_TLS_SERVER;
    if (int st = polysock::TlsContext::create(protocol, &ctx)) return st;
    if (int st = ctx->load_default_certs()) return st;
    return polysock::publish_context(std::move(ctx), out);
  });
}

int tls_context_close(tls_context ctx) {
  return guarded([&] { return polysock::close_handle<polysock::ContextTable>(ctx); });
}

// The context setters and getters: one lookup, one core call.
#define POLYSOCK_WITH_CONTEXT(ctx, body)                         \
  guarded([&]() -> int {                                         \
    polysock::ContextTable::Ref ref;                             \
    if (int st = polysock::lookup_context(ctx, &ref)) return st; \
    polysock::TlsContext &c = **ref.get();                       \
    body                                                         \
  })

int tls_context_load_cert_chain(tls_context ctx, const char *certfile, const char *keyfile,
                                const char *password) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.load_cert_chain(certfile, keyfile, password); });
}

int tls_context_load_verify_locations(tls_context ctx, const char *cafile, const char *capath,
                                      const void *cadata, size_t cadata_len) {
  return POLYSOCK_WITH_CONTEXT(
      ctx, { return c.load_verify_locations(cafile, capath, cadata, cadata_len); });
}

int tls_context_load_default_certs(tls_context ctx, int purpose) {
  return POLYSOCK_WITH_CONTEXT(ctx, {
    if (purpose != TLS_PURPOSE_SERVER_AUTH && purpose != TLS_PURPOSE_CLIENT_AUTH) {
      return fail_value("purpose must be TLS_PURPOSE_SERVER_AUTH or TLS_PURPOSE_CLIENT_AUTH");
    }
    return c.load_default_certs();
  });
}

int tls_context_set_verify_mode(tls_context ctx, int mode) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_verify_mode(mode); });
}

int tls_context_get_verify_mode(tls_context ctx, int *out) {
  return POLYSOCK_WITH_CONTEXT(ctx, {
    if (out == nullptr) return fail_null("out");
    *out = c.verify_mode();
    return kOk;
  });
}

int tls_context_set_check_hostname(tls_context ctx, int on) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_check_hostname(on != 0); });
}

int tls_context_get_check_hostname(tls_context ctx, int *out) {
  return POLYSOCK_WITH_CONTEXT(ctx, {
    if (out == nullptr) return fail_null("out");
    *out = c.check_hostname() ? 1 : 0;
    return kOk;
  });
}

int tls_context_set_minimum_version(tls_context ctx, int version) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_version(false, version); });
}

int tls_context_get_minimum_version(tls_context ctx, int *out) {
  return POLYSOCK_WITH_CONTEXT(ctx, {
    if (out == nullptr) return fail_null("out");
    *out = c.version(false);
    return kOk;
  });
}

int tls_context_set_maximum_version(tls_context ctx, int version) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_version(true, version); });
}

int tls_context_get_maximum_version(tls_context ctx, int *out) {
  return POLYSOCK_WITH_CONTEXT(ctx, {
    if (out == nullptr) return fail_null("out");
    *out = c.version(true);
    return kOk;
  });
}

int tls_context_set_ciphers(tls_context ctx, const char *ciphers) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_ciphers(ciphers); });
}

int tls_context_set_alpn_protocols(tls_context ctx, const char *protocols) {
  return POLYSOCK_WITH_CONTEXT(ctx, { return c.set_alpn_protocols(protocols); });
}

int tls_wrap_socket(tls_context ctx, sock_handle sock, int server_side, const char *server_hostname,
                    unsigned int flags, sock_handle *out) {
  return guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    if ((flags & ~(TLS_WRAP_NO_HANDSHAKE | TLS_WRAP_RAGGED_EOF_ERROR)) != 0) {
      return fail_value("unknown tls_wrap_socket flags");
    }
    polysock::ContextTable::Ref cref;
    if (int st = polysock::lookup_context(ctx, &cref)) return st;
    const std::shared_ptr<polysock::TlsContext> &context = *cref.get();
    polysock::TlsSession::Options opts;
    opts.server_side = server_side != 0;
    opts.handshake_on_connect = (flags & TLS_WRAP_NO_HANDSHAKE) == 0;
    opts.suppress_ragged_eofs = (flags & TLS_WRAP_RAGGED_EOF_ERROR) == 0;
    opts.check_hostname = context->check_hostname();
    // Python's SSLSocket._create checks, in its order; sock is untouched if one fails.
    if (opts.server_side && server_hostname != nullptr) {
      return fail_value("server_hostname can only be specified in client mode");
    }
    if (int st = polysock::check_hostname_arg(server_hostname)) return st;
    if (!opts.server_side && opts.check_hostname && server_hostname == nullptr) {
      return fail_value("check_hostname requires server_hostname");
    }
    if (server_hostname != nullptr) opts.hostname = server_hostname;
    int family = 0, type = 0, proto = 0;
    polysock::Nanos timeout = 0;
    bool connected = false;
    {
      polysock::SocketRef s;
      if (int st = polysock::lookup(sock, &s)) return st;
      if (s->tls() != nullptr) return fail_value("the socket is already an SSLSocket");
      if (s->type() != NET_SOCK_STREAM) return fail_value("only stream sockets are supported");
      family = s->family();
      type = s->type();
      proto = s->proto();
      timeout = s->timeout();
      polysock::SockAddr peer;
      if (s->getpeername(&peer) == kOk) {
        connected = true;
      } else if (polysock::last_errno() != ENOTCONN) {
        return polysock::fail_os(polysock::last_errno());
      }
      if (connected && opts.handshake_on_connect && timeout == 0) {
        return fail_value(
            "do_handshake_on_connect should not be specified for non-blocking sockets");
      }
    }
    std::unique_ptr<polysock::TlsSession> session;
    if (int st = polysock::TlsSession::create_for_socket(context, opts, &session)) return st;
    // As Python: the new socket takes the descriptor, family, type, proto and timeout,
    // and the old one is detached.
    int fd = -1;
    if (int st = sock_detach(sock, &fd)) return st;
    if (fd < 0) return polysock::fail_os(EBADF);  // closed under us
    std::unique_ptr<polysock::Socket> wrapped;
    if (int st = polysock::Socket::from_fileno(fd, family, type, proto, &wrapped)) {
      ::close(fd);
      return st;
    }
    if (int st = wrapped->settimeout(timeout)) return st;
    if (int st = wrapped->tls_wrap(polysock::TlsSessionPtr(session.release()), connected)) {
      return st;  // the handshake failed: Python closes the socket (wrapped does here)
    }
    return polysock::publish(std::move(wrapped), out);
  });
}

// The SSLSocket methods: one lookup, the socket's session.
#define POLYSOCK_WITH_SOCKET_TLS(h, body)            \
  guarded([&]() -> int {                             \
    polysock::SocketRef s;                           \
    if (int st = polysock::lookup(h, &s)) return st; \
    polysock::TlsSession *t = nullptr;               \
    if (int st = polysock::tls_of(s, &t)) return st; \
    body                                             \
  })

int sock_tls_do_handshake(sock_handle h) {
  return guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->tls_do_handshake();
  });
}

int sock_tls_unwrap(sock_handle h) {
  return guarded([&]() -> int {
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->tls_unwrap();
  });
}

int sock_tls_do_handshake_ex(sock_handle h, int flags) {
  return guarded([&]() -> int {
    if ((flags & ~NET_MSG_DONTWAIT) != 0) return fail_value("flags must be 0 or MSG_DONTWAIT");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->tls_do_handshake((flags & NET_MSG_DONTWAIT) != 0);
  });
}

int sock_tls_unwrap_ex(sock_handle h, int flags) {
  return guarded([&]() -> int {
    if ((flags & ~NET_MSG_DONTWAIT) != 0) return fail_value("flags must be 0 or MSG_DONTWAIT");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    return s->tls_unwrap((flags & NET_MSG_DONTWAIT) != 0);
  });
}

int sock_tls_is_wrapped(sock_handle h, int *out) {
  return guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    polysock::SocketRef s;
    if (int st = polysock::lookup(h, &s)) return st;
    *out = s->tls() != nullptr ? 1 : 0;
    return kOk;
  });
}

int sock_tls_pending(sock_handle h, size_t *out) {
  return POLYSOCK_WITH_SOCKET_TLS(h, {
    if (out == nullptr) return fail_null("out");
    *out = t->pending();
    return kOk;
  });
}

int sock_tls_version(sock_handle h, char *buf, size_t buflen, size_t *out_len) {
  return POLYSOCK_WITH_SOCKET_TLS(h, { return polysock::version_out(*t, buf, buflen, out_len); });
}

int sock_tls_cipher(sock_handle h, tls_cipher_info *out) {
  return POLYSOCK_WITH_SOCKET_TLS(h, { return polysock::cipher_out(*t, out); });
}

int sock_tls_selected_alpn_protocol(sock_handle h, char *buf, size_t buflen, size_t *out_len) {
  return POLYSOCK_WITH_SOCKET_TLS(h, { return polysock::alpn_out(*t, buf, buflen, out_len); });
}

int sock_tls_server_side(sock_handle h, int *out) {
  return POLYSOCK_WITH_SOCKET_TLS(h, {
    if (out == nullptr) return fail_null("out");
    *out = t->options().server_side ? 1 : 0;
    return kOk;
  });
}

int sock_tls_getpeercert(sock_handle h, tls_cert **out) {
  return POLYSOCK_WITH_SOCKET_TLS(h, { return polysock::cert_out(*t, out); });
}

int tls_cert_get_info(const tls_cert *cert, tls_cert_info *out) {
  if (cert == nullptr) return fail_null("cert");
  if (out == nullptr) return fail_null("out");
  const polysock::TlsCert &c = cert->cert;
  if (!polysock::fits(c.serial_number, out->serial_number) ||
      !polysock::fits(c.not_before, out->not_before) ||
      !polysock::fits(c.not_after, out->not_after)) {
    return polysock::fail_range();
  }
  std::memset(out, 0, sizeof *out);
  out->validated = c.validated ? 1 : 0;
  out->version = c.version;
  polysock::put(out->serial_number, c.serial_number);
  polysock::put(out->not_before, c.not_before);
  polysock::put(out->not_after, c.not_after);
  return kOk;
}

int tls_cert_entry_count(const tls_cert *cert, int list, size_t *out) {
  if (cert == nullptr) return fail_null("cert");
  if (out == nullptr) return fail_null("out");
  const auto *entries = polysock::cert_list(cert, list);
  if (entries == nullptr)
    return fail_value("list must be TLS_CERT_SUBJECT, TLS_CERT_ISSUER or TLS_CERT_SAN");
  *out = entries->size();
  return kOk;
}

int tls_cert_get_entry(const tls_cert *cert, int list, size_t i, tls_cert_entry *out) {
  if (cert == nullptr) return fail_null("cert");
  if (out == nullptr) return fail_null("out");
  const auto *entries = polysock::cert_list(cert, list);
  if (entries == nullptr)
    return fail_value("list must be TLS_CERT_SUBJECT, TLS_CERT_ISSUER or TLS_CERT_SAN");
  if (i >= entries->size()) return fail_value("entry index out of range");
  const polysock::TlsCert::Entry &e = (*entries)[i];
  if (!polysock::fits(e.name, out->name) || !polysock::fits(e.value, out->value)) {
    return polysock::fail_range();
  }
  std::memset(out, 0, sizeof *out);
  out->rdn = e.rdn;
  polysock::put(out->name, e.name);
  polysock::put(out->value, e.value);
  return kOk;
}

int tls_cert_der(const tls_cert *cert, void *buf, size_t buflen, size_t *out_len) {
  if (cert == nullptr) return fail_null("cert");
  if (buf == nullptr && buflen != 0) return fail_null("buf");
  const std::string &der = cert->cert.der;
  if (out_len != nullptr) *out_len = der.size();
  if (buflen < der.size()) return polysock::fail_range();
  if (!der.empty()) std::memcpy(buf, der.data(), der.size());
  return kOk;
}

void tls_cert_free(tls_cert *cert) { delete cert; }

int tls_context_wrap_bio(tls_context ctx, int server_side, const char *server_hostname,
                         tls_object *out) {
  return guarded([&]() -> int {
    if (out == nullptr) return fail_null("out");
    polysock::ContextTable::Ref cref;
    if (int st = polysock::lookup_context(ctx, &cref)) return st;
    const std::shared_ptr<polysock::TlsContext> &context = *cref.get();
    polysock::TlsSession::Options opts;
    opts.server_side = server_side != 0;
    opts.check_hostname = context->check_hostname();
    opts.suppress_ragged_eofs = false;  // SSLObject has no such option: it raises SSLEOFError
    if (opts.server_side && server_hostname != nullptr) {
      return fail_value("server_hostname can only be specified in client mode");
    }
    if (int st = polysock::check_hostname_arg(server_hostname)) return st;
    if (!opts.server_side && opts.check_hostname && server_hostname == nullptr) {
      return fail_value("check_hostname requires server_hostname");
    }
    if (server_hostname != nullptr) opts.hostname = server_hostname;
    std::unique_ptr<polysock::TlsSession> session;
    if (int st = polysock::TlsSession::create_memory(context, opts, &session)) return st;
    const tls_object h = polysock::ObjectTable::insert(session.get());
    if (h == 0) return polysock::fail_nomem();
    session.release();
    *out = h;
    return kOk;
  });
}

int tls_object_close(tls_object obj) {
  return guarded([&] { return polysock::close_handle<polysock::ObjectTable>(obj); });
}

// The SSLObject methods: one lookup, one engine call.
#define POLYSOCK_WITH_OBJECT(obj, body)                         \
  guarded([&]() -> int {                                        \
    polysock::ObjectTable::Ref ref;                             \
    if (int st = polysock::lookup_object(obj, &ref)) return st; \
    polysock::TlsSession &t = *ref.get();                       \
    body                                                        \
  })

int tls_object_feed(tls_object obj, const void *buf, size_t len) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (buf == nullptr && len != 0) return fail_null("buf");
    return t.feed(buf, len);
  });
}

int tls_object_feed_eof(tls_object obj) {
  return POLYSOCK_WITH_OBJECT(obj, { return t.feed_eof(); });
}

int tls_object_drain(tls_object obj, void *buf, size_t len, size_t *out_n) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (out_n == nullptr) return fail_null("out_n");
    if (buf == nullptr && len != 0) return fail_null("buf");
    return t.drain(buf, len, out_n);
  });
}

int tls_object_outgoing_pending(tls_object obj, size_t *out) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (out == nullptr) return fail_null("out");
    *out = t.outgoing_pending();
    return kOk;
  });
}

int tls_object_do_handshake(tls_object obj) {
  return POLYSOCK_WITH_OBJECT(obj, {
    short want = 0;
    return t.handshake(&want);
  });
}

int tls_object_read(tls_object obj, void *buf, size_t len, size_t *out_n) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (out_n == nullptr) return fail_null("out_n");
    if (buf == nullptr && len != 0) return fail_null("buf");
    short want = 0;
    if (len == 0) {
      *out_n = 0;
      return kOk;
    }
    return t.read(buf, len, out_n, &want);
  });
}

int tls_object_write(tls_object obj, const void *buf, size_t len, size_t *out_n) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (out_n == nullptr) return fail_null("out_n");
    if (buf == nullptr && len != 0) return fail_null("buf");
    *out_n = 0;
    if (len == 0) return kOk;
    // All of it: the outgoing buffer grows, so only the handshake can hold it back.
    std::size_t done = 0;
    while (done < len) {
      short want = 0;
      std::size_t n = 0;
      if (int st = t.write(static_cast<const unsigned char *>(buf) + done, len - done, &n, &want)) {
        *out_n = done;
        return st;
      }
      done += n;
    }
    *out_n = done;
    return kOk;
  });
}

int tls_object_pending(tls_object obj, size_t *out) {
  return POLYSOCK_WITH_OBJECT(obj, {
    if (out == nullptr) return fail_null("out");
    *out = t.pending();
    return kOk;
  });
}

int tls_object_unwrap(tls_object obj) {
  return POLYSOCK_WITH_OBJECT(obj, {
    short want = 0;
    return t.shutdown(&want);
  });
}

int tls_object_version(tls_object obj, char *buf, size_t buflen, size_t *out_len) {
  return POLYSOCK_WITH_OBJECT(obj, { return polysock::version_out(t, buf, buflen, out_len); });
}

int tls_object_cipher(tls_object obj, tls_cipher_info *out) {
  return POLYSOCK_WITH_OBJECT(obj, { return polysock::cipher_out(t, out); });
}

int tls_object_selected_alpn_protocol(tls_object obj, char *buf, size_t buflen, size_t *out_len) {
  return POLYSOCK_WITH_OBJECT(obj, { return polysock::alpn_out(t, buf, buflen, out_len); });
}

int tls_object_getpeercert(tls_object obj, tls_cert **out) {
  return POLYSOCK_WITH_OBJECT(obj, { return polysock::cert_out(t, out); });
}

}  // extern "C"
