/* The C suite of issue 18's benchmark protocol: one (benchmark, implementation) case
 * per invocation, measured once after a warm-up; bench/run.sh runs the rounds and
 * compares. Implementations: "raw" (plain POSIX calls, epoll, OpenSSL's SSL_read and
 * SSL_write on the descriptor) and "polysock" (the C ABI, its Python-like calls). The
 * two versions of each benchmark make the same calls in the same order on buffers
 * of the same sizes; only the connection set-up, which is not timed, differs.
 *
 * Build (Release):
 *   cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_BUILD_BENCH=ON \
 *         -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF
 *   cmake --build build/rel --target suite_c
 * Run:
 *   build/rel/bench/suite_c list
 *   build/rel/bench/suite_c <bench> raw|polysock [key=value ...]
 * with, defaults shown (RESULT's unit after the arrow):
 *   bulk bytes=1073741824 chunk=65536      -> MiB/s, a sender thread's sendall of chunks
 *                                             to a receiver reading into a chunk buffer
 *   rtt trips=20000 size=64                -> microseconds per round trip (TCP_NODELAY)
 *   connect count=5000                     -> connections per second (socket, connect,
 *                                             accept, close, close)
 *   eagain calls=1000000                   -> nanoseconds per non-blocking recv finding
 *                                             nothing (each call's would-block checked)
 *   tls-bulk bytes=268435456 chunk=65536 cert=cert.pem key=key.pem p12=cert.p12
 *                                          -> MiB/s over TLS 1.3, handshake excluded
 *                                             (p12 is Java's: accepted and unused here)
 *   echo-server                            -> prints "PORT n", echoes on 127.0.0.1
 *                                             until stdin ends (bench/echo_servers.c)
 * Each measured case first warms up on a connection of its own (an eighth of the work,
 * at least 2000 calls; not timed), then times the work on a new one with CLOCK_MONOTONIC.
 * A measured case prints "INFO ..." lines and one "RESULT <number>" on stdout; a failure
 * is a message on stderr and exit status 1 (2 for a bad command line). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <polysock/polysock.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "echo_servers.h"

/* ---- Errors, clock, options ------------------------------------------------------ */

