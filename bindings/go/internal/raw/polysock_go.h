/*
 * The C side of the Go binding's raw layer: one shim per operation, wrapped by SWIG
 * (polysock.i) into raw.go, compiled by cgo together with raw_wrap.c.
 *
 * Every shim that can fail takes a pgo_err as its last argument and, on failure,
 * copies the status, sock_last_errno() and sock_last_error_message() into it before
 * returning. Those two are thread-local: reading them in a second cgo call could land
 * on another OS thread and see another goroutine's error (bindings.md, pitfalls).
 *
 * Shims that produce a count or a length return it as an int64_t (>= 0), or the
 * negative status: one cgo call, no out-parameter to allocate on the Go heap.
 * Caller buffers (data, option values, packed addresses) arrive as a uintptr_t address
 * and a length: the Go layer passes the address of the slice's first byte, which cgo
 * does not inspect (its pointer check rejects a []byte inside a struct that holds Go
 * pointers, such as net/http's one-byte reads), and keeps the slice alive and in place
 * (heap memory does not move) for the call. Buffers the Go layer allocates for results
 * are passed as Go slices.
 *
 * A shim never blocks: the Go layer keeps every socket in non-blocking mode and waits
 * on the runtime's network poller.
 */
#ifndef POLYSOCK_GO_H
#define POLYSOCK_GO_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <polysock/polysock.h>

/**
 * A failure: status, errno (or EAI_* / h_errno, or the TLS_ERROR_* kind) and Python's
 * message; for SOCK_ERR_SSL also tls_last_error()'s detail (library, reason,
 * verification result), read in the same call (tls.kind is 0 for every other status).
 */
typedef struct pgo_err {
  int32_t status;
  int32_t err;
  char msg[248];
  tls_error_info tls;
} pgo_err;

/** A socket the Go layer takes over: handle, descriptor, timeout it was created with. */
typedef struct pgo_newsock {
  uint64_t h;
  int32_t fd;
  int32_t pad;
  double timeout;
  sock_address addr;
} pgo_newsock;

static inline int pgo_fail(int status, pgo_err *e) {
  if (status < 0 && e != NULL) {
    const char *m = sock_last_error_message();
    size_t n = m != NULL ? strlen(m) : 0;
    if (n >= sizeof e->msg) n = sizeof e->msg - 1;
    e->status = status;
    e->err = sock_last_errno();
    if (n > 0) memcpy(e->msg, m, n);
    e->msg[n] = '\0';
    e->tls.kind = 0;
    if (status == SOCK_ERR_SSL && tls_last_error(&e->tls) != SOCK_OK) e->tls.kind = 0;
  }
  return status;
}

/* The park argument of the operation shims:
 * PGO_PARK_NONE: a call in non-blocking mode whose caller has no would-block Error
 *   yet: every failure gets its message.
 * PGO_PARK_POLLER: a call from a RawConn callback: EAGAIN only means "wait on the
 *   poller" and a TLS would-block names the event to wait for; nobody reads their
 *   messages.
 * PGO_PARK_QUIET_AGAIN: a call in non-blocking mode whose caller already holds the
 *   would-block Error (errors.go): EAGAIN / EWOULDBLOCK need no message. */
#define PGO_PARK_NONE 0
#define PGO_PARK_POLLER 1
#define PGO_PARK_QUIET_AGAIN 2

/* As pgo_fail, for the operation shims: a would-block's message is not formatted when
 * park says that nobody reads it (formatting costs more than the call). */
static inline int pgo_fail_park(int status, int park, pgo_err *e) {
  if (park != PGO_PARK_NONE && status == SOCK_ERR_OS) {
    int err = sock_last_errno();
    if (err == EAGAIN || err == EWOULDBLOCK) {
      e->status = status;
      e->err = err;
      e->msg[0] = '\0';
      return status;
    }
  }
  /* On a TLS socket, would-block is SOCK_ERR_SSL with kind WANT_READ or WANT_WRITE:
   * the Go layer parks on the event the kind names. */
  if (park == PGO_PARK_POLLER && status == SOCK_ERR_SSL) {
    int kind = sock_last_errno();
    if (kind == TLS_ERROR_WANT_READ || kind == TLS_ERROR_WANT_WRITE) {
      e->status = status;
      e->err = kind;
      e->msg[0] = '\0';
      e->tls.kind = kind;
      return status;
    }
  }
  return pgo_fail(status, e);
}

/* As pgo_fail_park, for connect: from a RawConn callback, EINPROGRESS and EALREADY only
 * mean "wait until writable", so their messages are not formatted either. */
static inline int pgo_fail_connect(int status, int park, pgo_err *e) {
  if (park == PGO_PARK_POLLER && status == SOCK_ERR_OS) {
    int err = sock_last_errno();
    if (err == EINPROGRESS || err == EALREADY) {
      e->status = status;
      e->err = err;
      e->msg[0] = '\0';
      return status;
    }
  }
  return pgo_fail_park(status, park, e);
}

/* Takes over a fresh handle: remembers its timeout, switches it to non-blocking mode
 * (the Go layer waits on the netpoller) and reads its descriptor. Closes it on failure.
 * A handle in non-blocking mode already needs no switch: the socket object keeps
 * O_NONBLOCK with its mode (timeout 0 means the descriptor has it), so no ioctl. */
