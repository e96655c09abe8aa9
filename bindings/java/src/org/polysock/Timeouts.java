package org.polysock;

import java.io.IOException;

/** The header's timeout values (SOCK_TIMEOUT_NONE / _DEFAULT), read from the library. */
final class Timeouts {
  static final double NONE;
  static final double DEFAULT;

  static {
    double[] none = new double[1];
    double[] dflt = new double[1];
    try {
      PolysockNative.polysock_java_timeout_values(none, dflt);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    NONE = none[0];
    DEFAULT = dflt[0];
  }

  private Timeouts() {}

  /**
   * A user's timeout in seconds, checked as Python checks it: any negative number is
   * ValueError "Timeout value out of range" (the C ABI's negative values are its own
   * spelling of None and "the default", never a user's). NaN goes on to the C ABI,
   * which rejects it in Python's words.
   */
  static double check(double seconds) {
    // CPython converts to int64 nanoseconds first: -inf and -1e300 overflow before the sign.
    if (seconds < 0 && !(Math.ceil(seconds * 1e9) >= -9.223372036854775808e18)) {
      throw new IllegalArgumentException("timestamp out of range for platform time_t");
    }
    if (seconds < 0) {
      throw new IllegalArgumentException("Timeout value out of range");
    }
    return seconds;
  }

  /** A C timeout as Java: null for blocking mode (Python's None). */
  static Double toJava(double seconds) {
    return seconds < 0 ? null : seconds;
  }
}
