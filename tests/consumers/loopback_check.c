/*
 * A program written as a polysock user would write it, built against an installed
 * polysock (not the build tree) by each consumer project here. It checks that the
 * header it was built with and the library it runs with are the ones the package
 * says, then moves bytes over a socketpair and over a 127.0.0.1 TCP connection.
 * Exit status 0 means all went well.
 *
 * The build gives POLYSOCK_EXPECTED_VERSION (the installed package's version) and
 * POLYSOCK_EXPECTED_ABI (the number in the installed library's SONAME).
 */
#include <polysock/polysock.h>

#include <stdio.h>
#include <string.h>

#ifndef POLYSOCK_EXPECTED_VERSION
#error "build with -DPOLYSOCK_EXPECTED_VERSION=\"x.y.z\""
#endif
#ifndef POLYSOCK_EXPECTED_ABI
#error "build with -DPOLYSOCK_EXPECTED_ABI=N (the SONAME's number)"
#endif

#define CHECK(call)                                                                  \
  do {                                                                               \
    int status_ = (call);                                                            \
    if (status_ != SOCK_OK) {                                                        \
      fprintf(stderr, "FAIL %s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #call, \
              sock_strerror(status_), sock_last_error_message());                    \
      return 1;                                                                      \
    }                                                                                \
  } while (0)

#define EXPECT(cond, ...)                                  \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fputc('\n', stderr);                                 \
      return 1;                                            \
    }                                                      \
  } while (0)

/* Receives exactly len bytes (recv may return fewer than asked). */
static int recv_exactly(sock_handle h, char *buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    size_t n = 0;
    CHECK(sock_recv(h, buf + got, len - got, 0, &n));
    EXPECT(n > 0, "peer closed after %zu of %zu bytes", got, len);
    got += n;
  }
  return 0;
}

/* Sends msg from one end and checks the other end receives the same bytes. */
static int round_trip(sock_handle from, sock_handle to, const char *msg) {
  char buf[64];
  size_t len = strlen(msg);
  size_t sent = 0;
  CHECK(sock_sendall(from, msg, len, 0, &sent));
  EXPECT(sent == len, "sendall sent %zu of %zu bytes", sent, len);
  if (recv_exactly(to, buf, len) != 0) return 1;
  EXPECT(memcmp(buf, msg, len) == 0, "received \"%.*s\", expected \"%s\"", (int)len, buf, msg);
  return 0;
}

static int check_library_identity(void) {
  EXPECT(strcmp(net_version(), POLYSOCK_EXPECTED_VERSION) == 0,
         "net_version() is \"%s\", the package says \"%s\"", net_version(),
         POLYSOCK_EXPECTED_VERSION);
  char header_version[32];
  snprintf(header_version, sizeof header_version, "%d.%d.%d", POLYSOCK_VERSION_MAJOR,
           POLYSOCK_VERSION_MINOR, POLYSOCK_VERSION_PATCH);
  EXPECT(strcmp(header_version, POLYSOCK_EXPECTED_VERSION) == 0,
         "the header's POLYSOCK_VERSION_* say %s, the package says \"%s\"", header_version,
         POLYSOCK_EXPECTED_VERSION);
  EXPECT(net_abi_version() == POLYSOCK_EXPECTED_ABI, "net_abi_version() is %d, the SONAME says %d",
         net_abi_version(), POLYSOCK_EXPECTED_ABI);
  printf("ok: polysock %s, ABI %d\n", net_version(), net_abi_version());
  return 0;
}

/* The package is built with TLS: a default client context, as Python's, works. */
static int check_tls(void) {
  EXPECT(tls_available() == 1, "the installed library was built without TLS");
  char version[128];
  CHECK(tls_openssl_version(version, sizeof version, NULL));
  tls_context ctx = 0;
  CHECK(tls_context_create_default(TLS_PURPOSE_SERVER_AUTH, &ctx));
  int mode = -1;
  CHECK(tls_context_get_verify_mode(ctx, &mode));
  EXPECT(mode == TLS_CERT_REQUIRED, "a default client context verifies (mode %d)", mode);
  CHECK(tls_context_close(ctx));
  printf("ok: TLS on %s\n", version);
  return 0;
}

static int check_socketpair(void) {
  sock_handle a = 0, b = 0;
  CHECK(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &a, &b));
  if (round_trip(a, b, "ping over a socketpair") != 0) return 1;
  if (round_trip(b, a, "pong") != 0) return 1;
  CHECK(sock_close(a));
  CHECK(sock_close(b));
  printf("ok: socketpair round trip\n");
  return 0;
}

static int check_tcp_loopback(void) {
  sock_handle server = 0, client = 0, conn = 0;
  sock_address bound, peer;
  CHECK(net_create_server("127.0.0.1", 0, NET_AF_INET, -1, 0, 0, &server));
  CHECK(sock_getsockname(server, &bound));
  EXPECT(bound.port > 0, "the listener got port %d", bound.port);
  CHECK(net_create_connection("127.0.0.1", bound.port, SOCK_TIMEOUT_DEFAULT, NULL, 0, &client));
  CHECK(sock_accept(server, &conn, &peer));
  EXPECT(strcmp(peer.host, "127.0.0.1") == 0, "accepted a peer at \"%s\"", peer.host);
  if (round_trip(client, conn, "hello over 127.0.0.1") != 0) return 1;
  if (round_trip(conn, client, "hello back") != 0) return 1;
  CHECK(sock_close(client));
  CHECK(sock_close(conn));
  CHECK(sock_close(server));
  printf("ok: TCP round trip on 127.0.0.1:%d\n", bound.port);
  return 0;
}

int main(void) {
  /* Every socket made from here on gives up after 5 s instead of hanging a CI run. */
  CHECK(net_setdefaulttimeout(5.0));
  if (check_library_identity() != 0 || check_tls() != 0) return 1;
  if (check_socketpair() != 0) return 1;
  if (check_tcp_loopback() != 0) return 1;
  return 0;
}
