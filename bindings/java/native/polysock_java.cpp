// The hand-written half of the JNI library (see polysock_java.h): exceptions, result
// objects and the buffer entry points. Classes and constructors are looked up once,
// in JNI_OnLoad, with the class loader that loaded org.polysock.
#include "polysock_java.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace {

struct CachedClass {
  const char *name;
  const char *ctor_signature;  // nullptr: no constructor needed
  jclass cls = nullptr;
  jmethodID ctor = nullptr;
};

CachedClass polysock_exception{"org/polysock/PolysockException", "(ILjava/lang/String;)V"};
// Python's OSError subclasses, chosen by errno as CPython does (see os_error_class).
#define POLYSOCK_OS_ERROR(NAME) CachedClass NAME{"org/polysock/" #NAME, "(ILjava/lang/String;)V"};
POLYSOCK_OS_ERROR(BlockingIOException)
POLYSOCK_OS_ERROR(ChildProcessException)
POLYSOCK_OS_ERROR(BrokenPipeException)
POLYSOCK_OS_ERROR(ConnectionAbortedException)
POLYSOCK_OS_ERROR(ConnectionRefusedException)
POLYSOCK_OS_ERROR(ConnectionResetException)
POLYSOCK_OS_ERROR(FileExistsException)
POLYSOCK_OS_ERROR(EntryNotFoundException)
POLYSOCK_OS_ERROR(InterruptedCallException)
POLYSOCK_OS_ERROR(IsADirectoryException)
POLYSOCK_OS_ERROR(NotADirectoryException)
POLYSOCK_OS_ERROR(PermissionException)
POLYSOCK_OS_ERROR(ProcessLookupException)
POLYSOCK_OS_ERROR(TimedOutException)
#undef POLYSOCK_OS_ERROR
CachedClass gai_exception{"org/polysock/GaiException", "(ILjava/lang/String;)V"};
CachedClass host_exception{"org/polysock/HostException", "(ILjava/lang/String;)V"};
CachedClass timeout_exception{"org/polysock/PolysockTimeoutException", "(Ljava/lang/String;)V"};
CachedClass argument_exception{"java/lang/IllegalArgumentException", nullptr};
CachedClass unsupported_exception{"java/lang/UnsupportedOperationException", nullptr};
// Python's ssl.SSLError and its subclasses, chosen by the TLS_ERROR_* kind (ssl_error_class).
#define POLYSOCK_SSL_ERROR(NAME)          \
  CachedClass NAME{"org/polysock/" #NAME, \
                   "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;)V"};
POLYSOCK_SSL_ERROR(SslException)
POLYSOCK_SSL_ERROR(SslWantReadException)
POLYSOCK_SSL_ERROR(SslWantWriteException)
POLYSOCK_SSL_ERROR(SslSyscallException)
POLYSOCK_SSL_ERROR(SslZeroReturnException)
POLYSOCK_SSL_ERROR(SslEofException)
#undef POLYSOCK_SSL_ERROR
CachedClass SslCertVerificationException{
    "org/polysock/SslCertVerificationException",
    "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;ILjava/lang/String;)V"};
CachedClass tls_cipher{"org/polysock/TlsCipher", "(Ljava/lang/String;Ljava/lang/String;I)V"};
CachedClass peer_certificate{"org/polysock/PeerCertificate",
                             "(IILjava/lang/String;Ljava/lang/String;Ljava/lang/String;[I[Ljava/"
                             "lang/String;[I[Ljava/lang/String;[Ljava/lang/String;[B)V"};
CachedClass memory_error{"java/lang/OutOfMemoryError", nullptr};
CachedClass socket_address{"org/polysock/SocketAddress", "(ILjava/lang/String;III)V"};
CachedClass addr_info{"org/polysock/AddrInfo",
                      "(IIILjava/lang/String;Lorg/polysock/SocketAddress;)V"};
CachedClass net_interface{"org/polysock/NetInterface", "(ILjava/lang/String;)V"};
CachedClass string_class{"java/lang/String", "([BLjava/lang/String;)V"};
CachedClass file_descriptor{"java/io/FileDescriptor", nullptr};
jfieldID file_descriptor_fd = nullptr;
CachedClass byte_array{"[B", nullptr};
CachedClass ancillary{"org/polysock/Ancillary", "(II[B)V"};
CachedClass message_info{"org/polysock/MessageInfo",
                         "(IILorg/polysock/SocketAddress;[Lorg/polysock/Ancillary;I)V"};
CachedClass connection_attempt{"org/polysock/ConnectionAttempt",
                               "(Lorg/polysock/SocketAddress;Ljava/io/IOException;)V"};
CachedClass attempts_exception{"org/polysock/ConnectionAttemptsException",
                               "(Ljava/lang/String;[Lorg/polysock/ConnectionAttempt;)V"};
CachedClass boolean_supplier{"java/util/function/BooleanSupplier", nullptr};
jmethodID boolean_supplier_get = nullptr;
jfieldID interrupted_bytes = nullptr;  // InterruptedCallException.bytesTransferred
JavaVM *java_vm = nullptr;

CachedClass *const all_classes[] = {&polysock_exception,
                                    &gai_exception,
                                    &host_exception,
                                    &timeout_exception,
                                    &argument_exception,
                                    &unsupported_exception,
                                    &SslException,
                                    &SslWantReadException,
                                    &SslWantWriteException,
                                    &SslSyscallException,
                                    &SslZeroReturnException,
                                    &SslEofException,
                                    &SslCertVerificationException,
                                    &tls_cipher,
                                    &peer_certificate,
                                    &memory_error,
                                    &socket_address,
                                    &addr_info,
                                    &net_interface,
                                    &string_class,
                                    &file_descriptor,
                                    &byte_array,
                                    &ancillary,
                                    &message_info,
                                    &connection_attempt,
                                    &attempts_exception,
                                    &boolean_supplier,
                                    &BlockingIOException,
                                    &ChildProcessException,
                                    &BrokenPipeException,
                                    &ConnectionAbortedException,
                                    &ConnectionRefusedException,
                                    &ConnectionResetException,
                                    &FileExistsException,
                                    &EntryNotFoundException,
                                    &InterruptedCallException,
                                    &IsADirectoryException,
                                    &NotADirectoryException,
                                    &PermissionException,
                                    &ProcessLookupException,
                                    &TimedOutException};

bool cache(JNIEnv *env, CachedClass &c) {
  jclass local = env->FindClass(c.name);
  if (local == nullptr) return false;
  c.cls = static_cast<jclass>(env->NewGlobalRef(local));
  env->DeleteLocalRef(local);
  if (c.cls == nullptr) return false;
  if (c.ctor_signature != nullptr) {
    c.ctor = env->GetMethodID(c.cls, "<init>", c.ctor_signature);
    if (c.ctor == nullptr) return false;
  }
  return true;
}

jthrowable with_code(JNIEnv *env, const CachedClass &c, int code, const char *message) {
  jstring text = polysock_java_string(env, message);
  if (text == nullptr) return nullptr;  // OutOfMemoryError pending
  auto error = static_cast<jthrowable>(env->NewObject(c.cls, c.ctor, code, text));
  env->DeleteLocalRef(text);
  return error;
}

