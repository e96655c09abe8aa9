/*
 * Against a library built with POLYSOCK_TLS=OFF (tests/tls_disabled/run.sh): the TLS
 * functions exist, fail with SOCK_ERR_NOT_CONFIGURED and say why; tls_available()
 * is 0, sock_tls_is_wrapped says 0, and plain sockets work as ever.
 */
#include <polysock/polysock.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

static void expect_not_configured(const char *what, int st) {
  const char *msg = sock_last_error_message();
  if (st != SOCK_ERR_NOT_CONFIGURED || strstr(msg, "POLYSOCK_TLS=OFF") == NULL) {
    fprintf(stderr, "FAIL %s: %s (%s)\n", what, sock_strerror(st), msg);
    failures++;
  }
}

int main(void) {
  if (tls_available() != 0) {
    fprintf(stderr, "FAIL tls_available() is %d\n", tls_available());
    return 1;
  }
  tls_context ctx = 0;
  tls_object obj = 0;
  sock_handle a = 0, b = 0, w = 0;
  char buf[64];
  size_t n = 0;
  tls_error_info info;
  expect_not_configured("tls_openssl_version", tls_openssl_version(buf, sizeof buf, &n));
  expect_not_configured("tls_last_error", tls_last_error(&info));
  expect_not_configured("tls_context_create_default",
                        tls_context_create_default(TLS_PURPOSE_SERVER_AUTH, &ctx));
  expect_not_configured("tls_context_create", tls_context_create(TLS_PROTOCOL_TLS_CLIENT, &ctx));
  expect_not_configured("tls_context_wrap_bio", tls_context_wrap_bio(ctx, 0, NULL, &obj));
  expect_not_configured("tls_object_feed", tls_object_feed(obj, "x", 1));
  if (net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &a, &b) != SOCK_OK) {
    fprintf(stderr, "FAIL socketpair: %s\n", sock_last_error_message());
    return 1;
  }
  expect_not_configured("tls_wrap_socket", tls_wrap_socket(ctx, a, 0, "localhost", 0, &w));
  expect_not_configured("sock_tls_do_handshake", sock_tls_do_handshake(a));
  expect_not_configured("sock_tls_version", sock_tls_version(a, buf, sizeof buf, &n));
  int wrapped = 7;
  if (sock_tls_is_wrapped(a, &wrapped) != SOCK_OK || wrapped != 0) {
    fprintf(stderr, "FAIL sock_tls_is_wrapped: %s, %d\n", sock_last_error_message(), wrapped);
    failures++;
  }
  /* The socket was not touched: it still carries bytes. */
  size_t sent = 0, got = 0;
  if (sock_sendall(a, "ok", 2, 0, &sent) != SOCK_OK ||
      sock_recv(b, buf, sizeof buf, 0, &got) != SOCK_OK || got != 2) {
    fprintf(stderr, "FAIL plain bytes: %s\n", sock_last_error_message());
    failures++;
  }
  sock_close(a);
  sock_close(b);
  if (failures == 0) printf("ok: without TLS every TLS call says SOCK_ERR_NOT_CONFIGURED\n");
  return failures == 0 ? 0 : 1;
}
