package org.polysock;

import java.io.IOException;

/**
 * Python's OSError: an operating-system failure with its errno (0 when Python's
 * OSError has none) and Python's message, e.g. "[Errno 111] Connection refused".
 * {@link GaiException} and {@link HostException} are its kinds for the resolver;
 * a timeout is {@link PolysockTimeoutException}, a java.net.SocketTimeoutException.
 */
public class PolysockException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  public PolysockException(int errno, String message) {
    super(message);
    this.errno = errno;
  }

  /** The errno value (for the subclasses, the EAI_* code or h_errno). */
  public int errno() {
    return errno;
  }
}
