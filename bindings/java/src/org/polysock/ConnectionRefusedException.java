package org.polysock;

/** Python's ConnectionRefusedError: ECONNREFUSED, nobody listens at the address. */
public class ConnectionRefusedException extends ConnectionException {
  private static final long serialVersionUID = 1L;

  public ConnectionRefusedException(int errno, String message) {
    super(errno, message);
  }
}
