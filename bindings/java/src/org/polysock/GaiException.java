package org.polysock;

/** Python's socket.gaierror: a getaddrinfo/getnameinfo failure with its EAI_* code. */
public final class GaiException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public GaiException(int eaiCode, String message) {
    super(eaiCode, message);
  }

  /** The EAI_* code, e.g. {@code Net.EAI_NONAME}. */
  public int eaiCode() {
    return errno();
  }
}
