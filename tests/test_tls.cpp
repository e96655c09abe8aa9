// TLS through the C ABI, polysock on both ends over loopback: contexts, wrapped
// sockets in every mode, the poller, unwrap, memory objects and Python's error
// texts. Peers that polysock did not write are in test_tls_interop.cpp.
#include <gtest/gtest.h>
#include <polysock/polysock.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"
#include "tls_certs.hpp"

using namespace polysock_test;

namespace {

// An owned context handle.
class Ctx {
 public:
  explicit Ctx(int purpose) { EXPECT_PS_OK(tls_context_create_default(purpose, &h_)); }
  ~Ctx() { tls_context_close(h_); }
  Ctx(const Ctx &) = delete;
  Ctx &operator=(const Ctx &) = delete;
  operator tls_context() const { return h_; }

 private:
  tls_context h_ = 0;
};

// A server context with the localhost certificate, and a client context that trusts its CA.
struct Contexts {
  Ctx server{TLS_PURPOSE_CLIENT_AUTH};
  Ctx client{TLS_PURPOSE_SERVER_AUTH};
  Contexts() {
    const TlsCerts &c = tls_certs();
    EXPECT_EQ("", c.error);
    EXPECT_PS_OK(
        tls_context_load_cert_chain(server, c.server.c_str(), c.server_key.c_str(), nullptr));
    EXPECT_PS_OK(tls_context_load_verify_locations(client, c.ca.c_str(), nullptr, nullptr, 0));
  }
};

// Wraps a connected TCP pair: the server side in a thread, the client here; both
// handshake in blocking mode. *client_status tells how the client's went.
struct TlsPair {
  Sock client, server;
  int client_status = 0, server_status = 0;
};

TlsPair wrap_pair(const Contexts &ctx, const char *hostname = "localhost", unsigned flags = 0) {
  Pair p = tcp_pair();
  TlsPair t;
  sock_handle s = 0;
  std::thread srv([&] {
    t.server_status = tls_wrap_socket(ctx.server, p.server.release(), 1, nullptr, flags, &s);
  });
  sock_handle c = 0;
  t.client_status = tls_wrap_socket(ctx.client, p.client.release(), 0, hostname, flags, &c);
  srv.join();
  t.client.reset(c);
  t.server.reset(s);
  return t;
}

std::vector<unsigned char> pattern(std::size_t n, unsigned seed) {
  std::vector<unsigned char> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<unsigned char>((i * 131 + seed) >> 3);
  return v;
}

// Receives exactly n bytes (or fails the test).
std::vector<unsigned char> recv_exactly(sock_handle h, std::size_t n) {
  std::vector<unsigned char> got(n);
  std::size_t have = 0;
  while (have < n) {
    std::size_t k = 0;
    const int st = sock_recv(h, got.data() + have, n - have, 0, &k);
    if (st != SOCK_OK || k == 0) {
      ADD_FAILURE() << "recv after " << have << " of " << n << ": " << last_message();
      got.resize(have);
      return got;
    }
    have += k;
  }
  return got;
}

std::string text_of(int (*fn)(sock_handle, char *, size_t, size_t *), sock_handle h) {
  char buf[128];
  size_t n = 0;
  if (fn(h, buf, sizeof buf, &n) != SOCK_OK) return "<error: " + last_message() + ">";
  return std::string(buf, n);
}

}  // namespace

TEST(Tls, BuiltInWithOpenSsl) {
  EXPECT_EQ(1, tls_available());
  char buf[128];
  size_t n = 0;
  ASSERT_PS_OK(tls_openssl_version(buf, sizeof buf, &n));
  EXPECT_EQ(0, std::strncmp(buf, "OpenSSL ", 8)) << buf;
}

