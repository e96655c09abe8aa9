package org.polysock;

/** One getaddrinfo() result: Python's (family, type, proto, canonname, sockaddr). */
public record AddrInfo(int family, int type, int proto, String canonname, SocketAddress address) {}
