package org.polysock.test;

/**
 * The tests' own JNI helpers (test/native/polysock_java_test_support.cpp, loaded from
 * the path in the system property polysock.test.support): what a test needs of the OS
 * that Java cannot do and the binding does not offer.
 */
final class NativeTestSupport {
  static {
    System.load(System.getProperty("polysock.test.support"));
  }

  private NativeTestSupport() {}

  /** The calling thread's kernel thread id. */
  static native int gettid();

  /** The host's SIGWINCH: ignored by default and by the JVM, so a test may handle it. */
  static native int sigwinch();

  /** Installs a handler that does nothing, without SA_RESTART: 0 or the errno. */
  static native int installHandler(int signal);

  /** Sends signal to the thread tid of this process: 0 or the errno. */
  static native int tgkill(int tid, int signal);

  /** poll(fd, POLLIN, timeoutMs): true if fd polled readable. */
  static native boolean pollReadable(int fd, int timeoutMs);

  /** 1 if fd is close-on-exec, 0 if not, -errno if fcntl fails. */
  static native int closeOnExec(int fd);

  /** A descriptor that is not a socket (/dev/null, read-only), or -errno. */
  static native int openDevNull();

  /** close(fd): 0 or the errno. */
  static native int closeFd(int fd);
}
