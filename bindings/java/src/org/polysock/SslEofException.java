package org.polysock;

/**
 * Python's ssl.SSLEOFError: the connection ended without close_notify ("[SSL:
 * UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"), reported only
 * by sockets wrapped with suppressRaggedEofs false.
 */
public class SslEofException extends SslException {
  private static final long serialVersionUID = 1L;

  public SslEofException(int kind, String message, String library, String reason) {
    super(kind, message, library, reason);
  }
}
