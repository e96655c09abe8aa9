package org.polysock;

/**
 * What the native message receives give back besides the bytes (built by the JNI
 * layer, polysock_java_recvmsg and polysock_java_recv_fds): the byte count, the
 * msg_flags, the sender (null for none), the ancillary items (null from recv_fds) and
 * the number of descriptors recv_fds stored.
 */
record MessageInfo(int nbytes, int msgFlags, SocketAddress address, Ancillary[] ancdata,
    int nfds) {}
