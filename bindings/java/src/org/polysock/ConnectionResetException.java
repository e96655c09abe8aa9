package org.polysock;

/** Python's ConnectionResetError: ECONNRESET, the peer reset the connection. */
public class ConnectionResetException extends ConnectionException {
  private static final long serialVersionUID = 1L;

  public ConnectionResetException(int errno, String message) {
    super(errno, message);
  }
}