// Python's create_default_context: the client verifies with hostname checks, TLS 1.2+.
TEST(Tls, DefaultContextsArePythons) {
  Ctx client(TLS_PURPOSE_SERVER_AUTH);
  int v = -9;
  ASSERT_PS_OK(tls_context_get_verify_mode(client, &v));
  EXPECT_EQ(TLS_CERT_REQUIRED, v);
  ASSERT_PS_OK(tls_context_get_check_hostname(client, &v));
  EXPECT_EQ(1, v);
  ASSERT_PS_OK(tls_context_get_minimum_version(client, &v));
  EXPECT_EQ(TLS_VERSION_TLSv1_2, v);
  ASSERT_PS_OK(tls_context_get_maximum_version(client, &v));
  EXPECT_EQ(TLS_VERSION_MAXIMUM_SUPPORTED, v);
  Ctx server(TLS_PURPOSE_CLIENT_AUTH);
  ASSERT_PS_OK(tls_context_get_verify_mode(server, &v));
  EXPECT_EQ(TLS_CERT_NONE, v);
  ASSERT_PS_OK(tls_context_get_check_hostname(server, &v));
  EXPECT_EQ(0, v);
  // Python's rules between the two settings.
  EXPECT_PS_ERR(tls_context_set_verify_mode(client, TLS_CERT_NONE), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.", last_message());
  ASSERT_PS_OK(tls_context_set_check_hostname(server, 1));
  ASSERT_PS_OK(tls_context_get_verify_mode(server, &v));
  EXPECT_EQ(TLS_CERT_REQUIRED, v);
  EXPECT_PS_ERR(tls_context_set_verify_mode(server, 7), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_set_minimum_version(server, 0x0305), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_context_set_ciphers(server, "NO-SUCH-CIPHER"), SOCK_ERR_SSL, TLS_ERROR_SSL);
  EXPECT_EQ("No cipher can be selected.", last_message());
  EXPECT_PS_ERR(tls_context_set_alpn_protocols(server, "h2,,x"), SOCK_ERR_SSL, TLS_ERROR_SSL);
  EXPECT_EQ("ALPN protocols must be 1 to 255 in length", last_message());
  EXPECT_PS_ERR(tls_context_load_verify_locations(server, nullptr, nullptr, "", 0), SOCK_ERR_VALUE,
                0);
  EXPECT_EQ("Empty certificate data", last_message());
  EXPECT_PS_ERR(tls_context_load_cert_chain(server, "/nonexistent/cert.pem", nullptr, nullptr),
                SOCK_ERR_OS, ENOENT);
  // Python's texts for a file that is no certificate and for a key of another one.
  const TlsCerts &c = tls_certs();
  EXPECT_PS_ERR(
      tls_context_load_cert_chain(server, (c.dir + "/server.ext").c_str(), nullptr, nullptr),
      SOCK_ERR_SSL, TLS_ERROR_SSL);
  EXPECT_EQ("[SSL] PEM lib", last_message());
  EXPECT_PS_ERR(
      tls_context_load_cert_chain(server, c.server.c_str(), c.other_server_key.c_str(), nullptr),
      SOCK_ERR_SSL, TLS_ERROR_SSL);
  EXPECT_EQ("[X509: KEY_VALUES_MISMATCH] key values mismatch", last_message());
  tls_error_info e;
  ASSERT_PS_OK(tls_last_error(&e));
  EXPECT_STREQ("X509", e.library);
  EXPECT_STREQ("KEY_VALUES_MISMATCH", e.reason);
}

TEST(Tls, HandshakeDataAndSessionFacts) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  ASSERT_PS_OK(t.server_status);
  EXPECT_EQ("TLSv1.3", text_of(sock_tls_version, t.client));
  EXPECT_EQ("TLSv1.3", text_of(sock_tls_version, t.server));
  tls_cipher_info ci;
  ASSERT_PS_OK(sock_tls_cipher(t.client, &ci));
  EXPECT_STREQ("TLSv1.3", ci.protocol);
  EXPECT_GE(ci.secret_bits, 128);
  EXPECT_EQ(0, std::strncmp(ci.name, "TLS_", 4)) << ci.name;
  int v = -1;
  ASSERT_PS_OK(sock_tls_server_side(t.server, &v));
  EXPECT_EQ(1, v);
  ASSERT_PS_OK(sock_tls_is_wrapped(t.client, &v));
  EXPECT_EQ(1, v);
  EXPECT_EQ("", text_of(sock_tls_selected_alpn_protocol, t.client));  // None

  // 4 MiB each way at once, checked byte for byte.
  const auto up = pattern(4 << 20, 1), down = pattern(4 << 20, 2);
  std::vector<unsigned char> got_up;
  std::thread srv([&] {
    got_up = recv_exactly(t.server, up.size());
    size_t sent = 0;
    EXPECT_PS_OK(sock_sendall(t.server, down.data(), down.size(), 0, &sent));
  });
  size_t sent = 0;
  ASSERT_PS_OK(sock_sendall(t.client, up.data(), up.size(), 0, &sent));
  EXPECT_EQ(up.size(), sent);
  EXPECT_TRUE(recv_exactly(t.client, down.size()) == down);
  srv.join();
  EXPECT_TRUE(got_up == up);

  // getpeercert(): the server's certificate as Python's dict has it.
  tls_cert *cert = nullptr;
  ASSERT_PS_OK(sock_tls_getpeercert(t.client, &cert));
  ASSERT_NE(nullptr, cert);
  tls_cert_info info;
  ASSERT_PS_OK(tls_cert_get_info(cert, &info));
  EXPECT_EQ(1, info.validated);
  EXPECT_EQ(3, info.version);
  EXPECT_NE(0u, std::strlen(info.serial_number));
  EXPECT_EQ(' ', info.not_after[3]) << info.not_after;  // "Dec  4 03:15:37 2026 GMT"
  EXPECT_NE(nullptr, std::strstr(info.not_after, " GMT"));
  size_t n = 0;
  ASSERT_PS_OK(tls_cert_entry_count(cert, TLS_CERT_SUBJECT, &n));
  ASSERT_EQ(4u, n);
  tls_cert_entry e;
  ASSERT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_SUBJECT, 3, &e));
  EXPECT_EQ(3, e.rdn);
  EXPECT_STREQ("commonName", e.name);
  EXPECT_STREQ("localhost", e.value);
  ASSERT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_SUBJECT, 0, &e));
  EXPECT_STREQ("countryName", e.name);
  ASSERT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_ISSUER, 1, &e));
  EXPECT_STREQ("commonName", e.name);
  EXPECT_STREQ("polysock test CA", e.value);
  ASSERT_PS_OK(tls_cert_entry_count(cert, TLS_CERT_SAN, &n));
  ASSERT_EQ(2u, n);
  ASSERT_PS_OK(tls_cert_get_entry(cert, TLS_CERT_SAN, 1, &e));
  EXPECT_STREQ("IP Address", e.name);
  EXPECT_STREQ("127.0.0.1", e.value);
  size_t der_len = 0;
  EXPECT_PS_ERR(tls_cert_der(cert, nullptr, 0, &der_len), SOCK_ERR_RANGE, 0);
  std::vector<unsigned char> der(der_len);
  ASSERT_PS_OK(tls_cert_der(cert, der.data(), der.size(), &der_len));
  EXPECT_EQ(0x30, der[0]);  // a DER SEQUENCE
  tls_cert_free(cert);
  // The server asked for no client certificate: None.
  ASSERT_PS_OK(sock_tls_getpeercert(t.server, &cert));
  EXPECT_EQ(nullptr, cert);
}

