/**
 * @file
 * polysock: the Python socket module's model behind a stable C ABI.
 *
 * Conventions (see docs and the contract):
 * - Every function returns an int status: SOCK_OK (0) or a negative SOCK_ERR_*.
 *   Results come back through out-parameters, named out_*, last in the list.
 * - After a failure, sock_last_errno() and sock_last_error_message() tell more;
 *   they are thread-local and stay valid until the next failing call on the thread.
 * - Sockets are integer handles (sock_handle); 0 is never a valid handle. A closed
 *   handle stays invalid forever: using it fails with SOCK_ERR_OS and errno EBADF.
 * - Timeouts are in seconds, as in Python: SOCK_TIMEOUT_NONE means blocking
 *   (Python's None), 0.0 non-blocking, a positive value a deadline per operation.
 * - String outputs are always NUL-terminated; a buffer that is too small gives
 *   SOCK_ERR_RANGE with the size needed (NUL included) in the length out-parameter.
 *
 * The header is C99 and C++ compatible. Host constants (NET_AF_INET, NET_SOCK_STREAM,
 * ...) come from <polysock/polysock_constants.h>, generated for the host at build time.
 */
#ifndef POLYSOCK_POLYSOCK_H
#define POLYSOCK_POLYSOCK_H

#include <stddef.h>
#include <stdint.h>

#include <polysock/polysock_constants.h>

#if defined(_WIN32)
#if defined(POLYSOCK_BUILDING)
#define POLYSOCK_API __declspec(dllexport)
#else
#define POLYSOCK_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define POLYSOCK_API __attribute__((visibility("default")))
#else
#define POLYSOCK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------------- */

#define POLYSOCK_VERSION_MAJOR 1 /**< major version of this header: also its ABI generation */
#define POLYSOCK_VERSION_MINOR 0 /**< minor version of this header */
#define POLYSOCK_VERSION_PATCH 0 /**< patch version of this header */

/** The library's version as "MAJOR.MINOR.PATCH", e.g. "1.0.0". */
POLYSOCK_API const char *net_version(void);

/** The ABI generation; it changes only on a breaking ABI change (with the SONAME). */
POLYSOCK_API int net_abi_version(void);

/* ---- Status codes and errors -------------------------------------------------- */

/** Status codes returned by every function (Python's exception in brackets). */
enum sock_status {
  SOCK_OK = 0,               /**< success */
  SOCK_ERR_OS = -1,          /**< OSError: sock_last_errno() is errno (0 if none) */
  SOCK_ERR_TIMEOUT = -2,     /**< socket.timeout / TimeoutError: "timed out" */
  SOCK_ERR_GAI = -3,         /**< socket.gaierror: sock_last_errno() is the EAI_* code */
  SOCK_ERR_HOST = -4,        /**< socket.herror: sock_last_errno() is h_errno */
  SOCK_ERR_VALUE = -5,       /**< ValueError, OverflowError, TypeError: a bad argument */
  SOCK_ERR_NOMEM = -6,       /**< MemoryError */
  SOCK_ERR_RANGE = -7,       /**< output buffer too small: the size needed is reported */
  SOCK_ERR_INTERRUPTED = -8, /**< InterruptedError: the interrupt hook stopped the call (EINTR) */
  SOCK_ERR_SSL = -9, /**< ssl.SSLError and subclasses: sock_last_errno() is a TLS_ERROR_* kind */
  SOCK_ERR_NOT_CONFIGURED = -10 /**< the feature was not built in (TLS without OpenSSL) */
};

/** errno, EAI_* code or h_errno of this thread's last failure (0 if it had none). */
POLYSOCK_API int sock_last_errno(void);

/**
 * This thread's last failure in Python's words, e.g. "[Errno 111] Connection
 * refused" or "timed out". Valid until the next polysock call on the thread.
 */
POLYSOCK_API const char *sock_last_error_message(void);

/** The static name of a status code, e.g. "SOCK_ERR_TIMEOUT"; never NULL. */
POLYSOCK_API const char *sock_strerror(int status);

/* ---- Handles, timeouts, addresses --------------------------------------------- */

/** A socket: an integer handle from a process-wide table; 0 is never valid. */
typedef uint64_t sock_handle;

/** Timeout value meaning "no timeout" (Python's None): blocking mode. */
#define SOCK_TIMEOUT_NONE (-1.0)
/** Timeout value meaning "the module default" (net_getdefaulttimeout()). */
#define SOCK_TIMEOUT_DEFAULT (-2.0)

/* NET_NI_MAXHOST (1025), NET_NI_MAXSERV (32), NET_INET_ADDRSTRLEN (16) and
 * NET_INET6_ADDRSTRLEN (46), from the constants header, are output sizes (NUL
 * included) that always suffice for getnameinfo, inet_ntoa and inet_ntop. */

/** A socket address, as Python's address tuples. */
typedef struct sock_address {
  int family;        /**< NET_AF_INET, NET_AF_INET6 or NET_AF_UNIX */
  char host[256];    /**< numeric address, or AF_UNIX path ("@name" if abstract) */
  int port;          /**< 0 for AF_UNIX */
  uint32_t flowinfo; /**< AF_INET6 only */
  uint32_t scope_id; /**< AF_INET6 only */
} sock_address;

/* ---- Socket object ------------------------------------------------------------ */

/**
 * socket(family, type, proto): a new socket, non-inheritable, in the module
 * default timeout mode. type may include NET_SOCK_NONBLOCK (non-blocking mode)
 * and NET_SOCK_CLOEXEC (always implied).
 */
POLYSOCK_API int sock_create(int family, int type, int proto, sock_handle *out);

/**
 * socket(family, type, proto, fileno): a handle that adopts fd itself (no dup; the
 * handle owns it from now on, and sock_close closes it). As CPython, a negative
 * family, type or proto is read from the descriptor (SO_DOMAIN, SO_TYPE,
 * SO_PROTOCOL), the timeout is the module default and an O_NONBLOCK flag already on
 * the descriptor stays. A negative fd is SOCK_ERR_VALUE, a descriptor that is not
 * a socket ENOTSOCK, a closed one EBADF; on failure fd stays the caller's.
 */
POLYSOCK_API int sock_create_fileno(int family, int type, int proto, int fd, sock_handle *out);

/**
 * close(): closes the socket and invalidates the handle. Every call waiting on it
 * in other threads, in any mode (connect, accept, recv with any flags, recvfrom,
 * recvmsg, send, sendall, sendto, sendmsg, sendfile), wakes up with EBADF, or with the bytes a
 * MSG_WAITALL recv already had; the descriptor number is released once they
 * return, so no call ever reaches a socket that takes the number later. A dup of
 * the socket (sock_dup, net_fromfd) keeps its connection. Waking a call asleep in
 * the kernel uses a real-time signal (SIGRTMAX - 6, or POLYSOCK_WAKE_SIGNAL from
 * the environment) with an empty SA_RESTART handler; a thread that blocks that
 * signal is not woken until its call ends (docs/design.md). Closing an already
 * closed handle is SOCK_OK.
 */
POLYSOCK_API int sock_close(sock_handle h);

/**
 * detach(): invalidates the handle without closing the descriptor, given in
 * *out_fd (-1 if the socket was closed already). Calls in flight on the handle in
 * other threads fail with EBADF, as for close, and have returned before the
 * descriptor is handed out. If one cannot be woken within 200 ms (its thread blocks
 * the wake signal), *out_fd is a duplicate of the socket's descriptor instead.
 */
POLYSOCK_API int sock_detach(sock_handle h, int *out_fd);

/** dup(): a new handle on a duplicate descriptor with the same family, type, proto and timeout. */
POLYSOCK_API int sock_dup(sock_handle h, sock_handle *out);