static void die_errno(const char *what) {
  fprintf(stderr, "suite_c: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void check_ps(int status, const char *what) {
  if (status == SOCK_OK) return;
  fprintf(stderr, "suite_c: %s: %s: %s\n", what, sock_strerror(status), sock_last_error_message());
  exit(1);
}

static void die_ssl(const char *what) {
  fprintf(stderr, "suite_c: %s:\n", what);
  ERR_print_errors_fp(stderr);
  exit(1);
}

static void die(const char *what) {
  fprintf(stderr, "suite_c: %s\n", what);
  exit(1);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Page-aligned, as the C# suite's transfer buffers are and Go's large slices come: the
 * kernel's copy into and out of a buffer moves with where the buffer lies (by up to a
 * fifth with the C# suite's heap arrays), so every side gets the same. */
static void *xmalloc(size_t n) {
  void *p = NULL;
  if (posix_memalign(&p, 4096, n) != 0) die("out of memory");
  memset(p, 'x', n);
  return p;
}

static size_t min_size(uint64_t a, size_t b) { return a < b ? (size_t)a : b; }

/* The warm-up's share of the work: an eighth, and at least a few thousand calls. */
static uint64_t warm_calls(uint64_t calls) { return calls / 8 < 2000 ? 2000 : calls / 8; }

typedef struct options {
  uint64_t bytes, chunk, trips, size, count, calls;
  const char *cert, *key, *p12;
} options;

/* ---- Connections (set-up, not timed) --------------------------------------------- */

/* A listener on 127.0.0.1 and an ephemeral port, in *port. */
static int raw_listener(int backlog, int flags, int *port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
  if (fd < 0) die_errno("socket");
  const int one = 1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, backlog) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    die_errno("listener");
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons((uint16_t)port);
  return addr;
}

/* A connected TCP pair over 127.0.0.1, both ends blocking. */
static void raw_pair(int *client, int *server) {
  int port = 0;
  const int l = raw_listener(1, 0, &port);
  const struct sockaddr_in addr = loopback(port);
  *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (*client < 0 || connect(*client, (const struct sockaddr *)&addr, sizeof addr) != 0)
    die_errno("connect");
  *server = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  if (*server < 0) die_errno("accept");
  close(l);
}

static void ps_pair(sock_handle *client, sock_handle *server) {
  sock_handle l = 0;
  sock_address local;
  check_ps(net_create_server("127.0.0.1", 0, NET_AF_INET, 1, 0, 0, &l), "create_server");
  check_ps(sock_getsockname(l, &local), "getsockname");
  check_ps(net_create_connection("127.0.0.1", local.port, SOCK_TIMEOUT_NONE, NULL, 0, client),
           "create_connection");
  check_ps(sock_accept(l, server, NULL), "accept");
  check_ps(sock_settimeout(*server, SOCK_TIMEOUT_NONE), "settimeout");
  sock_close(l);
}

static void raw_nodelay(int fd) {
  const int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die_errno("TCP_NODELAY");
}

static void ps_nodelay(sock_handle h) {
  check_ps(sock_setsockopt(h, NET_IPPROTO_TCP, NET_TCP_NODELAY, 1), "TCP_NODELAY");
}

/* ---- Raw blocking I/O: what sock_sendall and an exact read do -------------------- */

static void raw_sendall(int fd, const char *p, size_t n) {
  while (n > 0) {
    const ssize_t sent = send(fd, p, n, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      die_errno("send");
    }
    p += sent;
    n -= (size_t)sent;
  }
}

static ssize_t raw_recv(int fd, char *buf, size_t n) {
  for (;;) {
    const ssize_t got = recv(fd, buf, n, 0);
    if (got >= 0) return got;
    if (errno != EINTR) die_errno("recv");
  }
}

/* Reads exactly n bytes; 0 if the stream ended before the first, 1 when all came. */
static int raw_recv_exact(int fd, char *buf, size_t n) {
  for (size_t done = 0; done < n;) {
    const ssize_t got = raw_recv(fd, buf + done, n - done);
    if (got == 0) {
      if (done == 0) return 0;
      die("recv: the stream ended within a message");
    }
    done += (size_t)got;
  }
  return 1;
}

static int ps_recv_exact(sock_handle h, char *buf, size_t n) {
  for (size_t done = 0; done < n;) {
    size_t got = 0;
    check_ps(sock_recv(h, buf + done, n - done, 0, &got), "recv");
    if (got == 0) {
      if (done == 0) return 0;
      die("recv: the stream ended within a message");
    }
    done += got;
  }
  return 1;
}

/* ---- bulk ------------------------------------------------------------------------- */

typedef struct sender {
  int fd;         /* raw */
  sock_handle h;  /* polysock */
  uint64_t bytes; /* to send */
  size_t chunk;
  int64_t t0; /* when the first send started */
} sender;

static void *raw_bulk_sender(void *arg) {
  sender *s = arg;
  char *buf = xmalloc(s->chunk);
  s->t0 = now_ns();
  for (uint64_t done = 0; done < s->bytes;) {
    const size_t n = min_size(s->bytes - done, s->chunk);
    raw_sendall(s->fd, buf, n);
    done += n;
  }
  free(buf);
  return NULL;
}

static void *ps_bulk_sender(void *arg) {
  sender *s = arg;
  char *buf = xmalloc(s->chunk);
  s->t0 = now_ns();
  for (uint64_t done = 0; done < s->bytes;) {
    const size_t n = min_size(s->bytes - done, s->chunk);
    check_ps(sock_sendall(s->h, buf, n, 0, NULL), "sendall");
    done += n;
  }
  free(buf);
  return NULL;
}

/* One transfer of bytes on a new connection: its seconds from first send to last byte. */
static double raw_bulk_once(uint64_t bytes, size_t chunk) {
  int client, server;
  raw_pair(&client, &server);
  sender s = {client, 0, bytes, chunk, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, raw_bulk_sender, &s) != 0) die("pthread_create");
  char *buf = xmalloc(chunk);
  for (uint64_t done = 0; done < bytes;) {
    const ssize_t got = raw_recv(server, buf, min_size(bytes - done, chunk));
    if (got == 0) die("recv: early end of stream");
    done += (uint64_t)got;
  }
  const int64_t t1 = now_ns();
  pthread_join(thread, NULL);
  free(buf);
  close(client);
  close(server);
  return (double)(t1 - s.t0) * 1e-9;
}