TEST(Tls, WrapDetachesTheSocketItIsGiven) {
  Contexts ctx;
  Pair p = tcp_pair();
  const sock_handle old = p.client.get();
  sock_handle s = 0;
  std::thread srv([&] { tls_wrap_socket(ctx.server, p.server.release(), 1, nullptr, 0, &s); });
  sock_handle c = 0;
  ASSERT_PS_OK(tls_wrap_socket(ctx.client, old, 0, "localhost", 0, &c));
  srv.join();
  p.client.release();
  Sock client(c), server(s);
  char b;
  size_t n;
  EXPECT_PS_ERR(sock_recv(old, &b, 1, 0, &n), SOCK_ERR_OS, EBADF);
  // A TLS socket refuses what Python's SSLSocket refuses.
  sock_handle d = 0;
  EXPECT_PS_ERR(sock_dup(c, &d), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(sock_sendto(c, "x", 1, 0, "127.0.0.1", 9, &n), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("sendto not allowed on instances of SSLSocket", last_message());
  EXPECT_PS_ERR(sock_recv(c, &b, 1, NET_MSG_PEEK, &n), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("non-zero flags not allowed in calls to recv() on SSLSocket", last_message());
}

TEST(Tls, WrapChecksItsArgumentsAsPython) {
  Contexts ctx;
  Pair p = tcp_pair();
  sock_handle out = 0;
  EXPECT_PS_ERR(tls_wrap_socket(ctx.client, p.client, 0, nullptr, 0, &out), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("check_hostname requires server_hostname", last_message());
  EXPECT_PS_ERR(tls_wrap_socket(ctx.server, p.server, 1, "localhost", 0, &out), SOCK_ERR_VALUE, 0);
  EXPECT_PS_ERR(tls_wrap_socket(ctx.client, p.client, 0, ".x", 0, &out), SOCK_ERR_VALUE, 0);
  ASSERT_PS_OK(sock_settimeout(p.client, 0.0));
  EXPECT_PS_ERR(tls_wrap_socket(ctx.client, p.client, 0, "localhost", 0, &out), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("do_handshake_on_connect should not be specified for non-blocking sockets",
            last_message());
  Sock udp = make_socket(NET_AF_INET, NET_SOCK_DGRAM);
  EXPECT_PS_ERR(tls_wrap_socket(ctx.client, udp, 0, "localhost", 0, &out), SOCK_ERR_VALUE, 0);
  // Nothing was detached: the sockets still work.
  size_t n = 0;
  EXPECT_PS_OK(sock_send(p.client, "x", 1, 0, &n));
}

TEST(Tls, UntrustedCaAndWrongHostnameFailWithPythonsText) {
  Contexts ctx;
  {
    Ctx stranger(TLS_PURPOSE_SERVER_AUTH);  // the system store only: our CA is unknown
    Contexts other;
    Pair p = tcp_pair();
    sock_handle s = 0, c = 0;
    std::thread srv([&] { tls_wrap_socket(ctx.server, p.server.release(), 1, nullptr, 0, &s); });
    const int st = tls_wrap_socket(stranger, p.client.release(), 0, "localhost", 0, &c);
    tls_error_info e;
    tls_last_error(&e);
    const std::string msg = last_message();
    srv.join();
    Sock server(s);
    EXPECT_EQ(SOCK_ERR_SSL, st);
    EXPECT_EQ(TLS_ERROR_SSL, e.kind);
    EXPECT_EQ(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
        "certificate",
        msg);
    EXPECT_STREQ("SSL", e.library);
    EXPECT_STREQ("CERTIFICATE_VERIFY_FAILED", e.reason);
    EXPECT_EQ(20, e.verify_code);
    EXPECT_STREQ("unable to get local issuer certificate", e.verify_message);
  }
  TlsPair t = wrap_pair(ctx, "wrong.example");
  EXPECT_EQ(SOCK_ERR_SSL, t.client_status);
  tls_error_info e;
  // The message is per thread: check it through a second failure on this thread.
  TlsPair u = wrap_pair(ctx, "wrong.example");
  const std::string msg = last_message();
  tls_last_error(&e);
  EXPECT_EQ(
      "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate "
      "is not valid for 'wrong.example'.",
      msg);
  EXPECT_EQ(62, e.verify_code);
}

TEST(Tls, NonBlockingWantsReadAndTimeoutsReadAsPython) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  char buf[16];
  size_t n = 0;
  ASSERT_PS_OK(sock_settimeout(t.client, 0.0));
  EXPECT_PS_ERR(sock_recv(t.client, buf, sizeof buf, 0, &n), SOCK_ERR_SSL, TLS_ERROR_WANT_READ);
  EXPECT_EQ("The operation did not complete (read)", last_message());
  ASSERT_PS_OK(sock_settimeout(t.client, 0.05));
  EXPECT_PS_ERR(sock_recv(t.client, buf, sizeof buf, 0, &n), SOCK_ERR_TIMEOUT, 0);
  EXPECT_EQ("The read operation timed out", last_message());
  // MSG_DONTWAIT: one attempt in any mode.
  ASSERT_PS_OK(sock_settimeout(t.client, SOCK_TIMEOUT_NONE));
  EXPECT_PS_ERR(sock_recv(t.client, buf, sizeof buf, NET_MSG_DONTWAIT, &n), SOCK_ERR_SSL,
                TLS_ERROR_WANT_READ);
  // The _try calls are one attempt on a TLS socket too, in timeout mode as well.
  ASSERT_PS_OK(sock_settimeout(t.client, 30.0));
  EXPECT_PS_ERR(sock_recv_try(t.client, buf, sizeof buf, 0, &n), SOCK_ERR_SSL, TLS_ERROR_WANT_READ);
  ASSERT_PS_OK(sock_send_try(t.client, "hi", 2, 0, &n));
  EXPECT_EQ(2u, n);
  ASSERT_PS_OK(sock_recv(t.server, buf, sizeof buf, 0, &n));
  EXPECT_EQ("hi", std::string(buf, n));
}

// A poller reports a TLS socket readable while OpenSSL holds bytes, even with the
// kernel buffer empty: three records came at once, the first recv took one.
TEST(Tls, PollerReportsBytesOpenSslHolds) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  size_t n = 0;
  for (const char *rec : {"one", "two", "six"}) ASSERT_PS_OK(sock_sendall(t.server, rec, 3, 0, &n));
  sock_poller p = 0;
  ASSERT_PS_OK(sock_poller_create(&p));
  ASSERT_PS_OK(sock_poller_register(p, t.client, SOCK_EVENT_READ, 7));
  sock_event ev[4];
  size_t got = 0;
  ASSERT_PS_OK(sock_poller_wait(p, 5.0, ev, 4, &got));
  ASSERT_EQ(1u, got);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // all three are in
  std::string all;
  for (int i = 0; i < 9; ++i) {
    char c;
    ASSERT_PS_OK(sock_recv(t.client, &c, 1, 0, &n));
    ASSERT_EQ(1u, n);
    all += c;
    if (i == 8) break;
    ASSERT_PS_OK(sock_poller_wait(p, 0.0, ev, 4, &got));
    ASSERT_EQ(1u, got) << "stranded after " << all;
    EXPECT_EQ(7u, ev[0].user_data);
    EXPECT_EQ(SOCK_EVENT_READ, ev[0].events);
  }
  EXPECT_EQ("onetwosix", all);
  ASSERT_PS_OK(sock_poller_wait(p, 0.0, ev, 4, &got));
  EXPECT_EQ(0u, got) << "nothing left, nothing reported";
  sock_poller_close(p);
}

// unwrap: close_notify both ways, then the same handles carry plain TCP, with the
// bytes sent right after the close_notify intact.
TEST(Tls, UnwrapReturnsToPlainTcp) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  size_t n = 0;
  ASSERT_PS_OK(sock_settimeout(t.client, 5.0));
  ASSERT_PS_OK(sock_settimeout(t.server, 5.0));
  std::thread srv([&] {
    EXPECT_PS_OK(sock_tls_unwrap(t.server));
    EXPECT_PS_OK(sock_sendall(t.server, "plain", 5, 0, &n));
  });
  ASSERT_PS_OK(sock_tls_unwrap(t.client));
  srv.join();
  int v = 1;
  ASSERT_PS_OK(sock_tls_is_wrapped(t.client, &v));
  EXPECT_EQ(0, v);
  EXPECT_TRUE(recv_exactly(t.client, 5) == std::vector<unsigned char>({'p', 'l', 'a', 'i', 'n'}));
  EXPECT_PS_ERR(sock_tls_unwrap(t.client), SOCK_ERR_VALUE, 0);
}

// The peer's close_notify is the end of the stream; an EOF without one is too, by
// default (suppress_ragged_eofs), or SSLEOFError when asked.
TEST(Tls, CloseNotifyAndRaggedEofs) {
  Contexts ctx;
  for (unsigned flags : {0u, static_cast<unsigned>(TLS_WRAP_RAGGED_EOF_ERROR)}) {
    TlsPair t = wrap_pair(ctx, "localhost", flags);
    ASSERT_PS_OK(t.client_status);
    ASSERT_PS_OK(sock_settimeout(t.client, 5.0));
    int fd = -1;
    ASSERT_PS_OK(sock_fileno(t.server, &fd));
    ::shutdown(fd, SHUT_RDWR);  // gone, without close_notify
    char b;
    size_t n = 9;
    if (flags == 0) {
      EXPECT_PS_OK(sock_recv(t.client, &b, 1, 0, &n));
      EXPECT_EQ(0u, n);
    } else {
      EXPECT_PS_ERR(sock_recv(t.client, &b, 1, 0, &n), SOCK_ERR_SSL, TLS_ERROR_EOF);
      EXPECT_EQ("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
                last_message());
    }
  }
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  std::thread srv([&] { sock_tls_unwrap(t.server); });
  char b;
  size_t n = 9;
  ASSERT_PS_OK(sock_settimeout(t.client, 5.0));
  EXPECT_PS_OK(sock_recv(t.client, &b, 1, 0, &n));  // close_notify: b''
  EXPECT_EQ(0u, n);
  sock_shutdown(t.client, NET_SHUT_RDWR);  // the server's unwrap waits for ours otherwise
  srv.join();
}

TEST(Tls, CloseFromAnotherThreadWakesABlockingRecv) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  std::atomic<int> st{1};
  std::thread reader([&] {
    char buf[8];
    size_t n = 0;
    st = sock_recv(t.client, buf, sizeof buf, 0, &n);
    if (st == SOCK_ERR_OS) st = -sock_last_errno();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_PS_OK(sock_close(t.client));
  reader.join();
  EXPECT_EQ(-EBADF, st.load());
}

TEST(Tls, VersionsAlpnAndAListenerThatWraps) {
  Contexts ctx;
  ASSERT_PS_OK(tls_context_set_maximum_version(ctx.server, TLS_VERSION_TLSv1_2));
  ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx.server, "http/1.1"));
  ASSERT_PS_OK(tls_context_set_alpn_protocols(ctx.client, "h2,http/1.1"));
  int port = 0;
  Sock raw = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  sock_handle lh = 0;
  ASSERT_PS_OK(tls_wrap_socket(ctx.server, raw.release(), 1, nullptr, 0, &lh));
  Sock listener(lh);
  sock_handle conn = 0;
  std::atomic<int> accept_st{1};
  std::thread srv([&] { accept_st = sock_accept(listener, &conn, nullptr); });
  Sock plain = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  sock_handle ch = 0;
  ASSERT_PS_OK(tls_wrap_socket(ctx.client, plain.release(), 0, "localhost", 0, &ch));
  Sock client(ch);
  ASSERT_PS_OK(sock_connect(client, "127.0.0.1", port));  // connects, then handshakes
  srv.join();
  ASSERT_PS_OK(accept_st.load());
  Sock server(conn);
  EXPECT_EQ("TLSv1.2", text_of(sock_tls_version, client));
  EXPECT_EQ("http/1.1", text_of(sock_tls_selected_alpn_protocol, client));
  EXPECT_EQ("http/1.1", text_of(sock_tls_selected_alpn_protocol, server));
  int v = 0;
  ASSERT_PS_OK(sock_tls_server_side(server, &v));
  EXPECT_EQ(1, v);
}

// Non-blocking sockets, or (dontwait) blocking ones whose each step is a single
// attempt: either way the poller drives both handshakes to the end.
class TlsHandshakeLoop : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Tls, TlsHandshakeLoop, ::testing::Values(false, true),
                         [](const auto &info) { return info.param ? "Dontwait" : "NonBlocking"; });

