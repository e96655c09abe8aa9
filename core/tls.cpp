// The TLS engine on OpenSSL (see tls.hpp). CPython's Modules/_ssl.c is the model
// for the defaults, the error texts and the certificate dict; the comments say
// where polysock differs and why.
#include "tls.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "error.hpp"

namespace polysock {
namespace {

thread_local TlsErrorDetail t_tls_error;

// Python's default cipher string for TLS 1.2 and older (PY_SSL_DEFAULT_CIPHER_STRING).
constexpr const char *kDefaultCiphers =
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

const char *library_name(int lib) {
  switch (lib) {
    case ERR_LIB_SSL:
      return "SSL";
    case ERR_LIB_PEM:
      return "PEM";
    case ERR_LIB_X509:
      return "X509";
    case ERR_LIB_X509V3:
      return "X509V3";
    case ERR_LIB_SYS:
      return "SYS";
    case ERR_LIB_EVP:
      return "EVP";
    case ERR_LIB_ASN1:
      return "ASN1";
    case ERR_LIB_BIO:
      return "BIO";
    case ERR_LIB_PKCS12:
      return "PKCS12";
    case ERR_LIB_RSA:
      return "RSA";
    case ERR_LIB_EC:
      return "EC";
    case ERR_LIB_CRYPTO:
      return "CRYPTO";
#ifdef ERR_LIB_DECODER
    case ERR_LIB_DECODER:
      return "DECODER";
#endif
    default:
      return "";
  }
}

// Python's reason mnemonics are OpenSSL's reason macros without the SSL_R_ prefix;
// OpenSSL's reason text is the same words in lower case ("certificate verify
// failed" for CERTIFICATE_VERIFY_FAILED), so the mnemonic is rebuilt from it.
std::string reason_mnemonic(const char *text) {
  std::string r;
  for (const char *p = text; *p != '\0'; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    r += c == ' ' ? '_' : static_cast<char>(std::toupper(c));
  }
  return r;
}

// The record of one SSL error: SOCK_ERR_SSL with Python's text, and the detail.
int record_ssl(int kind, std::string message, const char *library = "", std::string reason = {},
               int verify_code = 0, std::string verify_message = {}) {
  TlsErrorDetail &d = t_tls_error;
  d.kind = kind;
  d.library = library;
  d.reason = std::move(reason);
  d.verify_code = verify_code;
  d.verify_message = std::move(verify_message);
  return fail_ssl(kind, std::move(message));
}

// Python's fill_and_set_sslerror for an error on OpenSSL's queue: "[LIB: REASON]
// reason text", plus the verification failure for CERTIFICATE_VERIFY_FAILED.
int fail_from_queue(int kind, const ssl_st *ssl, const std::string &hostname) {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return record_ssl(kind, "unknown error");
  const int lib = ERR_GET_LIB(e);
  const int reason = ERR_GET_REASON(e);
  const char *text = ERR_reason_error_string(e);
  std::string message;
  std::string mnemonic;
  // Reasons common to every library ("PEM lib", "malloc failure") have no
  // mnemonic in Python's table: "[SSL] PEM lib".
  if (text != nullptr && (reason & ERR_RFLAG_COMMON) == 0) mnemonic = reason_mnemonic(text);
  const char *libname = library_name(lib);
  if (lib == ERR_LIB_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return record_ssl(kTlsErrorEof,
                      "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
                      "SSL", "UNEXPECTED_EOF_WHILE_READING");
  }
  message.append("[").append(libname);
  if (!mnemonic.empty()) message.append(*libname != '\0' ? ": " : "").append(mnemonic);
  message.append("] ");
  message += text != nullptr ? text : "unknown error";
  int verify_code = 0;
  std::string verify_message;
  if (lib == ERR_LIB_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl != nullptr) {
    verify_code = static_cast<int>(SSL_get_verify_result(ssl));
    if (verify_code == X509_V_ERR_HOSTNAME_MISMATCH) {
      verify_message = "Hostname mismatch, certificate is not valid for '" + hostname + "'.";
    } else if (verify_code == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      verify_message = "IP address mismatch, certificate is not valid for '" + hostname + "'.";
    } else {
      verify_message = X509_verify_cert_error_string(verify_code);
    }
    message += ": " + verify_message;
  }
  return record_ssl(kTlsErrorSsl, std::move(message), libname, std::move(mnemonic), verify_code,
                    std::move(verify_message));
}

// A failure of a context call (load_cert_chain, set_ciphers...): errno from the
// system library (a missing file) is OSError, as Python's; the rest is SSLError.
int fail_context_call() {
  const unsigned long e = ERR_peek_last_error();
  if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SYS) {
    ERR_clear_error();
    return fail_os(ERR_GET_REASON(e));
  }
  return fail_from_queue(kTlsErrorSsl, nullptr, {});
}

bool is_ip_literal(const std::string &host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

int wire_version(int v) {
  switch (v) {
    case -2:
      return 0;  // MINIMUM_SUPPORTED: OpenSSL's lowest
    case -1:
      return 0;  // MAXIMUM_SUPPORTED: OpenSSL's highest
    case SSL3_VERSION:
    case TLS1_VERSION:
    case TLS1_1_VERSION:
    case TLS1_2_VERSION:
    case TLS1_3_VERSION:
      return v;
    default:
      return -1;
  }
}

}  // namespace

// The socket BIO: OpenSSL's reads and writes on the descriptor, never waiting and
// never raising SIGPIPE. The caller (Socket::tls_io) waits for what OpenSSL wants.
struct SocketBio {
  static int write(BIO *b, const char *buf, int len) {
    TlsSession *s = static_cast<TlsSession *>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
      n = ::send(s->fd_, buf, static_cast<std::size_t>(len), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n >= 0) return static_cast<int>(n);
    s->io_errno_ = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
    return -1;
  }
  static int read(BIO *b, char *buf, int len) {
    TlsSession *s = static_cast<TlsSession *>(BIO_get_data(b));
    BIO_clear_retry_flags(b);
    ssize_t n;
    do {
      n = ::recv(s->fd_, buf, static_cast<std::size_t>(len), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) return static_cast<int>(n);
    if (n == 0) {
      s->eof_ = true;
      return 0;
    }
    s->io_errno_ = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
    return -1;
  }
  static int puts(BIO *b, const char *str) { return write(b, str, static_cast<int>(strlen(str))); }
  static long ctrl(BIO *b, int cmd, long, void *) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_EOF:
        return static_cast<TlsSession *>(BIO_get_data(b))->eof_ ? 1 : 0;
      default:
        return 0;
    }
  }
  static int create(BIO *b) {
    BIO_set_init(b, 1);
    return 1;
  }
  static const BIO_METHOD *method() {
    static const BIO_METHOD *m = [] {
      BIO_METHOD *bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "polysock socket");
      if (bm == nullptr) return static_cast<BIO_METHOD *>(nullptr);
      BIO_meth_set_write(bm, write);
      BIO_meth_set_read(bm, read);
      BIO_meth_set_puts(bm, puts);
      BIO_meth_set_ctrl(bm, ctrl);
      BIO_meth_set_create(bm, create);
      return bm;
    }();
    return m;
  }
};