static inline int pgo_adopt(sock_handle h, pgo_newsock *out, pgo_err *e) {
  int fd = -1;
  int s = sock_gettimeout(h, &out->timeout);
  if (s == SOCK_OK && out->timeout != 0.0) s = sock_settimeout(h, 0.0);
  if (s == SOCK_OK) s = sock_fileno(h, &fd);
  if (s != SOCK_OK) {
    pgo_fail(s, e);
    sock_close(h);
    return s;
  }
  out->h = h;
  out->fd = fd;
  return SOCK_OK;
}

/* As pgo_adopt, for a handle on the caller's own descriptor (sock_create_fileno): on
 * failure the handle lets go of the descriptor (detach) instead of closing it, as the
 * C ABI promises that a failed adoption leaves fd the caller's. */
static inline int pgo_adopt_keep(sock_handle h, pgo_newsock *out, pgo_err *e) {
  int fd = -1;
  int s = sock_gettimeout(h, &out->timeout);
  if (s == SOCK_OK && out->timeout != 0.0) s = sock_settimeout(h, 0.0);
  if (s == SOCK_OK) s = sock_fileno(h, &fd);
  if (s != SOCK_OK) {
    pgo_fail(s, e);
    sock_detach(h, &fd);
    return s;
  }
  out->h = h;
  out->fd = fd;
  return SOCK_OK;
}

/* ---- Sockets: creation ---- */

/* pgo_socket and pgo_socketpair create their sockets with NET_SOCK_NONBLOCK, so that
 * they are non-blocking from the start (no ioctl follows), and report the timeout the
 * socket would have had: 0 with NET_SOCK_NONBLOCK, else the module default. */
static inline int pgo_socket(int family, int type, int proto, pgo_newsock *out, pgo_err *e) {
  sock_handle h = 0;
  double t = 0.0;
  int s = (type & NET_SOCK_NONBLOCK) != 0 ? SOCK_OK : net_getdefaulttimeout(&t);
  if (s == SOCK_OK) s = sock_create(family, type | NET_SOCK_NONBLOCK, proto, &h);
  if (s != SOCK_OK) return pgo_fail(s, e);
  s = pgo_adopt(h, out, e);
  out->timeout = t;
  return s;
}

static inline int pgo_socketpair(int family, int type, int proto, pgo_newsock *a, pgo_newsock *b,
                                 pgo_err *e) {
  sock_handle ha = 0, hb = 0;
  double t = 0.0;
  int s = (type & NET_SOCK_NONBLOCK) != 0 ? SOCK_OK : net_getdefaulttimeout(&t);
  if (s == SOCK_OK) s = net_socketpair(family, type | NET_SOCK_NONBLOCK, proto, &ha, &hb);
  if (s != SOCK_OK) return pgo_fail(s, e);
  s = pgo_adopt(ha, a, e);
  if (s != SOCK_OK) {
    sock_close(hb);
    return s;
  }
  s = pgo_adopt(hb, b, e);
  if (s != SOCK_OK) sock_close(ha);
  a->timeout = b->timeout = t;
  return s;
}

static inline int pgo_fromfd(int fd, int family, int type, int proto, pgo_newsock *out,
                             pgo_err *e) {
  sock_handle h = 0;
  int s = net_fromfd(fd, family, type, proto, &h);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return pgo_adopt(h, out, e);
}

/** socket(family, type, proto, fileno=fd): adopts fd itself (no dup). */
static inline int pgo_socket_fileno(int family, int type, int proto, int fd, pgo_newsock *out,
                                    pgo_err *e) {
  sock_handle h = 0;
  int s = sock_create_fileno(family, type, proto, fd, &h);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return pgo_adopt_keep(h, out, e);
}

static inline int pgo_dup(uint64_t h, pgo_newsock *out, pgo_err *e) {
  sock_handle d = 0;
  int s = sock_dup(h, &d);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return pgo_adopt(d, out, e);
}

static inline int pgo_create_server(const char *host, int port, int family, int backlog,
                                    int reuse_port, int dualstack, pgo_newsock *out, pgo_err *e) {
  sock_handle h = 0;
  int s = net_create_server(host, port, family, backlog, reuse_port, dualstack, &h);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return pgo_adopt(h, out, e);
}

/** accept(): EAGAIN when no connection waits; the new socket is adopted too. */
static inline int pgo_accept(uint64_t h, int park, pgo_newsock *out, pgo_err *e) {
  sock_handle c = 0;
  int s = sock_accept(h, &c, &out->addr);
  if (s != SOCK_OK) return pgo_fail_park(s, park, e);
  return pgo_adopt(c, out, e);
}

static inline int pgo_close(uint64_t h, pgo_err *e) { return pgo_fail(sock_close(h), e); }

/** detach(): the descriptor (>= 0), -1 if the socket was closed, or the status. */
static inline int64_t pgo_detach(uint64_t h, pgo_err *e) {
  int fd = -1;
  int s = sock_detach(h, &fd);
  return s != SOCK_OK ? pgo_fail(s, e) : fd;
}

/** socket.close(fd): closes a bare descriptor. */
static inline int pgo_net_close(int fd, pgo_err *e) { return pgo_fail(net_close(fd), e); }

/* ---- Sockets: operations ---- */

static inline int pgo_bind(uint64_t h, const char *host, int port, pgo_err *e) {
  return pgo_fail(sock_bind(h, host, port), e);
}