// A Throwable of a class without a code: IllegalArgumentException, OutOfMemoryError.
jthrowable plain(JNIEnv *env, const CachedClass &c, const char *message) {
  jmethodID ctor = env->GetMethodID(c.cls, "<init>", "(Ljava/lang/String;)V");
  if (ctor == nullptr) return nullptr;
  jstring text = polysock_java_string(env, message);
  if (text == nullptr) return nullptr;
  auto error = static_cast<jthrowable>(env->NewObject(c.cls, ctor, text));
  env->DeleteLocalRef(text);
  return error;
}

// The class CPython's OSError constructor picks for errno (Objects/exceptions.c's
// errnomap); every other errno is the base class, PolysockException.
// EAGAIN / EWOULDBLOCK: the errno of a call that would block (BlockingIOError).
bool would_block_errno(int code) {
#if EWOULDBLOCK != EAGAIN
  return code == EAGAIN || code == EWOULDBLOCK;
#else
  return code == EAGAIN;
#endif
}

const CachedClass &os_error_class(int code) {
  if (would_block_errno(code)) return BlockingIOException;
  switch (code) {
    case EALREADY:
    case EINPROGRESS:
      return BlockingIOException;
    case ECHILD:
      return ChildProcessException;
    case EPIPE:
    case ESHUTDOWN:
      return BrokenPipeException;
    case ECONNABORTED:
      return ConnectionAbortedException;
    case ECONNREFUSED:
      return ConnectionRefusedException;
    case ECONNRESET:
      return ConnectionResetException;
    case EEXIST:
      return FileExistsException;
    case ENOENT:
      return EntryNotFoundException;
    case EINTR:
      return InterruptedCallException;
    case EISDIR:
      return IsADirectoryException;
    case ENOTDIR:
      return NotADirectoryException;
    case EACCES:
    case EPERM:
      return PermissionException;
    case ESRCH:
      return ProcessLookupException;
    case ETIMEDOUT:
      return TimedOutException;
    default:
      return polysock_exception;
  }
}

// A String of text, or null (Python's None) for "". Returns false with an exception
// pending if the String cannot be made.
bool optional_string(JNIEnv *env, const char *text, jstring *out) {
  *out = nullptr;
  if (text[0] == '\0') return true;
  *out = polysock_java_string(env, text);
  return *out != nullptr;
}

// The class of Python's ssl module for a SOCK_ERR_SSL kind (ssl.SSL_ERROR_*); kind
// TLS_ERROR_SSL is SSLCertVerificationError when the reason says the verification failed.
const CachedClass &ssl_error_class(int kind, const char *reason) {
  switch (kind) {
    case TLS_ERROR_WANT_READ:
      return SslWantReadException;
    case TLS_ERROR_WANT_WRITE:
      return SslWantWriteException;
    case TLS_ERROR_SYSCALL:
      return SslSyscallException;
    case TLS_ERROR_ZERO_RETURN:
      return SslZeroReturnException;
    case TLS_ERROR_EOF:
      return SslEofException;
    default:
      return std::strcmp(reason, "CERTIFICATE_VERIFY_FAILED") == 0 ? SslCertVerificationException
                                                                   : SslException;
  }
}

// An SslException (or subclass) of kind (the errno) and message, with tls's library,
// reason and verification result; a missing tls (no detail) gives the kind's class alone.
jthrowable ssl_error(JNIEnv *env, int kind, const char *message, const tls_error_info *tls) {
  static const tls_error_info none{};
  if (tls == nullptr || tls->kind == 0) tls = &none;
  const CachedClass &c = ssl_error_class(kind, tls->reason);
  jstring text = polysock_java_string(env, message);
  jstring library = nullptr;
  jstring reason = nullptr;
  jstring verify_message = nullptr;
  if (text == nullptr || !optional_string(env, tls->library, &library) ||
      !optional_string(env, tls->reason, &reason) ||
      !optional_string(env, tls->verify_message, &verify_message)) {
    return nullptr;
  }
  jobject error = &c == &SslCertVerificationException
                      ? env->NewObject(c.cls, c.ctor, kind, text, library, reason, tls->verify_code,
                                       verify_message)
                      : env->NewObject(c.cls, c.ctor, kind, text, library, reason);
  for (jstring local : {text, library, reason, verify_message}) {
    if (local != nullptr) env->DeleteLocalRef(local);
  }
  return static_cast<jthrowable>(error);
}

// The exception of the failure this thread's last polysock call reported with status:
// errno, message and (for SOCK_ERR_SSL) tls_last_error read now, together, before any
// other call can replace them.
jthrowable last_failure(JNIEnv *env, int status) {
  const int code = sock_last_errno();
  const std::string message = sock_last_error_message();
  tls_error_info tls{};
  const bool detail = status == SOCK_ERR_SSL && tls_last_error(&tls) == SOCK_OK;
  return polysock_java_exception(env, status, code, message.c_str(), detail ? &tls : nullptr);
}

// Scratch memory for one byte[] copy: on the stack when small, else on the heap.
class Scratch {
 public:
  static constexpr size_t kStackBytes = 16384;

  unsigned char *get(JNIEnv *env, size_t n) {
    if (n <= sizeof stack_) return stack_;
    heap_.reset(new (std::nothrow) unsigned char[n]);
    if (!heap_) env->ThrowNew(memory_error.cls, "polysock: no memory for the I/O buffer");
    return heap_.get();
  }

 private:
  unsigned char stack_[kStackBytes];
  std::unique_ptr<unsigned char[]> heap_;
};

// A byte[] receive or sendall of more than this many bytes (the stack scratch's size)
// first tries without a copy: the array pinned (GetPrimitiveArrayCritical) around one
// _try call, which never waits, and released before anything that can. A critical
// region must not block (while one is held, HotSpot holds back every collection of the
// JVM), so what the try leaves goes through the copy and the call in the socket's mode.
constexpr int kPinnedTryAbove = static_cast<int>(Scratch::kStackBytes);

// The failure of a _try call that says only that it would have had to wait.
bool try_would_block(int status) {
  if (polysock_java_would_block(status)) return true;
  if (status != SOCK_ERR_SSL) return false;
  const int kind = sock_last_errno();
  return kind == TLS_ERROR_WANT_READ || kind == TLS_ERROR_WANT_WRITE;
}

// Calls call(elements + offset) with the array pinned, and returns its status; the
// elements are written back (recv) or dropped (JNI_ABORT, send) as release_mode says.
// SOCK_ERR_NOMEM, with an exception pending, if the array could not be pinned.
template <typename Call>
int pinned(JNIEnv *env, jbyteArray array, int offset, jint release_mode, Call call) {
  void *elements = env->GetPrimitiveArrayCritical(array, nullptr);
  if (elements == nullptr) {
    if (!env->ExceptionCheck()) env->ThrowNew(memory_error.cls, "polysock: cannot pin the array");
    return SOCK_ERR_NOMEM;
  }
  const int status = call(static_cast<unsigned char *>(elements) + offset);
  env->ReleasePrimitiveArrayCritical(array, elements, release_mode);
  return status;
}

bool check_region(JNIEnv *env, jsize capacity, int offset, int length) {
  if (offset < 0 || length < 0 || offset > capacity || length > capacity - offset) {
    polysock_java_throw_argument(env, "buffer offset/length outside the array or buffer");
    return false;
  }
  return true;
}

bool check_array(JNIEnv *env, jbyteArray array, int offset, int length) {
  if (array == nullptr) {
    polysock_java_throw_argument(env, "buffer is null");
    return false;
  }
  return check_region(env, env->GetArrayLength(array), offset, length);
}

