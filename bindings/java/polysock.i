/*
 * SWIG interface of the raw Java layer: the C ABI of polysock.h plus the buffer
 * shims of native/polysock_java.h, as the package-private classes PolysockNative and
 * PolysockNativeJNI of org.polysock (the public API is the hand-written layer).
 *
 * Rules kept here (see shared/spec/bindings.md, "Known pitfalls"):
 * - every status is checked inside the native call: a negative status throws the Java
 *   exception (polysock_java_throw reads errno and message on the same thread, right
 *   after the call), so Java never sees a failure status;
 * - every width is explicit: handles, pollers, int64_t and size_t are Java long,
 *   uint32_t event masks Java int; no BigInteger, no SWIGWORDSIZE64;
 * - out-parameters are Java arrays of length >= 1 filled on success; result structs
 *   become the immutable records SocketAddress, AddrInfo, NetInterface and TlsCipher.
 */
%module(directors="0") PolysockNative

%{
#include <stdint.h>
#include <polysock/polysock.h>
#include "polysock_java.h"
%}

%include <stdint.i>

%define COMMA , %enddef

%pragma(java) moduleclassmodifiers="final class"
%pragma(java) jniclassclassmodifiers="final class"
%pragma(java) jniclasscode=%{
  static {
    NativeLoader.load();
  }
%}

/* The header's macros and enum are not wrapped: constants come from net_constant_at()
 * (Constants.java) and the shims polysock_java_event_bits/_timeout_values. */
%rename("$ignore", regexmatch$name="^(SOCK|NET|POLYSOCK)_[A-Z]") "";
/* Wrapped through the polysock_java_* shims of native/polysock_java.h: scatter/gather
 * lists, ancillary items, Happy Eyeballs' attempt list and the interrupt hook (an
 * upcall into Java) need conversions no typemap should hide. */
/* TLS (issue 17). The TLS_* macros are read by name through polysock_java_tls_constant
 * (SWIG 4.0 would make them a public constants interface) when TlsConstants loads. Peer
 * certificates become org.polysock.PeerCertificate in one shim call (no tls_cert
 * pointer reaches Java), and the memory-buffer calls of tls_object go through byte[]
 * region shims as recv and send do. tls_last_error is read inside every failed call
 * (polysock_java_throw), never by a second one. */
%rename("$ignore", regexmatch$name="^TLS_[A-Z]") "";
%ignore tls_last_error;
%ignore tls_error_info;
%ignore tls_cipher_info;
%ignore tls_cert_info;
%ignore tls_cert_entry;
%ignore tls_cert;
%ignore sock_tls_getpeercert;
%ignore tls_object_getpeercert;
%ignore tls_cert_get_info;
%ignore tls_cert_entry_count;
%ignore tls_cert_get_entry;
%ignore tls_cert_der;
%ignore tls_cert_free;
%ignore tls_object_feed;
%ignore tls_object_drain;
%ignore tls_object_read;
%ignore tls_object_write;
%ignore sock_iovec;
%ignore sock_cmsg;
%ignore sock_msg_info;
%ignore net_connect_error;
%ignore sock_sendmsg;
%ignore sock_recvmsg;
%ignore sock_cmsg_next;
%ignore sock_send_fds;
%ignore sock_recv_fds;
%ignore net_create_connection_ex;
%ignore net_connect_errors_count;
%ignore net_connect_errors_get;
%ignore net_connect_errors_free;
%ignore net_set_interrupt_hook;
%ignore net_interrupt_flag_hook;
/* Result structs are converted by typemaps, never proxied. */
%ignore sock_address;
%ignore sock_event;
%ignore net_addrinfo;
%ignore net_if_entry;
%ignore sock_status;
/* Wrapped through polysock_java_getnameinfo_address (fields instead of a struct). */
%ignore net_getnameinfo_address;
/* Error details are read inside every call (polysock_java_throw), never by a second
 * call that could see another call's error. */
