package org.polysock;

/**
 * Python's FileNotFoundError: ENOENT, e.g. a missing AF_UNIX path (named so that it
 * does not clash with java.io.FileNotFoundException).
 */
public class EntryNotFoundException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public EntryNotFoundException(int errno, String message) {
    super(errno, message);
  }
}