static double ps_bulk_once(uint64_t bytes, size_t chunk) {
  sock_handle client, server;
  ps_pair(&client, &server);
  sender s = {-1, client, bytes, chunk, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, ps_bulk_sender, &s) != 0) die("pthread_create");
  char *buf = xmalloc(chunk);
  for (uint64_t done = 0; done < bytes;) {
    size_t got = 0;
    check_ps(sock_recv(server, buf, min_size(bytes - done, chunk), 0, &got), "recv");
    if (got == 0) die("recv: early end of stream");
    done += got;
  }
  const int64_t t1 = now_ns();
  pthread_join(thread, NULL);
  free(buf);
  sock_close(client);
  sock_close(server);
  return (double)(t1 - s.t0) * 1e-9;
}

static int run_bulk(const options *o, int raw) {
  double (*once)(uint64_t, size_t) = raw ? raw_bulk_once : ps_bulk_once;
  once(warm_calls(o->bytes / o->chunk) * o->chunk, (size_t)o->chunk);
  const double seconds = once(o->bytes, (size_t)o->chunk);
  printf("RESULT %.3f\n", (double)o->bytes / 1048576.0 / seconds);
  return 0;
}

/* ---- rtt -------------------------------------------------------------------------- */

typedef struct echoer {
  int fd;
  sock_handle h;
  size_t size;
} echoer;

/* Reads exactly size bytes and writes them back, until the client closes. */
static void *raw_rtt_echo(void *arg) {
  const echoer *e = arg;
  char *buf = xmalloc(e->size);
  while (raw_recv_exact(e->fd, buf, e->size)) raw_sendall(e->fd, buf, e->size);
  free(buf);
  return NULL;
}

static void *ps_rtt_echo(void *arg) {
  const echoer *e = arg;
  char *buf = xmalloc(e->size);
  while (ps_recv_exact(e->h, buf, e->size)) {
    check_ps(sock_sendall(e->h, buf, e->size, 0, NULL), "echo sendall");
  }
  free(buf);
  return NULL;
}

/* trips round trips on a new connection: their seconds. */
static double raw_rtt_once(uint64_t trips, size_t size) {
  int client, server;
  raw_pair(&client, &server);
  raw_nodelay(client);
  raw_nodelay(server);
  echoer e = {server, 0, size};
  pthread_t thread;
  if (pthread_create(&thread, NULL, raw_rtt_echo, &e) != 0) die("pthread_create");
  char *buf = xmalloc(size);
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < trips; i++) {
    raw_sendall(client, buf, size);
    if (!raw_recv_exact(client, buf, size)) die("recv: early end of stream");
  }
  const int64_t t1 = now_ns();
  close(client);
  pthread_join(thread, NULL);
  close(server);
  free(buf);
  return (double)(t1 - t0) * 1e-9;
}

