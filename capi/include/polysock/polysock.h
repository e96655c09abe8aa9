/*
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

#define POLYSOCK_VERSION_MAJOR 1
#define POLYSOCK_VERSION_MINOR 0
#define POLYSOCK_VERSION_PATCH 0

/** The library's version as "MAJOR.MINOR.PATCH", e.g. "1.0.0". */
POLYSOCK_API const char *net_version(void);

/** The ABI generation; it changes only on a breaking ABI change (with the SONAME). */
POLYSOCK_API int net_abi_version(void);

/* ---- Status codes and errors -------------------------------------------------- */

/** Status codes returned by every function (Python's exception in brackets). */
enum sock_status {
  SOCK_OK = 0,           /**< success */
  SOCK_ERR_OS = -1,      /**< OSError: sock_last_errno() is errno (0 if none) */
  SOCK_ERR_TIMEOUT = -2, /**< socket.timeout / TimeoutError: "timed out" */
  SOCK_ERR_GAI = -3,     /**< socket.gaierror: sock_last_errno() is the EAI_* code */
  SOCK_ERR_HOST = -4,    /**< socket.herror: sock_last_errno() is h_errno */
  SOCK_ERR_VALUE = -5,   /**< ValueError, OverflowError, TypeError: a bad argument */
  SOCK_ERR_NOMEM = -6,   /**< MemoryError */
  SOCK_ERR_RANGE = -7    /**< output buffer too small: the size needed is reported */
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
  int family;         /**< NET_AF_INET, NET_AF_INET6 or NET_AF_UNIX */
  char host[256];     /**< numeric address, or AF_UNIX path ("@name" if abstract) */
  int port;           /**< 0 for AF_UNIX */
  uint32_t flowinfo;  /**< AF_INET6 only */
  uint32_t scope_id;  /**< AF_INET6 only */
} sock_address;

/* ---- Socket object ------------------------------------------------------------ */

/**
 * socket(family, type, proto): a new socket, non-inheritable, in the module
 * default timeout mode. type may include NET_SOCK_NONBLOCK (non-blocking mode)
 * and NET_SOCK_CLOEXEC (always implied).
 */
POLYSOCK_API int sock_create(int family, int type, int proto, sock_handle *out);

/**
 * close(): closes the socket and invalidates the handle. Calls blocked on it in
 * other threads wake up with EBADF; the descriptor is released once they return.
 * Closing an already closed handle is SOCK_OK.
 */
POLYSOCK_API int sock_close(sock_handle h);

/** detach(): invalidates the handle without closing the descriptor, given in *out_fd (-1 if closed). */
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

/** connect((host, port)): with a timeout, a non-blocking connect that reports the real error. */
POLYSOCK_API int sock_connect(sock_handle h, const char *host, int port);

/**
 * connect_ex((host, port)): returns 0 or an errno value (> 0) instead of failing;
 * a timeout gives EWOULDBLOCK. Resolver and argument failures are negative statuses.
 */
POLYSOCK_API int sock_connect_ex(sock_handle h, const char *host, int port);

/** recv / recv_into: up to len bytes into buf; *out_n == 0 means orderly shutdown. */
POLYSOCK_API int sock_recv(sock_handle h, void *buf, size_t len, int flags, size_t *out_n);

/** recvfrom / recvfrom_into: as sock_recv, plus the sender's address (out_addr may be NULL). */
POLYSOCK_API int sock_recvfrom(sock_handle h, void *buf, size_t len, int flags, size_t *out_n,
                               sock_address *out_addr);

/** send: sends some of buf and tells how much in *out_n. Never raises SIGPIPE. */
POLYSOCK_API int sock_send(sock_handle h, const void *buf, size_t len, int flags, size_t *out_n);

/**
 * sendall: sends all of buf as one operation under one deadline. out_sent may be
 * NULL; on failure it tells how many bytes went.
 */
POLYSOCK_API int sock_sendall(sock_handle h, const void *buf, size_t len, int flags,
                              size_t *out_sent);

/** sendto(data, (host, port)): one datagram to the given address. */
POLYSOCK_API int sock_sendto(sock_handle h, const void *buf, size_t len, int flags,
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
POLYSOCK_API int sock_getsockopt_bytes(sock_handle h, int level, int opt, void *buf,
                                       size_t buflen, size_t *out_len);

/** getsockname(): the local address. */
POLYSOCK_API int sock_getsockname(sock_handle h, sock_address *out);

/** getpeername(): the remote address. */
POLYSOCK_API int sock_getpeername(sock_handle h, sock_address *out);

/** The family, type (without NONBLOCK/CLOEXEC flags) and proto attributes; any out may be NULL. */
POLYSOCK_API int sock_info(sock_handle h, int *out_family, int *out_type, int *out_proto);

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
 * create_connection((host, port), timeout, source_address): tries every address
 * of getaddrinfo(host, port, 0, SOCK_STREAM) in turn and fails with the last
 * error. timeout may be SOCK_TIMEOUT_DEFAULT or SOCK_TIMEOUT_NONE; source_host
 * NULL means no source address.
 */
POLYSOCK_API int net_create_connection(const char *host, int port, double timeout,
                                       const char *source_host, int source_port,
                                       sock_handle *out);

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

#ifdef __cplusplus
}
#endif

#endif /* POLYSOCK_POLYSOCK_H */