// The memory of a direct ByteBuffer at position, checked for length bytes against its
// capacity. The Java side passes buffer.capacity() (final: a racing thread can move
// position and limit, never the capacity), which saves the hot calls
// GetDirectBufferCapacity, a third of the JNI path's instructions (docs/benchmarks.md).
unsigned char *direct_memory(JNIEnv *env, jobject buffer, jlong capacity, int position,
                             int length) {
  if (buffer == nullptr) {
    polysock_java_throw_argument(env, "buffer is null");
    return nullptr;
  }
  auto *base = static_cast<unsigned char *>(env->GetDirectBufferAddress(buffer));
  if (base == nullptr) {
    polysock_java_throw_argument(env, "not a direct ByteBuffer");
    return nullptr;
  }
  if (position < 0 || length < 0 || position > capacity || length > capacity - position) {
    polysock_java_throw_argument(env, "buffer position/length outside the ByteBuffer");
    return nullptr;
  }
  return base + position;
}

// Copies what a receive got back into the array (only on success: on failure the
// status is thrown by the caller's typemap and the array stays as it was).
int finish_receive(JNIEnv *env, int status, jbyteArray array, int offset, const unsigned char *data,
                   const size_t *out_n) {
  if (status == SOCK_OK && out_n != nullptr && *out_n > 0) {
    env->SetByteArrayRegion(array, offset, static_cast<jsize>(*out_n),
                            reinterpret_cast<const jbyte *>(data));
  }
  return status;
}

// A status and a byte count as one polysock_java_count: the count, or the status.
// (Call it with the status already computed: argument order is unspecified.)
polysock_java_count count_of(int status, size_t n) {
  return status == SOCK_OK ? static_cast<polysock_java_count>(n) : status;
}

// As count_of for the calls that may stop part-way (sendall): when the interrupt hook
// stopped one, its InterruptedCallException carries the bytes that went.
polysock_java_count count_or_interrupted(JNIEnv *env, int status, size_t n) {
  if (status != SOCK_ERR_INTERRUPTED || env->ExceptionCheck()) return count_of(status, n);
  jthrowable error = last_failure(env, status);
  if (error != nullptr) {
    env->SetLongField(error, interrupted_bytes, static_cast<jlong>(n));
    env->Throw(error);
  }
  return status;
}

}  // namespace

extern "C" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *) {
  JNIEnv *env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void **>(&env), JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  java_vm = vm;
  for (CachedClass *c : all_classes) {
    if (!cache(env, *c)) return JNI_ERR;
  }
  file_descriptor_fd = env->GetFieldID(file_descriptor.cls, "fd", "I");
  if (file_descriptor_fd == nullptr) return JNI_ERR;
  boolean_supplier_get = env->GetMethodID(boolean_supplier.cls, "getAsBoolean", "()Z");
  if (boolean_supplier_get == nullptr) return JNI_ERR;
  interrupted_bytes = env->GetFieldID(InterruptedCallException.cls, "bytesTransferred", "J");
  if (interrupted_bytes == nullptr) return JNI_ERR;
  return JNI_VERSION_1_8;
}

extern "C" {

jthrowable polysock_java_exception(JNIEnv *jenv, int status, int code, const char *message,
                                   const tls_error_info *tls) {
  switch (status) {
    case SOCK_ERR_TIMEOUT: {
      jstring text = polysock_java_string(jenv, message);
      if (text == nullptr) return nullptr;
      auto error = static_cast<jthrowable>(
          jenv->NewObject(timeout_exception.cls, timeout_exception.ctor, text));
      jenv->DeleteLocalRef(text);
      return error;
    }
    case SOCK_ERR_GAI:
      return with_code(jenv, gai_exception, code, message);
    case SOCK_ERR_HOST:
      return with_code(jenv, host_exception, code, message);
    case SOCK_ERR_VALUE:
      return plain(jenv, argument_exception, message);
    case SOCK_ERR_NOMEM:
      return plain(jenv, memory_error, message);
    case SOCK_ERR_OS:
      return with_code(jenv, os_error_class(code), code, message);
    case SOCK_ERR_INTERRUPTED:  // the interrupt hook stopped the call: InterruptedError
      return with_code(jenv, InterruptedCallException, code, message);
    case SOCK_ERR_SSL:  // errno is the TLS_ERROR_* kind, as Python's SSLError.errno
      return ssl_error(jenv, code, message, tls);
    case SOCK_ERR_NOT_CONFIGURED:  // TLS in a build without OpenSSL
      return plain(jenv, unsupported_exception, message);
    default:  // SOCK_ERR_RANGE (a buffer of the binding too small)
      return with_code(jenv, polysock_exception, code, message);
  }
}

void polysock_java_throw(JNIEnv *jenv, int status) {
  if (jenv->ExceptionCheck()) return;  // the shim (or the interrupt hook) already threw
  jthrowable error = last_failure(jenv, status);
  if (error != nullptr) jenv->Throw(error);
}

int polysock_java_would_block(int status) {
  return status == SOCK_ERR_OS && would_block_errno(sock_last_errno()) ? 1 : 0;
}

void polysock_java_throw_argument(JNIEnv *jenv, const char *message) {
  jenv->ThrowNew(argument_exception.cls, message);
}

jstring polysock_java_string(JNIEnv *jenv, const char *text) {
  // Plain ASCII is the same in UTF-8 and in JNI's modified UTF-8.
  size_t n = 0;
  bool ascii = true;
  for (; text[n] != '\0'; ++n) ascii = ascii && static_cast<unsigned char>(text[n]) < 0x80;
  if (ascii) return jenv->NewStringUTF(text);
  jbyteArray bytes = jenv->NewByteArray(static_cast<jsize>(n));
  if (bytes == nullptr) return nullptr;
  jenv->SetByteArrayRegion(bytes, 0, static_cast<jsize>(n), reinterpret_cast<const jbyte *>(text));
  jstring charset = jenv->NewStringUTF("UTF-8");
  if (charset == nullptr) return nullptr;
  auto result =
      static_cast<jstring>(jenv->NewObject(string_class.cls, string_class.ctor, bytes, charset));
  jenv->DeleteLocalRef(bytes);
  jenv->DeleteLocalRef(charset);
  return result;
}

jobject polysock_java_address(JNIEnv *jenv, const sock_address *addr) {
  jstring host = polysock_java_string(jenv, addr->host);
  if (host == nullptr) return nullptr;
  jobject result =
      jenv->NewObject(socket_address.cls, socket_address.ctor, addr->family, host, addr->port,
                      static_cast<jint>(addr->flowinfo), static_cast<jint>(addr->scope_id));
  jenv->DeleteLocalRef(host);
  return result;
}

jobject polysock_java_sender(JNIEnv *jenv, const sock_address *addr) {
  // No address (AF_UNSPEC: a stream socket, an unbound AF_UNIX sender) is Python's None.
  if (addr->family == 0) return nullptr;
  return polysock_java_address(jenv, addr);
}

jobject polysock_java_addrinfo(JNIEnv *jenv, const net_addrinfo *info) {
  jobject address = polysock_java_address(jenv, &info->addr);
  if (address == nullptr) return nullptr;
  jstring canonname = polysock_java_string(jenv, info->canonname);
  if (canonname == nullptr) return nullptr;
  jobject result = jenv->NewObject(addr_info.cls, addr_info.ctor, info->family, info->type,
                                   info->proto, canonname, address);
  jenv->DeleteLocalRef(canonname);
  jenv->DeleteLocalRef(address);
  return result;
}

jobject polysock_java_interface(JNIEnv *jenv, const net_if_entry *entry) {
  jstring name = polysock_java_string(jenv, entry->name);
  if (name == nullptr) return nullptr;
  jobject result =
      jenv->NewObject(net_interface.cls, net_interface.ctor, static_cast<jint>(entry->index), name);
  jenv->DeleteLocalRef(name);
  return result;
}

namespace {

// Whether this thread's last byte[] receive of more than kPinnedTryAbove bytes filled
// its buffer: a stream in full flow, whose next receive is likely to find data at once
// and is tried pinned first. After one that did not (small messages into a large
// buffer), receiving with a copy of what came costs less than a try that finds nothing.
thread_local bool large_receive_filled = true;

}  // namespace

polysock_java_count polysock_java_recv_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                             int offset, int length, int flags) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  const bool large = length > kPinnedTryAbove && flags == 0;  // MSG_WAITALL must wait
  size_t n = 0;
  if (large && large_receive_filled) {
    const int status = pinned(jenv, array, offset, 0, [&](unsigned char *p) {
      return sock_recv_try(h, p, static_cast<size_t>(length), 0, &n);
    });
    if (!try_would_block(status)) {
      large_receive_filled = status == SOCK_OK && n == static_cast<size_t>(length);
      return count_of(status, n);
    }
  }
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  const int status = sock_recv(h, buf, static_cast<size_t>(length), flags, &n);
  if (large) large_receive_filled = status == SOCK_OK && n == static_cast<size_t>(length);
  return count_of(finish_receive(jenv, status, array, offset, buf, &n), n);
}

