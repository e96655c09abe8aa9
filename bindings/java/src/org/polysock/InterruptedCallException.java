package org.polysock;

/**
 * Python's InterruptedError: EINTR (named so that it does not clash with
 * java.lang.InterruptedException). It is what a call throws when the interrupt hook
 * ({@link Net#setInterruptHook}) asks it to stop; such a call loses no data, and a
 * sendall that stopped part-way tells in {@link #bytesTransferred()} what went.
 */
public class InterruptedCallException extends PolysockException {
  private static final long serialVersionUID = 1L;

  /** Set by the JNI layer when a sendall stops part-way (as InterruptedIOException's). */
  private long bytesTransferred;

  /**
   * An InterruptedError.
   *
   * @param errno the errno, EINTR
   * @param message Python's message, "[Errno 4] Interrupted system call"
   */
  public InterruptedCallException(int errno, String message) {
    super(errno, message);
  }

  /**
   * The bytes a sendall had sent when the interrupt hook stopped it (the rest was not
   * sent); 0 for every other call, which stops before moving any data.
   *
   * @return the number of bytes sent
   */
  public long bytesTransferred() {
    return bytesTransferred;
  }
}
