package org.polysock;

/** Python's BrokenPipeError: EPIPE or ESHUTDOWN, e.g. a send after the peer closed. */
public class BrokenPipeException extends ConnectionException {
  private static final long serialVersionUID = 1L;

  public BrokenPipeException(int errno, String message) {
    super(errno, message);
  }
}
