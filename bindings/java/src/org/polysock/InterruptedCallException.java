package org.polysock;

/**
 * Python's InterruptedError: EINTR (named so that it does not clash with
 * java.lang.InterruptedException).
 */
public class InterruptedCallException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public InterruptedCallException(int errno, String message) {
    super(errno, message);
  }
}
