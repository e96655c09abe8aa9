package org.polysock;

/**
 * Python's BlockingIOError: EAGAIN/EWOULDBLOCK, EALREADY or EINPROGRESS: a non-
 * blocking call that would block.
 */
public class BlockingIOException extends PolysockException {
  private static final long serialVersionUID = 1L;

  public BlockingIOException(int errno, String message) {
    super(errno, message);
  }
}
