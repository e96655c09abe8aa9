package org.polysock;

/**
 * One getaddrinfo() result: Python's (family, type, proto, canonname, sockaddr); its
 * toString reads like Python's tuple, e.g. {@code (2, 1, 6, '', ('127.0.0.1', 80))}.
 */
public record AddrInfo(int family, int type, int proto, String canonname, SocketAddress address) {
  @Override
  public String toString() {
    return "(" + family + ", " + type + ", " + proto + ", " + Bytes.repr(canonname) + ", "
        + address + ")";
  }
}
