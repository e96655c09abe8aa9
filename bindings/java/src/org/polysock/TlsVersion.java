package org.polysock;

/**
 * Python's ssl.TLSVersion: the protocol versions by their wire values (TLSv1_2 is
 * 0x0303), plus the sentinels MINIMUM_SUPPORTED and MAXIMUM_SUPPORTED (-2, -1) for
 * TlsContext's minimum and maximum version. The names are Python's.
 */
public enum TlsVersion {
  MINIMUM_SUPPORTED(TlsConstants.VERSION_MINIMUM_SUPPORTED),
  MAXIMUM_SUPPORTED(TlsConstants.VERSION_MAXIMUM_SUPPORTED),
  SSLv3(TlsConstants.VERSION_SSLv3),
  TLSv1(TlsConstants.VERSION_TLSv1),
  TLSv1_1(TlsConstants.VERSION_TLSv1_1),
  TLSv1_2(TlsConstants.VERSION_TLSv1_2),
  TLSv1_3(TlsConstants.VERSION_TLSv1_3);

  private final int value;

  TlsVersion(int value) {
    this.value = value;
  }

  /** The value, e.g. 0x0304 for TLSv1_3 (Python's int(TLSVersion.TLSv1_3) == 772). */
  public int value() {
    return value;
  }

  /** The version of a value; IllegalArgumentException for one that is none. */
  public static TlsVersion of(int value) {
    for (TlsVersion v : values()) {
      if (v.value == value) {
        return v;
      }
    }
    throw new IllegalArgumentException(value + " is not a valid TLSVersion");
  }
}
