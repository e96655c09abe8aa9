package org.polysock;

/**
 * Python's ssl.SSLZeroReturnError: the peer closed the TLS connection with
 * close_notify.
 */
public class SslZeroReturnException extends SslException {
  private static final long serialVersionUID = 1L;

  public SslZeroReturnException(int kind, String message, String library, String reason) {
    super(kind, message, library, reason);
  }
}
