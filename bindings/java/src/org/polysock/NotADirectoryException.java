package org.polysock;

/** Python's NotADirectoryError: ENOTDIR. */
public class NotADirectoryException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public NotADirectoryException(int errno, String message) {
    super(errno, message);
  }
}
