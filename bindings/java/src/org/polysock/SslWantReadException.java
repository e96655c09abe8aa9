package org.polysock;

/**
 * Python's ssl.SSLWantReadError ("The operation did not complete (read)"): a
 * non-blocking call needs the peer's bytes first. Wait until the socket is readable
 * (Poller.EVENT_READ), whichever call it was (a send can want to read), and call again;
 * on a {@link TlsObject}, feed it more.
 */
public class SslWantReadException extends SslException {
  private static final long serialVersionUID = 1L;

  public SslWantReadException(int kind, String message, String library, String reason) {
    super(kind, message, library, reason);
  }
}