polysock_java_count polysock_java_recv_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                              int capacity, int position, int length, int flags) {
  unsigned char *buf = direct_memory(jenv, buffer, capacity, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_recv(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
}

int polysock_java_recvfrom_array(JNIEnv *jenv, sock_handle h, jbyteArray array, int offset,
                                 int length, int flags, size_t *out_n, sock_address *out_addr) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  const int status = sock_recvfrom(h, buf, static_cast<size_t>(length), flags, out_n, out_addr);
  return finish_receive(jenv, status, array, offset, buf, out_n);
}

int polysock_java_recvfrom_direct(JNIEnv *jenv, sock_handle h, jobject buffer, int capacity,
                                  int position, int length, int flags, size_t *out_n,
                                  sock_address *out_addr) {
  unsigned char *buf = direct_memory(jenv, buffer, capacity, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  return sock_recvfrom(h, buf, static_cast<size_t>(length), flags, out_n, out_addr);
}

namespace {

// Copies a byte[] region, already checked, into scratch memory for a send; nullptr with
// an exception pending.
const unsigned char *copy_region(JNIEnv *jenv, Scratch &scratch, jbyteArray array, int offset,
                                 int length) {
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return nullptr;
  jenv->GetByteArrayRegion(array, offset, length, reinterpret_cast<jbyte *>(buf));
  return buf;
}

// Checks a byte[] region and copies it as copy_region does.
const unsigned char *copy_for_send(JNIEnv *jenv, Scratch &scratch, jbyteArray array, int offset,
                                   int length) {
  if (!check_array(jenv, array, offset, length)) return nullptr;
  return copy_region(jenv, scratch, array, offset, length);
}

}  // namespace

polysock_java_count polysock_java_send_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                             int offset, int length, int flags) {
  Scratch scratch;
  const unsigned char *buf = copy_for_send(jenv, scratch, array, offset, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_send(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
}

polysock_java_count polysock_java_send_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                              int capacity, int position, int length, int flags) {
  const unsigned char *buf = direct_memory(jenv, buffer, capacity, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_send(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
}

polysock_java_count polysock_java_sendall_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                int offset, int length, int flags) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  size_t tried = 0;  // sent by the pinned try
  if (length > kPinnedTryAbove && flags == 0) {
    const int status = pinned(jenv, array, offset, JNI_ABORT, [&](unsigned char *p) {
      return sock_send_try(h, p, static_cast<size_t>(length), 0, &tried);
    });
    if (status == SOCK_OK && tried == static_cast<size_t>(length)) return length;
    if (status != SOCK_OK) {
      if (!try_would_block(status)) return count_of(status, 0);
      tried = 0;
    }
  }
  // The rest as one sendall in the socket's mode: its deadline starts here, after a try
  // that did not wait, and a TLS record the try left pending is resent from the same
  // bytes (the core's sessions accept a moved write buffer).
  const int rest = length - static_cast<int>(tried);
  Scratch scratch;
  const unsigned char *buf =
      copy_region(jenv, scratch, array, offset + static_cast<int>(tried), rest);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendall(h, buf, static_cast<size_t>(rest), flags, &n);
  return count_or_interrupted(jenv, status, tried + n);
}

polysock_java_count polysock_java_sendall_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                 int capacity, int position, int length,
                                                 int flags) {
  const unsigned char *buf = direct_memory(jenv, buffer, capacity, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendall(h, buf, static_cast<size_t>(length), flags, &n);
  return count_or_interrupted(jenv, status, n);
}

polysock_java_try_count polysock_java_try_recv_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                     int offset, int length, int flags) {
  return polysock_java_recv_array(jenv, h, array, offset, length, flags);
}

polysock_java_try_count polysock_java_try_recv_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                      int capacity, int position, int length,
                                                      int flags) {
  return polysock_java_recv_direct(jenv, h, buffer, capacity, position, length, flags);
}

polysock_java_try_count polysock_java_try_send_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                     int offset, int length, int flags) {
  return polysock_java_send_array(jenv, h, array, offset, length, flags);
}

polysock_java_try_count polysock_java_try_send_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                      int capacity, int position, int length,
                                                      int flags) {
  return polysock_java_send_direct(jenv, h, buffer, capacity, position, length, flags);
}

