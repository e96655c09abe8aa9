package org.polysock;

import java.util.Objects;

/**
 * A socket address, as Python's address tuples: (host, port) for AF_INET, (host,
 * port, flowinfo, scope_id) for AF_INET6, the path for AF_UNIX ("@name" when
 * abstract, port 0).
 */
public record SocketAddress(int family, String host, int port, int flowinfo, int scopeId) {
  public SocketAddress {
    Objects.requireNonNull(host, "host");
  }

  @Override
  public String toString() {
    if (family == Net.AF_UNIX) {
      return Bytes.repr(host);
    }
    if (family == Net.AF_INET6) {
      return "(" + Bytes.repr(host) + ", " + port + ", " + Integer.toUnsignedString(flowinfo) + ", "
          + Integer.toUnsignedString(scopeId) + ")";
    }
    return "(" + Bytes.repr(host) + ", " + port + ")";
  }
}
