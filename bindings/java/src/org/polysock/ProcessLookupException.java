package org.polysock;

/** Python's ProcessLookupError: ESRCH. */
public class ProcessLookupException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public ProcessLookupException(int errno, String message) {
    super(errno, message);
  }
}