static double ps_rtt_once(uint64_t trips, size_t size) {
  sock_handle client, server;
  ps_pair(&client, &server);
  ps_nodelay(client);
  ps_nodelay(server);
  echoer e = {-1, server, size};
  pthread_t thread;
  if (pthread_create(&thread, NULL, ps_rtt_echo, &e) != 0) die("pthread_create");
  char *buf = xmalloc(size);
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < trips; i++) {
    check_ps(sock_sendall(client, buf, size, 0, NULL), "sendall");
    if (!ps_recv_exact(client, buf, size)) die("recv: early end of stream");
  }
  const int64_t t1 = now_ns();
  sock_close(client);
  pthread_join(thread, NULL);
  sock_close(server);
  free(buf);
  return (double)(t1 - t0) * 1e-9;
}

static int run_rtt(const options *o, int raw) {
  double (*once)(uint64_t, size_t) = raw ? raw_rtt_once : ps_rtt_once;
  once(warm_calls(o->trips), (size_t)o->size);
  const double seconds = once(o->trips, (size_t)o->size);
  printf("RESULT %.3f\n", seconds * 1e6 / (double)o->trips);
  return 0;
}

/* ---- connect ---------------------------------------------------------------------- */

/* count times: a new client socket, a blocking connect to the listener's numeric
 * address, the accept, then both closed (client first). Seconds. */
static double raw_connect_loop(int listener, int port, uint64_t count) {
  const struct sockaddr_in addr = loopback(port);
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < count; i++) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) die_errno("socket");
    if (connect(c, (const struct sockaddr *)&addr, sizeof addr) != 0) die_errno("connect");
    const int a = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (a < 0) die_errno("accept");
    close(c);
    close(a);
  }
  return (double)(now_ns() - t0) * 1e-9;
}

static double ps_connect_loop(sock_handle listener, int port, uint64_t count) {
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < count; i++) {
    sock_handle c, a;
    check_ps(sock_create(NET_AF_INET, NET_SOCK_STREAM, 0, &c), "socket");
    check_ps(sock_connect(c, "127.0.0.1", port), "connect");
    check_ps(sock_accept(listener, &a, NULL), "accept");
    sock_close(c);
    sock_close(a);
  }
  return (double)(now_ns() - t0) * 1e-9;
}

static int run_connect(const options *o, int raw) {
  double seconds;
  if (raw) {
    int port = 0;
    const int l = raw_listener(128, 0, &port);
    raw_connect_loop(l, port, warm_calls(o->count));
    seconds = raw_connect_loop(l, port, o->count);
    close(l);
  } else {
    sock_handle l = 0;
    sock_address local;
    check_ps(net_create_server("127.0.0.1", 0, NET_AF_INET, 128, 0, 0, &l), "create_server");
    check_ps(sock_getsockname(l, &local), "getsockname");
    ps_connect_loop(l, local.port, warm_calls(o->count));
    seconds = ps_connect_loop(l, local.port, o->count);
    sock_close(l);
  }
  printf("RESULT %.3f\n", (double)o->count / seconds);
  return 0;
}

/* ---- eagain ----------------------------------------------------------------------- */

/* calls recv of up to 64 bytes on a non-blocking client end that has no data: seconds.
 * Every call must report would-block. */
static double raw_eagain_once(uint64_t calls) {
  int client, server;
  raw_pair(&client, &server);
  const int fl = fcntl(client, F_GETFL);
  if (fl < 0 || fcntl(client, F_SETFL, fl | O_NONBLOCK) != 0) die_errno("O_NONBLOCK");
  char buf[64];
  uint64_t would_block = 0;
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < calls; i++) {
    if (recv(client, buf, sizeof buf, 0) < 0 && errno == EAGAIN) would_block++;
  }
  const int64_t t1 = now_ns();
  if (would_block != calls) die("recv: a call did not report EAGAIN");
  close(client);
  close(server);
  return (double)(t1 - t0) * 1e-9;
}