polysock_java_count polysock_java_sendto_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                               int offset, int length, int flags, const char *host,
                                               int port) {
  Scratch scratch;
  const unsigned char *buf = copy_for_send(jenv, scratch, array, offset, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendto(h, buf, static_cast<size_t>(length), flags, host, port, &n);
  return count_of(status, n);
}

polysock_java_count polysock_java_sendto_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                int capacity, int position, int length, int flags,
                                                const char *host, int port) {
  const unsigned char *buf = direct_memory(jenv, buffer, capacity, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendto(h, buf, static_cast<size_t>(length), flags, host, port, &n);
  return count_of(status, n);
}

int polysock_java_file_descriptor(JNIEnv *jenv, jobject file_descriptor_object, int *out_fd) {
  if (file_descriptor_object == nullptr) {
    polysock_java_throw_argument(jenv, "file descriptor is null");
    return SOCK_ERR_VALUE;
  }
  // JNI reads the private field without the module checks reflection would need.
  *out_fd = jenv->GetIntField(file_descriptor_object, file_descriptor_fd);
  if (*out_fd < 0) {
    polysock_java_throw_argument(jenv, "file descriptor is not open");
    return SOCK_ERR_VALUE;
  }
  return SOCK_OK;
}

int polysock_java_channel_fd(JNIEnv *jenv, jobject channel, int *out_fd) {
  *out_fd = -1;
  if (channel == nullptr) {
    polysock_java_throw_argument(jenv, "file channel is null");
    return SOCK_ERR_VALUE;
  }
  // The JDK's FileChannel keeps its descriptor in a private field "fd"; JNI reads it
  // without the module checks reflection needs. Another FileChannel class has none:
  // -1 tells the Java layer to copy instead.
  jclass cls = jenv->GetObjectClass(channel);
  jfieldID field = jenv->GetFieldID(cls, "fd", "Ljava/io/FileDescriptor;");
  jenv->DeleteLocalRef(cls);
  if (field == nullptr) {
    jenv->ExceptionClear();  // NoSuchFieldError: not the JDK's FileChannel
    return SOCK_OK;
  }
  jobject descriptor = jenv->GetObjectField(channel, field);
  if (descriptor != nullptr) {
    *out_fd = jenv->GetIntField(descriptor, file_descriptor_fd);
    jenv->DeleteLocalRef(descriptor);
  }
  return SOCK_OK;
}

int polysock_java_event_bits(int *out_read, int *out_write, int *out_error, int *out_hup) {
  *out_read = static_cast<int>(SOCK_EVENT_READ);
  *out_write = static_cast<int>(SOCK_EVENT_WRITE);
  *out_error = static_cast<int>(SOCK_EVENT_ERROR);
  *out_hup = static_cast<int>(SOCK_EVENT_HUP);
  return SOCK_OK;
}

int polysock_java_timeout_values(double *out_none, double *out_default) {
  *out_none = SOCK_TIMEOUT_NONE;
  *out_default = SOCK_TIMEOUT_DEFAULT;
  return SOCK_OK;
}

int polysock_java_getnameinfo_address(int family, const char *host, int port, int flowinfo,
                                      int scope_id, int flags, char *host_out, size_t host_len,
                                      char *serv_out, size_t serv_len) {
  sock_address addr{};
  addr.family = family;
  if (host == nullptr || std::strlen(host) >= sizeof addr.host) {
    // Let the C ABI report a bad argument in its own words.
    return net_getnameinfo_address(nullptr, flags, host_out, host_len, serv_out, serv_len);
  }
  std::strcpy(addr.host, host);
  addr.port = port;
  addr.flowinfo = static_cast<uint32_t>(flowinfo);
  addr.scope_id = static_cast<uint32_t>(scope_id);
  return net_getnameinfo_address(&addr, flags, host_out, host_len, serv_out, serv_len);
}

namespace {

// The scatter/gather list of bases (byte[] or direct ByteBuffer) and regions (offset,
// length pairs) as sock_iovec entries: direct buffers in place, array regions in one
// block of native memory (copied in for a send, out for a receive).
class Gather {
 public:
  bool build(JNIEnv *env, jobjectArray bases, jintArray regions, bool copy_in) {
    if (bases == nullptr || regions == nullptr) {
      polysock_java_throw_argument(env, "buffers are null");
      return false;
    }
    const jsize count = env->GetArrayLength(bases);
    if (env->GetArrayLength(regions) != 2 * count) {
      polysock_java_throw_argument(env, "one offset and one length per buffer");
      return false;
    }
    std::vector<jint> spans(static_cast<size_t>(2 * count));
    if (count > 0) env->GetIntArrayRegion(regions, 0, 2 * count, spans.data());
    size_t copied = 0;
    for (jsize i = 0; i < count; ++i) {
      jobject base = env->GetObjectArrayElement(bases, i);
      const bool array = base != nullptr && env->IsInstanceOf(base, byte_array.cls);
      const int offset = spans[2 * i];
      const int length = spans[2 * i + 1];
      if (array) {
        if (!check_array(env, static_cast<jbyteArray>(base), offset, length)) return false;
        copied += static_cast<size_t>(length);
      } else if (direct_memory(env, base, base == nullptr ? 0 : env->GetDirectBufferCapacity(base),
                               offset, length) == nullptr) {
        return false;
      }
      if (base != nullptr) env->DeleteLocalRef(base);
    }
    unsigned char *block = scratch_.get(env, copied);
    if (block == nullptr) return false;
    iov_.resize(static_cast<size_t>(count));
    arrays_.assign(static_cast<size_t>(count), false);
    offsets_.assign(spans.begin(), spans.end());
    for (jsize i = 0; i < count; ++i) {
      jobject base = env->GetObjectArrayElement(bases, i);
      const int offset = spans[2 * i];
      const size_t length = static_cast<size_t>(spans[2 * i + 1]);
      if (env->IsInstanceOf(base, byte_array.cls)) {
        if (copy_in && length > 0) {
          env->GetByteArrayRegion(static_cast<jbyteArray>(base), offset, static_cast<jsize>(length),
                                  reinterpret_cast<jbyte *>(block));
        }
        iov_[i] = sock_iovec{block, length};
        arrays_[i] = true;
        block += length;
      } else {
        iov_[i] = sock_iovec{
            static_cast<unsigned char *>(env->GetDirectBufferAddress(base)) + offset, length};
      }
      env->DeleteLocalRef(base);
    }
    return true;
  }

  // After a receive of n bytes: the part of them each array region got, copied back.
  void copy_out(JNIEnv *env, jobjectArray bases, size_t n) {
    for (size_t i = 0; i < iov_.size() && n > 0; ++i) {
      const size_t got = iov_[i].len < n ? iov_[i].len : n;
      if (arrays_[i] && got > 0) {
        auto base =
            static_cast<jbyteArray>(env->GetObjectArrayElement(bases, static_cast<jsize>(i)));
        env->SetByteArrayRegion(base, offsets_[2 * i], static_cast<jsize>(got),
                                static_cast<const jbyte *>(iov_[i].data));
        env->DeleteLocalRef(base);
      }
      n -= got;
    }
  }

  const sock_iovec *data() const { return iov_.data(); }
  size_t size() const { return iov_.size(); }

 private:
  Scratch scratch_;
  std::vector<sock_iovec> iov_;
  std::vector<bool> arrays_;
  std::vector<jint> offsets_;
};

// The ancillary items to send: levels and types from kinds, data copied from byte[]s.
bool ancillary_to_send(JNIEnv *env, jintArray kinds, jobjectArray data,
                       std::vector<std::vector<unsigned char>> &bytes,
                       std::vector<sock_cmsg> &out) {
  if (kinds == nullptr && data == nullptr) return true;
  if (kinds == nullptr || data == nullptr ||
      env->GetArrayLength(kinds) != 2 * env->GetArrayLength(data)) {
    polysock_java_throw_argument(env, "one level, type and data per ancillary item");
    return false;
  }
  const jsize count = env->GetArrayLength(data);
  std::vector<jint> levels_types(static_cast<size_t>(2 * count));
  if (count > 0) env->GetIntArrayRegion(kinds, 0, 2 * count, levels_types.data());
  bytes.resize(static_cast<size_t>(count));
  out.resize(static_cast<size_t>(count));
  for (jsize i = 0; i < count; ++i) {
    auto item = static_cast<jbyteArray>(env->GetObjectArrayElement(data, i));
    if (item == nullptr) {
      polysock_java_throw_argument(env, "ancillary data is null");
      return false;
    }
    const jsize n = env->GetArrayLength(item);
    bytes[i].resize(static_cast<size_t>(n));
    if (n > 0) env->GetByteArrayRegion(item, 0, n, reinterpret_cast<jbyte *>(bytes[i].data()));
    env->DeleteLocalRef(item);
    out[i] =
        sock_cmsg{levels_types[2 * i], levels_types[2 * i + 1], bytes[i].data(), bytes[i].size()};
  }
  return true;
}

// The items sock_recvmsg stored in ancbuf, as an org.polysock.Ancillary[].
jobjectArray received_ancillary(JNIEnv *env, const void *ancbuf, size_t ancdata_len) {
  std::vector<sock_cmsg> items;
  size_t cursor = 0;
  while (ancdata_len > 0) {
    sock_cmsg item{};
    int found = 0;
    const int status = sock_cmsg_next(ancbuf, ancdata_len, &cursor, &item, &found);
    if (status != SOCK_OK) {
      polysock_java_throw(env, status);
      return nullptr;
    }
    if (found == 0) break;
    items.push_back(item);
  }
  jobjectArray result =
      env->NewObjectArray(static_cast<jsize>(items.size()), ancillary.cls, nullptr);
  if (result == nullptr) return nullptr;
  for (size_t i = 0; i < items.size(); ++i) {
    jbyteArray data = env->NewByteArray(static_cast<jsize>(items[i].len));
    if (data == nullptr) return nullptr;
    env->SetByteArrayRegion(data, 0, static_cast<jsize>(items[i].len),
                            static_cast<const jbyte *>(items[i].data));
    jobject item =
        env->NewObject(ancillary.cls, ancillary.ctor, items[i].level, items[i].type, data);
    env->DeleteLocalRef(data);
    if (item == nullptr) return nullptr;
    env->SetObjectArrayElement(result, static_cast<jsize>(i), item);
    env->DeleteLocalRef(item);
  }
  return result;
}

// Stores MessageInfo(nbytes, msg_flags, sender, ancdata, nfds) in out_info[0].
void store_info(JNIEnv *env, jobjectArray out_info, const sock_msg_info &info, jobjectArray ancdata,
                size_t nfds) {
  jobject sender = polysock_java_sender(env, &info.address);
  if (env->ExceptionCheck()) return;
  jobject value =
      env->NewObject(message_info.cls, message_info.ctor, static_cast<jint>(info.nbytes),
                     info.msg_flags, sender, ancdata, static_cast<jint>(nfds));
  if (value != nullptr) env->SetObjectArrayElement(out_info, 0, value);
}

bool check_info(JNIEnv *env, jobjectArray out_info) {
  if (out_info == nullptr || env->GetArrayLength(out_info) < 1) {
    polysock_java_throw_argument(env, "out-parameter array must have an element");
    return false;
  }
  return true;
}

}  // namespace

polysock_java_count polysock_java_sendmsg(JNIEnv *jenv, sock_handle h, jobjectArray bases,
                                          jintArray regions, jintArray anc_kinds,
                                          jobjectArray anc_data, int flags, const char *host,
                                          int port) {
  Gather gather;
  if (!gather.build(jenv, bases, regions, true)) return SOCK_ERR_VALUE;
  std::vector<std::vector<unsigned char>> bytes;
  std::vector<sock_cmsg> items;
  if (!ancillary_to_send(jenv, anc_kinds, anc_data, bytes, items)) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendmsg(h, gather.data(), gather.size(), items.data(), items.size(),
                                  flags, host, port, &n);
  return count_of(status, n);
}

int polysock_java_recvmsg(JNIEnv *jenv, sock_handle h, jobjectArray bases, jintArray regions,
                          int ancbufsize, int flags, jobjectArray out_info) {
  if (!check_info(jenv, out_info)) return SOCK_ERR_VALUE;
  if (ancbufsize < 0) {
    polysock_java_throw_argument(jenv, "invalid ancillary data buffer length");
    return SOCK_ERR_VALUE;
  }
  Gather gather;
  if (!gather.build(jenv, bases, regions, false)) return SOCK_ERR_VALUE;
  // operator new[] aligns the block for struct cmsghdr, which the kernel writes.
  std::unique_ptr<unsigned char[]> ancbuf;
  if (ancbufsize > 0) {
    ancbuf.reset(new (std::nothrow) unsigned char[static_cast<size_t>(ancbufsize)]);
    if (!ancbuf) {
      jenv->ThrowNew(memory_error.cls, "polysock: no memory for the ancillary data buffer");
      return SOCK_ERR_NOMEM;
    }
  }
  sock_msg_info info{};
  const int status = sock_recvmsg(h, gather.data(), gather.size(), ancbuf.get(),
                                  static_cast<size_t>(ancbufsize), flags, &info);
  if (status != SOCK_OK) return status;
  gather.copy_out(jenv, bases, info.nbytes);
  jobjectArray ancdata = received_ancillary(jenv, ancbuf.get(), info.ancdata_len);
  if (ancdata == nullptr) return SOCK_ERR_NOMEM;  // the exception is pending
  store_info(jenv, out_info, info, ancdata, 0);
  return SOCK_OK;
}

polysock_java_count polysock_java_send_fds(JNIEnv *jenv, sock_handle h, jobjectArray bases,
                                           jintArray regions, jintArray fds, int flags,
                                           const char *host, int port) {
  Gather gather;
  if (!gather.build(jenv, bases, regions, true)) return SOCK_ERR_VALUE;
  if (fds == nullptr) {
    polysock_java_throw_argument(jenv, "descriptors are null");
    return SOCK_ERR_VALUE;
  }
  std::vector<jint> descriptors(static_cast<size_t>(jenv->GetArrayLength(fds)));
  if (!descriptors.empty()) {
    jenv->GetIntArrayRegion(fds, 0, static_cast<jsize>(descriptors.size()), descriptors.data());
  }
  static_assert(sizeof(jint) == sizeof(int), "jint is int");
  size_t n = 0;
  const int status = sock_send_fds(h, gather.data(), gather.size(),
                                   reinterpret_cast<const int *>(descriptors.data()),
                                   descriptors.size(), flags, host, port, &n);
  return count_of(status, n);
}

int polysock_java_recv_fds(JNIEnv *jenv, sock_handle h, jbyteArray array, int length, jintArray fds,
                           int flags, jobjectArray out_info) {
  if (!check_info(jenv, out_info) || !check_array(jenv, array, 0, length)) return SOCK_ERR_VALUE;
  if (fds == nullptr) {
    polysock_java_throw_argument(jenv, "descriptor array is null");
    return SOCK_ERR_VALUE;
  }
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  // Never an empty vector's NULL: maxfds 0 is a valid request (Python's recv_fds(s, n, 0)).
  const size_t maxfds = static_cast<size_t>(jenv->GetArrayLength(fds));
  std::vector<int> descriptors(maxfds > 0 ? maxfds : 1);
  size_t nfds = 0;
  sock_msg_info info{};
  const int status = sock_recv_fds(h, buf, static_cast<size_t>(length), descriptors.data(), maxfds,
                                   flags, &nfds, &info);
  if (status != SOCK_OK) return status;
  if (info.nbytes > 0) {
    jenv->SetByteArrayRegion(array, 0, static_cast<jsize>(info.nbytes),
                             reinterpret_cast<const jbyte *>(buf));
  }
  if (nfds > 0) {
    jenv->SetIntArrayRegion(fds, 0, static_cast<jsize>(nfds),
                            reinterpret_cast<const jint *>(descriptors.data()));
  }
  store_info(jenv, out_info, info, nullptr, nfds);
  return SOCK_OK;
}

namespace {

// One failed attempt of net_create_connection_ex as an org.polysock.ConnectionAttempt.
jobject attempt_of(JNIEnv *env, const net_connect_error &attempt) {
  jobject address = nullptr;
  if (attempt.address.host[0] != '\0') {
    address = polysock_java_address(env, &attempt.address);
    if (address == nullptr) return nullptr;
  }
  jthrowable error =
      polysock_java_exception(env, attempt.status, attempt.err, attempt.message, nullptr);
  if (error == nullptr) return nullptr;
  jobject result = env->NewObject(connection_attempt.cls, connection_attempt.ctor, address, error);
  env->DeleteLocalRef(error);
  if (address != nullptr) env->DeleteLocalRef(address);
  return result;
}

// Throws ConnectionAttemptsException with every attempt of list (count > 0).
void throw_attempts(JNIEnv *env, const net_connect_errors *list, size_t count) {
  jobjectArray attempts =
      env->NewObjectArray(static_cast<jsize>(count), connection_attempt.cls, nullptr);
  if (attempts == nullptr) return;
  for (size_t i = 0; i < count; ++i) {
    net_connect_error attempt{};
    const int status = net_connect_errors_get(list, i, &attempt);
    if (status != SOCK_OK) {
      polysock_java_throw(env, status);
      return;
    }
    jobject item = attempt_of(env, attempt);
    if (item == nullptr) return;
    env->SetObjectArrayElement(attempts, static_cast<jsize>(i), item);
    env->DeleteLocalRef(item);
  }
  // Python's ExceptionGroup("create_connection failed", exceptions).
  jstring message = env->NewStringUTF("create_connection failed");
  if (message == nullptr) return;
  auto error = static_cast<jthrowable>(
      env->NewObject(attempts_exception.cls, attempts_exception.ctor, message, attempts));
  if (error != nullptr) env->Throw(error);
}

// The Java interrupt hook: a global reference to a BooleanSupplier, or null. The mutex
// keeps a hook being replaced from being deleted while a call takes a reference to it.
std::mutex interrupt_hook_mutex;
jobject interrupt_hook = nullptr;

int java_interrupt_hook(void *) {
  JNIEnv *env = nullptr;
  // A thread the JVM does not know (a C caller in the same process) just goes on.
  if (java_vm == nullptr ||
      java_vm->GetEnv(reinterpret_cast<void **>(&env), JNI_VERSION_1_8) != JNI_OK) {
    return 0;
  }
  if (env->ExceptionCheck()) return 1;  // an earlier run of the hook threw: stop
  jobject hook = nullptr;
  {
    std::lock_guard<std::mutex> lock(interrupt_hook_mutex);
    if (interrupt_hook != nullptr) hook = env->NewLocalRef(interrupt_hook);
  }
  if (hook == nullptr) return 0;
  const jboolean stop = env->CallBooleanMethod(hook, boolean_supplier_get);
  env->DeleteLocalRef(hook);
  // An exception thrown by the hook stops the call and stays pending: it is what the
  // call throws (polysock_java_throw leaves a pending exception alone).
  if (env->ExceptionCheck()) return 1;
  return stop ? 1 : 0;
}

}  // namespace

int polysock_java_create_connection_ex(JNIEnv *jenv, const char *host, int port, double timeout,
                                       const char *source_host, int source_port,
                                       double happy_eyeballs_delay, int interleave, int all_errors,
                                       sock_handle *out) {
  net_connect_errors *errors = nullptr;
  const int status =
      net_create_connection_ex(host, port, timeout, source_host, source_port, happy_eyeballs_delay,
                               interleave, all_errors != 0 ? &errors : nullptr, out);
  if (status != SOCK_OK && errors != nullptr) {
    size_t count = 0;
    // The last failure's details, before other calls overwrite them.
    jthrowable last = last_failure(jenv, status);
    if (net_connect_errors_count(errors, &count) == SOCK_OK && count > 0) {
      throw_attempts(jenv, errors, count);
    } else if (last != nullptr) {
      jenv->Throw(last);
    }
    if (last != nullptr) jenv->DeleteLocalRef(last);
  }
  net_connect_errors_free(errors);
  return status;
}

int polysock_java_set_interrupt_hook(JNIEnv *jenv, jobject hook) {
  jobject global = nullptr;
  if (hook != nullptr) {
    global = jenv->NewGlobalRef(hook);
    if (global == nullptr) return SOCK_ERR_NOMEM;  // OutOfMemoryError pending
  }
  jobject old = nullptr;
  int status = SOCK_OK;
  {
    std::lock_guard<std::mutex> lock(interrupt_hook_mutex);
    status = net_set_interrupt_hook(global != nullptr ? java_interrupt_hook : nullptr, nullptr);
    if (status == SOCK_OK) {
      old = interrupt_hook;
      interrupt_hook = global;
    } else {
      old = global;
    }
  }
  if (old != nullptr) jenv->DeleteGlobalRef(old);
  return status;
}

jobject polysock_java_cipher(JNIEnv *jenv, const tls_cipher_info *cipher) {
  if (cipher->name[0] == '\0') return nullptr;  // before the handshake: Python's None
  jstring name = polysock_java_string(jenv, cipher->name);
  if (name == nullptr) return nullptr;
  jstring protocol = polysock_java_string(jenv, cipher->protocol);
  if (protocol == nullptr) return nullptr;
  jobject result =
      jenv->NewObject(tls_cipher.cls, tls_cipher.ctor, name, protocol, cipher->secret_bits);
  jenv->DeleteLocalRef(name);
  jenv->DeleteLocalRef(protocol);
  return result;
}

}  // extern "C"

