/*
 * The hand-written half of the JNI library: the one place that turns a failed status
 * into a Java exception (reading this thread's errno and message inside the same
 * native call), the conversions of result structs into Java objects, and the buffer
 * entry points (byte[] regions and direct ByteBuffers) that polysock.i wraps.
 */
#ifndef POLYSOCK_JAVA_H
#define POLYSOCK_JAVA_H

#include <jni.h>
#include <polysock/polysock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Used by the typemaps of polysock.i (not wrapped) ---- */

/**
 * Throws the Java exception for status (< 0), unless one is already pending: reads
 * sock_last_errno() and sock_last_error_message() now, so call it right after the
 * failed polysock call on the same thread.
 */
void polysock_java_throw(JNIEnv *jenv, int status);

/**
 * Whether status (< 0), this thread's last failure, is a would-block: SOCK_ERR_OS with
 * errno EAGAIN or EWOULDBLOCK, the failure polysock_java_throw makes a
 * BlockingIOException of. Reads only the errno (no message is built).
 */
int polysock_java_would_block(int status);

/** Throws IllegalArgumentException(message). */
void polysock_java_throw_argument(JNIEnv *jenv, const char *message);

/** A java.lang.String of UTF-8 text (not JNI's modified UTF-8), NULL on failure. */
jstring polysock_java_string(JNIEnv *jenv, const char *text);

/** An org.polysock.SocketAddress of addr, NULL with an exception pending on failure. */
jobject polysock_java_address(JNIEnv *jenv, const sock_address *addr);

/** As polysock_java_address, but NULL without an exception for no address (family 0). */
jobject polysock_java_sender(JNIEnv *jenv, const sock_address *addr);

/** An org.polysock.AddrInfo of one getaddrinfo() result. */
jobject polysock_java_addrinfo(JNIEnv *jenv, const net_addrinfo *info);

/** An org.polysock.NetInterface of one if_nameindex() entry. */
jobject polysock_java_interface(JNIEnv *jenv, const net_if_entry *entry);

/**
 * The Java exception of a failure given by its status, errno and message (the one
 * mapping that polysock_java_throw uses); tls is the detail of a SOCK_ERR_SSL failure
 * (tls_last_error, read with the errno and message), NULL for any other status. NULL
 * with an exception pending if it cannot be made.
 */
jthrowable polysock_java_exception(JNIEnv *jenv, int status, int code, const char *message,
                                   const tls_error_info *tls);

/** An org.polysock.TlsCipher of cipher(), NULL without an exception before the handshake. */
jobject polysock_java_cipher(JNIEnv *jenv, const tls_cipher_info *cipher);

/* ---- Wrapped by polysock.i: buffers with at most one copy ---- */

/*
 * The *_array functions copy between a byte[] region and native memory once
 * (Get/SetByteArrayRegion: a blocking call must not pin the Java heap); the
 * *_direct ones pass the memory of a direct ByteBuffer from position to the call
 * without any copy. offset/position and length are checked against the array or
 * buffer (IllegalArgumentException); for a buffer, against the capacity the caller
 * passes, its buffer.capacity().
 *
 * recv, send, sendall and sendto return the byte count itself (a polysock_java_count,
 * negative only as a failed status, which the typemap throws): no out-parameter array
 * to allocate and fill on every call of the hot path.
 */
typedef int64_t polysock_java_count;

polysock_java_count polysock_java_recv_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                             int offset, int length, int flags);
polysock_java_count polysock_java_recv_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                              int capacity, int position, int length, int flags);
int polysock_java_recvfrom_array(JNIEnv *jenv, sock_handle h, jbyteArray array, int offset,
                                 int length, int flags, size_t *out_n, sock_address *out_addr);
int polysock_java_recvfrom_direct(JNIEnv *jenv, sock_handle h, jobject buffer, int capacity,
                                  int position, int length, int flags, size_t *out_n,
                                  sock_address *out_addr);
polysock_java_count polysock_java_send_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                             int offset, int length, int flags);
polysock_java_count polysock_java_send_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                              int capacity, int position, int length, int flags);
polysock_java_count polysock_java_sendall_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                int offset, int length, int flags);
polysock_java_count polysock_java_sendall_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                 int capacity, int position, int length, int flags);
/*
 * The non-throwing variants of recv and send (Socket.tryRecvInto, Socket.trySend): the
 * same calls, whose polysock_java_try_count the typemap turns into the byte count, -1
 * for a would-block (polysock_java_would_block: nothing is thrown, built or allocated)
 * or the exception of any other failure, thrown as for polysock_java_count.
 */
typedef int64_t polysock_java_try_count;

polysock_java_try_count polysock_java_try_recv_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                     int offset, int length, int flags);
polysock_java_try_count polysock_java_try_recv_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                      int capacity, int position, int length,
                                                      int flags);
polysock_java_try_count polysock_java_try_send_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                     int offset, int length, int flags);
polysock_java_try_count polysock_java_try_send_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                      int capacity, int position, int length,
                                                      int flags);
polysock_java_count polysock_java_sendto_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                               int offset, int length, int flags, const char *host,
                                               int port);
polysock_java_count polysock_java_sendto_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                int capacity, int position, int length, int flags,
                                                const char *host, int port);

/* ---- Wrapped by polysock.i: messages ---- */

