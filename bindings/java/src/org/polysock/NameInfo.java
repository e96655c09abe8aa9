package org.polysock;

/** A getnameinfo() result: Python's (host, port) pair of text. */
public record NameInfo(String host, String service) {}
