package org.polysock;

import java.io.IOException;

/** The header's TLS_* values, read by name from the native library when this class loads. */
final class TlsConstants {
  static final int PURPOSE_SERVER_AUTH = get("TLS_PURPOSE_SERVER_AUTH");
  static final int PURPOSE_CLIENT_AUTH = get("TLS_PURPOSE_CLIENT_AUTH");
  static final int PROTOCOL_TLS_CLIENT = get("TLS_PROTOCOL_TLS_CLIENT");
  static final int PROTOCOL_TLS_SERVER = get("TLS_PROTOCOL_TLS_SERVER");
  static final int CERT_NONE = get("TLS_CERT_NONE");
  static final int CERT_OPTIONAL = get("TLS_CERT_OPTIONAL");
  static final int CERT_REQUIRED = get("TLS_CERT_REQUIRED");
  static final int VERSION_MINIMUM_SUPPORTED = get("TLS_VERSION_MINIMUM_SUPPORTED");
  static final int VERSION_MAXIMUM_SUPPORTED = get("TLS_VERSION_MAXIMUM_SUPPORTED");
  static final int VERSION_SSLv3 = get("TLS_VERSION_SSLv3");
  static final int VERSION_TLSv1 = get("TLS_VERSION_TLSv1");
  static final int VERSION_TLSv1_1 = get("TLS_VERSION_TLSv1_1");
  static final int VERSION_TLSv1_2 = get("TLS_VERSION_TLSv1_2");
  static final int VERSION_TLSv1_3 = get("TLS_VERSION_TLSv1_3");
  static final int WRAP_NO_HANDSHAKE = get("TLS_WRAP_NO_HANDSHAKE");
  static final int WRAP_RAGGED_EOF_ERROR = get("TLS_WRAP_RAGGED_EOF_ERROR");

  private TlsConstants() {}

  private static int get(String name) {
    int[] out = new int[1];
    try {
      PolysockNative.polysock_java_tls_constant(name, out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out[0];
  }
}
