package org.polysock;

import java.io.IOException;
import java.util.List;

/**
 * Python's {@code ExceptionGroup("create_connection failed", exceptions)} of
 * create_connection(..., all_errors=True): every attempt failed. {@link #getAttempts()}
 * lists each attempt's address and exception in the order they failed; the same
 * exceptions are this one's suppressed exceptions (so a stack trace shows them all),
 * the last one is its cause, and {@link #errno()} is the last one's errno (0 if it has
 * none, e.g. a timeout).
 */
public class ConnectionAttemptsException extends PolysockException {
  private static final long serialVersionUID = 1L;

  /** The attempts; a record list is not Serializable, so it is not serialised. */
  private final transient List<ConnectionAttempt> attempts;

  /**
   * An exception for the given attempts (at least one).
   *
   * @param message the message, Python's "create_connection failed"
   * @param attempts each failed attempt, in the order they failed
   */
  public ConnectionAttemptsException(String message, ConnectionAttempt[] attempts) {
    super(lastErrno(attempts), message);
    this.attempts = List.of(attempts);
    for (ConnectionAttempt attempt : attempts) {
      addSuppressed(attempt.error());
    }
    if (attempts.length > 0) {
      initCause(attempts[attempts.length - 1].error());
    }
  }

  private static int lastErrno(ConnectionAttempt[] attempts) {
    if (attempts.length == 0) {
      return 0;
    }
    IOException last = attempts[attempts.length - 1].error();
    return last instanceof PolysockException p ? p.errno() : 0;
  }

  /**
   * Every failed attempt, in the order they failed (Python's ExceptionGroup.exceptions,
   * with the address each one tried).
   *
   * @return an unmodifiable list; empty after deserialisation
   */
  public List<ConnectionAttempt> getAttempts() {
    return attempts == null ? List.of() : attempts;
  }
}