/** fileno(): the descriptor, or -1 (with SOCK_OK) once the handle is closed. */
POLYSOCK_API int sock_fileno(sock_handle h, int *out_fd);

/**
 * bind((host, port)): host may be numeric, a name, "" (any address) or
 * "<broadcast>"; for AF_UNIX it is the path ("@name" for the abstract namespace,
 * "" to autobind) and port must be 0.
 */
POLYSOCK_API int sock_bind(sock_handle h, const char *host, int port);

/** listen(backlog): a negative backlog means Python's default, min(SOMAXCONN, 128). */
POLYSOCK_API int sock_listen(sock_handle h, int backlog);

/**
 * accept(): a new connection in *out_conn, which takes the module default
 * timeout (not the listener's). out_addr may be NULL.
 */
POLYSOCK_API int sock_accept(sock_handle h, sock_handle *out_conn, sock_address *out_addr);

/**
 * The _try calls: sock_accept_try, sock_recv_try, sock_recvfrom_try, sock_send_try and
 * sock_sendto_try are the plain calls made once, whatever the socket's mode (EAGAIN if
 * it would block; one attempt on a TLS socket too), for an event loop that waits for
 * readiness itself while other threads may use the socket in its mode: a call of
 * theirs that takes what the loop was told is ready cannot make the loop wait.
 * NET_MSG_DONTWAIT cannot say it: with a timeout, CPython waits for readiness first
 * even then (python_contract.md item 50), and accept takes no flags. accept4 has no
 * per-call flag either, so on a listener in blocking mode the first sock_accept_try
 * makes the descriptor O_NONBLOCK for good (as .NET's async sockets are): its blocking
 * accepts then try, and wait in poll instead of the kernel, with the same outcome
 * (gettimeout still None; SO_RCVTIMEO no longer applies). On a socket that is not
 * listening sock_accept_try is EINVAL, as accept, and changes nothing. A wrapped
 * listener that handshakes on accept makes that handshake in the new connection's mode
 * (wrap with TLS_WRAP_NO_HANDSHAKE and handshake each connection with
 * sock_tls_do_handshake_ex for a loop that never waits).
 */
POLYSOCK_API int sock_accept_try(sock_handle h, sock_handle *out_conn, sock_address *out_addr);

/** connect((host, port)): with a timeout, a non-blocking connect that reports the real error. */
POLYSOCK_API int sock_connect(sock_handle h, const char *host, int port);

/**
 * connect_ex((host, port)): returns 0 or an errno value (> 0) instead of failing;
 * a timeout gives EWOULDBLOCK. Resolver and argument failures are negative statuses.
 */
POLYSOCK_API int sock_connect_ex(sock_handle h, const char *host, int port);

/** recv / recv_into: up to len bytes into buf; *out_n == 0 means orderly shutdown. */
POLYSOCK_API int sock_recv(sock_handle h, void *buf, size_t len, int flags, size_t *out_n);
/** sock_recv made once whatever the mode (see sock_accept_try). */
POLYSOCK_API int sock_recv_try(sock_handle h, void *buf, size_t len, int flags, size_t *out_n);

/** recvfrom / recvfrom_into: as sock_recv, plus the sender's address (out_addr may be NULL). */
POLYSOCK_API int sock_recvfrom(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                               sock_address *out_addr);
/** sock_recvfrom made once whatever the mode (see sock_accept_try). */
POLYSOCK_API int sock_recvfrom_try(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                                   sock_address *out_addr);

/** send: sends some of buf and tells how much in *out_n. Never raises SIGPIPE. */
POLYSOCK_API int sock_send(sock_handle h, const void *buf, size_t len, int flags, size_t *out_n);
/** sock_send made once whatever the mode (see sock_accept_try). */
POLYSOCK_API int sock_send_try(sock_handle h, const void *buf, size_t len, int flags,
                               size_t *out_n);

/**
 * sendall: sends all of buf as one operation under one deadline. out_sent may be
 * NULL; on failure it tells how many bytes went.
 */
POLYSOCK_API int sock_sendall(sock_handle h, const void *buf, size_t len, int flags,
                              size_t *out_sent);

/** sendto(data, (host, port)): one datagram to the given address. */
POLYSOCK_API int sock_sendto(sock_handle h, const void *buf, size_t len, int flags,
                             const char *host, int port, size_t *out_n);
/** sock_sendto made once whatever the mode (see sock_accept_try). */
POLYSOCK_API int sock_sendto_try(sock_handle h, const void *buf, size_t len, int flags,
                                 const char *host, int port, size_t *out_n);

/**
 * sendfile(file, offset, count): sends count bytes (0: to the end of the file) of
 * file_fd from offset, leaving the file position at offset + *out_sent. Stream
 * sockets in blocking or timeout mode only.
 */
POLYSOCK_API int sock_sendfile(sock_handle h, int file_fd, int64_t offset, int64_t count,
                               int64_t *out_sent);

/** shutdown(how): NET_SHUT_RD, NET_SHUT_WR or NET_SHUT_RDWR. */
POLYSOCK_API int sock_shutdown(sock_handle h, int how);

/**
 * settimeout(seconds): SOCK_TIMEOUT_NONE for blocking, 0 for non-blocking, a
 * positive value for a per-operation deadline. Other negatives and NaN: SOCK_ERR_VALUE.
 */
POLYSOCK_API int sock_settimeout(sock_handle h, double seconds);

/** gettimeout(): the timeout in seconds, SOCK_TIMEOUT_NONE for blocking mode. */
POLYSOCK_API int sock_gettimeout(sock_handle h, double *out);

/** setblocking(flag): non-zero is settimeout(None), zero is settimeout(0). */
POLYSOCK_API int sock_setblocking(sock_handle h, int flag);

/** getblocking(): 1 unless the timeout is 0 (so 1 in timeout mode too, as Python). */
POLYSOCK_API int sock_getblocking(sock_handle h, int *out);

/** setsockopt(level, opt, int value). */
POLYSOCK_API int sock_setsockopt(sock_handle h, int level, int opt, int value);

/** setsockopt(level, opt, bytes): the raw option value. */
POLYSOCK_API int sock_setsockopt_bytes(sock_handle h, int level, int opt, const void *val,
                                       size_t len);

/** getsockopt(level, opt): an integer option. */
POLYSOCK_API int sock_getsockopt(sock_handle h, int level, int opt, int *out);

/**
 * getsockopt(level, opt, buflen): the raw option value, buflen 1..1024, its
 * length in *out_len.
 */
POLYSOCK_API int sock_getsockopt_bytes(sock_handle h, int level, int opt, void *buf, size_t buflen,
                                       size_t *out_len);

/** getsockname(): the local address. */
POLYSOCK_API int sock_getsockname(sock_handle h, sock_address *out);

/** getpeername(): the remote address. */
POLYSOCK_API int sock_getpeername(sock_handle h, sock_address *out);

/** The family, type (without NONBLOCK/CLOEXEC flags) and proto attributes; any out may be NULL. */
POLYSOCK_API int sock_info(sock_handle h, int *out_family, int *out_type, int *out_proto);

/* ---- AF_UNIX addresses as bytes ---------------------------------------------- */

/*
 * Python's bytes paths: any AF_UNIX address, including Linux abstract names with
 * embedded NUL bytes (b"\0python\0test\0" is 13 bytes) and file paths that begin
 * with '@', which the string functions' "@name" spelling cannot carry. A path whose
 * first byte is NUL is abstract; any other is a file path (at most 107 bytes, no NUL).
 */