const TlsErrorDetail &last_tls_error() {
  if (last_status() != kErrSsl) t_tls_error = {};
  return t_tls_error;
}

bool tls_built_in() { return true; }

std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION); }

// ---- TlsContext ----------------------------------------------------------------

int TlsContext::create(int protocol, std::shared_ptr<TlsContext> *out) {
  const bool server = protocol == 17;
  if (protocol != 16 && protocol != 17) {
    return fail_value("protocol must be TLS_PROTOCOL_TLS_CLIENT or TLS_PROTOCOL_TLS_SERVER");
  }
  SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr) return fail_from_queue(kTlsErrorSsl, nullptr, {});
  // Python's SSLContext.__new__: SSL_OP_ALL but empty fragments, no SSLv3, no
  // compression, the server's cipher order, TLS 1.2 at least, its cipher list.
  SSL_CTX_clear_options(ctx, SSL_CTX_get_options(ctx));
  SSL_CTX_set_options(ctx, (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) | SSL_OP_NO_SSLv3 |
                               SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_ENABLE_MIDDLEBOX_COMPAT);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Partial writes: sock_send reports the whole records that went, as send() does.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_AUTO_RETRY);
  if (SSL_CTX_set_cipher_list(ctx, kDefaultCiphers) != 1) {
    SSL_CTX_free(ctx);
    return fail_from_queue(kTlsErrorSsl, nullptr, {});
  }
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  std::shared_ptr<TlsContext> c(new (std::nothrow) TlsContext(ctx, server));
  if (!c) {
    SSL_CTX_free(ctx);
    return fail_nomem();
  }
  // PROTOCOL_TLS_CLIENT: CERT_REQUIRED with check_hostname; the server: CERT_NONE.
  if (!server) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    c->check_hostname_ = true;
    c->mode_ = 2;
  }
  *out = std::move(c);
  return kOk;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

