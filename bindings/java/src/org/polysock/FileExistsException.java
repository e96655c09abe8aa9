package org.polysock;

/**
 * Python's FileExistsError: EEXIST, e.g. an address already in use by a path, or a
 * socket registered twice.
 */
public class FileExistsException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public FileExistsException(int errno, String message) {
    super(errno, message);
  }
}