/** bind(path) with a path of len bytes; len 0 autobinds (an abstract name the kernel picks). */
POLYSOCK_API int sock_bind_unix(sock_handle h, const void *path, size_t len);

/** connect(path) with a path of len bytes, as sock_connect for every mode. */
POLYSOCK_API int sock_connect_unix(sock_handle h, const void *path, size_t len);

/**
 * getsockname() of an AF_UNIX socket as bytes: the file path (without its NUL), or
 * the abstract name with its leading NUL; 0 bytes if unbound. Too small a buffer is
 * SOCK_ERR_RANGE with the length needed in *out_len (at most 108 bytes).
 */
POLYSOCK_API int sock_getsockname_unix(sock_handle h, void *buf, size_t buflen, size_t *out_len);

/** getpeername() of an AF_UNIX socket as bytes, as sock_getsockname_unix. */
POLYSOCK_API int sock_getpeername_unix(sock_handle h, void *buf, size_t buflen, size_t *out_len);

/* ---- Messages: sendmsg, recvmsg, ancillary data ------------------------------ */

/** One buffer of a scatter/gather list (struct iovec's shape); sending never writes to data. */
typedef struct sock_iovec {
  void *data; /**< the bytes */
  size_t len; /**< their number */
} sock_iovec;

/** One ancillary data item: Python's (cmsg_level, cmsg_type, cmsg_data). */
typedef struct sock_cmsg {
  int level;        /**< e.g. NET_SOL_SOCKET, NET_IPPROTO_IP */
  int type;         /**< e.g. NET_SCM_RIGHTS, NET_IP_PKTINFO */
  const void *data; /**< the item's data (for received items: inside the caller's ancbuf) */
  size_t len;       /**< its length in bytes */
} sock_cmsg;

/** What sock_recvmsg received besides the data: Python's (ancdata, msg_flags, address). */
typedef struct sock_msg_info {
  size_t nbytes;        /**< bytes received into the buffers */
  size_t ancdata_len;   /**< bytes of control data stored in ancbuf (for sock_cmsg_next) */
  int msg_flags;        /**< NET_MSG_TRUNC, NET_MSG_CTRUNC, NET_MSG_EOR, ... */
  sock_address address; /**< the sender; family 0 if none (a connected stream) */
} sock_msg_info;

/**
 * sendmsg(buffers, ancdata, flags, address): sends the nbuffers buffers as one
 * message with nanc ancillary items (either count may be 0; the arrays may then be
 * NULL). host NULL means no address (a connected socket); else (host, port) as for
 * sock_sendto. *out_n is the number of bytes sent. Timeouts, signals and close work
 * as for sock_send; never raises SIGPIPE. As CPython: more than IOV_MAX (1024)
 * buffers is SOCK_ERR_OS / EMSGSIZE when the call is made (after a timeout-mode
 * wait); ancillary data over INT_MAX bytes (CMSG_SPACE of an item, or of all) is
 * SOCK_ERR_OS with errno 0 ("ancillary data item too large", "too much ancillary
 * data"); a buffer or item with NULL data and a length, or buffers totalling more
 * than SSIZE_MAX, is SOCK_ERR_VALUE.
 */
POLYSOCK_API int sock_sendmsg(sock_handle h, const sock_iovec *buffers, size_t nbuffers,
                              const sock_cmsg *ancdata, size_t nanc, int flags, const char *host,
                              int port, size_t *out_n);

/**
 * recvmsg_into(buffers, ancbufsize, flags), and recvmsg with one buffer: receives into
 * the nbuffers buffers and stores up to ancbufsize bytes of control data in ancbuf
 * (NULL with 0: none), to be read with sock_cmsg_next. Descriptors received with
 * SCM_RIGHTS are close-on-exec (NET_MSG_CMSG_CLOEXEC is implied) and belong to the
 * caller. NET_MSG_TRUNC / NET_MSG_CTRUNC in out->msg_flags say that data or control
 * data did not fit. Timeouts, signals and close work as for sock_recv. ancbufsize
 * over INT_MAX is SOCK_ERR_VALUE ("invalid ancillary data buffer length"); the
 * buffers' limits are sock_sendmsg's. ancbuf needs no particular alignment.
 */
POLYSOCK_API int sock_recvmsg(sock_handle h, const sock_iovec *buffers, size_t nbuffers,
                              void *ancbuf, size_t ancbufsize, int flags, sock_msg_info *out);

/**
 * Reads the ancillary items that sock_recvmsg stored: *cursor starts at 0; each call
 * stores the next item in *out and sets *out_found to 1, or sets it to 0 at the end.
 * As CPython, an item cut short by NET_MSG_CTRUNC gives the part of its data that fit
 * (and is the last); a malformed header ends the walk. ancbuf needs no alignment; a
 * *cursor past ancdata_len is SOCK_ERR_VALUE.
 */
POLYSOCK_API int sock_cmsg_next(const void *ancbuf, size_t ancdata_len, size_t *cursor,
                                sock_cmsg *out, int *out_found);

/** CMSG_LEN(length): an item's cmsg_len for length bytes of data; too large: SOCK_ERR_VALUE. */
POLYSOCK_API int net_cmsg_len(size_t length, size_t *out);

/** CMSG_SPACE(length): the ancillary space an item of length bytes takes, padding included. */
POLYSOCK_API int net_cmsg_space(size_t length, size_t *out);

/**
 * socket.send_fds(sock, buffers, fds, flags, address): sendmsg with one SCM_RIGHTS
 * item carrying nfds descriptors (0 sends none; more than 253, the kernel's limit
 * per message, is EINVAL). Unlike CPython 3.11's, flags and address are used.
 */
POLYSOCK_API int sock_send_fds(sock_handle h, const sock_iovec *buffers, size_t nbuffers,
                               const int *fds, size_t nfds, int flags, const char *host, int port,
                               size_t *out_n);

/**
 * socket.recv_fds(sock, bufsize, maxfds, flags): receives up to len bytes into buf
 * and up to maxfds descriptors into fds (close-on-exec, the caller's to close), their
 * number in *out_nfds; out (may be NULL) gets the byte count, flags and sender (its
 * ancdata_len is 0). Descriptors that did not fit set NET_MSG_CTRUNC and are never
 * opened. A maxfds whose CMSG_LEN is out of range is SOCK_ERR_VALUE. Unlike CPython
 * 3.11's recv_fds, flags are used.
 */
POLYSOCK_API int sock_recv_fds(sock_handle h, void *buf, size_t len, int *fds, size_t maxfds,
                               int flags, size_t *out_nfds, sock_msg_info *out);

/* ---- Module functions: sockets --------------------------------------------- */

/** socketpair(family, type, proto): two connected sockets (NET_AF_UNIX on POSIX). */
POLYSOCK_API int net_socketpair(int family, int type, int proto, sock_handle *out_a,
                                sock_handle *out_b);

/**
 * fromfd(fd, family, type, proto): a new handle on a duplicate of fd. A negative
 * family, type or proto is read from the descriptor.
 */
POLYSOCK_API int net_fromfd(int fd, int family, int type, int proto, sock_handle *out);

/**
 * socket.close(fd): closes a bare descriptor (one from sock_detach, for example);
 * ECONNRESET is ignored as CPython does. A bad descriptor is SOCK_ERR_OS / EBADF.
 */
POLYSOCK_API int net_close(int fd);

/**
 * create_connection((host, port), timeout, source_address): tries every address
 * of getaddrinfo(host, port, 0, SOCK_STREAM) in turn and fails with the last
 * error. timeout may be SOCK_TIMEOUT_DEFAULT or SOCK_TIMEOUT_NONE; source_host
 * NULL means no source address.
 */
POLYSOCK_API int net_create_connection(const char *host, int port, double timeout,
                                       const char *source_host, int source_port, sock_handle *out);

