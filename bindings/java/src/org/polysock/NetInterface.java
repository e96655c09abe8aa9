package org.polysock;

/** One if_nameindex() entry: Python's (index, name), e.g. (1, 'lo'). */
public record NetInterface(int index, String name) {
  @Override
  public String toString() {
    return "(" + index + ", " + Bytes.repr(name) + ")";
  }
}