namespace {

// Frees a tls_cert when the conversion is done, whichever way it ends.
struct CertDeleter {
  void operator()(tls_cert *cert) const { tls_cert_free(cert); }
};
using CertPtr = std::unique_ptr<tls_cert, CertDeleter>;

// One list of a certificate (TLS_CERT_SUBJECT, ISSUER, SAN) as the RDN indexes (rdns, may
// be nullptr) and the name/value pairs, interleaved, in *pairs. False with an exception
// pending on failure (a polysock status is thrown as usual).
bool cert_list(JNIEnv *env, const tls_cert *cert, int list, jintArray *rdns, jobjectArray *pairs) {
  size_t count = 0;
  int status = tls_cert_entry_count(cert, list, &count);
  if (status != SOCK_OK) {
    polysock_java_throw(env, status);
    return false;
  }
  std::vector<jint> indexes(count);
  *pairs = env->NewObjectArray(static_cast<jsize>(2 * count), string_class.cls, nullptr);
  if (*pairs == nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    tls_cert_entry entry{};
    status = tls_cert_get_entry(cert, list, i, &entry);
    if (status != SOCK_OK) {
      polysock_java_throw(env, status);
      return false;
    }
    indexes[i] = entry.rdn;
    for (int k = 0; k < 2; ++k) {
      jstring text = polysock_java_string(env, k == 0 ? entry.name : entry.value);
      if (text == nullptr) return false;
      env->SetObjectArrayElement(*pairs, static_cast<jsize>(2 * i + k), text);
      env->DeleteLocalRef(text);
    }
  }
  if (rdns != nullptr) {
    *rdns = env->NewIntArray(static_cast<jsize>(count));
    if (*rdns == nullptr) return false;
    if (count > 0) env->SetIntArrayRegion(*rdns, 0, static_cast<jsize>(count), indexes.data());
  }
  return true;
}

// The DER bytes of cert as a byte[]: asked for the size first, then copied.
jbyteArray cert_der(JNIEnv *env, const tls_cert *cert) {
  size_t needed = 0;
  unsigned char probe[1];
  int status = tls_cert_der(cert, probe, 0, &needed);
  if (status != SOCK_OK && status != SOCK_ERR_RANGE) {
    polysock_java_throw(env, status);
    return nullptr;
  }
  std::vector<unsigned char> der(needed > 0 ? needed : 1);
  size_t n = 0;
  status = tls_cert_der(cert, der.data(), needed, &n);
  if (status != SOCK_OK) {
    polysock_java_throw(env, status);
    return nullptr;
  }
  jbyteArray result = env->NewByteArray(static_cast<jsize>(n));
  if (result != nullptr) {
    env->SetByteArrayRegion(result, 0, static_cast<jsize>(n),
                            reinterpret_cast<const jbyte *>(der.data()));
  }
  return result;
}

// The org.polysock.PeerCertificate of a tls_cert that getpeercert returned with status;
// stored in out_cert[0] (left null for no certificate). Returns status.
int store_peer_certificate(JNIEnv *env, int status, tls_cert *raw, jobjectArray out_cert) {
  CertPtr cert(raw);
  if (status != SOCK_OK || cert == nullptr) return status;
  tls_cert_info info{};
  status = tls_cert_get_info(cert.get(), &info);
  if (status != SOCK_OK) {
    polysock_java_throw(env, status);  // now: the certificate is freed before the typemap runs
    return status;
  }
  // Local references: three lists, five strings and the DER bytes; the frame frees them.
  if (env->PushLocalFrame(16) != 0) return SOCK_ERR_NOMEM;
  jintArray subject_rdns = nullptr;
  jintArray issuer_rdns = nullptr;
  jobjectArray subject = nullptr;
  jobjectArray issuer = nullptr;
  jobjectArray san = nullptr;
  jstring serial = nullptr;
  jstring not_before = nullptr;
  jstring not_after = nullptr;
  jbyteArray der = nullptr;
  jobject value = nullptr;
  if (cert_list(env, cert.get(), TLS_CERT_SUBJECT, &subject_rdns, &subject) &&
      cert_list(env, cert.get(), TLS_CERT_ISSUER, &issuer_rdns, &issuer) &&
      cert_list(env, cert.get(), TLS_CERT_SAN, nullptr, &san) &&
      optional_string(env, info.serial_number, &serial) &&
      optional_string(env, info.not_before, &not_before) &&
      optional_string(env, info.not_after, &not_after) &&
      (der = cert_der(env, cert.get())) != nullptr) {
    value = env->NewObject(peer_certificate.cls, peer_certificate.ctor, info.validated,
                           info.version, serial, not_before, not_after, subject_rdns, subject,
                           issuer_rdns, issuer, san, der);
  }
  if (value != nullptr) env->SetObjectArrayElement(out_cert, 0, value);
  env->PopLocalFrame(nullptr);
  // A failure above left its exception pending; the typemap then throws nothing more.
  return env->ExceptionCheck() ? SOCK_ERR_VALUE : SOCK_OK;
}

bool check_cert_out(JNIEnv *env, jobjectArray out_cert) {
  if (out_cert == nullptr || env->GetArrayLength(out_cert) < 1) {
    polysock_java_throw_argument(env, "out-parameter array must have an element");
    return false;
  }
  return true;
}

}  // namespace