/** The failed attempts of net_create_connection_ex (Python's all_errors); the caller's. */
typedef struct net_connect_errors net_connect_errors;

/** One failed connection attempt. */
typedef struct net_connect_error {
  sock_address address; /**< where the attempt went (its getaddrinfo address) */
  int status;           /**< its status: SOCK_ERR_OS, SOCK_ERR_TIMEOUT, ... */
  int err;              /**< its errno (sock_last_errno() then; 0 for a timeout) */
  char message[256];    /**< its message, as sock_last_error_message() gave it */
} net_connect_error;

/**
 * create_connection with Happy Eyeballs and all_errors. As net_create_connection
 * when happy_eyeballs_delay is SOCK_TIMEOUT_NONE and interleave is 0 or negative.
 * Otherwise RFC 8305 with asyncio's options: the addresses are reordered so that
 * families alternate, interleave (> 0) addresses of the first family before each
 * one of the other ("First Address Family Count"; a negative value means 1 with
 * Happy Eyeballs, 0 without; 0 keeps getaddrinfo's order), then the attempts start
 * one after another, each happy_eyeballs_delay seconds (>= 0; 0.25 is RFC 8305's
 * advice) after the last or at once when the last fails; the first to connect wins
 * and the others are closed. Each attempt binds to source_host/source_port if
 * given, as in net_create_connection. timeout applies to each attempt and is the
 * new socket's timeout, as for net_create_connection. When every attempt fails,
 * the status is the last failure's, and out_errors (may be NULL) receives every
 * attempt's address and error, in the order they failed; free it with
 * net_connect_errors_free. Otherwise *out_errors is NULL: on success, and on the
 * failures that are not an attempt's (bad arguments, getaddrinfo's SOCK_ERR_GAI,
 * SOCK_ERR_INTERRUPTED). A NaN or negative happy_eyeballs_delay other than
 * SOCK_TIMEOUT_NONE is SOCK_ERR_VALUE.
 */
POLYSOCK_API int net_create_connection_ex(const char *host, int port, double timeout,
                                          const char *source_host, int source_port,
                                          double happy_eyeballs_delay, int interleave,
                                          net_connect_errors **out_errors, sock_handle *out);

/** The number of failed attempts in the list. */
POLYSOCK_API int net_connect_errors_count(const net_connect_errors *list, size_t *out);

/** The i-th failed attempt, 0 <= i < net_connect_errors_count(). */
POLYSOCK_API int net_connect_errors_get(const net_connect_errors *list, size_t i,
                                        net_connect_error *out);

/** Frees an attempt list; NULL is allowed. */
POLYSOCK_API void net_connect_errors_free(net_connect_errors *list);

/**
 * create_server((host, port), family, backlog, reuse_port, dualstack_ipv6): a
 * listening stream socket with SO_REUSEADDR; family 0 means AF_INET, a negative
 * backlog the listen() default.
 */
POLYSOCK_API int net_create_server(const char *host, int port, int family, int backlog,
                                   int reuse_port, int dualstack_ipv6, sock_handle *out);

/** getdefaulttimeout(): the timeout new sockets get (SOCK_TIMEOUT_NONE at start). */
POLYSOCK_API int net_getdefaulttimeout(double *out);

/** setdefaulttimeout(seconds): as sock_settimeout, for sockets created from now on. */
POLYSOCK_API int net_setdefaulttimeout(double seconds);

/** has_dualstack_ipv6(): 1 if an AF_INET6 socket can accept IPv4 too, else 0. */
POLYSOCK_API int net_has_dualstack_ipv6(int *out);

/* ---- Signals -------------------------------------------------------------------- */

/*
 * Every call that waits retries EINTR with the time left (PEP 475), so a signal
 * handler that only sets a flag is never looked at while a call waits. An interrupt
 * hook changes that, as CPython's PyErr_CheckSignals does for Python: on EINTR, the
 * call runs the hook on its own thread; if the hook returns non-zero the call stops
 * with SOCK_ERR_INTERRUPTED (errno EINTR, "[Errno 4] Interrupted system call") and
 * loses nothing (a sock_sendall reports the bytes that went in out_sent; a recv
 * consumed nothing). If it returns 0 the call goes on waiting, with the time left.
 * Only a signal whose handler was installed without SA_RESTART interrupts a
 * blocking-mode call sleeping in the kernel; a timeout-mode or poller wait is
 * interrupted by any handled signal. polysock's own wake signal never reaches the hook.
 */

/** An interrupt hook: returns non-zero to stop the interrupted call. */
typedef int (*sock_interrupt_hook)(void *ctx);

/** Sets the process-wide interrupt hook and its ctx; NULL restores the default (retry). */
POLYSOCK_API int net_set_interrupt_hook(sock_interrupt_hook hook, void *ctx);

/**
 * A ready-made hook for C programs and bindings: ctx points to a volatile int
 * (sig_atomic_t on POSIX) that a signal handler sets; the call stops while it is
 * non-zero. Pass it to net_set_interrupt_hook; it never calls back into the program.
 */
POLYSOCK_API int net_interrupt_flag_hook(void *ctx);

/* ---- Constants -------------------------------------------------------------- */

/**
 * The host's value of a constant by name, with or without the NET_ prefix
 * ("AF_INET" or "NET_AF_INET"). Unknown name: SOCK_ERR_VALUE.
 */
POLYSOCK_API int net_constant(const char *name, long long *out);

/** The number of constants net_constant() knows, for enumerating them. */
POLYSOCK_API int net_constant_count(size_t *out);

/** The i-th constant's name (without prefix) and value, 0 <= i < net_constant_count(). */
POLYSOCK_API int net_constant_at(size_t i, const char **out_name, long long *out_value);

/* ---- Readiness: the poller ---- */

/*
 * A poller serves many sockets from one thread, like Python's
 * selectors.DefaultSelector: register sockets with the events of interest and a
 * user_data value, then wait; each event names the socket and carries its
 * user_data back. Readiness is level-triggered: a socket stays reported for as
 * long as it is ready. A socket closed (or detached) while registered is dropped
 * from its pollers and never reported again, even when its descriptor number is
 * reused at once. Every function is thread-safe; closing a poller wakes the
 * threads waiting on it. epoll on Linux; a poll() backend where epoll is missing.
 */

/**
 * A poller: an integer handle, like sock_handle; 0 is never a valid poller. No
 * poller handle ever equals a socket handle, so passing one where the other
 * belongs fails with SOCK_ERR_OS / EBADF and touches nothing.
 */
typedef uint64_t sock_poller;

/** Readable (Python's EVENT_READ): data, a connection to accept, or end of stream. */
#define SOCK_EVENT_READ 0x1u
/** Writable (Python's EVENT_WRITE): send will not block, or a connect has finished. */
#define SOCK_EVENT_WRITE 0x2u
/**
 * An error is pending (the next call on the socket reports it). Reported whether
 * registered or not, together with whichever of READ and WRITE are registered, so
 * that a reader or a writer wakes up and meets the error (as selectors does).
 */
#define SOCK_EVENT_ERROR 0x4u
/** Hang-up: both directions are shut. Reported like SOCK_EVENT_ERROR. */
#define SOCK_EVENT_HUP 0x8u

/** One ready socket, as reported by sock_poller_wait. */
typedef struct sock_event {
  sock_handle handle; /**< the socket */
  uint32_t events;    /**< SOCK_EVENT_* bits: READ/WRITE only as registered, ERROR, HUP */
  uint64_t user_data; /**< the value given to sock_poller_register / sock_poller_modify */
} sock_event;

/** A new, empty poller in *out. */
POLYSOCK_API int sock_poller_create(sock_poller *out);

