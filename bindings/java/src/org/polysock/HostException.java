package org.polysock;

/** Python's socket.herror: a gethostbyname_ex/gethostbyaddr failure with its h_errno. */
public final class HostException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public HostException(int hErrno, String message) {
    super(hErrno, message);
  }
}
