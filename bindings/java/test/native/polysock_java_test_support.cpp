// JNI helpers for the Java tests only (never in the jar): what a test needs of the OS
// that Java cannot do and the binding must not offer: a signal handler installed
// without SA_RESTART, a signal sent to one thread (tgkill), poll() on a bare
// descriptor (the poller's), a descriptor's close-on-exec flag, and a descriptor that
// is not a socket.
#include <fcntl.h>
#include <jni.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace {

void ignore_signal(int) {}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_gettid(JNIEnv *, jclass) {
  return static_cast<jint>(::syscall(SYS_gettid));
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_sigwinch(JNIEnv *, jclass) {
  return SIGWINCH;
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_installHandler(JNIEnv *, jclass,
                                                                               jint sig) {
  struct sigaction action = {};
  action.sa_handler = ignore_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: interrupted calls return EINTR
  return ::sigaction(sig, &action, nullptr) == 0 ? 0 : errno;
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_tgkill(JNIEnv *, jclass, jint tid,
                                                                       jint sig) {
  return ::syscall(SYS_tgkill, ::getpid(), tid, sig) == 0 ? 0 : errno;
}

JNIEXPORT jboolean JNICALL Java_org_polysock_test_NativeTestSupport_pollReadable(JNIEnv *, jclass,
                                                                                 jint fd,
                                                                                 jint timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & POLLIN) != 0 ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_closeOnExec(JNIEnv *, jclass,
                                                                            jint fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  return flags < 0 ? -errno : ((flags & FD_CLOEXEC) != 0 ? 1 : 0);
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_openDevNull(JNIEnv *, jclass) {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0 ? fd : -errno;
}

JNIEXPORT jint JNICALL Java_org_polysock_test_NativeTestSupport_closeFd(JNIEnv *, jclass, jint fd) {
  return ::close(fd) == 0 ? 0 : errno;
}

}  // extern "C"