int TlsContext::load_cert_chain(const char *certfile, const char *keyfile, const char *password) {
  if (certfile == nullptr) return fail_value("certfile must not be NULL");
  if (keyfile == nullptr) keyfile = certfile;
  std::lock_guard<std::mutex> lock(mu_);
  // The password callback reads from here during the load only.
  std::string pw = password != nullptr ? password : "";
  bool have_pw = password != nullptr;
  struct Pw {
    std::string *pw;
    bool have;
  } data{&pw, have_pw};
  SSL_CTX_set_default_passwd_cb_userdata(ctx_, &data);
  SSL_CTX_set_default_passwd_cb(ctx_, [](char *buf, int size, int, void *u) -> int {
    const Pw *d = static_cast<const Pw *>(u);
    if (!d->have) return -1;
    if (d->pw->size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buf, d->pw->data(), d->pw->size());
    return static_cast<int>(d->pw->size());
  });
  ERR_clear_error();
  int st = kOk;
  struct stat sb;
  if (::stat(certfile, &sb) != 0) {
    st = fail_os(errno);
  } else if (::stat(keyfile, &sb) != 0) {
    st = fail_os(errno);
  } else if (SSL_CTX_use_certificate_chain_file(ctx_, certfile) != 1) {
    st = fail_context_call();
  } else if (SSL_CTX_use_PrivateKey_file(ctx_, keyfile, SSL_FILETYPE_PEM) != 1) {
    st = fail_context_call();
  } else if (SSL_CTX_check_private_key(ctx_) != 1) {
    st = fail_context_call();
  }
  SSL_CTX_set_default_passwd_cb(ctx_, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx_, nullptr);
  return st;
}

