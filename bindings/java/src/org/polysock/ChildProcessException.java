package org.polysock;

/** Python's ChildProcessError: ECHILD. */
public class ChildProcessException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public ChildProcessException(int errno, String message) {
    super(errno, message);
  }
}
