// TLS: Python's ssl module on OpenSSL (docs/tls.md). A TlsContext is an SSLContext;
// a TlsSession is the engine of one connection (an SSLObject), over either the
// socket's descriptor (an SSLSocket: the Socket holds the session and routes recv,
// send, connect and accept through it) or two memory buffers (an SSLObject of
// wrap_bio). OpenSSL stays behind this header: nothing here needs its headers.
//
// Every OpenSSL call on a session runs under the session's lock and never waits:
// the descriptor is read and written with MSG_DONTWAIT (and MSG_NOSIGNAL, which
// OpenSSL's own socket BIO lacks), and the caller waits for the event OpenSSL wants
// outside the lock (Socket::tls_io). So one thread can read while another writes, a
// close from a third wakes both, and a poller can ask what OpenSSL holds at any time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;
struct bio_st;
struct x509_st;

namespace polysock {

// The C ABI's TLS_* values (polysock.h), checked there.
enum : int {
  kTlsErrorSsl = 1,
  kTlsErrorWantRead = 2,
  kTlsErrorWantWrite = 3,
  kTlsErrorSyscall = 5,
  kTlsErrorZeroReturn = 6,
  kTlsErrorEof = 8,
};

// The detail of the thread's last SOCK_ERR_SSL (tls_last_error).
struct TlsErrorDetail {
  int kind = 0;
  std::string library;
  std::string reason;
  int verify_code = 0;
  std::string verify_message;
};
const TlsErrorDetail &last_tls_error();

bool tls_built_in();
std::string openssl_version();

class TlsContext {
 public:
  // SSLContext(PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER), with Python's defaults.
  static int create(int protocol, std::shared_ptr<TlsContext> *out);
  ~TlsContext();
  TlsContext(const TlsContext &) = delete;
  TlsContext &operator=(const TlsContext &) = delete;

  bool server() const { return server_; }
  int load_cert_chain(const char *certfile, const char *keyfile, const char *password);
  int load_verify_locations(const char *cafile, const char *capath, const void *cadata,
                            std::size_t len);
  int load_default_certs();
  int set_verify_mode(int mode);
  int verify_mode() const;
  int set_check_hostname(bool on);
  bool check_hostname() const;
  int set_version(bool maximum, int version);
  int version(bool maximum) const;
  int set_ciphers(const char *ciphers);
  int set_alpn_protocols(const char *protocols);

  ssl_ctx_st *ctx() const { return ctx_; }

 private:
  TlsContext(ssl_ctx_st *ctx, bool server) : ctx_(ctx), server_(server) {}
  ssl_ctx_st *ctx_;
  const bool server_;
  mutable std::mutex mu_;  // verify mode and check_hostname change together
  bool check_hostname_ = false;
  int mode_ = 0;  // TLS_CERT_*
  // The version bounds that OpenSSL keeps as 0 ("none"), as they were set.
  bool min_sentinel_ = false, max_sentinel_ = false;
  int min_value_ = -2, max_value_ = -1;
  std::string alpn_;  // wire format; the server's selection callback reads it
};

// getpeercert(): what Python's dict holds, decoded once.
struct TlsCert {
  struct Entry {
    int rdn;
    std::string name;
    std::string value;
  };
  bool validated = false;
  int version = 0;
  std::string serial_number, not_before, not_after;
  std::vector<Entry> subject, issuer, san;
  std::string der;
};

class TlsSession {
 public:
  // The settings of SSLSocket: which context, which side, which name, which flags.
  struct Options {
    bool server_side = false;
    std::string hostname;  // empty: none
    bool handshake_on_connect = true;
    bool suppress_ragged_eofs = true;
    bool check_hostname = false;  // the context's, when the socket was wrapped
  };
  // A session over memory buffers (wrap_bio), its engine made now.
  static int create_memory(std::shared_ptr<TlsContext> ctx, Options opts,
                           std::unique_ptr<TlsSession> *out);
  // A session for a socket; its engine is made by start() once the socket is connected.
  static int create_for_socket(std::shared_ptr<TlsContext> ctx, Options opts,
                               std::unique_ptr<TlsSession> *out);
  ~TlsSession();
  TlsSession(const TlsSession &) = delete;
  TlsSession &operator=(const TlsSession &) = delete;

  const Options &options() const { return opts_; }
  const std::shared_ptr<TlsContext> &context() const { return ctx_; }
  // Makes the engine on a connected descriptor (Python's _sslobj appears).
  int start(int fd);
  // Drops the engine again (a connect that failed, as Python drops its _sslobj).
  void stop();
  bool started() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ssl_ != nullptr;
  }

  // One step of an operation, never waiting. On SOCK_ERR_SSL with a want kind,
  // *want is POLLIN or POLLOUT: the event to wait for before the next step.
  int handshake(short *want);
  int read(void *buf, std::size_t len, std::size_t *out_n, short *want);
  int write(const void *buf, std::size_t len, std::size_t *out_n, short *want);
  int shutdown(short *want);

  // The poller's question: does OpenSSL hold bytes a read would return without
  // the descriptor? SSL_has_pending, unless the last read found them to be only
  // part of a record (then the descriptor's readiness says when more came).
  bool has_pending() const;
  std::size_t pending() const;
  bool handshake_done() const;
  std::string version() const;
  int cipher(std::string *name, std::string *protocol, int *bits) const;
  std::string alpn() const;
  int peer_cert(std::unique_ptr<TlsCert> *out) const;

  // The memory buffers of wrap_bio.
  int feed(const void *buf, std::size_t len);
  int feed_eof();
  int drain(void *buf, std::size_t len, std::size_t *out_n);
  std::size_t outgoing_pending() const;

 private:
  TlsSession(std::shared_ptr<TlsContext> ctx, Options opts);
  int make_engine();
  int fail(int ret, short *want);

  const std::shared_ptr<TlsContext> ctx_;  // its settings outlive the context's handle
  const Options opts_;
  mutable std::mutex mu_;
  ssl_st *ssl_ = nullptr;
  bio_st *in_ = nullptr;   // memory sessions: the incoming and outgoing buffers
  bio_st *out_ = nullptr;  // (owned by ssl_)
  std::atomic<bool> starved_{false};
  int fd_ = -1;       // socket sessions: the descriptor
  int io_errno_ = 0;  // the socket BIO's last errno, for SSL_ERROR_SYSCALL
  bool eof_ = false;  // the socket BIO read end of stream
  friend struct SocketBio;
};

}  // namespace polysock