%ignore sock_last_errno;
%ignore sock_last_error_message;
/* Buffers go through the polysock_java_* shims (byte[] regions, direct ByteBuffers). */
%ignore sock_recv;
%ignore sock_recvfrom;
%ignore sock_send;
%ignore sock_sendall;
%ignore sock_sendto;
/* The _try twins are for an event loop's attempts (C#'s engine); the Java binding has
 * no event loop, and its non-blocking calls are the plain ones with MSG_DONTWAIT. */
%ignore sock_recv_try;
%ignore sock_recvfrom_try;
%ignore sock_send_try;
%ignore sock_sendto_try;
/* Not wrapped: used only by the typemaps. */
%ignore polysock_java_throw;
%ignore polysock_java_throw_argument;
%ignore polysock_java_would_block;
%ignore polysock_java_string;
%ignore polysock_java_address;
%ignore polysock_java_sender;
%ignore polysock_java_addrinfo;
%ignore polysock_java_interface;
%ignore polysock_java_exception;
%ignore polysock_java_cipher;

/* ---- Status: every int result is a status, thrown when negative ---- */

%typemap(out, throws="java.io.IOException") int
%{ if ($1 < 0) polysock_java_throw(jenv, $1);
   $result = (jint)$1; %}
/* The buffer shims' byte counts: negative only as a failed status, thrown. */
%typemap(jni) polysock_java_count "jlong"
%typemap(jtype) polysock_java_count "long"
%typemap(jstype) polysock_java_count "long"
%typemap(javaout) polysock_java_count { return $jnicall; }
%typemap(out, throws="java.io.IOException") polysock_java_count
%{ if ($1 < 0) polysock_java_throw(jenv, (int)$1);
   $result = (jlong)$1; %}
/* The non-throwing recv/send (tryRecvInto, trySend): the count, or -1 for a would-block
 * (EAGAIN/EWOULDBLOCK: nothing thrown, no message built, nothing allocated); every other
 * failure is thrown by the same polysock_java_throw as above. */
%typemap(jni) polysock_java_try_count "jint"
%typemap(jtype) polysock_java_try_count "int"
%typemap(jstype) polysock_java_try_count "int"
%typemap(javaout) polysock_java_try_count { return $jnicall; }
%typemap(out, throws="java.io.IOException") polysock_java_try_count
%{ if ($1 >= 0) {
     $result = (jint)$1;
   } else {
     if (!polysock_java_would_block((int)$1)) polysock_java_throw(jenv, (int)$1);
     $result = -1;
   } %}
/* The only int results that are not statuses. */
%typemap(out) int net_abi_version %{ $result = (jint)$1; %}
%typemap(out) int tls_available %{ $result = (jint)$1; %}

/* ---- Widths ---- */

%define POLYSOCK_JLONG(CTYPE)
%typemap(jni) CTYPE "jlong"
%typemap(jtype) CTYPE "long"
%typemap(jstype) CTYPE "long"
%typemap(javain) CTYPE "$javainput"
%typemap(javaout) CTYPE { return $jnicall; }
%typemap(in) CTYPE %{ $1 = ($1_ltype)$input; %}
%typemap(out) CTYPE %{ $result = (jlong)$1; %}
%enddef
POLYSOCK_JLONG(uint64_t)
POLYSOCK_JLONG(sock_handle)
POLYSOCK_JLONG(sock_poller)
POLYSOCK_JLONG(int64_t)
POLYSOCK_JLONG(tls_context)
POLYSOCK_JLONG(tls_object)

/* size_t by value: an index or a count; a negative Java long is a bad argument. */
%typemap(jni) size_t "jlong"
%typemap(jtype) size_t "long"
%typemap(jstype) size_t "long"
%typemap(javain) size_t "$javainput"
%typemap(in) size_t
%{ if ($input < 0) { polysock_java_throw_argument(jenv, "negative size or index"); return $null; }
   $1 = (size_t)$input; %}