/**
 * Watches socket h for events (SOCK_EVENT_READ and/or SOCK_EVENT_WRITE; ERROR and
 * HUP may be added but are reported anyway). Any other mask, including 0, is
 * SOCK_ERR_VALUE. A handle already registered with this poller is SOCK_ERR_OS
 * with errno EEXIST (as select.epoll.register); a closed socket or poller, EBADF.
 * A socket may be registered with several pollers.
 */
POLYSOCK_API int sock_poller_register(sock_poller p, sock_handle h, uint32_t events,
                                      uint64_t user_data);

/**
 * Changes the events and the user_data of a registered socket. Not registered:
 * SOCK_ERR_OS with errno ENOENT; bad events as sock_poller_register.
 */
POLYSOCK_API int sock_poller_modify(sock_poller p, sock_handle h, uint32_t events,
                                    uint64_t user_data);

/**
 * Stops watching socket h; not registered: SOCK_ERR_OS with errno ENOENT. Closing
 * a socket unregisters it from every poller by itself.
 */
POLYSOCK_API int sock_poller_unregister(sock_poller p, sock_handle h);

/**
 * Waits until at least one registered socket is ready and stores up to max_events
 * (> 0) events in events[], their number in *out_n. timeout is in seconds: 0
 * only looks, SOCK_TIMEOUT_NONE (or any negative) waits without limit, NaN is
 * SOCK_ERR_VALUE. When the time runs out the result is SOCK_OK with *out_n == 0,
 * as selectors returns []. Signals do not cut the wait short (EINTR is retried
 * with the time left) unless the interrupt hook says stop (SOCK_ERR_INTERRUPTED,
 * net_set_interrupt_hook). If the poller is closed meanwhile, SOCK_ERR_OS with EBADF.
 */
POLYSOCK_API int sock_poller_wait(sock_poller p, double timeout, sock_event *events,
                                  size_t max_events, size_t *out_n);

/**
 * The poller's own descriptor, for a foreign event loop (GLib, libuv, a runtime's
 * poller): level-triggered, it polls readable while sock_poller_wait would report an
 * event without waiting. Only watch it (poll, epoll, select); never read from it or
 * close it; it is valid until sock_poller_close. The poll() backend has none:
 * SOCK_ERR_OS with ENOTSUP.
 */
POLYSOCK_API int sock_poller_fileno(sock_poller p, int *out_fd);

/**
 * Closes the poller (not its sockets). Threads waiting on it wake up with EBADF.
 * Closing an already closed poller is SOCK_OK.
 */
POLYSOCK_API int sock_poller_close(sock_poller p);

/* ---- Module functions: names, services, addresses ---- */

/*
 * String results follow the header's rule: the caller's buffer receives the text
 * NUL-terminated; the length out-parameter (which may be NULL) receives its length
 * without the NUL, or on SOCK_ERR_RANGE the size needed with the NUL. A NULL buffer
 * with buflen 0 is a valid way to ask for the size. Host names and service names are
 * passed to the C library as they are (Python would IDNA-encode a str host).
 * Resolver failures are SOCK_ERR_GAI with the EAI_* code in sock_last_errno()
 * (EAI_SYSTEM becomes SOCK_ERR_OS with errno), gethostbyname_ex/gethostbyaddr lookup
 * failures SOCK_ERR_HOST with h_errno, as Python's gaierror and herror.
 */

/** gethostname(): this machine's host name. */
POLYSOCK_API int net_gethostname(char *buf, size_t buflen, size_t *out_len);

/**
 * gethostbyname(name): name's IPv4 address as text. Numeric text needs no lookup
 * ("127.1" gives "127.0.0.1"), "" gives "0.0.0.0", "<broadcast>" "255.255.255.255".
 */
POLYSOCK_API int net_gethostbyname(const char *name, char *buf, size_t buflen, size_t *out_len);

/** A host entry, Python's (name, aliases, addresses); owned by the caller. */
typedef struct net_hostent net_hostent;

/**
 * gethostbyname_ex(name): the IPv4 host entry of name; free it with
 * net_hostent_free().
 */
POLYSOCK_API int net_gethostbyname_ex(const char *name, net_hostent **out);

/**
 * gethostbyaddr(ip): the host entry of an address (or of a name's first address);
 * an address without an entry is SOCK_ERR_HOST, "[Errno 1] Unknown host".
 */
POLYSOCK_API int net_gethostbyaddr(const char *ip, net_hostent **out);

/** The entry's primary name. */
POLYSOCK_API int net_hostent_name(const net_hostent *he, char *buf, size_t buflen, size_t *out_len);

/** The number of aliases of the entry. */
POLYSOCK_API int net_hostent_alias_count(const net_hostent *he, size_t *out);

/** The i-th alias, 0 <= i < net_hostent_alias_count(). */
POLYSOCK_API int net_hostent_alias(const net_hostent *he, size_t i, char *buf, size_t buflen,
                                   size_t *out_len);

/** The number of addresses of the entry. */
POLYSOCK_API int net_hostent_address_count(const net_hostent *he, size_t *out);

/** The i-th address as numeric text, 0 <= i < net_hostent_address_count(). */
POLYSOCK_API int net_hostent_address(const net_hostent *he, size_t i, char *buf, size_t buflen,
                                     size_t *out_len);

/** Frees a host entry; NULL is allowed. */
POLYSOCK_API void net_hostent_free(net_hostent *he);

/**
 * getfqdn(name): the first name with a dot among gethostbyaddr(name)'s name and
 * aliases, else its name; name itself if the lookup fails. "", "0.0.0.0" and "::"
 * (after stripping white space) mean this host.
 */
POLYSOCK_API int net_getfqdn(const char *name, char *buf, size_t buflen, size_t *out_len);

/** One getaddrinfo() result: Python's (family, type, proto, canonname, sockaddr). */
typedef struct net_addrinfo {
  int family;          /**< NET_AF_INET or NET_AF_INET6 */
  int type;            /**< NET_SOCK_STREAM, NET_SOCK_DGRAM, NET_SOCK_RAW, ... */
  int proto;           /**< e.g. NET_IPPROTO_TCP */
  char canonname[256]; /**< "" unless NET_AI_CANONNAME was asked for */
  sock_address addr;   /**< host, port and (AF_INET6) flowinfo and scope_id */
} net_addrinfo;

/** The results of getaddrinfo(), in the C library's order; owned by the caller. */
typedef struct net_addrinfo_list net_addrinfo_list;

/**
 * getaddrinfo(host, port, family, type, proto, flags): host may be NULL (Python's
 * None); port is a number or a service name as text, or NULL. Numbers are not
 * range-checked (the C library wraps them modulo 65536, as in Python). Free the
 * list with net_addrinfo_free().
 */
POLYSOCK_API int net_getaddrinfo(const char *host, const char *port, int family, int type,
                                 int proto, int flags, net_addrinfo_list **out);

/** The number of results in the list. */
POLYSOCK_API int net_addrinfo_count(const net_addrinfo_list *list, size_t *out);

/**
 * The i-th result, 0 <= i < net_addrinfo_count(); SOCK_ERR_RANGE if its canonical
 * name does not fit in canonname.
 */
POLYSOCK_API int net_addrinfo_get(const net_addrinfo_list *list, size_t i, net_addrinfo *out);

/** Frees an address-info list; NULL is allowed. */
POLYSOCK_API void net_addrinfo_free(net_addrinfo_list *list);

/**
 * getnameinfo((host, port), flags): host must be a numeric address. Buffers of
 * NET_NI_MAXHOST and NET_NI_MAXSERV bytes always suffice; smaller ones that do not
 * fit give SOCK_ERR_RANGE.
 */
