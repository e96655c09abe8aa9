package org.polysock;

/**
 * Python's TimeoutError: the OS's ETIMEDOUT (e.g. a connect the kernel gave up on); a
 * deadline of polysock's own (settimeout) is {@link PolysockTimeoutException} instead,
 * a java.net.SocketTimeoutException.
 */
public class TimedOutException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public TimedOutException(int errno, String message) {
    super(errno, message);
  }
}
