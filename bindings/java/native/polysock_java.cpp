// The hand-written half of the JNI library (see polysock_java.h): exceptions, result
// objects and the buffer entry points. Classes and constructors are looked up once,
// in JNI_OnLoad, with the class loader that loaded org.polysock.
#include "polysock_java.h"

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

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
CachedClass memory_error{"java/lang/OutOfMemoryError", nullptr};
CachedClass socket_address{"org/polysock/SocketAddress", "(ILjava/lang/String;III)V"};
CachedClass addr_info{"org/polysock/AddrInfo",
                      "(IIILjava/lang/String;Lorg/polysock/SocketAddress;)V"};
CachedClass net_interface{"org/polysock/NetInterface", "(ILjava/lang/String;)V"};
CachedClass string_class{"java/lang/String", "([BLjava/lang/String;)V"};
CachedClass file_descriptor{"java/io/FileDescriptor", nullptr};
jfieldID file_descriptor_fd = nullptr;

CachedClass *const all_classes[] = {&polysock_exception,
                                    &gai_exception,
                                    &host_exception,
                                    &timeout_exception,
                                    &argument_exception,
                                    &memory_error,
                                    &socket_address,
                                    &addr_info,
                                    &net_interface,
                                    &string_class,
                                    &file_descriptor,
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

void throw_with_code(JNIEnv *env, const CachedClass &c, int code, const char *message) {
  jstring text = polysock_java_string(env, message);
  if (text == nullptr) return;  // OutOfMemoryError pending
  auto error = static_cast<jthrowable>(env->NewObject(c.cls, c.ctor, code, text));
  if (error != nullptr) env->Throw(error);
}

// The class CPython's OSError constructor picks for errno (Objects/exceptions.c's
// errnomap); every other errno is the base class, PolysockException.
const CachedClass &os_error_class(int code) {
  switch (code) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
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

// Scratch memory for one byte[] copy: on the stack when small, else on the heap.
class Scratch {
 public:
  unsigned char *get(JNIEnv *env, size_t n) {
    if (n <= sizeof stack_) return stack_;
    heap_.reset(new (std::nothrow) unsigned char[n]);
    if (!heap_) env->ThrowNew(memory_error.cls, "polysock: no memory for the I/O buffer");
    return heap_.get();
  }

 private:
  unsigned char stack_[16384];
  std::unique_ptr<unsigned char[]> heap_;
};

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

// The memory of a direct ByteBuffer at position, checked for length bytes.
unsigned char *direct_memory(JNIEnv *env, jobject buffer, int position, int length) {
  if (buffer == nullptr) {
    polysock_java_throw_argument(env, "buffer is null");
    return nullptr;
  }
  auto *base = static_cast<unsigned char *>(env->GetDirectBufferAddress(buffer));
  if (base == nullptr) {
    polysock_java_throw_argument(env, "not a direct ByteBuffer");
    return nullptr;
  }
  const jlong capacity = env->GetDirectBufferCapacity(buffer);
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

}  // namespace

extern "C" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *) {
  JNIEnv *env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void **>(&env), JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  for (CachedClass *c : all_classes) {
    if (!cache(env, *c)) return JNI_ERR;
  }
  file_descriptor_fd = env->GetFieldID(file_descriptor.cls, "fd", "I");
  if (file_descriptor_fd == nullptr) return JNI_ERR;
  return JNI_VERSION_1_8;
}

extern "C" {

void polysock_java_throw(JNIEnv *jenv, int status) {
  if (jenv->ExceptionCheck()) return;  // the shim itself already threw
  const int code = sock_last_errno();
  const char *message = sock_last_error_message();
  switch (status) {
    case SOCK_ERR_TIMEOUT: {
      jstring text = polysock_java_string(jenv, message);
      if (text == nullptr) return;
      auto error = static_cast<jthrowable>(
          jenv->NewObject(timeout_exception.cls, timeout_exception.ctor, text));
      if (error != nullptr) jenv->Throw(error);
      return;
    }
    case SOCK_ERR_GAI:
      throw_with_code(jenv, gai_exception, code, message);
      return;
    case SOCK_ERR_HOST:
      throw_with_code(jenv, host_exception, code, message);
      return;
    case SOCK_ERR_VALUE:
      polysock_java_throw_argument(jenv, message);
      return;
    case SOCK_ERR_NOMEM:
      jenv->ThrowNew(memory_error.cls, message);
      return;
    case SOCK_ERR_OS:
      throw_with_code(jenv, os_error_class(code), code, message);
      return;
    default:  // SOCK_ERR_RANGE (a buffer of the binding too small)
      throw_with_code(jenv, polysock_exception, code, message);
      return;
  }
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

polysock_java_count polysock_java_recv_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                             int offset, int length, int flags) {
  if (!check_array(jenv, array, offset, length)) return SOCK_ERR_VALUE;
  Scratch scratch;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return SOCK_ERR_NOMEM;
  size_t n = 0;
  const int status = sock_recv(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(finish_receive(jenv, status, array, offset, buf, &n), n);
}

polysock_java_count polysock_java_recv_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                              int position, int length, int flags) {
  unsigned char *buf = direct_memory(jenv, buffer, position, length);
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

int polysock_java_recvfrom_direct(JNIEnv *jenv, sock_handle h, jobject buffer, int position,
                                  int length, int flags, size_t *out_n, sock_address *out_addr) {
  unsigned char *buf = direct_memory(jenv, buffer, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  return sock_recvfrom(h, buf, static_cast<size_t>(length), flags, out_n, out_addr);
}

namespace {

// Copies a byte[] region into scratch memory for a send; nullptr with an exception pending.
const unsigned char *copy_for_send(JNIEnv *jenv, Scratch &scratch, jbyteArray array, int offset,
                                   int length) {
  if (!check_array(jenv, array, offset, length)) return nullptr;
  unsigned char *buf = scratch.get(jenv, static_cast<size_t>(length));
  if (buf == nullptr) return nullptr;
  jenv->GetByteArrayRegion(array, offset, length, reinterpret_cast<jbyte *>(buf));
  return buf;
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
                                              int position, int length, int flags) {
  const unsigned char *buf = direct_memory(jenv, buffer, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_send(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
}

polysock_java_count polysock_java_sendall_array(JNIEnv *jenv, sock_handle h, jbyteArray array,
                                                int offset, int length, int flags) {
  Scratch scratch;
  const unsigned char *buf = copy_for_send(jenv, scratch, array, offset, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendall(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
}

polysock_java_count polysock_java_sendall_direct(JNIEnv *jenv, sock_handle h, jobject buffer,
                                                 int position, int length, int flags) {
  const unsigned char *buf = direct_memory(jenv, buffer, position, length);
  if (buf == nullptr) return SOCK_ERR_VALUE;
  size_t n = 0;
  const int status = sock_sendall(h, buf, static_cast<size_t>(length), flags, &n);
  return count_of(status, n);
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
                                                int position, int length, int flags,
                                                const char *host, int port) {
  const unsigned char *buf = direct_memory(jenv, buffer, position, length);
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

int polysock_java_close_fd(JNIEnv *jenv, int fd) {
  // Python's socket.close(fd): ECONNRESET is not an error (Modules/socketmodule.c).
  if (::close(fd) == 0 || errno == ECONNRESET) return SOCK_OK;
  const int code = errno;
  char message[128];
  std::snprintf(message, sizeof message, "[Errno %d] %s", code, std::strerror(code));
  throw_with_code(jenv, os_error_class(code), code, message);
  return SOCK_ERR_OS;
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

}  // extern "C"