POLYSOCK_API int net_getnameinfo(const char *host, int port, int flags, char *host_out,
                                 size_t host_len, char *serv_out, size_t serv_len);

/**
 * getnameinfo(sockaddr, flags) with a full address: for NET_AF_INET6 it is Python's
 * 4-tuple (host, port, flowinfo, scope_id), whose scope_id replaces any "%scope" in
 * host; for NET_AF_INET the 2-tuple (host, port).
 */
POLYSOCK_API int net_getnameinfo_address(const sock_address *addr, int flags, char *host_out,
                                         size_t host_len, char *serv_out, size_t serv_len);

/** getservbyname(name, proto): the port of a service; proto may be NULL (any). */
POLYSOCK_API int net_getservbyname(const char *name, const char *proto, int *out_port);

/** getservbyport(port, proto): the name of a service; port 0..65535, proto may be NULL. */
POLYSOCK_API int net_getservbyport(int port, const char *proto, char *buf, size_t buflen,
                                   size_t *out_len);

/** getprotobyname(name): the number of a protocol, e.g. 6 for "tcp". */
POLYSOCK_API int net_getprotobyname(const char *name, int *out);

/**
 * htons(x): x (0..65535) in network byte order. Out of range is SOCK_ERR_VALUE with
 * Python's OverflowError text.
 */
POLYSOCK_API int net_htons(long long x, long long *out);

/** ntohs(x): as net_htons, the other way. */
POLYSOCK_API int net_ntohs(long long x, long long *out);

/** htonl(x): x (0..2**32-1) in network byte order. */
POLYSOCK_API int net_htonl(long long x, long long *out);

/** ntohl(x): as net_htonl, the other way. */
POLYSOCK_API int net_ntohl(long long x, long long *out);

/**
 * inet_aton(s): the 4 packed bytes of an IPv4 address in any form C inet_aton
 * accepts ("127.1", "0x7f.1", "017.1"); text after a space is ignored.
 */
POLYSOCK_API int net_inet_aton(const char *s, unsigned char out[4]);

/**
 * inet_ntoa(packed): len must be 4 (else SOCK_ERR_OS without errno, as Python);
 * NET_INET_ADDRSTRLEN bytes always suffice.
 */
POLYSOCK_API int net_inet_ntoa(const unsigned char *packed, size_t len, char *buf, size_t buflen);

/**
 * inet_pton(af, s): 4 (NET_AF_INET) or 16 (NET_AF_INET6) packed bytes into out,
 * their number in *out_len (or the size needed on SOCK_ERR_RANGE).
 */
POLYSOCK_API int net_inet_pton(int af, const char *s, unsigned char *out, size_t outlen,
                               size_t *out_len);

/**
 * inet_ntop(af, packed): the text of a 4- or 16-byte address (a wrong length is
 * SOCK_ERR_VALUE, as Python); NET_INET6_ADDRSTRLEN bytes always suffice.
 */
POLYSOCK_API int net_inet_ntop(int af, const unsigned char *packed, size_t len, char *buf,
                               size_t buflen);

/** One network interface: Python's (index, name). */
typedef struct net_if_entry {
  unsigned int index; /**< the interface index (> 0) */
  char name[64];      /**< the interface name, NUL-terminated */
} net_if_entry;

/** The interfaces from if_nameindex(); owned by the caller. */
typedef struct net_if_list net_if_list;

/** if_nameindex(): every network interface; free with net_if_nameindex_free(). */
POLYSOCK_API int net_if_nameindex(net_if_list **out);

/** The number of interfaces in the list. */
POLYSOCK_API int net_if_nameindex_count(const net_if_list *list, size_t *out);

/** The i-th interface, 0 <= i < net_if_nameindex_count(). */
POLYSOCK_API int net_if_nameindex_get(const net_if_list *list, size_t i, net_if_entry *out);

/** Frees an interface list; NULL is allowed. */
POLYSOCK_API void net_if_nameindex_free(net_if_list *list);

/** if_nametoindex(name): an unknown name is SOCK_ERR_OS "no interface with this name". */
POLYSOCK_API int net_if_nametoindex(const char *name, unsigned int *out);

/**
 * if_indextoname(index): the interface's name. As CPython, the index is taken
 * modulo 2**32 and a negative one is SOCK_ERR_VALUE.
 */
POLYSOCK_API int net_if_indextoname(long long index, char *buf, size_t buflen, size_t *out_len);

/* ---- TLS: Python's ssl module -------------------------------------------------- */

/*
 * Python's ssl model on OpenSSL (docs/tls.md). A context (SSLContext) holds the
 * settings; tls_wrap_socket turns a connected or unconnected TCP socket into a TLS
 * socket (SSLSocket) that the ordinary sock_recv, sock_send, sock_sendall,
 * sock_settimeout, sock_shutdown, sock_close and the poller work on, in every mode;
 * tls_context_wrap_bio gives the same engine over memory buffers (SSLObject).
 *
 * TLS failures are SOCK_ERR_SSL: sock_last_errno() is the TLS_ERROR_* kind (Python's
 * SSLError.errno), sock_last_error_message() Python's text without the "(_ssl.c:N)"
 * suffix, e.g. "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to
 * get local issuer certificate", and tls_last_error() the library, reason and
 * verification result. Timeouts are SOCK_ERR_TIMEOUT with Python's "The read
 * operation timed out" (write, handshake). Built without OpenSSL (POLYSOCK_TLS=OFF),
 * every function here fails with SOCK_ERR_NOT_CONFIGURED, except that tls_available()
 * is 0 and sock_tls_is_wrapped says 0 (no socket is a TLS socket).
 */

/** A TLS context (ssl.SSLContext): an integer handle; 0 is never valid. */
typedef uint64_t tls_context;
/** A TLS engine over memory buffers (ssl.SSLObject with its two MemoryBIOs); 0 is never valid. */
typedef uint64_t tls_object;

/** Python's ssl.Purpose.SERVER_AUTH: a client's context, that verifies servers. */
#define TLS_PURPOSE_SERVER_AUTH 1
/** Python's ssl.Purpose.CLIENT_AUTH: a server's context. */
#define TLS_PURPOSE_CLIENT_AUTH 2

/** Python's ssl.PROTOCOL_TLS_CLIENT: check_hostname on, CERT_REQUIRED, no CA loaded. */
#define TLS_PROTOCOL_TLS_CLIENT 16
/** Python's ssl.PROTOCOL_TLS_SERVER: CERT_NONE, check_hostname off. */
#define TLS_PROTOCOL_TLS_SERVER 17

/** Verify modes (ssl.VerifyMode). */
#define TLS_CERT_NONE 0     /**< no certificate asked for (servers) or checked (clients) */
#define TLS_CERT_OPTIONAL 1 /**< verified if given */
#define TLS_CERT_REQUIRED 2 /**< required and verified */

/* Protocol versions (ssl.TLSVersion): the wire values, and two sentinels. */
#define TLS_VERSION_MINIMUM_SUPPORTED (-2) /**< the lowest version OpenSSL supports */
#define TLS_VERSION_MAXIMUM_SUPPORTED (-1) /**< the highest version OpenSSL supports */
#define TLS_VERSION_SSLv3 0x0300           /**< SSL 3.0 (refused by any default context) */
#define TLS_VERSION_TLSv1 0x0301           /**< TLS 1.0 */
#define TLS_VERSION_TLSv1_1 0x0302         /**< TLS 1.1 */
#define TLS_VERSION_TLSv1_2 0x0303         /**< TLS 1.2, the default minimum */
#define TLS_VERSION_TLSv1_3 0x0304         /**< TLS 1.3 */