static inline int pgo_listen(uint64_t h, int backlog, pgo_err *e) {
  return pgo_fail(sock_listen(h, backlog), e);
}

/**
 * connect(): on a non-blocking socket the first call gives EINPROGRESS; once the
 * descriptor is writable the Go layer calls again (again != 0), and the kernel
 * answers EISCONN (connected: SOCK_OK here) or the connection's real error.
 */
static inline int pgo_connect(uint64_t h, const char *host, int port, int again, int park,
                              pgo_err *e) {
  int s = sock_connect(h, host, port);
  if (s == SOCK_ERR_OS && again && sock_last_errno() == EISCONN) return SOCK_OK;
  return pgo_fail_connect(s, park, e);
}

static inline int pgo_connect_ex(uint64_t h, const char *host, int port, pgo_err *e) {
  int s = sock_connect_ex(h, host, port);
  return s < 0 ? pgo_fail(s, e) : s;
}

/* AF_UNIX addresses as bytes: the path arrives as a caller buffer (address, length). */

static inline int pgo_bind_unix(uint64_t h, uintptr_t path, size_t len, pgo_err *e) {
  return pgo_fail(sock_bind_unix(h, (const void *)path, len), e);
}

/** connect(path) with a bytes path, as pgo_connect (again != 0: EISCONN means connected). */
static inline int pgo_connect_unix(uint64_t h, uintptr_t path, size_t len, int again, int park,
                                   pgo_err *e) {
  int s = sock_connect_unix(h, (const void *)path, len);
  if (s == SOCK_ERR_OS && again && sock_last_errno() == EISCONN) return SOCK_OK;
  return pgo_fail_connect(s, park, e);
}