TEST_P(TlsHandshakeLoop, DrivenByThePoller) {
  const bool dontwait = GetParam();
  Contexts ctx;
  Pair p = tcp_pair();
  sock_handle c = 0, s = 0;
  if (!dontwait) {
    ASSERT_PS_OK(sock_settimeout(p.client, 0.0));
    ASSERT_PS_OK(sock_settimeout(p.server, 0.0));
  }
  ASSERT_PS_OK(
      tls_wrap_socket(ctx.client, p.client.release(), 0, "localhost", TLS_WRAP_NO_HANDSHAKE, &c));
  ASSERT_PS_OK(
      tls_wrap_socket(ctx.server, p.server.release(), 1, nullptr, TLS_WRAP_NO_HANDSHAKE, &s));
  Sock client(c), server(s);
  sock_poller p2 = 0;
  ASSERT_PS_OK(sock_poller_create(&p2));
  bool done[2] = {false, false};
  const sock_handle hs[2] = {client, server};
  for (int i = 0; i < 2; ++i) ASSERT_PS_OK(sock_poller_register(p2, hs[i], SOCK_EVENT_WRITE, i));
  int rounds = 0;
  while (!(done[0] && done[1]) && rounds++ < 200) {
    sock_event ev[2];
    size_t got = 0;
    ASSERT_PS_OK(sock_poller_wait(p2, 5.0, ev, 2, &got));
    ASSERT_NE(0u, got) << "the handshake stalled";
    for (size_t k = 0; k < got; ++k) {
      const int i = static_cast<int>(ev[k].user_data);
      const int st = dontwait ? sock_tls_do_handshake_ex(hs[i], NET_MSG_DONTWAIT)
                              : sock_tls_do_handshake(hs[i]);
      if (st == SOCK_OK) {
        done[i] = true;
        ASSERT_PS_OK(sock_poller_unregister(p2, hs[i]));
        continue;
      }
      ASSERT_EQ(SOCK_ERR_SSL, st) << last_message();
      const int kind = sock_last_errno();
      ASSERT_TRUE(kind == TLS_ERROR_WANT_READ || kind == TLS_ERROR_WANT_WRITE) << last_message();
      ASSERT_PS_OK(sock_poller_modify(
          p2, hs[i], kind == TLS_ERROR_WANT_READ ? SOCK_EVENT_READ : SOCK_EVENT_WRITE, i));
    }
  }
  EXPECT_TRUE(done[0] && done[1]);
  EXPECT_EQ("TLSv1.3", text_of(sock_tls_version, client));
  if (dontwait) {  // the sockets stayed in blocking mode, and unwrap has its single step too
    double t = 0;
    ASSERT_PS_OK(sock_gettimeout(client, &t));
    EXPECT_EQ(SOCK_TIMEOUT_NONE, t);
    EXPECT_PS_ERR(sock_tls_unwrap_ex(client, NET_MSG_DONTWAIT), SOCK_ERR_SSL, TLS_ERROR_WANT_READ);
  }
  sock_poller_close(p2);
}