int TlsContext::load_verify_locations(const char *cafile, const char *capath, const void *cadata,
                                      std::size_t len) {
  if (cafile == nullptr && capath == nullptr && cadata == nullptr) {
    return fail_value("cafile, capath and cadata cannot be all omitted");
  }
  if (cadata == nullptr && len != 0) return fail_value("cadata must not be NULL");
  if (cadata != nullptr && len == 0) return fail_value("Empty certificate data");
  if (len > static_cast<std::size_t>(INT_MAX)) return fail_value("cadata too large");
  std::lock_guard<std::mutex> lock(mu_);
  ERR_clear_error();
  if (cadata != nullptr) {
    // PEM text (any number of certificates) or DER bytes (one), as Python tells apart
    // by type; here by content.
    X509_STORE *store = SSL_CTX_get_cert_store(ctx_);
    const char *p = static_cast<const char *>(cadata);
    const bool pem = len >= 10 && ::memmem(p, len, "-----BEGIN", 10) != nullptr;
    BIO *bio = BIO_new_mem_buf(cadata, static_cast<int>(len));
    if (bio == nullptr) return fail_nomem();
    int loaded = 0;
    for (;;) {
      X509 *cert =
          pem ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : d2i_X509_bio(bio, nullptr);
      if (cert == nullptr) break;
      const int ok = X509_STORE_add_cert(store, cert);
      X509_free(cert);
      if (ok != 1) {
        const unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) != ERR_LIB_X509 ||
            ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE) {
          BIO_free(bio);
          return fail_context_call();
        }
      }
      ERR_clear_error();
      ++loaded;
      if (!pem) break;
    }
    BIO_free(bio);
    ERR_clear_error();
    if (loaded == 0) {
      return record_ssl(kTlsErrorSsl,
                        pem ? "no start line: cadata does not contain a certificate"
                            : "not enough data: cadata does not contain a certificate",
                        "X509", "NO_CERTIFICATE_OR_CRL_FOUND");
    }
  }
  if (cafile != nullptr || capath != nullptr) {
    struct stat sb;
    if (cafile != nullptr && ::stat(cafile, &sb) != 0) return fail_os(errno);
    if (capath != nullptr && ::stat(capath, &sb) != 0) return fail_os(errno);
    if (SSL_CTX_load_verify_locations(ctx_, cafile, capath) != 1) return fail_context_call();
  }
  return kOk;
}

int TlsContext::load_default_certs() {
  std::lock_guard<std::mutex> lock(mu_);
  ERR_clear_error();
  if (SSL_CTX_set_default_verify_paths(ctx_) != 1) return fail_context_call();
  return kOk;
}

int TlsContext::set_verify_mode(int mode) {
  int flags;
  switch (mode) {
    case 0:
      flags = SSL_VERIFY_NONE;
      break;
    case 1:
      flags = SSL_VERIFY_PEER;
      break;
    case 2:
      flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
      break;
    default:
      return fail_value("invalid value for verify_mode");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (mode == 0 && check_hostname_) {
    return fail_value("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  }
  // As Python: a client's CERT_REQUIRED is SSL_VERIFY_PEER alone (the flag is for servers).
  if (!server_ && mode == 2) flags = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx_, flags, nullptr);
  mode_ = mode;
  return kOk;
}

int TlsContext::verify_mode() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mode_;
}

int TlsContext::set_check_hostname(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  if (on && mode_ == 0) {  // Python: check_hostname=True upgrades CERT_NONE
    SSL_CTX_set_verify(
        ctx_, server_ ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
        nullptr);
    mode_ = 2;
  }
  check_hostname_ = on;
  return kOk;
}

bool TlsContext::check_hostname() const {
  std::lock_guard<std::mutex> lock(mu_);
  return check_hostname_;
}

int TlsContext::set_version(bool maximum, int version) {
  const int v = wire_version(version);
  if (v < 0)
    return fail_value("Unsupported TLS/SSL version 0x" + [&] {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(version));
      return std::string(buf);
    }());
  std::lock_guard<std::mutex> lock(mu_);
  const int ok =
      maximum ? SSL_CTX_set_max_proto_version(ctx_, v) : SSL_CTX_set_min_proto_version(ctx_, v);
  if (ok != 1) return fail_value("Unsupported protocol version " + std::to_string(version));
  if (maximum) {
    max_sentinel_ = version == -1 || version == -2;
    if (max_sentinel_) max_value_ = version;
  } else {
    min_sentinel_ = version == -1 || version == -2;
    if (min_sentinel_) min_value_ = version;
  }
  return kOk;
}

int TlsContext::version(bool maximum) const {
  std::lock_guard<std::mutex> lock(mu_);
  const long v =
      maximum ? SSL_CTX_get_max_proto_version(ctx_) : SSL_CTX_get_min_proto_version(ctx_);
  // OpenSSL's 0 is "no bound": Python shows the sentinel (MAXIMUM_SUPPORTED for the
  // maximum, MINIMUM_SUPPORTED for the minimum), or the one that was set.
  if (v == 0) {
    if (maximum) return max_sentinel_ ? max_value_ : -1;
    return min_sentinel_ ? min_value_ : -2;
  }
  return static_cast<int>(v);
}