/** getsockname() (peer == 0) or getpeername() of an AF_UNIX socket as bytes: the length. */
static inline int64_t pgo_sockname_unix(uint64_t h, int peer, void *buf, size_t buflen,
                                        pgo_err *e) {
  size_t n = 0;
  int s =
      peer ? sock_getpeername_unix(h, buf, buflen, &n) : sock_getsockname_unix(h, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int64_t pgo_recv(uint64_t h, uintptr_t buf, size_t len, int flags, int park,
                               pgo_err *e) {
  size_t n = 0;
  int s = sock_recv(h, (void *)buf, len, flags, &n);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

static inline int64_t pgo_recvfrom(uint64_t h, uintptr_t buf, size_t len, int flags, int park,
                                   sock_address *addr, pgo_err *e) {
  size_t n = 0;
  int s = sock_recvfrom(h, (void *)buf, len, flags, &n, addr);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

static inline int64_t pgo_send(uint64_t h, uintptr_t buf, size_t len, int flags, int park,
                               pgo_err *e) {
  size_t n = 0;
  int s = sock_send(h, (const void *)buf, len, flags, &n);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

static inline int64_t pgo_sendto(uint64_t h, uintptr_t buf, size_t len, int flags, int park,
                                 const char *host, int port, pgo_err *e) {
  size_t n = 0;
  int s = sock_sendto(h, (const void *)buf, len, flags, host, port, &n);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

/* ---- Messages ----
 * The scatter/gather list (sock_iovec[]) and the ancillary items to send (sock_cmsg[])
 * are Go arrays of the same layout whose data fields are the addresses of Go heap
 * buffers that the Go layer keeps alive (uintptr in Go: no Go pointers, so cgo lets
 * them pass). The control data buffer is a caller buffer; the descriptors are Go
 * []int32 slices. Like every shim, these never block: EAGAIN parks the goroutine. */

/** sendmsg(buffers, ancdata, flags[, address]): the bytes sent (host_null: no address). */
static inline int64_t pgo_sendmsg(uint64_t h, const sock_iovec *iov, size_t niov,
                                  const sock_cmsg *anc, size_t nanc, int flags, const char *host,
                                  int host_null, int port, int park, pgo_err *e) {
  size_t n = 0;
  int s = sock_sendmsg(h, iov, niov, anc, nanc, flags, host_null ? NULL : host, port, &n);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

/** recvmsg_into(buffers, ancbufsize, flags): the bytes received; the rest in *info. */
static inline int64_t pgo_recvmsg(uint64_t h, const sock_iovec *iov, size_t niov, uintptr_t ancbuf,
                                  size_t ancbufsize, int flags, int park, sock_msg_info *info,
                                  pgo_err *e) {
  int s = sock_recvmsg(h, iov, niov, (void *)ancbuf, ancbufsize, flags, info);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)info->nbytes;
}

/**
 * The ancillary items sock_recvmsg stored in ancbuf: up to max of them into out[]
 * (their data fields point into ancbuf), and their total number.
 */
static inline int64_t pgo_cmsg_items(uintptr_t ancbuf, size_t anclen, sock_cmsg *out, size_t max,
                                     pgo_err *e) {
  size_t cursor = 0, n = 0;
  /* every item takes at least CMSG_LEN(0) bytes: anclen bounds the loop */
  while (n <= anclen) {
    sock_cmsg c;
    int found = 0;
    int s = sock_cmsg_next((const void *)ancbuf, anclen, &cursor, &c, &found);
    if (s != SOCK_OK) return pgo_fail(s, e);
    if (!found) break;
    if (n < max) out[n] = c;
    n++;
  }
  return (int64_t)n;
}

/** CMSG_LEN(length) (space == 0) or CMSG_SPACE(length). */
static inline int64_t pgo_cmsg_size(size_t length, int space, pgo_err *e) {
  size_t n = 0;
  int s = space ? net_cmsg_space(length, &n) : net_cmsg_len(length, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/** send_fds(sock, buffers, fds, flags[, address]): the bytes sent. */
static inline int64_t pgo_send_fds(uint64_t h, const sock_iovec *iov, size_t niov, const int *fds,
                                   size_t nfds, int flags, const char *host, int host_null,
                                   int port, int park, pgo_err *e) {
  size_t n = 0;
  int s = sock_send_fds(h, iov, niov, fds, nfds, flags, host_null ? NULL : host, port, &n);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)n;
}

/** recv_fds(sock, bufsize, maxfds, flags): the number of descriptors; bytes etc. in *info. */
static inline int64_t pgo_recv_fds(uint64_t h, uintptr_t buf, size_t len, int *fds, size_t maxfds,
                                   int flags, int park, sock_msg_info *info, pgo_err *e) {
  size_t nfds = 0;
  int s = sock_recv_fds(h, (void *)buf, len, fds, maxfds, flags, &nfds, info);
  return s != SOCK_OK ? pgo_fail_park(s, park, e) : (int64_t)nfds;
}

static inline int pgo_shutdown(uint64_t h, int how, pgo_err *e) {
  return pgo_fail(sock_shutdown(h, how), e);
}

/** Validates a timeout as settimeout() would, without changing the socket's mode. */
static inline int pgo_check_timeout(uint64_t h, double seconds, pgo_err *e) {
  double current = 0;
  int s = sock_gettimeout(h, &current);
  if (s != SOCK_OK) return pgo_fail(s, e);
  s = sock_settimeout(h, seconds);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return pgo_fail(sock_settimeout(h, 0.0), e);
}

static inline int pgo_setsockopt(uint64_t h, int level, int opt, int value, pgo_err *e) {
  return pgo_fail(sock_setsockopt(h, level, opt, value), e);
}

static inline int pgo_setsockopt_bytes(uint64_t h, int level, int opt, uintptr_t val, size_t len,
                                       pgo_err *e) {
  return pgo_fail(sock_setsockopt_bytes(h, level, opt, (const void *)val, len), e);
}

/** getsockopt(level, opt): the value, or the status in *e (the result is then 0). */
static inline int64_t pgo_getsockopt(uint64_t h, int level, int opt, pgo_err *e) {
  int v = 0;
  int s = sock_getsockopt(h, level, opt, &v);
  return s != SOCK_OK ? (pgo_fail(s, e), 0) : v;
}

static inline int64_t pgo_getsockopt_bytes(uint64_t h, int level, int opt, void *buf, size_t buflen,
                                           pgo_err *e) {
  size_t n = 0;
  int s = sock_getsockopt_bytes(h, level, opt, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int pgo_getsockname(uint64_t h, sock_address *out, pgo_err *e) {
  return pgo_fail(sock_getsockname(h, out), e);
}

static inline int pgo_getpeername(uint64_t h, sock_address *out, pgo_err *e) {
  return pgo_fail(sock_getpeername(h, out), e);
}

/** family, type and proto packed as family | type << 16 | proto << 32 (each < 65536). */
static inline int64_t pgo_info(uint64_t h, pgo_err *e) {
  int f = 0, t = 0, p = 0;
  int s = sock_info(h, &f, &t, &p);
  if (s != SOCK_OK) return pgo_fail(s, e);
  return (int64_t)(f & 0xffff) | (int64_t)(t & 0xffff) << 16 | (int64_t)(p & 0xffff) << 32;
}

/* ---- Poller ---- */

static inline int pgo_poller_create(uint64_t *out, pgo_err *e) {
  return pgo_fail(sock_poller_create(out), e);
}

static inline int pgo_poller_register(uint64_t p, uint64_t h, uint32_t events, uint64_t data,
                                      pgo_err *e) {
  return pgo_fail(sock_poller_register(p, h, events, data), e);
}

static inline int pgo_poller_modify(uint64_t p, uint64_t h, uint32_t events, uint64_t data,
                                    pgo_err *e) {
  return pgo_fail(sock_poller_modify(p, h, events, data), e);
}

static inline int pgo_poller_unregister(uint64_t p, uint64_t h, pgo_err *e) {
  return pgo_fail(sock_poller_unregister(p, h), e);
}

static inline int64_t pgo_poller_wait(uint64_t p, double timeout, sock_event *events,
                                      size_t max_events, pgo_err *e) {
  size_t n = 0;
  int s = sock_poller_wait(p, timeout, events, max_events, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/** The poller's own descriptor (>= 0), or the status. */
static inline int64_t pgo_poller_fileno(uint64_t p, pgo_err *e) {
  int fd = -1;
  int s = sock_poller_fileno(p, &fd);
  return s != SOCK_OK ? pgo_fail(s, e) : fd;
}

static inline int pgo_poller_close(uint64_t p, pgo_err *e) {
  return pgo_fail(sock_poller_close(p), e);
}

/* ---- Signals ----
 * The Go binding never calls back into Go from C, so its interrupt hook is the C ABI's
 * flag hook over a flag in C memory (static storage here: one per process, as the hook
 * itself), which the Go layer sets and clears with pgo_set_interrupt_flag. */

static inline volatile sig_atomic_t *pgo_interrupt_flag_ptr(void) {
  static volatile sig_atomic_t flag;
  return &flag;
}

/** Installs the flag hook (on != 0) or restores the default, retrying EINTR (on == 0). */
static inline int pgo_set_interrupt_flag_hook(int on, pgo_err *e) {
  void *ctx = (void *)(uintptr_t)pgo_interrupt_flag_ptr();
  return pgo_fail(on ? net_set_interrupt_hook(net_interrupt_flag_hook, ctx)
                     : net_set_interrupt_hook(NULL, NULL),
                  e);
}

static inline void pgo_set_interrupt_flag(int value) { *pgo_interrupt_flag_ptr() = value != 0; }

static inline int pgo_interrupt_flag(void) { return *pgo_interrupt_flag_ptr() != 0; }

/* ---- Module functions ---- */

static inline int pgo_getdefaulttimeout(double *out, pgo_err *e) {
  return pgo_fail(net_getdefaulttimeout(out), e);
}

static inline int pgo_setdefaulttimeout(double seconds, pgo_err *e) {
  return pgo_fail(net_setdefaulttimeout(seconds), e);
}

static inline int64_t pgo_has_dualstack_ipv6(pgo_err *e) {
  int v = 0;
  int s = net_has_dualstack_ipv6(&v);
  return s != SOCK_OK ? pgo_fail(s, e) : v;
}

/** The i-th constant: its name into buf, its value in *value. */
static inline int pgo_constant_at(size_t i, char *buf, size_t buflen, int64_t *value, pgo_err *e) {
  const char *name = NULL;
  long long v = 0;
  int s = net_constant_at(i, &name, &v);
  if (s != SOCK_OK) return pgo_fail(s, e);
  size_t n = strlen(name);
  if (n >= buflen) return SOCK_ERR_RANGE;
  memcpy(buf, name, n + 1);
  *value = v;
  return SOCK_OK;
}

static inline int64_t pgo_constant_count(void) {
  size_t n = 0;
  return net_constant_count(&n) == SOCK_OK ? (int64_t)n : 0;
}

/* Integer conversions: the result (>= 0) or the status. */
#define PGO_CONVERT(NAME)                                     \
  static inline int64_t pgo_##NAME(long long x, pgo_err *e) { \
    long long r = 0;                                          \
    int s = net_##NAME(x, &r);                                \
    return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)r;        \
  }
PGO_CONVERT(htons)
PGO_CONVERT(ntohs)
PGO_CONVERT(htonl)
PGO_CONVERT(ntohl)
#undef PGO_CONVERT

/* String results: the length (>= 0, NUL excluded) or the status. */
static inline int64_t pgo_gethostname(char *buf, size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = net_gethostname(buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int64_t pgo_gethostbyname(const char *name, char *buf, size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = net_gethostbyname(name, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int64_t pgo_getfqdn(const char *name, char *buf, size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = net_getfqdn(name, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/**
 * gethostbyname_ex / gethostbyaddr (by_addr != 0): the entry as NUL-terminated strings
 * in buf, "name\0alias\0...\0\0address\0...\0", and its length; SOCK_ERR_RANGE if buf
 * is too small (call again with a bigger one).
 */
static inline int64_t pgo_hostent(const char *name, int by_addr, char *buf, size_t buflen,
                                  pgo_err *e) {
  net_hostent *he = NULL;
  int s = by_addr ? net_gethostbyaddr(name, &he) : net_gethostbyname_ex(name, &he);
  if (s != SOCK_OK) return pgo_fail(s, e);
  size_t used = 0, n = 0, count = 0;
  s = net_hostent_name(he, buf, buflen, &n);
  if (s == SOCK_OK) used = n + 1;
  if (s == SOCK_OK) s = net_hostent_alias_count(he, &count);
  for (size_t i = 0; s == SOCK_OK && i < count; i++) {
    s = net_hostent_alias(he, i, buf + used, buflen - used, &n);
    if (s == SOCK_OK) used += n + 1;
  }
  if (s == SOCK_OK && used >= buflen) s = SOCK_ERR_RANGE;
  if (s == SOCK_OK) buf[used++] = '\0';
  if (s == SOCK_OK) s = net_hostent_address_count(he, &count);
  for (size_t i = 0; s == SOCK_OK && i < count; i++) {
    s = net_hostent_address(he, i, buf + used, buflen - used, &n);
    if (s == SOCK_OK) used += n + 1;
  }
  if (s == SOCK_OK && used >= buflen) s = SOCK_ERR_RANGE;
  if (s == SOCK_OK) buf[used++] = '\0';
  net_hostent_free(he);
  if (s == SOCK_ERR_RANGE) return s;
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)used;
}

/**
 * getaddrinfo(): up to max results into out[], and their total number (call again with
 * room for all of them if it exceeds max). A NULL host or port is given by *_null.
 */
static inline int64_t pgo_getaddrinfo(const char *host, int host_null, const char *port,
                                      int port_null, int family, int type, int proto, int flags,
                                      net_addrinfo *out, size_t max, pgo_err *e) {
  net_addrinfo_list *list = NULL;
  int s = net_getaddrinfo(host_null ? NULL : host, port_null ? NULL : port, family, type, proto,
                          flags, &list);
  if (s != SOCK_OK) return pgo_fail(s, e);
  size_t count = 0;
  s = net_addrinfo_count(list, &count);
  for (size_t i = 0; s == SOCK_OK && i < count && i < max; i++)
    s = net_addrinfo_get(list, i, &out[i]);
  if (s != SOCK_OK) pgo_fail(s, e);
  net_addrinfo_free(list);
  return s != SOCK_OK ? s : (int64_t)count;
}

static inline int pgo_getnameinfo(const sock_address *addr, int flags, char *host, size_t host_len,
                                  char *serv, size_t serv_len, pgo_err *e) {
  return pgo_fail(net_getnameinfo_address(addr, flags, host, host_len, serv, serv_len), e);
}

static inline int64_t pgo_getservbyname(const char *name, const char *proto, int proto_null,
                                        pgo_err *e) {
  int port = 0;
  int s = net_getservbyname(name, proto_null ? NULL : proto, &port);
  return s != SOCK_OK ? pgo_fail(s, e) : port;
}

static inline int64_t pgo_getservbyport(int port, const char *proto, int proto_null, char *buf,
                                        size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = net_getservbyport(port, proto_null ? NULL : proto, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int64_t pgo_getprotobyname(const char *name, pgo_err *e) {
  int v = 0;
  int s = net_getprotobyname(name, &v);
  return s != SOCK_OK ? pgo_fail(s, e) : v;
}

static inline int64_t pgo_inet_aton(const char *text, unsigned char *buf, size_t buflen,
                                    pgo_err *e) {
  if (buflen < 4) return SOCK_ERR_RANGE;
  int s = net_inet_aton(text, buf);
  return s != SOCK_OK ? pgo_fail(s, e) : 4;
}

static inline int64_t pgo_inet_ntoa(uintptr_t packed, size_t len, char *buf, size_t buflen,
                                    pgo_err *e) {
  int s = net_inet_ntoa((const unsigned char *)packed, len, buf, buflen);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)strlen(buf);
}

static inline int64_t pgo_inet_pton(int af, const char *text, unsigned char *buf, size_t buflen,
                                    pgo_err *e) {
  size_t n = 0;
  int s = net_inet_pton(af, text, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int64_t pgo_inet_ntop(int af, uintptr_t packed, size_t len, char *buf, size_t buflen,
                                    pgo_err *e) {
  int s = net_inet_ntop(af, (const unsigned char *)packed, len, buf, buflen);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)strlen(buf);
}

static inline int64_t pgo_if_nametoindex(const char *name, pgo_err *e) {
  unsigned int v = 0;
  int s = net_if_nametoindex(name, &v);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)v;
}

static inline int64_t pgo_if_indextoname(long long index, char *buf, size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = net_if_indextoname(index, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/** if_nameindex(): up to max entries into out[], and their total number. */
static inline int64_t pgo_if_nameindex(net_if_entry *out, size_t max, pgo_err *e) {
  net_if_list *list = NULL;
  int s = net_if_nameindex(&list);
  if (s != SOCK_OK) return pgo_fail(s, e);
  size_t count = 0;
  s = net_if_nameindex_count(list, &count);
  for (size_t i = 0; s == SOCK_OK && i < count && i < max; i++)
    s = net_if_nameindex_get(list, i, &out[i]);
  if (s != SOCK_OK) pgo_fail(s, e);
  net_if_nameindex_free(list);
  return s != SOCK_OK ? s : (int64_t)count;
}

/** version(): the library's version into buf, its length. */
static inline int64_t pgo_version(char *buf, size_t buflen) {
  const char *v = net_version();
  size_t n = strlen(v);
  if (n >= buflen) return SOCK_ERR_RANGE;
  memcpy(buf, v, n + 1);
  return (int64_t)n;
}

/* ---- TLS (Python's ssl module) ----
 * Contexts, TLS objects and certificates are uint64_t handles (a tls_cert pointer
 * travels as an integer: C memory, which Go only hands back). A TLS socket is an
 * ordinary socket handle: pgo_recv, pgo_send and the rest work on it, and their
 * would-block is SOCK_ERR_SSL kind TLS_ERROR_WANT_READ / WANT_WRITE (pgo_fail_park).
 * Shims that act on a socket or a TLS object take obj != 0 for the object. */

static inline int pgo_tls_available(void) { return tls_available(); }

static inline int64_t pgo_tls_openssl_version(char *buf, size_t buflen, pgo_err *e) {
  size_t n = 0;
  int s = tls_openssl_version(buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/** create_default_context(purpose) (by_protocol == 0) or SSLContext(protocol). */
static inline int pgo_tls_context_create(int by_protocol, int value, uint64_t *out, pgo_err *e) {
  tls_context c = 0;
  int s = by_protocol ? tls_context_create(value, &c) : tls_context_create_default(value, &c);
  if (s != SOCK_OK) return pgo_fail(s, e);
  *out = c;
  return SOCK_OK;
}

static inline int pgo_tls_context_close(uint64_t ctx, pgo_err *e) {
  return pgo_fail(tls_context_close(ctx), e);
}

/** load_cert_chain(certfile, keyfile, password): *_null gives None. */
static inline int pgo_tls_load_cert_chain(uint64_t ctx, const char *certfile, const char *keyfile,
                                          int keyfile_null, const char *password, int password_null,
                                          pgo_err *e) {
  return pgo_fail(tls_context_load_cert_chain(ctx, certfile, keyfile_null ? NULL : keyfile,
                                              password_null ? NULL : password),
                  e);
}

/** load_verify_locations(cafile, capath, cadata): *_null gives None; cadata is a caller
 * buffer (address 0 with cadata_null). */
static inline int pgo_tls_load_verify_locations(uint64_t ctx, const char *cafile, int cafile_null,
                                                const char *capath, int capath_null,
                                                uintptr_t cadata, size_t cadata_len,
                                                int cadata_null, pgo_err *e) {
  return pgo_fail(tls_context_load_verify_locations(
                      ctx, cafile_null ? NULL : cafile, capath_null ? NULL : capath,
                      cadata_null ? NULL : (const void *)cadata, cadata_null ? 0 : cadata_len),
                  e);
}

static inline int pgo_tls_load_default_certs(uint64_t ctx, int purpose, pgo_err *e) {
  return pgo_fail(tls_context_load_default_certs(ctx, purpose), e);
}

/** The integer attributes of a context, for pgo_tls_context_get and _set. */
enum {
  PGO_TLS_VERIFY_MODE = 0,
  PGO_TLS_CHECK_HOSTNAME = 1,
  PGO_TLS_MINIMUM_VERSION = 2,
  PGO_TLS_MAXIMUM_VERSION = 3
};

/** An integer attribute of a context (PGO_TLS_*) into *out (versions may be negative). */
static inline int pgo_tls_context_get(uint64_t ctx, int attr, int64_t *out, pgo_err *e) {
  int v = 0, s = SOCK_ERR_VALUE;
  switch (attr) {
    case PGO_TLS_VERIFY_MODE:
      s = tls_context_get_verify_mode(ctx, &v);
      break;
    case PGO_TLS_CHECK_HOSTNAME:
      s = tls_context_get_check_hostname(ctx, &v);
      break;
    case PGO_TLS_MINIMUM_VERSION:
      s = tls_context_get_minimum_version(ctx, &v);
      break;
    case PGO_TLS_MAXIMUM_VERSION:
      s = tls_context_get_maximum_version(ctx, &v);
      break;
    default:
      return SOCK_ERR_VALUE;
  }
  if (s != SOCK_OK) return pgo_fail(s, e);
  *out = v;
  return SOCK_OK;
}

/** Sets an integer attribute of a context (PGO_TLS_*). */
static inline int pgo_tls_context_set(uint64_t ctx, int attr, int value, pgo_err *e) {
  switch (attr) {
    case PGO_TLS_VERIFY_MODE:
      return pgo_fail(tls_context_set_verify_mode(ctx, value), e);
    case PGO_TLS_CHECK_HOSTNAME:
      return pgo_fail(tls_context_set_check_hostname(ctx, value), e);
    case PGO_TLS_MINIMUM_VERSION:
      return pgo_fail(tls_context_set_minimum_version(ctx, value), e);
    case PGO_TLS_MAXIMUM_VERSION:
      return pgo_fail(tls_context_set_maximum_version(ctx, value), e);
  }
  return SOCK_ERR_VALUE;
}

static inline int pgo_tls_set_ciphers(uint64_t ctx, const char *ciphers, pgo_err *e) {
  return pgo_fail(tls_context_set_ciphers(ctx, ciphers), e);
}

static inline int pgo_tls_set_alpn_protocols(uint64_t ctx, const char *protocols, pgo_err *e) {
  return pgo_fail(tls_context_set_alpn_protocols(ctx, protocols), e);
}

/**
 * wrap_socket: the TLS socket's handle and descriptor (sock's own) in *out; sock's
 * handle is detached by the C ABI. The new handle keeps sock's mode (non-blocking:
 * the Go layer always wraps with TLS_WRAP_NO_HANDSHAKE and runs the handshake itself).
 * Its descriptor is the one the Go layer already polls, so nothing here closes it.
 */
static inline int pgo_tls_wrap_socket(uint64_t ctx, uint64_t h, int server_side,
                                      const char *hostname, int hostname_null, unsigned int flags,
                                      pgo_newsock *out, pgo_err *e) {
  sock_handle t = 0;
  int fd = -1;
  int s = tls_wrap_socket(ctx, h, server_side, hostname_null ? NULL : hostname, flags, &t);
  if (s != SOCK_OK) return pgo_fail(s, e);
  s = sock_fileno(t, &fd);
  out->h = t;
  out->fd = fd;
  out->timeout = 0.0;
  return pgo_fail(s, e);
}

/** do_handshake() (op 0) or unwrap() (op 1), as a RawConn callback makes them (park). */
static inline int pgo_tls_step(uint64_t h, int op, int park, pgo_err *e) {
  return pgo_fail_park(op == 0 ? sock_tls_do_handshake(h) : sock_tls_unwrap(h), park, e);
}

/** The integer queries of a TLS socket: 0 is_wrapped, 1 pending, 2 server_side (>= 0). */
static inline int64_t pgo_tls_query(uint64_t h, int what, pgo_err *e) {
  int v = 0;
  size_t n = 0;
  int s = SOCK_ERR_VALUE;
  switch (what) {
    case 0:
      s = sock_tls_is_wrapped(h, &v);
      break;
    case 1:
      s = sock_tls_pending(h, &n);
      v = (int)(n > (size_t)INT32_MAX ? INT32_MAX : n);
      break;
    case 2:
      s = sock_tls_server_side(h, &v);
      break;
    default:
      return SOCK_ERR_VALUE;
  }
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)v;
}

/** version() (alpn == 0) or selected_alpn_protocol() of a socket or object: the length. */
static inline int64_t pgo_tls_text(uint64_t h, int obj, int alpn, char *buf, size_t buflen,
                                   pgo_err *e) {
  size_t n = 0;
  int s;
  if (alpn)
    s = obj ? tls_object_selected_alpn_protocol(h, buf, buflen, &n)
            : sock_tls_selected_alpn_protocol(h, buf, buflen, &n);
  else
    s = obj ? tls_object_version(h, buf, buflen, &n) : sock_tls_version(h, buf, buflen, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int pgo_tls_cipher(uint64_t h, int obj, tls_cipher_info *out, pgo_err *e) {
  return pgo_fail(obj ? tls_object_cipher(h, out) : sock_tls_cipher(h, out), e);
}

/** getpeercert(): the certificate (to free with pgo_tls_cert_free) in *out, 0 for None. */
static inline int pgo_tls_getpeercert(uint64_t h, int obj, uint64_t *out, pgo_err *e) {
  tls_cert *c = NULL;
  int s = obj ? tls_object_getpeercert(h, &c) : sock_tls_getpeercert(h, &c);
  if (s != SOCK_OK) return pgo_fail(s, e);
  *out = (uint64_t)(uintptr_t)c;
  return SOCK_OK;
}

static inline int pgo_tls_cert_info(uint64_t cert, tls_cert_info *out, pgo_err *e) {
  return pgo_fail(tls_cert_get_info((const tls_cert *)(uintptr_t)cert, out), e);
}

static inline int64_t pgo_tls_cert_entry_count(uint64_t cert, int list, pgo_err *e) {
  size_t n = 0;
  int s = tls_cert_entry_count((const tls_cert *)(uintptr_t)cert, list, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline int pgo_tls_cert_entry(uint64_t cert, int list, size_t i, tls_cert_entry *out,
                                     pgo_err *e) {
  return pgo_fail(tls_cert_get_entry((const tls_cert *)(uintptr_t)cert, list, i, out), e);
}

/** The DER bytes into buf: their length, or SOCK_ERR_RANGE with the size needed in *need. */
static inline int64_t pgo_tls_cert_der(uint64_t cert, void *buf, size_t buflen, int64_t *need,
                                       pgo_err *e) {
  size_t n = 0;
  int s = tls_cert_der((const tls_cert *)(uintptr_t)cert, buflen ? buf : NULL, buflen, &n);
  if (s == SOCK_ERR_RANGE) {
    *need = (int64_t)n;
    return s;
  }
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

static inline void pgo_tls_cert_free(uint64_t cert) { tls_cert_free((tls_cert *)(uintptr_t)cert); }

/* ---- TLS objects over memory buffers (ssl.SSLObject) ---- */

static inline int pgo_tls_wrap_bio(uint64_t ctx, int server_side, const char *hostname,
                                   int hostname_null, uint64_t *out, pgo_err *e) {
  tls_object o = 0;
  int s = tls_context_wrap_bio(ctx, server_side, hostname_null ? NULL : hostname, &o);
  if (s != SOCK_OK) return pgo_fail(s, e);
  *out = o;
  return SOCK_OK;
}

static inline int pgo_tls_object_close(uint64_t obj, pgo_err *e) {
  return pgo_fail(tls_object_close(obj), e);
}

/** incoming.write(data) (eof == 0) or incoming.write_eof(). */
static inline int pgo_tls_object_feed(uint64_t obj, uintptr_t buf, size_t len, int eof,
                                      pgo_err *e) {
  return pgo_fail(eof ? tls_object_feed_eof(obj) : tls_object_feed(obj, (const void *)buf, len), e);
}

/** The buffer operations of an object: 0 drain, 1 read, 2 write: the byte count. */
static inline int64_t pgo_tls_object_io(uint64_t obj, int op, uintptr_t buf, size_t len,
                                        pgo_err *e) {
  size_t n = 0;
  int s = SOCK_ERR_VALUE;
  switch (op) {
    case 0:
      s = tls_object_drain(obj, (void *)buf, len, &n);
      break;
    case 1:
      s = tls_object_read(obj, (void *)buf, len, &n);
      break;
    case 2:
      s = tls_object_write(obj, (const void *)buf, len, &n);
      break;
    default:
      return SOCK_ERR_VALUE;
  }
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

/** do_handshake() (op 0) or unwrap() (op 1) of an object. */
static inline int pgo_tls_object_step(uint64_t obj, int op, pgo_err *e) {
  return pgo_fail(op == 0 ? tls_object_do_handshake(obj) : tls_object_unwrap(obj), e);
}

/** outgoing.pending (what == 0) or pending() (what == 1). */
static inline int64_t pgo_tls_object_pending(uint64_t obj, int what, pgo_err *e) {
  size_t n = 0;
  int s = what == 0 ? tls_object_outgoing_pending(obj, &n) : tls_object_pending(obj, &n);
  return s != SOCK_OK ? pgo_fail(s, e) : (int64_t)n;
}

#endif /* POLYSOCK_GO_H */
