package org.polysock;

/**
 * Python's ConnectionError: the parent of the connection failures ({@link
 * BrokenPipeException}, {@link ConnectionAbortedException}, {@link
 * ConnectionRefusedException}, {@link ConnectionResetException}).
 */
public class ConnectionException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public ConnectionException(int errno, String message) {
    super(errno, message);
  }
}