/* Event masks: the bits fit a Java int. */
%typemap(jni) uint32_t "jint"
%typemap(jtype) uint32_t "int"
%typemap(jstype) uint32_t "int"
%typemap(javain) uint32_t "$javainput"
%typemap(in) uint32_t %{ $1 = (uint32_t)$input; %}

/* The JNI environment, passed to the shims without a Java argument. */
%typemap(in, numinputs=0) JNIEnv *jenv %{ $1 = jenv; %}

/* A direct ByteBuffer argument of the shims. */
%typemap(jstype) jobject buffer "java.nio.ByteBuffer"
%typemap(jtype) jobject buffer "java.nio.ByteBuffer"
%typemap(jstype) jobject file_descriptor "java.io.FileDescriptor"
%typemap(jtype) jobject file_descriptor "java.io.FileDescriptor"
%typemap(jstype) jobject channel "java.nio.channels.FileChannel"
%typemap(jtype) jobject channel "java.nio.channels.FileChannel"
%typemap(jstype) jobject hook "java.util.function.BooleanSupplier"
%typemap(jtype) jobject hook "java.util.function.BooleanSupplier"
/* The message shims' lists (see polysock_java.h): bases are byte[] or direct ByteBuffers. */
%typemap(jstype) jobjectArray anc_data "byte[][]"
%typemap(jtype) jobjectArray anc_data "byte[][]"

/* ---- Scalar out-parameters: a Java array of length >= 1, element 0 set on success ---- */

%define POLYSOCK_OUT(CTYPE, TEMPTYPE, JNIARRAY, JARRAY, JELEM, REGION)
%typemap(jni) CTYPE "JNIARRAY"
%typemap(jtype) CTYPE "JARRAY"
%typemap(jstype) CTYPE "JARRAY"
%typemap(javain) CTYPE "$javainput"
%typemap(in) CTYPE (TEMPTYPE temp = 0)
%{ if ($input == NULL || jenv->GetArrayLength($input) < 1) {
     polysock_java_throw_argument(jenv, "out-parameter array must have an element");
     return $null;
   }
   $1 = ($1_ltype)&temp; %}
%typemap(argout) CTYPE
%{ if (!jenv->ExceptionCheck()) {
     JELEM value = (JELEM)temp$argnum;
     jenv->REGION($input, 0, 1, &value);
   } %}
%enddef

