package org.polysock;

import java.util.List;

/** A host entry: Python's (hostname, aliaslist, ipaddrlist). */
public record HostEntry(String name, List<String> aliases, List<String> addresses) {
  public HostEntry {
    aliases = List.copyOf(aliases);
    addresses = List.copyOf(addresses);
  }
}