int TlsContext::set_ciphers(const char *ciphers) {
  if (ciphers == nullptr) return fail_value("ciphers must not be NULL");
  std::lock_guard<std::mutex> lock(mu_);
  ERR_clear_error();
  if (SSL_CTX_set_cipher_list(ctx_, ciphers) != 1) {
    ERR_clear_error();
    return record_ssl(kTlsErrorSsl, "No cipher can be selected.");
  }
  return kOk;
}

int TlsContext::set_alpn_protocols(const char *protocols) {
  if (protocols == nullptr) return fail_value("protocols must not be NULL");
  std::string wire;
  const char *p = protocols;
  while (*p != '\0') {
    const char *comma = std::strchr(p, ',');
    const std::size_t n = comma != nullptr ? static_cast<std::size_t>(comma - p) : std::strlen(p);
    if (n == 0 || n > 255)
      return record_ssl(kTlsErrorSsl, "ALPN protocols must be 1 to 255 in length");
    wire += static_cast<char>(n);
    wire.append(p, n);
    p += n;
    if (*p == ',') ++p;
  }
  std::lock_guard<std::mutex> lock(mu_);
  alpn_ = wire;
  if (SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char *>(alpn_.data()),
                              static_cast<unsigned>(alpn_.size())) != 0) {
    return fail_nomem();
  }
  if (server_) {
    // The server picks the first of its own protocols that the client offers.
    SSL_CTX_set_alpn_select_cb(
        ctx_,
        [](SSL *, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
           unsigned int inlen, void *arg) -> int {
          const std::string *mine = static_cast<const std::string *>(arg);
          unsigned char *sel = nullptr;
          if (SSL_select_next_proto(
                  &sel, outlen, reinterpret_cast<const unsigned char *>(mine->data()),
                  static_cast<unsigned>(mine->size()), in, inlen) != OPENSSL_NPN_NEGOTIATED) {
            return SSL_TLSEXT_ERR_NOACK;
          }
          *out = sel;
          return SSL_TLSEXT_ERR_OK;
        },
        &alpn_);
  }
  return kOk;
}

// ---- TlsSession ----------------------------------------------------------------

TlsSession::TlsSession(std::shared_ptr<TlsContext> ctx, Options opts)
    : ctx_(std::move(ctx)), opts_(std::move(opts)) {}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

int TlsSession::create_for_socket(std::shared_ptr<TlsContext> ctx, Options opts,
                                  std::unique_ptr<TlsSession> *out) {
  out->reset(new (std::nothrow) TlsSession(std::move(ctx), std::move(opts)));
  if (!*out) return fail_nomem();
  return kOk;
}

int TlsSession::create_memory(std::shared_ptr<TlsContext> ctx, Options opts,
                              std::unique_ptr<TlsSession> *out) {
  std::unique_ptr<TlsSession> s(new (std::nothrow) TlsSession(std::move(ctx), std::move(opts)));
  if (!s) return fail_nomem();
  if (int st = s->make_engine()) return st;
  s->in_ = BIO_new(BIO_s_mem());
  s->out_ = BIO_new(BIO_s_mem());
  if (s->in_ == nullptr || s->out_ == nullptr) {
    BIO_free(s->in_);
    BIO_free(s->out_);
    s->in_ = s->out_ = nullptr;
    return fail_nomem();
  }
  // An empty incoming buffer means "more to come" (WANT_READ) until feed_eof.
  BIO_set_mem_eof_return(s->in_, -1);
  BIO_set_mem_eof_return(s->out_, -1);
  SSL_set_bio(s->ssl_, s->in_, s->out_);
  *out = std::move(s);
  return kOk;
}

