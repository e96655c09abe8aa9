package org.polysock;

/** Python's IsADirectoryError: EISDIR. */
public class IsADirectoryException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public IsADirectoryException(int errno, String message) {
    super(errno, message);
  }
}