/** The kinds of SOCK_ERR_SSL (sock_last_errno()), as Python's ssl.SSL_ERROR_* and classes. */
/** SSLError (SSLCertVerificationError if reason is CERTIFICATE_VERIFY_FAILED). */
#define TLS_ERROR_SSL 1
#define TLS_ERROR_WANT_READ 2   /**< SSLWantReadError: non-blocking, needs the peer's bytes first */
#define TLS_ERROR_WANT_WRITE 3  /**< SSLWantWriteError: non-blocking, needs to send first */
#define TLS_ERROR_SYSCALL 5     /**< SSLSyscallError */
#define TLS_ERROR_ZERO_RETURN 6 /**< SSLZeroReturnError: the peer sent close_notify */
#define TLS_ERROR_EOF 8         /**< SSLEOFError: the connection ended without close_notify */

/** tls_wrap_socket flags. */
/** do_handshake_on_connect=False: the handshake on first use or by sock_tls_do_handshake. */
#define TLS_WRAP_NO_HANDSHAKE 0x1u
/** suppress_ragged_eofs=False: an EOF without close_notify is TLS_ERROR_EOF, not 0 bytes. */
#define TLS_WRAP_RAGGED_EOF_ERROR 0x2u

/** 1 if this build has TLS (POLYSOCK_TLS), else 0. */
POLYSOCK_API int tls_available(void);

/** ssl.OPENSSL_VERSION, e.g. "OpenSSL 3.0.17 1 Jul 2025"; SOCK_ERR_NOT_CONFIGURED without TLS. */
POLYSOCK_API int tls_openssl_version(char *buf, size_t buflen, size_t *out_len);

/** The detail of this thread's last SOCK_ERR_SSL (all zero/empty if the last failure was another).
 */
typedef struct tls_error_info {
  int kind;                 /**< TLS_ERROR_* (0: the last failure was not SOCK_ERR_SSL) */
  char library[32];         /**< SSLError.library, e.g. "SSL", "PEM"; "" if none */
  char reason[64];          /**< SSLError.reason, e.g. "CERTIFICATE_VERIFY_FAILED"; "" if none */
  int verify_code;          /**< SSLCertVerificationError.verify_code (X509_V_ERR_*), else 0 */
  char verify_message[256]; /**< SSLCertVerificationError.verify_message, else "" */
} tls_error_info;

/** Fills *out with this thread's last SSL failure (see tls_error_info). */
POLYSOCK_API int tls_last_error(tls_error_info *out);

/**
 * ssl.create_default_context(purpose): TLS 1.2 or newer, Python's ciphers and
 * options, the system CA store (load_default_certs); for TLS_PURPOSE_SERVER_AUTH a
 * client context with check_hostname on and CERT_REQUIRED, for
 * TLS_PURPOSE_CLIENT_AUTH a server context with CERT_NONE.
 */
POLYSOCK_API int tls_context_create_default(int purpose, tls_context *out);

/** ssl.SSLContext(protocol): TLS_PROTOCOL_TLS_CLIENT or TLS_PROTOCOL_TLS_SERVER, no CA loaded. */
POLYSOCK_API int tls_context_create(int protocol, tls_context *out);

/**
 * Releases the context handle. Sockets and objects made from it keep what they
 * need; closing a closed handle is SOCK_OK.
 */
POLYSOCK_API int tls_context_close(tls_context ctx);

/**
 * load_cert_chain(certfile, keyfile, password): keyfile NULL means the key is in
 * certfile; password (may be NULL) decrypts it. A missing file is SOCK_ERR_OS
 * (ENOENT); a bad one SOCK_ERR_SSL ("[SSL] PEM lib" etc.).
 */
POLYSOCK_API int tls_context_load_cert_chain(tls_context ctx, const char *certfile,
                                             const char *keyfile, const char *password);

/**
 * load_verify_locations(cafile, capath, cadata): any may be NULL, not all; cadata
 * is PEM text or DER bytes, cadata_len long (0: SOCK_ERR_VALUE "Empty certificate data").
 */
POLYSOCK_API int tls_context_load_verify_locations(tls_context ctx, const char *cafile,
                                                   const char *capath, const void *cadata,
                                                   size_t cadata_len);

/** load_default_certs(purpose): the system CA store. */
POLYSOCK_API int tls_context_load_default_certs(tls_context ctx, int purpose);

/**
 * verify_mode = mode (TLS_CERT_*). As Python, CERT_NONE while check_hostname is on
 * is SOCK_ERR_VALUE "Cannot set verify_mode to CERT_NONE when check_hostname is enabled."
 */
POLYSOCK_API int tls_context_set_verify_mode(tls_context ctx, int mode);
/** verify_mode. */
POLYSOCK_API int tls_context_get_verify_mode(tls_context ctx, int *out);

/** check_hostname = on; turning it on with CERT_NONE makes the mode CERT_REQUIRED, as Python. */
POLYSOCK_API int tls_context_set_check_hostname(tls_context ctx, int on);
/** check_hostname. */
POLYSOCK_API int tls_context_get_check_hostname(tls_context ctx, int *out);

/** minimum_version = version (TLS_VERSION_*). */
POLYSOCK_API int tls_context_set_minimum_version(tls_context ctx, int version);
/** minimum_version. */
POLYSOCK_API int tls_context_get_minimum_version(tls_context ctx, int *out);
/** maximum_version = version (TLS_VERSION_*). */
POLYSOCK_API int tls_context_set_maximum_version(tls_context ctx, int version);
/** maximum_version. */
POLYSOCK_API int tls_context_get_maximum_version(tls_context ctx, int *out);

/** set_ciphers(ciphers): an OpenSSL cipher list for TLS 1.2 and older; none matching is
 * SOCK_ERR_SSL "No cipher can be selected." */
POLYSOCK_API int tls_context_set_ciphers(tls_context ctx, const char *ciphers);

/**
 * set_alpn_protocols(protocols): the names separated by commas, in order of
 * preference, e.g. "h2,http/1.1"; "" clears. An empty name or one longer than
 * 255 bytes is SOCK_ERR_SSL "ALPN protocols must be 1 to 255 in length", as Python.
 */
POLYSOCK_API int tls_context_set_alpn_protocols(tls_context ctx, const char *protocols);

/**
 * context.wrap_socket(sock, server_side, do_handshake_on_connect,
 * suppress_ragged_eofs, server_hostname): a TLS socket in *out, with sock's
 * descriptor, family, type and timeout; sock itself is detached (its handle becomes
 * invalid, as Python's wrap_socket detaches the socket it is given). If sock is
 * connected, the handshake runs now in its mode (unless TLS_WRAP_NO_HANDSHAKE;
 * a non-blocking socket then needs the flag, as Python: SOCK_ERR_VALUE);
 * otherwise after sock_connect, and sock_accept on a wrapped listener returns wrapped,
 * handshaken connections. server_hostname (may be NULL; required when check_hostname
 * is on) is sent as SNI and checked against the certificate. On failure sock is
 * unchanged, except that a failed handshake closes it, as Python's does.
 */
POLYSOCK_API int tls_wrap_socket(tls_context ctx, sock_handle sock, int server_side,
                                 const char *server_hostname, unsigned int flags, sock_handle *out);

/**
 * do_handshake(): in the socket's mode; non-blocking, SOCK_ERR_SSL with kind
 * TLS_ERROR_WANT_READ or TLS_ERROR_WANT_WRITE says which event to wait for.
 * Not a TLS socket (or unwrapped): SOCK_ERR_VALUE.
 */
POLYSOCK_API int sock_tls_do_handshake(sock_handle h);