extern "C" {

int polysock_java_getpeercert(JNIEnv *jenv, sock_handle h, jobjectArray out_cert) {
  if (!check_cert_out(jenv, out_cert)) return SOCK_ERR_VALUE;
  tls_cert *cert = nullptr;
  const int status = sock_tls_getpeercert(h, &cert);
  return store_peer_certificate(jenv, status, cert, out_cert);
}

int polysock_java_object_getpeercert(JNIEnv *jenv, tls_object obj, jobjectArray out_cert) {
  if (!check_cert_out(jenv, out_cert)) return SOCK_ERR_VALUE;
  tls_cert *cert = nullptr;
  const int status = tls_object_getpeercert(obj, &cert);
  return store_peer_certificate(jenv, status, cert, out_cert);
}

int polysock_java_object_feed(JNIEnv *jenv, tls_object obj, jbyteArray array, int offset,
                              int length) {
  Scratch scratch;
  const unsigned char *buf = copy_for_send(jenv, scratch, array, offset, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  return tls_object_feed(obj, buf, static_cast<size_t>(length));
}

polysock_java_count polysock_java_object_drain(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                               int offset, int length) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  size_t n = 0;
  const int status = tls_object_drain(obj, buf, static_cast<size_t>(length), &n);
  return count_of(finish_receive(jenv, status, array, offset, buf, &n), n);
}

polysock_java_count polysock_java_object_read(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                              int offset, int length) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  size_t n = 0;
  const int status = tls_object_read(obj, buf, static_cast<size_t>(length), &n);
  return count_of(finish_receive(jenv, status, array, offset, buf, &n), n);
}

