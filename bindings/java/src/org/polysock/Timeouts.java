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

  /** A C timeout as Java: null for blocking mode (Python's None). */
  static Double toJava(double seconds) {
    return seconds < 0 ? null : seconds;
  }
}