/**
 * unwrap(): sends close_notify and waits for the peer's (with the socket's timeout,
 * or once in non-blocking mode: WANT_READ until it comes); the same handle then
 * carries plain TCP, and no byte that followed the peer's close_notify is lost.
 */
POLYSOCK_API int sock_tls_unwrap(sock_handle h);

/**
 * sock_tls_do_handshake and sock_tls_unwrap with flags: NET_MSG_DONTWAIT makes one
 * attempt whatever the socket's mode (as it does for sock_recv and sock_send on a TLS
 * socket), for an event loop that waits itself without switching the socket to
 * non-blocking mode under other threads; 0 is the plain call. Other flags: SOCK_ERR_VALUE.
 */
POLYSOCK_API int sock_tls_do_handshake_ex(sock_handle h, int flags);
/** sock_tls_unwrap with flags, as sock_tls_do_handshake_ex. */
POLYSOCK_API int sock_tls_unwrap_ex(sock_handle h, int flags);

/** 1 in *out if h is a TLS socket (wrapped and not unwrapped), else 0. */
POLYSOCK_API int sock_tls_is_wrapped(sock_handle h, int *out);

/** pending(): decrypted bytes readable without I/O. */
POLYSOCK_API int sock_tls_pending(sock_handle h, size_t *out);

/** version(): "TLSv1.3", "TLSv1.2", ...; "" (Python's None) before the handshake. */
POLYSOCK_API int sock_tls_version(sock_handle h, char *buf, size_t buflen, size_t *out_len);

/** cipher(): Python's (name, protocol, secret_bits) tuple. */
typedef struct tls_cipher_info {
  char name[64];     /**< e.g. "TLS_AES_256_GCM_SHA384"; "" (None) before the handshake */
  char protocol[16]; /**< e.g. "TLSv1.3" */
  int secret_bits;   /**< e.g. 256 */
} tls_cipher_info;

/** cipher(). */
POLYSOCK_API int sock_tls_cipher(sock_handle h, tls_cipher_info *out);

/** selected_alpn_protocol(): "" (None) if none was agreed. */
POLYSOCK_API int sock_tls_selected_alpn_protocol(sock_handle h, char *buf, size_t buflen,
                                                 size_t *out_len);

/** server_side, as given to tls_wrap_socket (1) or not (0). */
POLYSOCK_API int sock_tls_server_side(sock_handle h, int *out);

/** A peer certificate, owned by the caller (tls_cert_free). */
typedef struct tls_cert tls_cert;

/**
 * getpeercert(): the peer's certificate in *out (NULL, Python's None, if it sent
 * none). Before the handshake: SOCK_ERR_VALUE "handshake not done yet".
 */
POLYSOCK_API int sock_tls_getpeercert(sock_handle h, tls_cert **out);

/** The parts of getpeercert()'s dict that are not lists. */
typedef struct tls_cert_info {
  int validated; /**< 1 if verified: Python's getpeercert() is {} otherwise (binary_form still
                    works) */
  int version;   /**< 'version', e.g. 3 */
  char serial_number[80]; /**< 'serialNumber', upper-case hex */
  char not_before[32];    /**< 'notBefore', e.g. "Dec  2 03:15:37 2026 GMT" */
  char not_after[32];     /**< 'notAfter' */
} tls_cert_info;

/* The lists of getpeercert()'s dict. */
/** 'subject': entries (rdn, name, value), e.g. (2, "commonName", "localhost"). */
#define TLS_CERT_SUBJECT 0
/** 'issuer', as subject. */
#define TLS_CERT_ISSUER 1
/** 'subjectAltName': entries (i, type, value), e.g. (1, "IP Address", "127.0.0.1"). */
#define TLS_CERT_SAN 2

/** One entry of a list; entries of one RDN share rdn (multi-valued RDNs). */
typedef struct tls_cert_entry {
  int rdn;          /**< index of the RDN (subject, issuer) or of the entry (subjectAltName) */
  char name[64];    /**< attribute name as Python's ('commonName'), or the SAN type ('DNS') */
  char value[1024]; /**< the value, UTF-8 */
} tls_cert_entry;

/** The scalar fields. */
POLYSOCK_API int tls_cert_get_info(const tls_cert *cert, tls_cert_info *out);
/** The number of entries of list (TLS_CERT_SUBJECT, ISSUER or SAN). */
POLYSOCK_API int tls_cert_entry_count(const tls_cert *cert, int list, size_t *out);
/** The i-th entry of list; a value longer than the struct holds is SOCK_ERR_RANGE. */
POLYSOCK_API int tls_cert_get_entry(const tls_cert *cert, int list, size_t i, tls_cert_entry *out);
/** getpeercert(binary_form=True): the DER bytes (SOCK_ERR_RANGE with the size needed if buflen is
 * short). */
POLYSOCK_API int tls_cert_der(const tls_cert *cert, void *buf, size_t buflen, size_t *out_len);
/** Frees a certificate; NULL is allowed. */
POLYSOCK_API void tls_cert_free(tls_cert *cert);

/**
 * context.wrap_bio(incoming, outgoing, server_side, server_hostname): a TLS engine
 * that reads the peer's bytes from what tls_object_feed gives it and leaves its
 * own in a buffer that tls_object_drain empties. It never waits: an operation
 * that needs the peer fails with kind TLS_ERROR_WANT_READ (feed, then retry).
 */
POLYSOCK_API int tls_context_wrap_bio(tls_context ctx, int server_side, const char *server_hostname,
                                      tls_object *out);
/** Releases the object; closing a closed handle is SOCK_OK. */
POLYSOCK_API int tls_object_close(tls_object obj);
/** incoming.write(data): bytes received from the peer. */
POLYSOCK_API int tls_object_feed(tls_object obj, const void *buf, size_t len);
/** incoming.write_eof(): the peer's stream ended. */
POLYSOCK_API int tls_object_feed_eof(tls_object obj);
/** outgoing.read(len): up to len bytes to send to the peer; 0 if none. */
POLYSOCK_API int tls_object_drain(tls_object obj, void *buf, size_t len, size_t *out_n);
/** outgoing.pending: the bytes waiting for tls_object_drain. */
POLYSOCK_API int tls_object_outgoing_pending(tls_object obj, size_t *out);
/** do_handshake(). */
POLYSOCK_API int tls_object_do_handshake(tls_object obj);
/** read(len): decrypted bytes; 0 after the peer's close_notify. */
POLYSOCK_API int tls_object_read(tls_object obj, void *buf, size_t len, size_t *out_n);
/** write(data): encrypts all of it into the outgoing buffer. */
POLYSOCK_API int tls_object_write(tls_object obj, const void *buf, size_t len, size_t *out_n);
/** pending(). */
POLYSOCK_API int tls_object_pending(tls_object obj, size_t *out);
/** unwrap(): close_notify; TLS_ERROR_WANT_READ until the peer's has been fed. */
POLYSOCK_API int tls_object_unwrap(tls_object obj);
/** version(), as sock_tls_version. */
POLYSOCK_API int tls_object_version(tls_object obj, char *buf, size_t buflen, size_t *out_len);
/** cipher(), as sock_tls_cipher. */
POLYSOCK_API int tls_object_cipher(tls_object obj, tls_cipher_info *out);
/** selected_alpn_protocol(), as sock_tls_selected_alpn_protocol. */
POLYSOCK_API int tls_object_selected_alpn_protocol(tls_object obj, char *buf, size_t buflen,
                                                   size_t *out_len);
/** getpeercert(), as sock_tls_getpeercert. */
POLYSOCK_API int tls_object_getpeercert(tls_object obj, tls_cert **out);

#ifdef __cplusplus
}
#endif

#endif /* POLYSOCK_POLYSOCK_H */