// SSLObject: two engines over memory, the bytes carried by hand.
TEST(Tls, MemoryObjectsHandshakeAndTalk) {
  Contexts ctx;
  tls_object c = 0, s = 0;
  ASSERT_PS_OK(tls_context_wrap_bio(ctx.client, 0, "localhost", &c));
  ASSERT_PS_OK(tls_context_wrap_bio(ctx.server, 1, nullptr, &s));
  auto pump = [](tls_object from, tls_object to) {
    unsigned char buf[4096];
    size_t n = 0;
    while (tls_object_drain(from, buf, sizeof buf, &n) == SOCK_OK && n > 0) {
      EXPECT_PS_OK(tls_object_feed(to, buf, n));
    }
  };
  bool cdone = false, sdone = false;
  for (int i = 0; i < 10 && !(cdone && sdone); ++i) {
    if (!cdone) cdone = tls_object_do_handshake(c) == SOCK_OK;
    pump(c, s);
    if (!sdone) sdone = tls_object_do_handshake(s) == SOCK_OK;
    pump(s, c);
  }
  ASSERT_TRUE(cdone && sdone) << last_message();
  char v[32];
  size_t n = 0;
  ASSERT_PS_OK(tls_object_version(c, v, sizeof v, &n));
  EXPECT_STREQ("TLSv1.3", v);
  ASSERT_PS_OK(tls_object_write(c, "hello", 5, &n));
  EXPECT_EQ(5u, n);
  pump(c, s);
  char buf[16];
  ASSERT_PS_OK(tls_object_read(s, buf, sizeof buf, &n));
  EXPECT_EQ("hello", std::string(buf, n));
  EXPECT_PS_ERR(tls_object_read(s, buf, sizeof buf, &n), SOCK_ERR_SSL, TLS_ERROR_WANT_READ);
  // unwrap: WANT_READ until the peer's close_notify is fed.
  EXPECT_PS_ERR(tls_object_unwrap(c), SOCK_ERR_SSL, TLS_ERROR_WANT_READ);
  pump(c, s);
  ASSERT_PS_OK(tls_object_read(s, buf, sizeof buf, &n));
  EXPECT_EQ(0u, n);  // the close_notify
  EXPECT_PS_OK(tls_object_unwrap(s));
  pump(s, c);
  EXPECT_PS_OK(tls_object_unwrap(c));
  tls_cert *cert = nullptr;
  ASSERT_PS_OK(tls_object_getpeercert(c, &cert));
  EXPECT_NE(nullptr, cert);
  tls_cert_free(cert);
  EXPECT_PS_OK(tls_object_close(c));
  EXPECT_PS_OK(tls_object_close(c));  // a second close is a no-op
  EXPECT_PS_ERR(tls_object_feed(c, "x", 1), SOCK_ERR_OS, EBADF);
  EXPECT_PS_OK(tls_object_close(s));
}