static double ps_eagain_once(uint64_t calls) {
  sock_handle client, server;
  ps_pair(&client, &server);
  check_ps(sock_setblocking(client, 0), "setblocking");
  char buf[64];
  size_t got = 0;
  uint64_t would_block = 0;
  const int64_t t0 = now_ns();
  for (uint64_t i = 0; i < calls; i++) {
    if (sock_recv(client, buf, sizeof buf, 0, &got) == SOCK_ERR_OS &&
        sock_last_errno() == NET_EAGAIN)
      would_block++;
  }
  const int64_t t1 = now_ns();
  if (would_block != calls) die("recv: a call did not report EAGAIN");
  sock_close(client);
  sock_close(server);
  return (double)(t1 - t0) * 1e-9;
}

static int run_eagain(const options *o, int raw) {
  double (*once)(uint64_t) = raw ? raw_eagain_once : ps_eagain_once;
  once(warm_calls(o->calls));
  const double seconds = once(o->calls);
  printf("RESULT %.3f\n", seconds * 1e9 / (double)o->calls);
  return 0;
}

/* ---- tls-bulk --------------------------------------------------------------------- */

/* The receiving side, the TLS server, in a thread of its own: handshake, then reads
 * into a chunk buffer until all bytes came. */
typedef struct tls_receiver {
  int fd;
  SSL_CTX *raw_ctx;
  sock_handle h;
  tls_context ctx;
  uint64_t bytes;
  size_t chunk;
  int64_t t1; /* when the last byte came */
} tls_receiver;

static void *raw_tls_receive(void *arg) {
  tls_receiver *r = arg;
  SSL *ssl = SSL_new(r->raw_ctx);
  if (ssl == NULL || SSL_set_fd(ssl, r->fd) != 1) die_ssl("SSL_new");
  if (SSL_accept(ssl) != 1) die_ssl("server handshake");
  char *buf = xmalloc(r->chunk);
  for (uint64_t done = 0; done < r->bytes;) {
    const int got = SSL_read(ssl, buf, (int)min_size(r->bytes - done, r->chunk));
    if (got <= 0) die_ssl("SSL_read");
    done += (uint64_t)got;
  }
  r->t1 = now_ns();
  free(buf);
  SSL_free(ssl);
  return NULL;
}

static void *ps_tls_receive(void *arg) {
  tls_receiver *r = arg;
  sock_handle s = 0;
  check_ps(tls_wrap_socket(r->ctx, r->h, 1, NULL, 0, &s), "server handshake");
  char *buf = xmalloc(r->chunk);
  for (uint64_t done = 0; done < r->bytes;) {
    size_t got = 0;
    check_ps(sock_recv(s, buf, min_size(r->bytes - done, r->chunk), 0, &got), "recv");
    if (got == 0) die("recv: early end of stream");
    done += got;
  }
  r->t1 = now_ns();
  free(buf);
  sock_close(s);
  return NULL;
}

static void check_tls13(const char *version, const char *cipher) {
  if (strcmp(version, "TLSv1.3") != 0) {
    fprintf(stderr, "suite_c: negotiated %s, not TLSv1.3\n", version);
    exit(1);
  }
  printf("INFO cipher %s\n", cipher);
}

/* One TLS transfer on a new connection, its seconds from the first write (after the
 * client's handshake) until the server has every byte. */
static double raw_tls_once(SSL_CTX *server_ctx, SSL_CTX *client_ctx, uint64_t bytes, size_t chunk,
                           int report) {
  int client, server;
  raw_pair(&client, &server);
  tls_receiver r = {server, server_ctx, 0, 0, bytes, chunk, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, raw_tls_receive, &r) != 0) die("pthread_create");
  SSL *ssl = SSL_new(client_ctx);
  if (ssl == NULL || SSL_set_fd(ssl, client) != 1 ||
      SSL_set_tlsext_host_name(ssl, "localhost") != 1 || SSL_set1_host(ssl, "localhost") != 1)
    die_ssl("SSL_new");
  if (SSL_connect(ssl) != 1) die_ssl("client handshake");
  if (report) check_tls13(SSL_get_version(ssl), SSL_get_cipher_name(ssl));
  char *buf = xmalloc(chunk);
  const int64_t t0 = now_ns();
  for (uint64_t done = 0; done < bytes;) {
    const int n = (int)min_size(bytes - done, chunk);
    if (SSL_write(ssl, buf, n) != n) die_ssl("SSL_write");
    done += (uint64_t)n;
  }
  pthread_join(thread, NULL);
  free(buf);
  SSL_free(ssl);
  close(client);
  close(server);
  return (double)(r.t1 - t0) * 1e-9;
}