int TlsSession::make_engine() {
  ERR_clear_error();
  SSL *ssl = SSL_new(ctx_->ctx());
  if (ssl == nullptr) return fail_from_queue(kTlsErrorSsl, nullptr, {});
  const std::string &host = opts_.hostname;
  if (!opts_.server_side && !host.empty()) {
    // SNI for names, not for IP literals (RFC 6066), as Python.
    const bool ip = is_ip_literal(host);
    if (!ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
      SSL_free(ssl);
      return fail_from_queue(kTlsErrorSsl, nullptr, {});
    }
    // Checked if the context said so when the socket was wrapped (Python reads
    // check_hostname when it makes the SSLSocket).
    if (opts_.check_hostname) {
      X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
      const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
      if (ok != 1) {
        SSL_free(ssl);
        return fail_from_queue(kTlsErrorSsl, nullptr, {});
      }
    }
  }
  if (opts_.server_side) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
  }
  ssl_ = ssl;
  return kOk;
}

int TlsSession::start(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ != nullptr) return kOk;
  const BIO_METHOD *m = SocketBio::method();
  if (m == nullptr) return fail_nomem();
  if (int st = make_engine()) return st;
  BIO *bio = BIO_new(m);
  if (bio == nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    return fail_nomem();
  }
  BIO_set_data(bio, this);
  fd_ = fd;
  SSL_set_bio(ssl_, bio, bio);
  return kOk;
}

void TlsSession::stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ != nullptr) SSL_free(ssl_);
  ssl_ = nullptr;
}

int TlsSession::fail(int ret, short *want) {
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      *want = POLLIN;
      ERR_clear_error();
      return record_ssl(kTlsErrorWantRead, "The operation did not complete (read)");
    case SSL_ERROR_WANT_WRITE:
      *want = POLLOUT;
      ERR_clear_error();
      return record_ssl(kTlsErrorWantWrite, "The operation did not complete (write)");
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return record_ssl(kTlsErrorZeroReturn, "TLS/SSL connection has been closed (EOF)");
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_last_error() != 0)
        return fail_from_queue(kTlsErrorSyscall, ssl_, opts_.hostname);
      if (io_errno_ != 0 && !eof_) {
        const int e = io_errno_;
        io_errno_ = 0;
        return fail_os(e);  // Python raises the OSError itself (ConnectionResetError...)
      }
      return record_ssl(kTlsErrorEof, "EOF occurred in violation of protocol");
    case SSL_ERROR_SSL:
    default:
      return fail_from_queue(kTlsErrorSsl, ssl_, opts_.hostname);
  }
}

int TlsSession::handshake(short *want) {
  *want = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return fail_os(ENOTCONN);
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) return kOk;
  return fail(r, want);
}

int TlsSession::read(void *buf, std::size_t len, std::size_t *out_n, short *want) {
  *want = 0;
  *out_n = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return fail_os(ENOTCONN);
  ERR_clear_error();
  std::size_t n = 0;
  if (SSL_read_ex(ssl_, buf, len, &n) == 1) {
    starved_.store(false, std::memory_order_relaxed);
    *out_n = n;
    return kOk;
  }
  const int err = SSL_get_error(ssl_, 0);
  if (err == SSL_ERROR_ZERO_RETURN && (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN)) {
    ERR_clear_error();
    return kOk;  // the peer's close_notify: end of stream, as Python's read
  }
  if (err == SSL_ERROR_WANT_READ) starved_.store(true, std::memory_order_relaxed);
  const int st = fail(0, want);
  // Python's suppress_ragged_eofs: an EOF without close_notify reads as b''.
  if (st == kErrSsl && last_errno() == kTlsErrorEof && opts_.suppress_ragged_eofs) return kOk;
  return st;
}

int TlsSession::write(const void *buf, std::size_t len, std::size_t *out_n, short *want) {
  *want = 0;
  *out_n = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return fail_os(ENOTCONN);
  ERR_clear_error();
  std::size_t n = 0;
  if (SSL_write_ex(ssl_, buf, len, &n) == 1) {
    *out_n = n;
    return kOk;
  }
  return fail(0, want);
}