// A wrapped client whose connect fails can connect again (Python drops its _sslobj),
// and sendfile goes through TLS (read and send, from the offset).
TEST(Tls, ConnectAgainAfterAFailureAndSendfileThroughTls) {
  Contexts ctx;
  int dead_port = 0;
  {
    Sock gone = tcp_listener(NET_AF_INET, "127.0.0.1", &dead_port);
  }  // closed: connecting to it is refused
  int port = 0;
  Sock raw = tcp_listener(NET_AF_INET, "127.0.0.1", &port);
  sock_handle lh = 0;
  ASSERT_PS_OK(tls_wrap_socket(ctx.server, raw.release(), 1, nullptr, 0, &lh));
  Sock listener(lh);
  Sock plain = make_socket(NET_AF_INET, NET_SOCK_STREAM);
  sock_handle ch = 0;
  ASSERT_PS_OK(tls_wrap_socket(ctx.client, plain.release(), 0, "localhost", 0, &ch));
  Sock client(ch);
  EXPECT_PS_ERR(sock_connect(client, "127.0.0.1", dead_port), SOCK_ERR_OS, ECONNREFUSED);
  sock_handle conn = 0;
  std::thread srv([&] { EXPECT_PS_OK(sock_accept(listener, &conn, nullptr)); });
  ASSERT_PS_OK(sock_connect(client, "127.0.0.1", port));
  srv.join();
  Sock server(conn);
  EXPECT_PS_ERR(sock_connect(client, "127.0.0.1", port), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("attempt to connect already-connected SSLSocket!", last_message());

  char path[] = "/tmp/polysock-tls-sendfile-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  const auto data = pattern(300000, 7);
  ASSERT_EQ(static_cast<ssize_t>(data.size()), ::write(fd, data.data(), data.size()));
  int64_t sent = 0;
  std::vector<unsigned char> got;
  std::thread rd([&] { got = recv_exactly(server, data.size() - 1000); });
  ASSERT_PS_OK(sock_sendfile(client, fd, 1000, 0, &sent));
  rd.join();
  EXPECT_EQ(static_cast<int64_t>(data.size() - 1000), sent);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin() + 1000));
  EXPECT_EQ(static_cast<off_t>(data.size()), ::lseek(fd, 0, SEEK_CUR));  // after what was sent
  ::close(fd);
  sock_address from;
  char b;
  size_t n;
  EXPECT_PS_ERR(sock_recvfrom(client, &b, 1, 0, &n, &from), SOCK_ERR_VALUE, 0);
  EXPECT_EQ("recvfrom not allowed on instances of SSLSocket", last_message());
}

// sendall keeps its promises under TLS: a peer that never reads blocks it, a close
// from another thread ends it with EBADF, and out_sent says how much went.
TEST(Tls, CloseFromAnotherThreadWakesABlockedSendall) {
  Contexts ctx;
  TlsPair t = wrap_pair(ctx);
  ASSERT_PS_OK(t.client_status);
  const auto big = pattern(64 << 20, 3);  // far more than the socket buffers hold
  std::atomic<int> st{1};
  std::atomic<size_t> sent{0};
  std::thread writer([&] {
    size_t n = 0;
    int r = sock_sendall(t.client, big.data(), big.size(), 0, &n);
    if (r == SOCK_ERR_OS) r = -sock_last_errno();
    sent = n;
    st = r;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_EQ(1, st.load()) << "sendall returned although the peer never read";
  ASSERT_PS_OK(sock_close(t.client));
  writer.join();
  EXPECT_EQ(-EBADF, st.load());
  EXPECT_GT(sent.load(), 0u);
  EXPECT_LT(sent.load(), big.size());
}
