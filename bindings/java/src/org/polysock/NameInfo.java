package org.polysock;

/** A getnameinfo() result: Python's (host, port) pair of text, e.g. ('127.0.0.1', 'http'). */
public record NameInfo(String host, String service) {
  @Override
  public String toString() {
    return "(" + Bytes.repr(host) + ", " + Bytes.repr(service) + ")";
  }
}