int TlsSession::shutdown(short *want) {
  *want = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return fail_os(ENOTCONN);
  ERR_clear_error();
  // The first call sends close_notify (0: the peer's is still to come); later calls
  // read until the peer's arrives, as Python's shutdown loop.
  int r = SSL_shutdown(ssl_);
  if (r == 0) r = SSL_shutdown(ssl_);
  if (r == 1) return kOk;
  if (r == 0) {
    *want = POLLIN;
    return record_ssl(kTlsErrorWantRead, "The operation did not complete (read)");
  }
  return fail(r, want);
}

bool TlsSession::has_pending() const {
  if (starved_.load(std::memory_order_relaxed)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return ssl_ != nullptr && SSL_has_pending(ssl_) == 1;
}

std::size_t TlsSession::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return 0;
  const int n = SSL_pending(ssl_);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool TlsSession::handshake_done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ssl_ != nullptr && SSL_is_init_finished(ssl_);
}

std::string TlsSession::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr || !SSL_is_init_finished(ssl_)) return {};
  return SSL_get_version(ssl_);
}

int TlsSession::cipher(std::string *name, std::string *protocol, int *bits) const {
  std::lock_guard<std::mutex> lock(mu_);
  name->clear();
  protocol->clear();
  *bits = 0;
  if (ssl_ == nullptr) return kOk;
  const SSL_CIPHER *c = SSL_get_current_cipher(ssl_);
  if (c == nullptr) return kOk;
  *name = SSL_CIPHER_get_name(c);
  *protocol = SSL_CIPHER_get_version(c);
  *bits = SSL_CIPHER_get_bits(c, nullptr);
  return kOk;
}

std::string TlsSession::alpn() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr) return {};
  const unsigned char *p = nullptr;
  unsigned int n = 0;
  SSL_get0_alpn_selected(ssl_, &p, &n);
  return p != nullptr ? std::string(reinterpret_cast<const char *>(p), n) : std::string();
}

namespace {

std::string bio_text(BIO *bio) {
  char *data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string asn1_utf8(const ASN1_STRING *s) {
  unsigned char *utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return {};
  std::string r(reinterpret_cast<const char *>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return r;
}

// Python's _create_tuple_for_X509_NAME: entries grouped by RDN, long names.
void decode_name(const X509_NAME *name, std::vector<TlsCert::Entry> *out) {
  int rdn = -1;
  int last_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(e);
    if (set != last_set) {
      ++rdn;
      last_set = set;
    }
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, X509_NAME_ENTRY_get_object(e), 0);
    out->push_back({rdn, buf, asn1_utf8(X509_NAME_ENTRY_get_data(e))});
  }
}

// Python's _get_peer_alt_names: DNS, IP Address (IPv6 as eight upper-case hex
// groups), email, URI, Registered ID; others as OpenSSL prints them.
void decode_san(X509 *cert, std::vector<TlsCert::Entry> *out) {
  GENERAL_NAMES *names =
      static_cast<GENERAL_NAMES *>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    std::string type, value;
    switch (g->type) {
      case GEN_DNS:
        type = "DNS";
        value = asn1_utf8(g->d.dNSName);
        break;
      case GEN_EMAIL:
        type = "email";
        value = asn1_utf8(g->d.rfc822Name);
        break;
      case GEN_URI:
        type = "URI";
        value = asn1_utf8(g->d.uniformResourceIdentifier);
        break;
      case GEN_IPADD: {
        type = "IP Address";
        const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);
        const int n = ASN1_STRING_length(g->d.iPAddress);
        char buf[64];
        if (n == 4) {
          std::snprintf(buf, sizeof buf, "%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
          value = buf;
        } else if (n == 16) {
          for (int k = 0; k < 8; ++k) {
            std::snprintf(buf, sizeof buf, "%s%X", k == 0 ? "" : ":",
                          (p[2 * k] << 8) | p[2 * k + 1]);
            value += buf;
          }
        } else {
          value = "<invalid>";
        }
        break;
      }
      case GEN_RID: {
        type = "Registered ID";
        char buf[128];
        OBJ_obj2txt(buf, sizeof buf, g->d.registeredID, 1);
        value = buf;
        break;
      }
      case GEN_DIRNAME: {
        type = "DirName";
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio != nullptr) {
          X509_NAME_print_ex(bio, g->d.directoryName, 0, XN_FLAG_ONELINE);
          value = bio_text(bio);
          BIO_free(bio);
        }
        break;
      }
      default:
        type = "othername";
        value = "<unsupported>";
        break;
    }
    out->push_back({static_cast<int>(out->size()), type, value});
  }
  GENERAL_NAMES_free(names);
}

}  // namespace

