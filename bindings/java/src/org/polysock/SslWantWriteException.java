package org.polysock;

/**
 * Python's ssl.SSLWantWriteError ("The operation did not complete (write)"):
 * a non-blocking call needs to send first. Wait until the socket is writable
 * (Poller.EVENT_WRITE), whichever call it was (a recv can want to write), and call
 * again; a send is retried with the same bytes.
 */
public class SslWantWriteException extends SslException {
  private static final long serialVersionUID = 1L;

  public SslWantWriteException(int kind, String message, String library, String reason) {
    super(kind, message, library, reason);
  }
}