static double ps_tls_once(tls_context server_ctx, tls_context client_ctx, uint64_t bytes,
                          size_t chunk, int report) {
  sock_handle client, server, s;
  ps_pair(&client, &server);
  tls_receiver r = {-1, NULL, server, server_ctx, bytes, chunk, 0};
  pthread_t thread;
  if (pthread_create(&thread, NULL, ps_tls_receive, &r) != 0) die("pthread_create");
  check_ps(tls_wrap_socket(client_ctx, client, 0, "localhost", 0, &s), "client handshake");
  if (report) {
    char version[32];
    tls_cipher_info cipher;
    check_ps(sock_tls_version(s, version, sizeof version, NULL), "version");
    check_ps(sock_tls_cipher(s, &cipher), "cipher");
    check_tls13(version, cipher.name);
  }
  char *buf = xmalloc(chunk);
  const int64_t t0 = now_ns();
  for (uint64_t done = 0; done < bytes;) {
    const size_t n = min_size(bytes - done, chunk);
    check_ps(sock_sendall(s, buf, n, 0, NULL), "sendall");
    done += n;
  }
  pthread_join(thread, NULL);
  free(buf);
  sock_close(s);
  return (double)(r.t1 - t0) * 1e-9;
}

static int run_tls_bulk(const options *o, int raw) {
  const uint64_t warm = warm_calls(o->bytes / o->chunk) * o->chunk;
  double seconds;
  if (raw) {
    /* Both contexts TLS 1.3 with OpenSSL's defaults; the client verifies the
     * certificate against cert.pem and the name "localhost". */
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    if (sctx == NULL || cctx == NULL) die_ssl("SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(sctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION) != 1)
      die_ssl("TLS 1.3");
    if (SSL_CTX_use_certificate_chain_file(sctx, o->cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, o->key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(sctx) != 1)
      die_ssl("server certificate");
    if (SSL_CTX_load_verify_locations(cctx, o->cert, NULL) != 1) die_ssl("client CA");
    SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
    raw_tls_once(sctx, cctx, warm, (size_t)o->chunk, 0);
    seconds = raw_tls_once(sctx, cctx, o->bytes, (size_t)o->chunk, 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
  } else {
    /* Python's SSLContext(PROTOCOL_TLS_SERVER) and (PROTOCOL_TLS_CLIENT): the client
     * has CERT_REQUIRED and check_hostname, and trusts cert.pem alone. */
    tls_context sctx = 0, cctx = 0;
    check_ps(tls_context_create(TLS_PROTOCOL_TLS_SERVER, &sctx), "server context");
    check_ps(tls_context_create(TLS_PROTOCOL_TLS_CLIENT, &cctx), "client context");
    check_ps(tls_context_set_minimum_version(sctx, TLS_VERSION_TLSv1_3), "TLS 1.3");
    check_ps(tls_context_set_minimum_version(cctx, TLS_VERSION_TLSv1_3), "TLS 1.3");
    check_ps(tls_context_load_cert_chain(sctx, o->cert, o->key, NULL), "server certificate");
    check_ps(tls_context_load_verify_locations(cctx, o->cert, NULL, NULL, 0), "client CA");
    ps_tls_once(sctx, cctx, warm, (size_t)o->chunk, 0);
    seconds = ps_tls_once(sctx, cctx, o->bytes, (size_t)o->chunk, 1);
    tls_context_close(sctx);
    tls_context_close(cctx);
  }
  printf("RESULT %.3f\n", (double)o->bytes / 1048576.0 / seconds);
  return 0;
}

/* ---- echo-server ------------------------------------------------------------------ */

/* Reads stdin to its end, then asks the server to stop (a byte on its stop channel).
 * The server finishes once its connections have closed; if some are still open a
 * second later, the process exits anyway. */
typedef struct stdin_watch {
  int stop_fd;      /* raw: the write end of a pipe */
  sock_handle stop; /* polysock: one end of a socket pair */
} stdin_watch;

static void *watch_stdin(void *arg) {
  const stdin_watch *w = arg;
  char buf[256];
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    break;
  }
  if (w->stop != 0) {
    sock_sendall(w->stop, "x", 1, 0, NULL);
  } else if (write(w->stop_fd, "x", 1) != 1) {
    die_errno("echo-server: stop");
  }
  const struct timespec grace = {1, 0};
  nanosleep(&grace, NULL);
  fprintf(stderr, "suite_c: echo-server: connections still open at the end of stdin\n");
  fflush(stderr);
  _exit(0);
  return NULL;
}

static int run_echo_server(const options *o, int raw) {
  (void)o;
  /* 10,000 connections need more descriptors than the usual soft limit of 1024. */
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  stdin_watch w = {-1, 0};
  int listen_fd = -1, stop_pipe[2] = {-1, -1}, port = 0;
  sock_handle listener = 0, stop_server = 0;
  if (raw) {
    listen_fd = raw_listener(4096, SOCK_NONBLOCK, &port);
    if (pipe2(stop_pipe, O_CLOEXEC) != 0) die_errno("pipe2");
    w.stop_fd = stop_pipe[1];
  } else {
    sock_address local;
    check_ps(net_create_server("127.0.0.1", 0, NET_AF_INET, 4096, 0, 0, &listener),
             "create_server");
    check_ps(sock_setblocking(listener, 0), "setblocking");
    check_ps(sock_getsockname(listener, &local), "getsockname");
    check_ps(net_socketpair(NET_AF_UNIX, NET_SOCK_STREAM, 0, &stop_server, &w.stop), "socketpair");
    port = local.port;
  }
  printf("PORT %d\n", port);
  fflush(stdout);
  pthread_t thread;
  if (pthread_create(&thread, NULL, watch_stdin, &w) != 0) die("pthread_create");
  echo_stats stats = {0, 0, 0, 0};
  const int rc = raw ? epoll_echo_server(listen_fd, stop_pipe[0], &stats)
                     : polysock_echo_server(listener, stop_server, &stats);
  fprintf(stderr,
          "suite_c: echo-server %s: %llu connections, %llu echoes, %llu bytes, %llu errors\n",
          raw ? "raw" : "polysock", (unsigned long long)stats.accepted,
          (unsigned long long)stats.echoes, (unsigned long long)stats.bytes,
          (unsigned long long)stats.errors);
  if (rc != 0) die("echo-server: the server could not run");
  return 0;
}

/* ---- Cases and the command line --------------------------------------------------- */

typedef struct bench_def {
  const char *name;
  const char *keys[6]; /* the keys it takes; NULL-terminated */
  int measured;        /* 0 for echo-server */
  int (*run)(const options *, int raw);
} bench_def;

static const bench_def kBenches[] = {
    {"bulk", {"bytes", "chunk", NULL}, 1, run_bulk},
    {"rtt", {"trips", "size", NULL}, 1, run_rtt},
    {"connect", {"count", NULL}, 1, run_connect},
    {"eagain", {"calls", NULL}, 1, run_eagain},
    {"tls-bulk", {"bytes", "chunk", "cert", "key", "p12", NULL}, 1, run_tls_bulk},
    {"echo-server", {NULL}, 0, run_echo_server},
};
enum { kBenchCount = sizeof kBenches / sizeof kBenches[0] };

static int usage(void) {
  fprintf(stderr, "usage: suite_c list\n       suite_c BENCH raw|polysock [key=value ...]\n");
  return 2;
}

static int takes_key(const bench_def *b, const char *key) {
  for (int i = 0; b->keys[i] != NULL; i++) {
    if (strcmp(b->keys[i], key) == 0) return 1;
  }
  return 0;
}

/* A positive decimal integer up to max, or 0 if value is not one. */
static uint64_t parse_count(const char *value, uint64_t max) {
  if (*value < '0' || *value > '9') return 0;
  errno = 0;
  char *end = NULL;
  const unsigned long long v = strtoull(value, &end, 10);
  if (errno != 0 || *end != '\0' || v > max) return 0;
  return (uint64_t)v;
}

static int set_option(options *o, const char *key, const char *value) {
  const uint64_t huge = (uint64_t)1 << 50, buffer = (uint64_t)1 << 30;
  if (strcmp(key, "cert") == 0) {
    o->cert = value;
  } else if (strcmp(key, "key") == 0) {
    o->key = value;
  } else if (strcmp(key, "p12") == 0) {
    o->p12 = value;
  } else {
    uint64_t *field = strcmp(key, "bytes") == 0   ? &o->bytes
                      : strcmp(key, "chunk") == 0 ? &o->chunk
                      : strcmp(key, "trips") == 0 ? &o->trips
                      : strcmp(key, "size") == 0  ? &o->size
                      : strcmp(key, "count") == 0 ? &o->count
                                                  : &o->calls;
    /* chunk and size are buffer lengths (and SSL_write takes an int). */
    const uint64_t max = field == &o->chunk || field == &o->size ? buffer : huge;
    *field = parse_count(value, max);
    if (*field == 0) {
      fprintf(stderr, "suite_c: %s=%s: want a whole number from 1 to %llu\n", key, value,
              (unsigned long long)max);
      return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (int i = 0; i < kBenchCount; i++) {
      printf("%s raw\n", kBenches[i].name);
      if (strcmp(kBenches[i].name, "tls-bulk") != 0 || tls_available())
        printf("%s polysock\n", kBenches[i].name);
    }
    return 0;
  }
  if (argc < 3) return usage();
  const bench_def *b = NULL;
  for (int i = 0; i < kBenchCount; i++) {
    if (strcmp(argv[1], kBenches[i].name) == 0) b = &kBenches[i];
  }
  const int raw = strcmp(argv[2], "raw") == 0;
  if (b == NULL) {
    fprintf(stderr, "suite_c: unknown benchmark '%s' (suite_c list)\n", argv[1]);
    return 2;
  }
  if (!raw && strcmp(argv[2], "polysock") != 0) {
    fprintf(stderr, "suite_c: unknown implementation '%s': raw or polysock\n", argv[2]);
    return 2;
  }
  options o = {1073741824, 65536, 20000, 64, 5000, 1000000, "cert.pem", "key.pem", "cert.p12"};
  if (strcmp(b->name, "tls-bulk") == 0) o.bytes = 268435456;
  for (int i = 3; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) return usage();
    *eq = '\0';
    if (!takes_key(b, argv[i])) {
      fprintf(stderr, "suite_c: %s takes no key '%s'\n", b->name, argv[i]);
      return 2;
    }
    if (set_option(&o, argv[i], eq + 1) != 0) return 2;
  }
  signal(SIGPIPE, SIG_IGN); /* OpenSSL writes with write(), which could raise it */
  /* A measured case that hangs (a peer that never answers) ends here, with a status. */
  if (b->measured) alarm(900);
  const int rc = b->run(&o, raw);
  fflush(stdout);
  return rc;
}