/*
 * A scatter/gather list travels as two arrays: bases (Object[], each element a byte[]
 * or a direct ByteBuffer) and regions (int[]: offset and length of each base, two
 * ints per base). A direct buffer is used in place; a byte[] region is copied once,
 * into native memory for a send, back into the array for a receive (only the bytes
 * received), as for recv and send.
 *
 * Ancillary items to send travel as anc_kinds (int[]: level and type of each item)
 * and anc_data (byte[][]: the data of each). Received items are read with
 * sock_cmsg_next and copied out as org.polysock.Ancillary records.
 *
 * The receives store an org.polysock.MessageInfo (nbytes, msg_flags, sender, the
 * ancillary items, the number of descriptors) in element 0 of out_info (Object[1]).
 */
polysock_java_count polysock_java_sendmsg(JNIEnv *jenv, sock_handle h, jobjectArray bases,
                                          jintArray regions, jintArray anc_kinds,
                                          jobjectArray anc_data, int flags, const char *host,
                                          int port);
int polysock_java_recvmsg(JNIEnv *jenv, sock_handle h, jobjectArray bases, jintArray regions,
                          int ancbufsize, int flags, jobjectArray out_info);
/** send_fds: sendmsg with one SCM_RIGHTS item carrying the descriptors of fds. */
polysock_java_count polysock_java_send_fds(JNIEnv *jenv, sock_handle h, jobjectArray bases,
                                           jintArray regions, jintArray fds, int flags,
                                           const char *host, int port);
/** recv_fds: up to length bytes into array and up to fds.length descriptors into fds. */
int polysock_java_recv_fds(JNIEnv *jenv, sock_handle h, jbyteArray array, int length, jintArray fds,
                           int flags, jobjectArray out_info);

/* ---- Wrapped by polysock.i: TLS ---- */

/*
 * getpeercert() of a TLS socket or object as one org.polysock.PeerCertificate (the
 * scalar fields, subject, issuer, subjectAltName and the DER bytes) in out_cert[0],
 * left null if the peer sent none (Python's None). The tls_cert is freed inside.
 */
int polysock_java_getpeercert(JNIEnv *jenv, sock_handle h, jobjectArray out_cert);
int polysock_java_object_getpeercert(JNIEnv *jenv, tls_object obj, jobjectArray out_cert);

/*
 * The memory-buffer calls of a tls_object on a byte[] region, one copy each way as
 * recv and send: feed (incoming.write), drain (outgoing.read: the bytes taken, 0 if
 * none), read (decrypted bytes, 0 after close_notify) and write (all of the region,
 * encrypted into the outgoing buffer).
 */
int polysock_java_object_feed(JNIEnv *jenv, tls_object obj, jbyteArray array, int offset,
                              int length);
polysock_java_count polysock_java_object_drain(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                               int offset, int length);
polysock_java_count polysock_java_object_read(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                              int offset, int length);
polysock_java_count polysock_java_object_write(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                               int offset, int length);

/**
 * The value of the header's TLS_* macro called name (e.g. "TLS_CERT_REQUIRED") in *out;
 * an unknown name is SOCK_ERR_VALUE.
 */
int polysock_java_tls_constant(JNIEnv *jenv, const char *name, int *out);

/* ---- Wrapped by polysock.i: connections, signals ---- */

/**
 * net_create_connection_ex. With all_errors, a failure after one or more attempts
 * throws org.polysock.ConnectionAttemptsException carrying each attempt's address
 * and exception; without, the last failure is thrown as by net_create_connection.
 */
int polysock_java_create_connection_ex(JNIEnv *jenv, const char *host, int port, double timeout,
                                       const char *source_host, int source_port,
                                       double happy_eyeballs_delay, int interleave, int all_errors,
                                       sock_handle *out);

/**
 * Sets the interrupt hook to a java.util.function.BooleanSupplier (null restores the
 * default): on EINTR, the interrupted call runs hook.getAsBoolean() on its own thread
 * and stops with InterruptedCallException when it returns true. An exception thrown
 * by the hook stops the call too and is what the call throws.
 */
int polysock_java_set_interrupt_hook(JNIEnv *jenv, jobject hook);

/* ---- Wrapped by polysock.i: small helpers ---- */

/** The descriptor number inside a java.io.FileDescriptor (for sendfile). */
int polysock_java_file_descriptor(JNIEnv *jenv, jobject file_descriptor, int *out_fd);

/** The descriptor of a JDK FileChannel, -1 in *out_fd for another kind of channel. */
int polysock_java_channel_fd(JNIEnv *jenv, jobject channel, int *out_fd);

/** The header's SOCK_EVENT_* bits, which are macros rather than net_constant() entries. */
int polysock_java_event_bits(int *out_read, int *out_write, int *out_error, int *out_hup);

/** The header's SOCK_TIMEOUT_NONE and SOCK_TIMEOUT_DEFAULT values. */
int polysock_java_timeout_values(double *out_none, double *out_default);

/** getnameinfo(sockaddr, flags) with a full address given field by field. */
int polysock_java_getnameinfo_address(int family, const char *host, int port, int flowinfo,
                                      int scope_id, int flags, char *host_out, size_t host_len,
                                      char *serv_out, size_t serv_len);

#ifdef __cplusplus
}
#endif

#endif /* POLYSOCK_JAVA_H */