int TlsSession::peer_cert(std::unique_ptr<TlsCert> *out) const {
  out->reset();
  std::lock_guard<std::mutex> lock(mu_);
  if (ssl_ == nullptr || !SSL_is_init_finished(ssl_)) return fail_value("handshake not done yet");
  X509 *cert = SSL_get1_peer_certificate(ssl_);
  if (cert == nullptr) return kOk;
  std::unique_ptr<TlsCert> c(new (std::nothrow) TlsCert);
  if (!c) {
    X509_free(cert);
    return fail_nomem();
  }
  const int verify = SSL_get_verify_mode(ssl_);
  c->validated = (verify & SSL_VERIFY_PEER) != 0;
  c->version = static_cast<int>(X509_get_version(cert)) + 1;
  decode_name(X509_get_subject_name(cert), &c->subject);
  decode_name(X509_get_issuer_name(cert), &c->issuer);
  decode_san(cert, &c->san);
  BIO *bio = BIO_new(BIO_s_mem());
  if (bio != nullptr) {
    i2a_ASN1_INTEGER(bio, X509_get_serialNumber(cert));
    c->serial_number = bio_text(bio);
    BIO_reset(bio);
    ASN1_TIME_print(bio, X509_get0_notBefore(cert));
    c->not_before = bio_text(bio);
    BIO_reset(bio);
    ASN1_TIME_print(bio, X509_get0_notAfter(cert));
    c->not_after = bio_text(bio);
    BIO_free(bio);
  }
  unsigned char *der = nullptr;
  const int n = i2d_X509(cert, &der);
  if (n > 0) {
    c->der.assign(reinterpret_cast<const char *>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
  }
  X509_free(cert);
  *out = std::move(c);
  return kOk;
}

int TlsSession::feed(const void *buf, std::size_t len) {
  if (len > static_cast<std::size_t>(INT_MAX))
    return fail_value("string longer than 2147483647 bytes");
  std::lock_guard<std::mutex> lock(mu_);
  if (in_ == nullptr) return fail_value("not a memory session");
  if (eof_) return record_ssl(kTlsErrorSsl, "cannot write() after write_eof()");
  if (len == 0) return kOk;
  if (BIO_write(in_, buf, static_cast<int>(len)) != static_cast<int>(len)) return fail_nomem();
  return kOk;
}

int TlsSession::feed_eof() {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_ == nullptr) return fail_value("not a memory session");
  eof_ = true;
  BIO_set_mem_eof_return(in_, 0);
  return kOk;
}

int TlsSession::drain(void *buf, std::size_t len, std::size_t *out_n) {
  *out_n = 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (out_ == nullptr) return fail_value("not a memory session");
  const std::size_t avail = BIO_ctrl_pending(out_);
  const std::size_t n = std::min({len, avail, static_cast<std::size_t>(INT_MAX)});
  if (n == 0) return kOk;
  const int r = BIO_read(out_, buf, static_cast<int>(n));
  *out_n = r > 0 ? static_cast<std::size_t>(r) : 0;
  return kOk;
}

std::size_t TlsSession::outgoing_pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return out_ != nullptr ? BIO_ctrl_pending(out_) : 0;
}

}  // namespace polysock