polysock_java_count polysock_java_object_write(JNIEnv *jenv, tls_object obj, jbyteArray array,
                                               int offset, int length) {
  Scratch scratch;
  const unsigned char *buf = copy_for_send(jenv, scratch, array, offset, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = tls_object_write(obj, buf, static_cast<size_t>(length), &n);
  return count_of(status, n);
}

int polysock_java_tls_constant(JNIEnv *jenv, const char *name, int *out) {
  struct Entry {
    const char *name;
    int value;
  };
  static const Entry table[] = {
      {"TLS_PURPOSE_SERVER_AUTH", static_cast<int>(TLS_PURPOSE_SERVER_AUTH)},
      {"TLS_PURPOSE_CLIENT_AUTH", static_cast<int>(TLS_PURPOSE_CLIENT_AUTH)},
      {"TLS_PROTOCOL_TLS_CLIENT", static_cast<int>(TLS_PROTOCOL_TLS_CLIENT)},
      {"TLS_PROTOCOL_TLS_SERVER", static_cast<int>(TLS_PROTOCOL_TLS_SERVER)},
      {"TLS_CERT_NONE", static_cast<int>(TLS_CERT_NONE)},
      {"TLS_CERT_OPTIONAL", static_cast<int>(TLS_CERT_OPTIONAL)},
      {"TLS_CERT_REQUIRED", static_cast<int>(TLS_CERT_REQUIRED)},
      {"TLS_VERSION_MINIMUM_SUPPORTED", static_cast<int>(TLS_VERSION_MINIMUM_SUPPORTED)},
      {"TLS_VERSION_MAXIMUM_SUPPORTED", static_cast<int>(TLS_VERSION_MAXIMUM_SUPPORTED)},
      {"TLS_VERSION_SSLv3", static_cast<int>(TLS_VERSION_SSLv3)},
      {"TLS_VERSION_TLSv1", static_cast<int>(TLS_VERSION_TLSv1)},
      {"TLS_VERSION_TLSv1_1", static_cast<int>(TLS_VERSION_TLSv1_1)},
      {"TLS_VERSION_TLSv1_2", static_cast<int>(TLS_VERSION_TLSv1_2)},
      {"TLS_VERSION_TLSv1_3", static_cast<int>(TLS_VERSION_TLSv1_3)},
      {"TLS_WRAP_NO_HANDSHAKE", static_cast<int>(TLS_WRAP_NO_HANDSHAKE)},
      {"TLS_WRAP_RAGGED_EOF_ERROR", static_cast<int>(TLS_WRAP_RAGGED_EOF_ERROR)},
  };
  for (const Entry &entry : table) {
    if (name != nullptr && std::strcmp(entry.name, name) == 0) {
      *out = entry.value;
      return SOCK_OK;
    }
  }
  polysock_java_throw_argument(jenv, "not a TLS constant of polysock.h");
  return SOCK_ERR_VALUE;
}

}  // extern "C"
