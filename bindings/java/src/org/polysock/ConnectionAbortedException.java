package org.polysock;

/** Python's ConnectionAbortedError: ECONNABORTED. */
public class ConnectionAbortedException extends ConnectionException {
  private static final long serialVersionUID = 1L;

  public ConnectionAbortedException(int errno, String message) {
    super(errno, message);
  }
}
