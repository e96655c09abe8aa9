package org.polysock;

import java.io.IOException;
import java.util.Objects;

/**
 * One failed attempt of {@link Net#createConnection(String, int, Double, String, int,
 * Double, int, boolean)} with allErrors: where it went and how it failed.
 *
 * @param address the address tried, null if the attempt failed before it had a socket
 * @param error the attempt's exception, of the class the same failure throws anywhere
 *     else (e.g. {@link ConnectionRefusedException}, {@link PolysockTimeoutException})
 */
public record ConnectionAttempt(SocketAddress address, IOException error) {
  /**
   * Checks that error is not null.
   *
   * @param address the address tried, or null
   * @param error the attempt's exception
   */
  public ConnectionAttempt {
    Objects.requireNonNull(error, "error");
  }

  @Override
  public String toString() {
    return "(" + (address == null ? "None" : address) + ", " + error + ")";
  }
}
