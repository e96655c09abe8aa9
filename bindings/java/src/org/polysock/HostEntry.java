package org.polysock;

import java.util.List;

/**
 * A host entry: Python's (hostname, aliaslist, ipaddrlist); its toString reads like
 * Python's tuple, e.g. {@code ('localhost', [], ['127.0.0.1'])}.
 */
public record HostEntry(String name, List<String> aliases, List<String> addresses) {
  public HostEntry {
    aliases = List.copyOf(aliases);
    addresses = List.copyOf(addresses);
  }

  @Override
  public String toString() {
    return "(" + Bytes.repr(name) + ", " + list(aliases) + ", " + list(addresses) + ")";
  }

  private static String list(List<String> items) {
    StringBuilder s = new StringBuilder("[");
    for (String item : items) {
      s.append(s.length() == 1 ? "" : ", ").append(Bytes.repr(item));
    }
    return s.append(']').toString();
  }
}
