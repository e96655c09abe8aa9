package org.polysock;

/** Python's ssl.VerifyMode: whether and how the peer's certificate is verified. */
public enum VerifyMode {
  /** No certificate asked for (servers) or checked (clients). */
  CERT_NONE(TlsConstants.CERT_NONE),
  /** Verified if the peer gives one. */
  CERT_OPTIONAL(TlsConstants.CERT_OPTIONAL),
  /** Required and verified. */
  CERT_REQUIRED(TlsConstants.CERT_REQUIRED);

  private final int value;

  VerifyMode(int value) {
    this.value = value;
  }

  /** The value, as Python's int(VerifyMode.CERT_REQUIRED) == 2. */
  public int value() {
    return value;
  }

  /** The mode of a value; IllegalArgumentException for one that is none. */
  public static VerifyMode of(int value) {
    for (VerifyMode m : values()) {
      if (m.value == value) {
        return m;
      }
    }
    throw new IllegalArgumentException(value + " is not a valid VerifyMode");
  }
}
