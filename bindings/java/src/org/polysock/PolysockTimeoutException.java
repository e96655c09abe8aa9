package org.polysock;

import java.net.SocketTimeoutException;

/** Python's socket.timeout ("timed out"): catchable as java.net.SocketTimeoutException. */
public final class PolysockTimeoutException extends SocketTimeoutException {
  private static final long serialVersionUID = 1L;

  public PolysockTimeoutException(String message) {
    super(message);
  }
}
