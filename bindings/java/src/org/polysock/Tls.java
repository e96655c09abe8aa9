package org.polysock;

/** What the TLS socket and object methods share. */
final class Tls {
  private Tls() {}

  /** The C ABI's "" for Python's None (version(), selected_alpn_protocol()) as null. */
  static String noneIfEmpty(String text) {
    return text == null || text.isEmpty() ? null : text;
  }
}