POLYSOCK_OUT(int *, int, jintArray, int[], jint, SetIntArrayRegion)
POLYSOCK_OUT(double *, double, jdoubleArray, double[], jdouble, SetDoubleArrayRegion)
POLYSOCK_OUT(long long *, long long, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(int64_t *, int64_t, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(uint64_t *, uint64_t, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(sock_handle *, sock_handle, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(sock_poller *, sock_poller, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(tls_context *, tls_context, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(tls_object *, tls_object, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(size_t *, size_t, jlongArray, long[], jlong, SetLongArrayRegion)
POLYSOCK_OUT(unsigned int *, unsigned int, jlongArray, long[], jlong, SetLongArrayRegion)

/* Opaque result lists: the pointer travels as a Java long, owned by the Java layer
 * until it calls the matching *_free. */
%define POLYSOCK_OPAQUE(TYPE)
POLYSOCK_OUT(TYPE **, TYPE *, jlongArray, long[], jlong, SetLongArrayRegion)
%typemap(jni) TYPE *, const TYPE * "jlong"
%typemap(jtype) TYPE *, const TYPE * "long"
%typemap(jstype) TYPE *, const TYPE * "long"
%typemap(javain) TYPE *, const TYPE * "$javainput"
%typemap(in) TYPE *, const TYPE * %{ $1 = ($1_ltype)(intptr_t)$input; %}
%enddef
POLYSOCK_OPAQUE(net_hostent)
POLYSOCK_OPAQUE(net_addrinfo_list)
POLYSOCK_OPAQUE(net_if_list)

/* ---- Struct out-parameters: an element of a Java array of the record type ---- */

%define POLYSOCK_RECORD_OUT(CTYPE, JCLASS, CONVERT, NULLABLE)
%typemap(jni) CTYPE "jobjectArray"
%typemap(jtype) CTYPE "JCLASS[]"
%typemap(jstype) CTYPE "JCLASS[]"
%typemap(javain) CTYPE "$javainput"
%typemap(in) CTYPE ($*1_ltype temp)
%{ if ($input == NULL && NULLABLE) {
     $1 = NULL;
   } else if ($input == NULL || jenv->GetArrayLength($input) < 1) {
     polysock_java_throw_argument(jenv, "out-parameter array must have an element");
     return $null;
   } else {
     $1 = &temp;
   } %}
%typemap(argout) CTYPE
%{ if ($1 != NULL && !jenv->ExceptionCheck()) {
     jobject value = CONVERT(jenv, $1);
     if (value != NULL) jenv->SetObjectArrayElement($input, 0, value);
   } %}
%enddef
POLYSOCK_RECORD_OUT(sock_address *out, SocketAddress, polysock_java_address, 0)
POLYSOCK_RECORD_OUT(sock_address *out_addr, SocketAddress, polysock_java_sender, 1)
POLYSOCK_RECORD_OUT(net_addrinfo *out, AddrInfo, polysock_java_addrinfo, 0)
POLYSOCK_RECORD_OUT(net_if_entry *out, NetInterface, polysock_java_interface, 0)
/* cipher(): null (None) before the handshake. */
POLYSOCK_RECORD_OUT(tls_cipher_info *out, TlsCipher, polysock_java_cipher, 0)
/* The certificate shims' result: PeerCertificate[1], element 0 left null for None. */
%typemap(jstype) jobjectArray out_cert "PeerCertificate[]"
%typemap(jtype) jobjectArray out_cert "PeerCertificate[]"

/* net_constant_at's static name. */
%typemap(jni) const char **out_name "jobjectArray"
%typemap(jtype) const char **out_name "String[]"
%typemap(jstype) const char **out_name "String[]"
%typemap(javain) const char **out_name "$javainput"
%typemap(in) const char **out_name (const char *temp = NULL)
%{ if ($input == NULL || jenv->GetArrayLength($input) < 1) {
     polysock_java_throw_argument(jenv, "out-parameter array must have an element");
     return $null;
   }
   $1 = ($1_ltype)&temp; %}
%typemap(argout) const char **out_name
%{ if (!jenv->ExceptionCheck() && temp$argnum != NULL) {
     jstring value = polysock_java_string(jenv, temp$argnum);
     if (value != NULL) jenv->SetObjectArrayElement($input, 0, value);
   } %}

/* ---- Text out-parameters: a String[] of length >= 1 ---- */

%define POLYSOCK_TEXT_OUT(PARAMS, BUF)
%typemap(jni) (PARAMS) "jobjectArray"
%typemap(jtype) (PARAMS) "String[]"
%typemap(jstype) (PARAMS) "String[]"
%typemap(javain) (PARAMS) "$javainput"
%typemap(argout) (PARAMS)
%{ if (!jenv->ExceptionCheck()) {
     jstring value = polysock_java_string(jenv, BUF);
     if (value != NULL) jenv->SetObjectArrayElement($input, 0, value);
   } %}
%enddef

%typemap(in) (char *buf, size_t buflen, size_t *out_len) (char text[NET_NI_MAXHOST + 3072], size_t len)
%{ if ($input == NULL || jenv->GetArrayLength($input) < 1) {
     polysock_java_throw_argument(jenv, "out-parameter array must have an element");
     return $null;
   }
   text[0] = '\0';
   $1 = text; $2 = sizeof text; $3 = &len; %}
POLYSOCK_TEXT_OUT(char *buf COMMA size_t buflen COMMA size_t *out_len, text$argnum)

%define POLYSOCK_TEXT_OUT2(BUFNAME, LENNAME)
%typemap(in) (char *BUFNAME, size_t LENNAME) (char text[NET_NI_MAXHOST])
%{ if ($input == NULL || jenv->GetArrayLength($input) < 1) {
     polysock_java_throw_argument(jenv, "out-parameter array must have an element");
     return $null;
   }
   text[0] = '\0';
   $1 = text; $2 = sizeof text; %}
POLYSOCK_TEXT_OUT(char *BUFNAME COMMA size_t LENNAME, text$argnum)
%enddef
POLYSOCK_TEXT_OUT2(buf, buflen)
POLYSOCK_TEXT_OUT2(host_out, host_len)
POLYSOCK_TEXT_OUT2(serv_out, serv_len)

/* ---- Bytes ---- */

/* Input bytes (setsockopt values, packed addresses): one copy of a whole byte[]. */
%define POLYSOCK_BYTES_IN(PARAMS)
%typemap(jni) (PARAMS) "jbyteArray"
%typemap(jtype) (PARAMS) "byte[]"
%typemap(jstype) (PARAMS) "byte[]"
%typemap(javain) (PARAMS) "$javainput"
%typemap(in) (PARAMS)
%{ if ($input == NULL) { polysock_java_throw_argument(jenv, "bytes are null"); return $null; }
   $2 = (size_t)jenv->GetArrayLength($input);
   $1 = ($1_ltype)jenv->GetByteArrayElements($input, NULL);
   if ($1 == NULL) return $null; %}
%typemap(freearg) (PARAMS)
%{ if ($1 != NULL) jenv->ReleaseByteArrayElements($input, (jbyte *)$1, JNI_ABORT); %}
%enddef
POLYSOCK_BYTES_IN(const void *val COMMA size_t len)
POLYSOCK_BYTES_IN(const unsigned char *packed COMMA size_t len)
POLYSOCK_BYTES_IN(const void *path COMMA size_t len)

/* load_verify_locations' cadata: null is Python's None (no data). */
%typemap(jni) (const void *cadata, size_t cadata_len) "jbyteArray"
%typemap(jtype) (const void *cadata, size_t cadata_len) "byte[]"
%typemap(jstype) (const void *cadata, size_t cadata_len) "byte[]"
%typemap(javain) (const void *cadata, size_t cadata_len) "$javainput"
%typemap(in) (const void *cadata, size_t cadata_len)
%{ $1 = NULL; $2 = 0;
   if ($input != NULL) {
     static const unsigned char no_bytes[1] = {0};
     $2 = (size_t)jenv->GetArrayLength($input);
     /* An empty array is empty data, not None: never NULL for it. */
     $1 = $2 == 0 ? ($1_ltype)no_bytes : ($1_ltype)jenv->GetByteArrayElements($input, NULL);
     if ($1 == NULL) return $null;
   } %}
%typemap(freearg) (const void *cadata, size_t cadata_len)
%{ if ($1 != NULL && $2 > 0) jenv->ReleaseByteArrayElements($input, (jbyte *)$1, JNI_ABORT); %}

/* tls_wrap_socket's flag bits: a Java int. */
%typemap(jni) unsigned int flags "jint"
%typemap(jtype) unsigned int flags "int"
%typemap(jstype) unsigned int flags "int"
%typemap(javain) unsigned int flags "$javainput"
%typemap(in) unsigned int flags %{ $1 = (unsigned int)$input; %}

/* Output bytes of a size the call tells: byte[][] whose element 0 is a byte[] of the
 * capacity to offer; on success it is replaced by an array of exactly the result. */
%define POLYSOCK_BYTES_OUT(PARAMS)
%typemap(jni) (PARAMS) "jobjectArray"
%typemap(jtype) (PARAMS) "byte[][]"
%typemap(jstype) (PARAMS) "byte[][]"
%typemap(javain) (PARAMS) "$javainput"
%typemap(in) (PARAMS) (std::vector<unsigned char> bytes, size_t len = 0)
%{ {
     jbyteArray offered = $input == NULL || jenv->GetArrayLength($input) < 1
                              ? NULL : (jbyteArray)jenv->GetObjectArrayElement($input, 0);
     if (offered == NULL) {
       polysock_java_throw_argument(jenv, "out-parameter array must hold a byte[]");
       return $null;
     }
     size_t capacity = (size_t)jenv->GetArrayLength(offered);
     bytes.resize(capacity > 0 ? capacity : 1);
     $1 = ($1_ltype)bytes.data(); $2 = capacity; $3 = &len;
   } %}
%typemap(argout) (PARAMS)
%{ if (!jenv->ExceptionCheck()) {
     jbyteArray value = jenv->NewByteArray((jsize)len$argnum);
     if (value != NULL) {
       jenv->SetByteArrayRegion(value, 0, (jsize)len$argnum, (const jbyte *)bytes$argnum.data());
       jenv->SetObjectArrayElement($input, 0, value);
     }
   } %}
%enddef
POLYSOCK_BYTES_OUT(void *buf COMMA size_t buflen COMMA size_t *out_len)
POLYSOCK_BYTES_OUT(unsigned char *out COMMA size_t outlen COMMA size_t *out_len)

/* inet_aton's 4 bytes. */
%typemap(jni) unsigned char out[4] "jbyteArray"
%typemap(jtype) unsigned char out[4] "byte[]"
%typemap(jstype) unsigned char out[4] "byte[]"
%typemap(javain) unsigned char out[4] "$javainput"
%typemap(in) unsigned char out[4] (unsigned char packed[4])
%{ if ($input == NULL || jenv->GetArrayLength($input) < 4) {
     polysock_java_throw_argument(jenv, "inet_aton needs a byte[4]");
     return $null;
   }
   $1 = packed; %}
%typemap(argout) unsigned char out[4]
%{ if (!jenv->ExceptionCheck()) jenv->SetByteArrayRegion($input, 0, 4, (const jbyte *)packed$argnum); %}

/* The poller's events: a long[] of (handle, events, user_data) triples. */
%typemap(jni) (sock_event *events, size_t max_events) "jlongArray"
%typemap(jtype) (sock_event *events, size_t max_events) "long[]"
%typemap(jstype) (sock_event *events, size_t max_events) "long[]"
%typemap(javain) (sock_event *events, size_t max_events) "$javainput"
%typemap(in) (sock_event *events, size_t max_events) (std::unique_ptr<sock_event[]> ready)
%{ {
     jsize slots = $input == NULL ? 0 : jenv->GetArrayLength($input) / 3;
     if (slots < 1) {
       polysock_java_throw_argument(jenv, "the event array needs room for one event");
       return $null;
     }
     ready.reset(new (std::nothrow) sock_event[slots]);
     if (!ready) { jenv->ThrowNew(jenv->FindClass("java/lang/OutOfMemoryError"), "poller events"); return $null; }
     $1 = ready.get(); $2 = (size_t)slots;
   } %}
%typemap(argout) (sock_event *events, size_t max_events)
%{ if (!jenv->ExceptionCheck()) {
     for (size_t i = 0; i < *arg5; ++i) {
       jlong triple[3] = {(jlong)$1[i].handle, (jlong)$1[i].events, (jlong)$1[i].user_data};
       jenv->SetLongArrayRegion($input, (jsize)(3 * i), 3, triple);
     }
   } %}

%{
#include <memory>
#include <new>
#include <vector>
%}

%include "polysock/polysock.h"
%include "polysock_java.h"
