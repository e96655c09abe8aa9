package org.polysock;

/** One if_nameindex() entry: Python's (index, name). */
public record NetInterface(int index, String name) {}
