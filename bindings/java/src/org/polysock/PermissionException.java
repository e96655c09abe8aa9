package org.polysock;

/** Python's PermissionError: EACCES or EPERM. */
public class PermissionException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public PermissionException(int errno, String message) {
    super(errno, message);
  }
}
