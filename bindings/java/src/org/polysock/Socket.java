package org.polysock;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Python's socket.socket over the polysock C ABI. Methods keep Python's names (in Java
 * casing) and semantics; failures throw {@link PolysockException} (OSError) or one of
 * its subclasses that mirror Python's (e.g. {@link ConnectionRefusedException}), {@link
 * PolysockTimeoutException} (socket.timeout), or IllegalArgumentException (ValueError).
 *
 * <p>Close it with {@link #close()} (try-with-resources). A socket that becomes
 * unreachable unclosed is closed by a Cleaner, exactly once. Every native call is
 * followed by {@code Reference.reachabilityFence(this)}, so the Cleaner can never
 * close the handle under a call that is still running. Thread-safe: another thread may
 * close the socket to wake a blocked call, which then fails with EBADF.
 *
 * <p>A TLS socket ({@link TlsContext#wrapSocket}, Python's ssl.SSLSocket) is a Socket
 * too: the same methods work on it, plus doHandshake, unwrap, tlsVersion, cipher,
 * selectedAlpnProtocol, getpeercert and the others of the TLS section.
 */
public final class Socket implements AutoCloseable {
  /** What accept() returns: Python's (conn, address). */
  public record Accepted(Socket socket, SocketAddress address) {
    @Override
    public String toString() {
      return "(" + socket + ", " + address + ")";
    }
  }

  /**
   * What recvfrom() returns: Python's (bytes, address). A value: equals and hashCode
   * compare the bytes' contents, toString reads like Python's tuple, e.g. {@code
   * (b'hi', ('127.0.0.1', 5000))}. address is null where Python's is None (a stream
   * socket, an unbound AF_UNIX sender).
   */
  public record Datagram(byte[] data, SocketAddress address) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Datagram d && Arrays.equals(data, d.data)
          && Objects.equals(address, d.address);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(data) + Objects.hashCode(address);
    }

    @Override
    public String toString() {
      return "(" + Bytes.repr(data) + ", " + (address == null ? "None" : address) + ")";
    }
  }

  /** What recvfromInto() returns: Python's (nbytes, address); address null for None. */
  public record Received(int nbytes, SocketAddress address) {
    @Override
    public String toString() {
      return "(" + nbytes + ", " + (address == null ? "None" : address) + ")";
    }
  }

  /**
   * What recvmsg() returns: Python's (data, ancdata, msg_flags, address). A value:
   * equals and hashCode compare the bytes' contents, toString reads like Python's tuple.
   *
   * @param data the bytes received
   * @param ancdata the ancillary items received, in order
   * @param msgFlags e.g. Net.MSG_TRUNC (the data did not fit), Net.MSG_CTRUNC (the
   *     ancillary items did not)
   * @param address the sender, null where Python's is None (a connected stream)
   */
  public record Message(byte[] data, List<Ancillary> ancdata, int msgFlags,
      SocketAddress address) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Message m && Arrays.equals(data, m.data) && ancdata.equals(m.ancdata)
          && msgFlags == m.msgFlags && Objects.equals(address, m.address);
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(data), ancdata, msgFlags, address);
    }

    @Override
    public String toString() {
      return "(" + Bytes.repr(data) + ", " + ancdata + ", " + msgFlags + ", "
          + (address == null ? "None" : address) + ")";
    }
  }

  /**
   * What recvmsgInto() returns: Python's (nbytes, ancdata, msg_flags, address).
   *
   * @param nbytes the bytes received, spread over the buffers in order
   * @param ancdata the ancillary items received, in order
   * @param msgFlags e.g. Net.MSG_TRUNC, Net.MSG_CTRUNC
   * @param address the sender, null where Python's is None
   */
  public record ReceivedMessage(int nbytes, List<Ancillary> ancdata, int msgFlags,
      SocketAddress address) {
    @Override
    public String toString() {
      return "(" + nbytes + ", " + ancdata + ", " + msgFlags + ", "
          + (address == null ? "None" : address) + ")";
    }
  }

  /**
   * What {@link Net#recvFds} returns: Python's (data, fds, msg_flags, address). The
   * descriptors are close-on-exec and the caller's to close (e.g. {@link
   * Net#close(int)}, or adopt one with {@link Socket#fromFileno(int)}). A value, as
   * {@link Message}.
   *
   * @param data the bytes received
   * @param fds the descriptors received
   * @param msgFlags e.g. Net.MSG_CTRUNC when more descriptors came than maxfds
   * @param address the sender, null where Python's is None
   */
  public record FdMessage(byte[] data, int[] fds, int msgFlags, SocketAddress address) {
    @Override
    public boolean equals(Object o) {
      return o instanceof FdMessage m && Arrays.equals(data, m.data) && Arrays.equals(fds, m.fds)
          && msgFlags == m.msgFlags && Objects.equals(address, m.address);
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(data), Arrays.hashCode(fds), msgFlags, address);
    }

    @Override
    public String toString() {
      return "(" + Bytes.repr(data) + ", " + Arrays.toString(fds) + ", " + msgFlags + ", "
          + (address == null ? "None" : address) + ")";
    }
  }

  private final NativeHandle handle;
  private final Cleaner.Cleanable cleanable;
  // The attributes, read once: Python's stay readable after close().
  private final int family;
  private final int type;
  private final int proto;

  Socket(long h) throws IOException {
    int[] f = new int[1];
    int[] t = new int[1];
    int[] p = new int[1];
    try {
      PolysockNative.sock_info(h, f, t, p);
    } catch (IOException | RuntimeException e) {
      PolysockNative.sock_close(h);
      throw e;
    }
    family = f[0];
    type = t[0];
    proto = p[0];
    handle = new NativeHandle(h, NativeHandle.Kind.SOCKET);
    cleanable = NativeHandle.CLEANER.register(this, handle);
  }

  /** socket(): an AF_INET stream socket. */
  public Socket() throws IOException {
    this(Net.AF_INET, Net.SOCK_STREAM, 0);
  }

  /** socket(family, type). */
  public Socket(int family, int type) throws IOException {
    this(family, type, 0);
  }

  /** socket(family, type, proto): in the module default timeout mode, non-inheritable. */
  public Socket(int family, int type, int proto) throws IOException {
    this(create(family, type, proto));
  }

  private static long create(int family, int type, int proto) throws IOException {
    long[] out = new long[1];
    PolysockNative.sock_create(family, type, proto, out);
    return out[0];
  }

  /**
   * socket(family, type, proto, fileno): adopts the descriptor fileno itself, without
   * duplicating it (the socket owns it from now on and close() closes it). As in
   * Python, a negative family, type or proto is read from the descriptor; the timeout
   * is the module default, and an O_NONBLOCK flag already on the descriptor stays. On
   * failure (EBADF, ENOTSOCK, a negative fileno) the descriptor stays the caller's.
   *
   * @param family the address family, or -1 to read it from the descriptor
   * @param type the socket type, or -1 to read it
   * @param proto the protocol, or -1 to read it
   * @param fileno the descriptor to adopt
   * @throws IOException if the descriptor cannot be adopted
   */
  public Socket(int family, int type, int proto, int fileno) throws IOException {
    this(adopt(family, type, proto, fileno));
  }

  /**
   * socket(fileno=fd): adopts fd (no dup), its family, type and proto read from it.
   *
   * @param fd the descriptor to adopt, e.g. one from {@link #detach()} or {@link Net#recvFds}
   * @return the socket that now owns fd
   * @throws IOException if fd is not an open socket (EBADF, ENOTSOCK)
   */
  public static Socket fromFileno(int fd) throws IOException {
    return new Socket(-1, -1, -1, fd);
  }

  private static long adopt(int family, int type, int proto, int fd) throws IOException {
    long[] out = new long[1];
    PolysockNative.sock_create_fileno(family, type, proto, fd, out);
    return out[0];
  }

  /** The C ABI handle, 0 once closed or detached. */
  long handleValue() {
    return handle.get();
  }

  /**
   * The C ABI moved the handle into another (tls_wrap_socket detached it): this socket
   * reads as closed from now on, and nothing closes the handle, which is no longer its.
   */
  void forgetHandle() {
    handle.take();
    cleanable.clean(); // the action finds the handle taken: only unregisters it
  }

  /** After a failed call that may have closed the handle (a failed TLS handshake). */
  void forgetHandleIfClosed() {
    long h = handle.get();
    if (h == 0) {
      return;
    }
    int[] fd = new int[1];
    try {
      PolysockNative.sock_fileno(h, fd);
      if (fd[0] < 0) { // detached, as a handle the C ABI gave away reads
        forgetHandle();
      }
    } catch (PolysockException e) {
      if (e.errno() == Net.EBADF) {
        forgetHandle();
      }
    } catch (IOException | RuntimeException e) {
      // still open (or unknown): the caller's failure is what matters
    }
  }

  /** True once close() or detach() has run. */
  public boolean isClosed() {
    return handle.get() == 0;
  }

  /** close(): closes the socket; calls blocked on it in other threads fail with EBADF. */
  @Override
  public void close() throws IOException {
    long h = handle.take();
    try {
      handle.close(h);
    } finally {
      cleanable.clean(); // the action finds the handle taken: only unregisters it
    }
  }

  /**
   * detach(): gives up the descriptor without closing it; -1 if already closed. Close
   * the descriptor later with {@link Net#close(int)} (Python's socket.close(fd)), or
   * wrap it again with {@link Net#fromfd(int)}.
   */
  public int detach() throws IOException {
    long h = handle.take();
    cleanable.clean();
    if (h == 0) {
      return -1;
    }
    int[] fd = new int[1];
    PolysockNative.sock_detach(h, fd);
    return fd[0];
  }

  /** dup(): a new socket on a duplicate descriptor. */
  public Socket dup() throws IOException {
    long[] out = new long[1];
    try {
      PolysockNative.sock_dup(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return new Socket(out[0]);
  }

  /** fileno(): the descriptor, or -1 once closed. */
  public int fileno() throws IOException {
    long h = handle.get();
    if (h == 0) {
      return -1;
    }
    int[] fd = new int[1];
    try {
      PolysockNative.sock_fileno(h, fd);
    } finally {
      Reference.reachabilityFence(this);
    }
    return fd[0];
  }

  /** bind((host, port)): host may be "", a numeric address, a name or "&lt;broadcast&gt;". */
  public void bind(String host, int port) throws IOException {
    try {
      PolysockNative.sock_bind(handle.get(), host, port);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** bind(path) for AF_UNIX: "@name" is abstract, "" autobinds. */
  public void bind(String path) throws IOException {
    bind(path, 0);
  }

  /**
   * bind(path) for AF_UNIX with the path as bytes, as Python's bytes paths: an
   * abstract name is its bytes with the leading NUL, and may hold more NUL bytes
   * ({@code "\0python\0test\0"} binds as 13 bytes); a file path may begin with '@'.
   * An empty path autobinds.
   *
   * @param path the address's bytes (at most 107 for a file path, 108 abstract)
   * @throws IOException as bind
   */
  public void bind(byte[] path) throws IOException {
    Objects.requireNonNull(path, "path");
    try {
      PolysockNative.sock_bind_unix(handle.get(), path);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** bind(address): an address record, as in {@link #connect(SocketAddress)}. */
  public void bind(SocketAddress address) throws IOException {
    bind(hostOf(address), address.port());
  }

  /*
   * The C ABI takes (host, port): an AF_INET6 scope id travels as "host%scope"; the
   * flowinfo has no way through and is dropped (it is 0 in nearly every address).
   */
  static String hostOf(SocketAddress address) {
    String host = address.host();
    if (address.family() == Net.AF_INET6 && address.scopeId() != 0 && host.indexOf('%') < 0) {
      return host + "%" + Integer.toUnsignedString(address.scopeId());
    }
    return host;
  }

  /** listen(): Python's default backlog. */
  public void listen() throws IOException {
    listen(-1);
  }

  /** listen(backlog). */
  public void listen(int backlog) throws IOException {
    try {
      PolysockNative.sock_listen(handle.get(), backlog);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** accept(): a new connection (in the module default timeout mode) and its address. */
  public Accepted accept() throws IOException {
    long[] conn = new long[1];
    SocketAddress[] addr = new SocketAddress[1];
    try {
      PolysockNative.sock_accept(handle.get(), conn, addr);
    } finally {
      Reference.reachabilityFence(this);
    }
    return new Accepted(new Socket(conn[0]), addr[0]);
  }

  /** connect((host, port)). */
  public void connect(String host, int port) throws IOException {
    try {
      PolysockNative.sock_connect(handle.get(), host, port);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** connect(path) for AF_UNIX. */
  public void connect(String path) throws IOException {
    connect(path, 0);
  }

  /**
   * connect(address): an address as getsockname(), recvfrom() or getaddrinfo() gave
   * it, of any family (an AF_UNIX path, an AF_INET6 scope id).
   */
  public void connect(SocketAddress address) throws IOException {
    connect(hostOf(address), address.port());
  }

  /**
   * connect(path) for AF_UNIX with the path as bytes, as {@link #bind(byte[])}; waits
   * (or not) as connect does in every mode.
   *
   * @param path the address's bytes: a file path, or an abstract name with its leading NUL
   * @throws IOException as connect
   */
  public void connect(byte[] path) throws IOException {
    Objects.requireNonNull(path, "path");
    try {
      PolysockNative.sock_connect_unix(handle.get(), path);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** connect_ex(address). */
  public int connectEx(SocketAddress address) throws IOException {
    return connectEx(hostOf(address), address.port());
  }

  /** connect_ex((host, port)): 0 or the errno of the failure (a timeout gives EWOULDBLOCK). */
  public int connectEx(String host, int port) throws IOException {
    try {
      return PolysockNative.sock_connect_ex(handle.get(), host, port);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // ---- receiving ----

  /** recv(bufsize): up to bufsize bytes; an empty array means the peer shut down. */
  public byte[] recv(int bufsize) throws IOException {
    return recv(bufsize, 0);
  }

  /** recv(bufsize, flags). */
  public byte[] recv(int bufsize, int flags) throws IOException {
    if (bufsize < 0) {
      throw new IllegalArgumentException("negative buffersize in recv");
    }
    byte[] buf = new byte[bufsize];
    int n = recvInto(buf, 0, bufsize, flags);
    return n == bufsize ? buf : Arrays.copyOf(buf, n);
  }

  /** recv_into(buffer): into the whole array; the number of bytes, 0 at end of stream. */
  public int recvInto(byte[] buffer) throws IOException {
    return recvInto(buffer, 0, buffer.length, 0);
  }

  /** recv_into(buffer, nbytes) into buffer[offset, offset + length). */
  public int recvInto(byte[] buffer, int offset, int length) throws IOException {
    return recvInto(buffer, offset, length, 0);
  }

  /** recv_into(buffer, nbytes, flags) into buffer[offset, offset + length). */
  public int recvInto(byte[] buffer, int offset, int length, int flags) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    try {
      return (int) PolysockNative.polysock_java_recv_array(
          handle.get(), buffer, offset, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * recv_into(buffer) for NIO: fills from position up to limit and advances position.
   * A direct buffer is written in place (no copy); a heap buffer through its array.
   */
  public int recvInto(ByteBuffer buffer) throws IOException {
    return recvInto(buffer, 0);
  }

  /** recv_into(buffer, 0, flags) for NIO. */
  public int recvInto(ByteBuffer buffer, int flags) throws IOException {
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException("cannot receive into a read-only buffer");
    }
    int position = buffer.position();
    int length = buffer.limit() - position;
    long n;
    try {
      n = buffer.isDirect()
          ? PolysockNative.polysock_java_recv_direct(
              handle.get(), buffer, buffer.capacity(), position, length, flags)
          : PolysockNative.polysock_java_recv_array(
              handle.get(), buffer.array(), buffer.arrayOffset() + position, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
    buffer.position(position + (int) n);
    return (int) n;
  }

  /**
   * The non-throwing recvInto for non-blocking sockets, as NIO's {@code
   * SocketChannel.read}: into the whole array; see {@link #tryRecvInto(byte[], int, int,
   * int)}.
   */
  public int tryRecvInto(byte[] buffer) throws IOException {
    return tryRecvInto(buffer, 0, buffer.length, 0);
  }

  /**
   * tryRecvInto into buffer[offset, offset + length); see {@link #tryRecvInto(byte[], int,
   * int, int)}.
   */
  public int tryRecvInto(byte[] buffer, int offset, int length) throws IOException {
    return tryRecvInto(buffer, offset, length, 0);
  }

  /**
   * recv_into(buffer, nbytes, flags) that reports would-block by its result instead of
   * throwing {@link BlockingIOException}: the idiom of a non-blocking NIO read, with -1
   * (not 0: 0 is end of stream, as for recvInto) for "nothing there now".
   *
   * <p>The same call as {@link #recvInto(byte[], int, int, int)}, with one difference:
   * where recvInto would throw BlockingIOException for EAGAIN/EWOULDBLOCK (Python's
   * BlockingIOError), this returns -1, the array untouched. Nothing is thrown, no message
   * is built and nothing is allocated on that path, so polling a non-blocking socket costs
   * about the system call. Every other failure throws exactly what recvInto throws (a
   * closed socket: PolysockException EBADF; a reset: ConnectionResetException; a bad
   * region: IndexOutOfBoundsException; ...).
   *
   * <p>By mode: a non-blocking socket ({@code setblocking(false)}, {@code settimeout(0)})
   * returns -1 at once when no data is there. A blocking socket waits as recvInto does.
   * A timeout-mode socket ({@code settimeout(t)}, t &gt; 0) waits up to its timeout as
   * recvInto does and then throws {@link PolysockTimeoutException} (Python's
   * socket.timeout; Python's timeout mode never raises BlockingIOError, so this never
   * returns -1 there, {@code Net.MSG_DONTWAIT} or not). On a blocking socket {@code
   * Net.MSG_DONTWAIT} in flags makes this one call non-blocking: -1 if nothing is there.
   * On a TLS socket would-block stays {@link
   * SslWantReadException} / {@link SslWantWriteException}, thrown as by recvInto (the
   * exception says which event to wait for).
   *
   * @return the number of bytes received, 0 at end of stream, -1 if the call would block
   */
  public int tryRecvInto(byte[] buffer, int offset, int length, int flags) throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    try {
      return PolysockNative.polysock_java_try_recv_array(
          handle.get(), buffer, offset, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * tryRecvInto for NIO: fills from position up to limit and advances position by the
   * bytes received; -1 (position unchanged) if the call would block, 0 at end of stream.
   * As {@link #tryRecvInto(byte[], int, int, int)} otherwise; a direct buffer is written
   * in place, a heap buffer through its array.
   */
  public int tryRecvInto(ByteBuffer buffer) throws IOException {
    return tryRecvInto(buffer, 0);
  }

  /** tryRecvInto(buffer) with flags. */
  public int tryRecvInto(ByteBuffer buffer, int flags) throws IOException {
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException("cannot receive into a read-only buffer");
    }
    int position = buffer.position();
    int length = buffer.limit() - position;
    int n;
    try {
      n = buffer.isDirect()
          ? PolysockNative.polysock_java_try_recv_direct(
              handle.get(), buffer, buffer.capacity(), position, length, flags)
          : PolysockNative.polysock_java_try_recv_array(
              handle.get(), buffer.array(), buffer.arrayOffset() + position, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
    if (n > 0) {
      buffer.position(position + n);
    }
    return n;
  }

  /** recvfrom(bufsize): a datagram (or stream bytes) and the sender's address. */
  public Datagram recvfrom(int bufsize) throws IOException {
    return recvfrom(bufsize, 0);
  }

  /** recvfrom(bufsize, flags). */
  public Datagram recvfrom(int bufsize, int flags) throws IOException {
    if (bufsize < 0) {
      throw new IllegalArgumentException("negative buffersize in recvfrom");
    }
    byte[] buf = new byte[bufsize];
    Received r = recvfromInto(buf, 0, bufsize, flags);
    return new Datagram(r.nbytes() == bufsize ? buf : Arrays.copyOf(buf, r.nbytes()),
        r.address());
  }

  /** recvfrom_into(buffer) into the whole array. */
  public Received recvfromInto(byte[] buffer) throws IOException {
    return recvfromInto(buffer, 0, buffer.length, 0);
  }

  /** recvfrom_into(buffer, nbytes, flags) into buffer[offset, offset + length). */
  public Received recvfromInto(byte[] buffer, int offset, int length, int flags)
      throws IOException {
    Objects.checkFromIndexSize(offset, length, buffer.length);
    long[] n = new long[1];
    SocketAddress[] addr = new SocketAddress[1];
    try {
      PolysockNative.polysock_java_recvfrom_array(
          handle.get(), buffer, offset, length, flags, n, addr);
    } finally {
      Reference.reachabilityFence(this);
    }
    return new Received((int) n[0], addr[0]);
  }

  /** recvfrom_into(buffer) for NIO: from position up to limit, advancing position. */
  public Received recvfromInto(ByteBuffer buffer) throws IOException {
    return recvfromInto(buffer, 0);
  }

  /** recvfrom_into(buffer, 0, flags) for NIO. */
  public Received recvfromInto(ByteBuffer buffer, int flags) throws IOException {
    return receiveFrom(buffer, flags);
  }

  private Received receiveFrom(ByteBuffer buffer, int flags)
      throws IOException {
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException("cannot receive into a read-only buffer");
    }
    int position = buffer.position();
    int length = buffer.remaining();
    long[] n = new long[1];
    SocketAddress[] addr = new SocketAddress[1];
    long h = handle.get();
    try {
      if (buffer.isDirect()) {
        PolysockNative.polysock_java_recvfrom_direct(
            h, buffer, buffer.capacity(), position, length, flags, n, addr);
      } else {
        PolysockNative.polysock_java_recvfrom_array(
            h, buffer.array(), buffer.arrayOffset() + position, length, flags, n, addr);
      }
    } finally {
      Reference.reachabilityFence(this);
    }
    buffer.position(position + (int) n[0]);
    return new Received((int) n[0], addr[0]);
  }

  // ---- sending ----

  /** send(data): sends some of data; the number of bytes sent. */
  public int send(byte[] data) throws IOException {
    return send(data, 0, data.length, 0);
  }

  /** send(data[offset, offset + length], flags). */
  public int send(byte[] data, int offset, int length, int flags) throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      return (int) PolysockNative.polysock_java_send_array(
          handle.get(), data, offset, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** send(buffer) for NIO: from position up to limit, advancing position by what went. */
  public int send(ByteBuffer buffer) throws IOException {
    return send(buffer, 0);
  }

  /** send(buffer, flags) for NIO. */
  public int send(ByteBuffer buffer, int flags) throws IOException {
    return sendBuffer(buffer, flags, Op.SEND, null, 0);
  }

  /** The non-throwing send of all of data; see {@link #trySend(byte[], int, int, int)}. */
  public int trySend(byte[] data) throws IOException {
    return trySend(data, 0, data.length, 0);
  }

  /**
   * send(data[offset, offset + length], flags) that reports would-block by its result,
   * as NIO's non-blocking {@code SocketChannel.write} does with 0: the number of bytes
   * sent (some of them, as send), or -1 where {@link #send(byte[], int, int, int)} would
   * throw {@link BlockingIOException} (EAGAIN/EWOULDBLOCK: the send buffer is full),
   * with nothing thrown, built or allocated. Every other failure
   * throws exactly what send throws (EPIPE: BrokenPipeException, ...); the modes are as
   * for {@link #tryRecvInto(byte[], int, int, int)} (timeout mode waits and throws
   * PolysockTimeoutException; Net.MSG_DONTWAIT makes one call of a blocking socket
   * non-blocking; a TLS socket throws its SslWantWriteException / SslWantReadException).
   *
   * @return the number of bytes sent, -1 if the call would block
   */
  public int trySend(byte[] data, int offset, int length, int flags) throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      return PolysockNative.polysock_java_try_send_array(
          handle.get(), data, offset, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * trySend for NIO: from position up to limit, advancing position by what went; -1
   * (position unchanged) if the call would block.
   */
  public int trySend(ByteBuffer buffer) throws IOException {
    return trySend(buffer, 0);
  }

  /** trySend(buffer) with flags. */
  public int trySend(ByteBuffer buffer, int flags) throws IOException {
    return sendBuffer(buffer, flags, Op.TRY_SEND, null, 0);
  }

  /** sendall(data): sends everything, under one deadline in timeout mode. */
  public void sendall(byte[] data) throws IOException {
    sendall(data, 0, data.length, 0);
  }

  /** sendall(data[offset, offset + length]). */
  public void sendall(byte[] data, int offset, int length) throws IOException {
    sendall(data, offset, length, 0);
  }

  /** sendall(data[offset, offset + length], flags). */
  public void sendall(byte[] data, int offset, int length, int flags) throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      PolysockNative.polysock_java_sendall_array(handle.get(), data, offset, length, flags);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** sendall(buffer) for NIO: everything from position to limit; position ends at limit. */
  public void sendall(ByteBuffer buffer) throws IOException {
    sendall(buffer, 0);
  }

  /** sendall(buffer, flags) for NIO. */
  public void sendall(ByteBuffer buffer, int flags) throws IOException {
    sendBuffer(buffer, flags, Op.SENDALL, null, 0);
  }

  /** sendto(data, (host, port)): one datagram. */
  public int sendto(byte[] data, String host, int port) throws IOException {
    return sendto(data, 0, data.length, 0, host, port);
  }

  /** sendto(data[offset, offset + length], flags, (host, port)). */
  public int sendto(byte[] data, int offset, int length, int flags, String host, int port)
      throws IOException {
    Objects.checkFromIndexSize(offset, length, data.length);
    try {
      return (int) PolysockNative.polysock_java_sendto_array(
          handle.get(), data, offset, length, flags, host, port);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** sendto(buffer, (host, port)) for NIO, advancing position. */
  public int sendto(ByteBuffer buffer, String host, int port) throws IOException {
    return sendBuffer(buffer, 0, Op.SENDTO, host, port);
  }

  /** sendto(data, path) for AF_UNIX datagram sockets. */
  public int sendto(byte[] data, String path) throws IOException {
    return sendto(data, 0, data.length, 0, path, 0);
  }

  /** sendto(data, address): e.g. the reply to the address recvfrom() gave. */
  public int sendto(byte[] data, SocketAddress address) throws IOException {
    return sendto(data, 0, data.length, 0, hostOf(address), address.port());
  }

  /** sendto(data[offset, offset + length], flags, address). */
  public int sendto(byte[] data, int offset, int length, int flags, SocketAddress address)
      throws IOException {
    return sendto(data, offset, length, flags, hostOf(address), address.port());
  }

  /** sendto(buffer, address) for NIO, advancing position. */
  public int sendto(ByteBuffer buffer, SocketAddress address) throws IOException {
    return sendBuffer(buffer, 0, Op.SENDTO, hostOf(address), address.port());
  }

  private enum Op {
    SEND,
    TRY_SEND,
    SENDALL,
    SENDTO
  }

  private int sendBuffer(ByteBuffer buffer, int flags, Op op, String host, int port)
      throws IOException {
    int position = buffer.position();
    int length = buffer.remaining();
    long n;
    long h = handle.get();
    try {
      if (buffer.isDirect()) {
        n = switch (op) {
          case SEND -> PolysockNative.polysock_java_send_direct(
              h, buffer, buffer.capacity(), position, length, flags);
          case TRY_SEND ->
              PolysockNative.polysock_java_try_send_direct(
                  h, buffer, buffer.capacity(), position, length, flags);
          case SENDALL ->
              PolysockNative.polysock_java_sendall_direct(
                  h, buffer, buffer.capacity(), position, length, flags);
          case SENDTO -> PolysockNative.polysock_java_sendto_direct(
              h, buffer, buffer.capacity(), position, length, flags, host, port);
        };
      } else {
        byte[] array;
        int offset;
        if (buffer.hasArray()) {
          array = buffer.array();
          offset = buffer.arrayOffset() + position;
        } else { // a read-only heap buffer hides its array: one copy
          array = new byte[length];
          buffer.duplicate().get(array);
          offset = 0;
        }
        n = switch (op) {
          case SEND -> PolysockNative.polysock_java_send_array(h, array, offset, length, flags);
          case TRY_SEND ->
              PolysockNative.polysock_java_try_send_array(h, array, offset, length, flags);
          case SENDALL ->
              PolysockNative.polysock_java_sendall_array(h, array, offset, length, flags);
          case SENDTO -> PolysockNative.polysock_java_sendto_array(
              h, array, offset, length, flags, host, port);
        };
      }
    } finally {
      Reference.reachabilityFence(this);
    }
    if (n > 0) { // trySend's -1 (would block) leaves the position
      buffer.position(position + (int) n);
    }
    return (int) n;
  }

  // ---- messages ----

  /**
   * sendmsg(buffers): the buffers' bytes, gathered, as one message.
   *
   * @param buffers the byte arrays to send, in order (each whole)
   * @return the number of bytes sent
   * @throws IOException as send
   */
  public int sendmsg(byte[][] buffers) throws IOException {
    return sendmsg(buffers, List.of(), 0, null);
  }

  /**
   * sendmsg(buffers, ancdata): with ancillary items, e.g. {@code new Ancillary(Net.SOL_SOCKET,
   * Net.SCM_RIGHTS, descriptors)}.
   *
   * @param buffers the byte arrays to send, in order
   * @param ancdata the ancillary items, in order (may be empty)
   * @return the number of bytes sent
   * @throws IOException as send
   */
  public int sendmsg(byte[][] buffers, List<Ancillary> ancdata) throws IOException {
    return sendmsg(buffers, ancdata, 0, null);
  }

  /**
   * sendmsg(buffers, ancdata, flags).
   *
   * @param buffers the byte arrays to send, in order
   * @param ancdata the ancillary items, in order (may be empty)
   * @param flags MSG_* flags
   * @return the number of bytes sent
   * @throws IOException as send
   */
  public int sendmsg(byte[][] buffers, List<Ancillary> ancdata, int flags) throws IOException {
    return sendmsg(buffers, ancdata, flags, null);
  }

  /**
   * sendmsg(buffers, ancdata, flags, address): to address (a datagram socket), or with
   * address null (Python's None) on a connected socket. Each array is copied once into
   * native memory, as send copies a byte[].
   *
   * @param buffers the byte arrays to send, in order
   * @param ancdata the ancillary items, in order (may be empty)
   * @param flags MSG_* flags
   * @param address the destination, or null
   * @return the number of bytes sent
   * @throws IOException as sendto
   */
  public int sendmsg(byte[][] buffers, List<Ancillary> ancdata, int flags, SocketAddress address)
      throws IOException {
    return sendMessage(Gather.of(buffers), ancdata, flags, address);
  }

  /**
   * sendmsg(buffers) for NIO: each buffer from position to limit, as a
   * GatheringByteChannel writes; positions advance, in order, by the bytes sent.
   *
   * @param buffers the buffers to send, in order
   * @return the number of bytes sent
   * @throws IOException as send
   */
  public int sendmsg(ByteBuffer[] buffers) throws IOException {
    return sendmsg(buffers, List.of(), 0, null);
  }

  /**
   * sendmsg(buffers, ancdata, flags, address) for NIO: direct buffers are sent from in
   * place (no copy), heap buffers through their arrays.
   *
   * @param buffers the buffers to send, each from position to limit; positions advance
   * @param ancdata the ancillary items, in order (may be empty)
   * @param flags MSG_* flags
   * @param address the destination, or null on a connected socket
   * @return the number of bytes sent
   * @throws IOException as sendto
   */
  public int sendmsg(ByteBuffer[] buffers, List<Ancillary> ancdata, int flags,
      SocketAddress address) throws IOException {
    int n = sendMessage(Gather.of(buffers, false), ancdata, flags, address);
    Gather.advance(buffers, n);
    return n;
  }

  private int sendMessage(Gather gather, List<Ancillary> ancdata, int flags,
      SocketAddress address) throws IOException {
    int[] kinds = new int[2 * ancdata.size()];
    byte[][] data = new byte[ancdata.size()][];
    for (int i = 0; i < data.length; i++) {
      Ancillary item = ancdata.get(i);
      kinds[2 * i] = item.level();
      kinds[2 * i + 1] = item.type();
      data[i] = item.data();
    }
    try {
      return (int) PolysockNative.polysock_java_sendmsg(handle.get(), gather.bases,
          gather.regions, kinds, data, flags, address == null ? null : hostOf(address),
          address == null ? 0 : address.port());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * recvmsg(bufsize): a message of up to bufsize bytes, without ancillary data.
   *
   * @param bufsize the most bytes to receive
   * @return (data, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public Message recvmsg(int bufsize) throws IOException {
    return recvmsg(bufsize, 0, 0);
  }

  /**
   * recvmsg(bufsize, ancbufsize): with up to ancbufsize bytes of ancillary data (size
   * it with {@link Net#cmsgSpace(int)}).
   *
   * @param bufsize the most bytes to receive
   * @param ancbufsize the ancillary data buffer's size in bytes
   * @return (data, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public Message recvmsg(int bufsize, int ancbufsize) throws IOException {
    return recvmsg(bufsize, ancbufsize, 0);
  }

  /**
   * recvmsg(bufsize, ancbufsize, flags). Descriptors received with SCM_RIGHTS are
   * close-on-exec and the caller's to close.
   *
   * @param bufsize the most bytes to receive (negative: IllegalArgumentException)
   * @param ancbufsize the ancillary data buffer's size in bytes
   * @param flags MSG_* flags
   * @return (data, ancdata, msg_flags, address): MSG_TRUNC / MSG_CTRUNC in msgFlags
   *     say that data or ancillary data did not fit
   * @throws IOException as recv
   */
  public Message recvmsg(int bufsize, int ancbufsize, int flags) throws IOException {
    if (bufsize < 0) {
      throw new IllegalArgumentException("negative buffer size in recvmsg()");
    }
    byte[] buf = new byte[bufsize];
    MessageInfo info =
        receiveMessage(new Gather(new Object[] {buf}, new int[] {0, bufsize}), ancbufsize, flags);
    int n = info.nbytes();
    return new Message(n == bufsize ? buf : Arrays.copyOf(buf, n), List.of(info.ancdata()),
        info.msgFlags(), info.address());
  }

  /**
   * recvmsg_into(buffers): scatters a message over the arrays, filling each in turn.
   *
   * @param buffers the arrays to receive into (each whole)
   * @return (nbytes, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public ReceivedMessage recvmsgInto(byte[][] buffers) throws IOException {
    return recvmsgInto(buffers, 0, 0);
  }

  /**
   * recvmsg_into(buffers, ancbufsize, flags). Each array is filled from native memory
   * with one copy of the bytes it got, as recvInto(byte[]) does.
   *
   * @param buffers the arrays to receive into (each whole)
   * @param ancbufsize the ancillary data buffer's size in bytes
   * @param flags MSG_* flags
   * @return (nbytes, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public ReceivedMessage recvmsgInto(byte[][] buffers, int ancbufsize, int flags)
      throws IOException {
    MessageInfo info = receiveMessage(Gather.of(buffers), ancbufsize, flags);
    return new ReceivedMessage(info.nbytes(), List.of(info.ancdata()), info.msgFlags(),
        info.address());
  }

  /**
   * recvmsg_into(buffers) for NIO: as a ScatteringByteChannel reads, each buffer from
   * position to limit in turn; positions advance by the bytes each got.
   *
   * @param buffers the buffers to receive into
   * @return (nbytes, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public ReceivedMessage recvmsgInto(ByteBuffer[] buffers) throws IOException {
    return recvmsgInto(buffers, 0, 0);
  }

  /**
   * recvmsg_into(buffers, ancbufsize, flags) for NIO: direct buffers are written in
   * place (no copy), heap buffers through their arrays; read-only ones are refused.
   *
   * @param buffers the buffers to receive into, from position to limit; positions advance
   * @param ancbufsize the ancillary data buffer's size in bytes
   * @param flags MSG_* flags
   * @return (nbytes, ancdata, msg_flags, address)
   * @throws IOException as recv
   */
  public ReceivedMessage recvmsgInto(ByteBuffer[] buffers, int ancbufsize, int flags)
      throws IOException {
    MessageInfo info = receiveMessage(Gather.of(buffers, true), ancbufsize, flags);
    Gather.advance(buffers, info.nbytes());
    return new ReceivedMessage(info.nbytes(), List.of(info.ancdata()), info.msgFlags(),
        info.address());
  }

  private MessageInfo receiveMessage(Gather gather, int ancbufsize, int flags)
      throws IOException {
    if (ancbufsize < 0) {
      throw new IllegalArgumentException("invalid ancillary data buffer length");
    }
    Object[] out = new Object[1];
    try {
      PolysockNative.polysock_java_recvmsg(
          handle.get(), gather.bases, gather.regions, ancbufsize, flags, out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return (MessageInfo) out[0];
  }

  /** Net.sendFds: sendmsg with one SCM_RIGHTS item of fds. */
  int sendFds(byte[][] buffers, int[] fds, int flags, SocketAddress address)
      throws IOException {
    Objects.requireNonNull(fds, "fds");
    Gather gather = Gather.of(buffers);
    try {
      return (int) PolysockNative.polysock_java_send_fds(handle.get(), gather.bases,
          gather.regions, fds, flags, address == null ? null : hostOf(address),
          address == null ? 0 : address.port());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** Net.recvFds: up to bufsize bytes and maxfds descriptors. */
  FdMessage recvFds(int bufsize, int maxfds, int flags) throws IOException {
    if (bufsize < 0) {
      throw new IllegalArgumentException("negative buffer size in recvmsg()");
    }
    if (maxfds < 0) {
      throw new IllegalArgumentException("CMSG_LEN() argument out of range");
    }
    byte[] buf = new byte[bufsize];
    int[] fds = new int[maxfds];
    Object[] out = new Object[1];
    try {
      PolysockNative.polysock_java_recv_fds(handle.get(), buf, bufsize, fds, flags, out);
    } finally {
      Reference.reachabilityFence(this);
    }
    MessageInfo info = (MessageInfo) out[0];
    int n = info.nbytes();
    return new FdMessage(n == bufsize ? buf : Arrays.copyOf(buf, n),
        Arrays.copyOf(fds, info.nfds()), info.msgFlags(), info.address());
  }

  /**
   * A scatter/gather list as the JNI layer takes it (polysock_java.h): bases, each a
   * byte[] or a direct ByteBuffer, and an (offset, length) pair per base.
   */
  private record Gather(Object[] bases, int[] regions) {
    static Gather of(byte[][] buffers) {
      Object[] bases = new Object[buffers.length];
      int[] regions = new int[2 * buffers.length];
      for (int i = 0; i < buffers.length; i++) {
        bases[i] = Objects.requireNonNull(buffers[i], "buffer");
        regions[2 * i + 1] = buffers[i].length;
      }
      return new Gather(bases, regions);
    }

    /** Direct buffers in place, heap ones through their arrays (a read-only one copied). */
    static Gather of(ByteBuffer[] buffers, boolean receive) {
      Object[] bases = new Object[buffers.length];
      int[] regions = new int[2 * buffers.length];
      for (int i = 0; i < buffers.length; i++) {
        ByteBuffer b = buffers[i];
        if (receive && b.isReadOnly()) {
          throw new IllegalArgumentException("cannot receive into a read-only buffer");
        }
        regions[2 * i + 1] = b.remaining();
        if (b.isDirect()) {
          bases[i] = b;
          regions[2 * i] = b.position();
        } else if (b.hasArray()) {
          bases[i] = b.array();
          regions[2 * i] = b.arrayOffset() + b.position();
        } else { // a read-only heap buffer hides its array: one copy, as send does
          byte[] copy = new byte[b.remaining()];
          b.duplicate().get(copy);
          bases[i] = copy;
        }
      }
      return new Gather(bases, regions);
    }

    /** Advances the buffers' positions by n bytes, filling or draining each in turn. */
    static void advance(ByteBuffer[] buffers, long n) {
      for (ByteBuffer b : buffers) {
        int step = (int) Math.min(b.remaining(), n);
        b.position(b.position() + step);
        n -= step;
      }
    }
  }

  /**
   * sendfile(file, offset, count): sends count bytes (0: to the end) of the open file
   * descriptor fileFd from offset; the number of bytes sent.
   */
  public long sendfile(int fileFd, long offset, long count) throws IOException {
    long[] sent = new long[1];
    try {
      PolysockNative.sock_sendfile(handle.get(), fileFd, offset, count, sent);
    } finally {
      Reference.reachabilityFence(this);
    }
    return sent[0];
  }

  /** sendfile with the descriptor of e.g. a FileInputStream's getFD(). */
  public long sendfile(FileDescriptor file, long offset, long count) throws IOException {
    int[] fd = new int[1];
    try {
      PolysockNative.polysock_java_file_descriptor(file, fd);
      return sendfile(fd[0], offset, count);
    } finally {
      Reference.reachabilityFence(file);
    }
  }

  /**
   * sendfile(file, offset, count) from a FileChannel: the JDK's FileChannel goes through
   * sendfile(2) on its descriptor (leaving its position at offset + sent, as Python
   * seeks the file); another FileChannel is read and sent in 64 KiB pieces.
   */
  public long sendfile(FileChannel file, long offset, long count) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must be a positive integer (got " + count + ")");
    }
    int[] fd = new int[1];
    try {
      PolysockNative.polysock_java_channel_fd(file, fd);
      if (fd[0] >= 0) {
        return sendfile(fd[0], offset, count);
      }
    } finally {
      Reference.reachabilityFence(file);
    }
    long end = count == 0 ? file.size() : offset + count;
    long sent = 0;
    ByteBuffer piece = ByteBuffer.allocateDirect(65536);
    while (offset + sent < end) {
      piece.clear().limit((int) Math.min(piece.capacity(), end - offset - sent));
      int n = file.read(piece, offset + sent);
      if (n <= 0) {
        break;
      }
      piece.flip();
      sendall(piece);
      sent += n;
    }
    file.position(offset + sent);
    return sent;
  }

  /** sendfile of the file at path (opened for reading and closed again). */
  public long sendfile(Path file, long offset, long count) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      return sendfile(channel, offset, count);
    }
  }

  /** sendfile(file): the whole file from the start. */
  public long sendfile(Path file) throws IOException {
    return sendfile(file, 0, 0);
  }

  /** shutdown(how): Net.SHUT_RD, Net.SHUT_WR or Net.SHUT_RDWR. */
  public void shutdown(int how) throws IOException {
    try {
      PolysockNative.sock_shutdown(handle.get(), how);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  // ---- modes and options ----

  /** settimeout(seconds): null is Python's None (blocking), 0 non-blocking. */
  public void settimeout(Double seconds) throws IOException {
    setTimeoutValue(seconds == null ? Timeouts.NONE : Timeouts.check(seconds));
  }

  /**
   * settimeout(seconds): 0 for non-blocking, a positive value for a deadline; a
   * negative one is IllegalArgumentException("Timeout value out of range"), as Python's
   * ValueError (blocking mode is settimeout((Double) null) or setblocking(true)).
   */
  public void settimeout(double seconds) throws IOException {
    setTimeoutValue(Timeouts.check(seconds));
  }

  private void setTimeoutValue(double seconds) throws IOException {
    try {
      PolysockNative.sock_settimeout(handle.get(), seconds);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** gettimeout(): seconds, or null (Python's None) in blocking mode. */
  public Double gettimeout() throws IOException {
    double[] out = new double[1];
    try {
      PolysockNative.sock_gettimeout(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Timeouts.toJava(out[0]);
  }

  /** setblocking(flag): true is settimeout(None), false settimeout(0). */
  public void setblocking(boolean flag) throws IOException {
    try {
      PolysockNative.sock_setblocking(handle.get(), flag ? 1 : 0);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** getblocking(): false only in non-blocking mode (timeout 0). */
  public boolean getblocking() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.sock_getblocking(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0] != 0;
  }

  /** setsockopt(level, option, int value). */
  public void setsockopt(int level, int option, int value) throws IOException {
    try {
      PolysockNative.sock_setsockopt(handle.get(), level, option, value);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** setsockopt(level, option, bytes): the raw option value. */
  public void setsockopt(int level, int option, byte[] value) throws IOException {
    try {
      PolysockNative.sock_setsockopt_bytes(handle.get(), level, option, value);
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /** getsockopt(level, option): an integer option. */
  public int getsockopt(int level, int option) throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.sock_getsockopt(handle.get(), level, option, out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /**
   * getsockopt(level, option, buflen): the raw value, buflen 1..1024. buflen 0 is
   * Python's integer form: the value of getsockopt(level, option) as its 4 bytes in
   * native byte order.
   */
  public byte[] getsockopt(int level, int option, int buflen) throws IOException {
    if (buflen == 0) {
      return ByteBuffer.allocate(Integer.BYTES).order(java.nio.ByteOrder.nativeOrder())
          .putInt(getsockopt(level, option)).array();
    }
    if (buflen < 0) {
      throw new IllegalArgumentException("getsockopt buflen out of range");
    }
    byte[][] out = {new byte[buflen]};
    try {
      PolysockNative.sock_getsockopt_bytes(handle.get(), level, option, out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** getsockname(): the local address. */
  public SocketAddress getsockname() throws IOException {
    SocketAddress[] out = new SocketAddress[1];
    try {
      PolysockNative.sock_getsockname(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /**
   * getsockname() of an AF_UNIX socket as bytes, as Python gives bytes addresses: the
   * file path, or the abstract name with its leading NUL (and every NUL inside it);
   * empty if unbound.
   *
   * @return the local address's bytes
   * @throws IOException as getsockname
   */
  public byte[] getsocknameBytes() throws IOException {
    byte[][] out = {new byte[UNIX_PATH_BYTES]};
    try {
      PolysockNative.sock_getsockname_unix(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /**
   * getpeername() of an AF_UNIX socket as bytes, as {@link #getsocknameBytes()}.
   *
   * @return the remote address's bytes
   * @throws IOException as getpeername (ENOTCONN if not connected)
   */
  public byte[] getpeernameBytes() throws IOException {
    byte[][] out = {new byte[UNIX_PATH_BYTES]};
    try {
      PolysockNative.sock_getpeername_unix(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** The longest AF_UNIX address (sun_path), which the C ABI promises never to exceed. */
  private static final int UNIX_PATH_BYTES = 108;

  /** getpeername(): the remote address. */
  public SocketAddress getpeername() throws IOException {
    SocketAddress[] out = new SocketAddress[1];
    try {
      PolysockNative.sock_getpeername(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** The family attribute, e.g. Net.AF_INET; readable after close, as in Python. */
  public int family() {
    return family;
  }

  /** The type attribute, without SOCK_NONBLOCK/SOCK_CLOEXEC, e.g. Net.SOCK_STREAM. */
  public int type() {
    return type;
  }

  /** The proto attribute. */
  public int proto() {
    return proto;
  }

  // ---- TLS (Python's ssl.SSLSocket; see TlsContext.wrapSocket) ----

  /**
   * do_handshake(): the TLS handshake, in the socket's mode. Non-blocking, it throws
   * {@link SslWantReadException} or {@link SslWantWriteException}: wait for that event
   * (e.g. with a {@link Poller}) and call again. Not a TLS socket: IllegalArgumentException.
   */
  public void doHandshake() throws IOException {
    try {
      PolysockNative.sock_tls_do_handshake(handle.get());
    } finally {
      Reference.reachabilityFence(this);
    }
  }

  /**
   * unwrap(): ends TLS with close_notify both ways (within the socket's timeout;
   * non-blocking, {@link SslWantReadException} until the peer's close_notify came: call
   * again) and returns this same socket, which carries plain TCP from now on, with no
   * byte that followed the peer's close_notify lost.
   */
  public Socket unwrap() throws IOException {
    try {
      PolysockNative.sock_tls_unwrap(handle.get());
    } finally {
      Reference.reachabilityFence(this);
    }
    return this;
  }

  /** True if this is a TLS socket (wrapped, and not unwrapped since). */
  public boolean isTls() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.sock_tls_is_wrapped(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0] != 0;
  }

  /** pending(): decrypted bytes readable without I/O. */
  public int tlsPending() throws IOException {
    long[] out = new long[1];
    try {
      PolysockNative.sock_tls_pending(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return (int) out[0];
  }

  /** version(): "TLSv1.3", "TLSv1.2", ...; null (None) before the handshake. */
  public String tlsVersion() throws IOException {
    String[] out = new String[1];
    try {
      PolysockNative.sock_tls_version(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Tls.noneIfEmpty(out[0]);
  }

  /** cipher(): (name, protocol, secret_bits); null (None) before the handshake. */
  public TlsCipher cipher() throws IOException {
    TlsCipher[] out = new TlsCipher[1];
    try {
      PolysockNative.sock_tls_cipher(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /** selected_alpn_protocol(): the protocol agreed, e.g. "h2"; null if none. */
  public String selectedAlpnProtocol() throws IOException {
    String[] out = new String[1];
    try {
      PolysockNative.sock_tls_selected_alpn_protocol(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return Tls.noneIfEmpty(out[0]);
  }

  /** server_side: true for the server's end of a TLS socket. */
  public boolean serverSide() throws IOException {
    int[] out = new int[1];
    try {
      PolysockNative.sock_tls_server_side(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0] != 0;
  }

  /**
   * getpeercert(): the peer's certificate as Python's dict ({@link PeerCertificate}),
   * null (None) if it sent none; its fields are empty unless it was verified, as
   * Python's {} with CERT_NONE. Before the handshake: IllegalArgumentException
   * ("handshake not done yet"), as Python's ValueError.
   */
  public PeerCertificate getpeercert() throws IOException {
    PeerCertificate[] out = new PeerCertificate[1];
    try {
      PolysockNative.polysock_java_getpeercert(handle.get(), out);
    } finally {
      Reference.reachabilityFence(this);
    }
    return out[0];
  }

  /**
   * getpeercert(binary_form=True): the peer's certificate as DER bytes, verified or not;
   * null if it sent none.
   */
  public byte[] getpeercertDer() throws IOException {
    PeerCertificate cert = getpeercert();
    return cert == null ? null : cert.der();
  }

  // ---- stream views (Python's makefile) ----

  /**
   * makefile('rb'): reads with recv_into; -1 at end of stream. Closing the stream does
   * not close the socket (as Python's makefile), close the socket itself.
   */
  public InputStream getInputStream() {
    return new InputStream() {
      private final byte[] one = new byte[1];

      @Override
      public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        int n = recvInto(b, off, len, 0);
        return n == 0 ? -1 : n;
      }
    };
  }

  /** makefile('wb'): writes with sendall. Closing it does not close the socket. */
  public OutputStream getOutputStream() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        sendall(new byte[] {(byte) b});
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        sendall(b, off, len, 0);
      }
    };
  }

  /**
   * Python's repr: {@code <org.polysock.Socket fd=3, family=2, type=1, proto=6,
   * laddr=('127.0.0.1', 5000), raddr=('127.0.0.1', 41234)>}, with "[closed]" and fd=-1
   * once closed; laddr and raddr only where there is one.
   */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("<org.polysock.Socket ");
    int fd = -1;
    try {
      fd = fileno();
    } catch (IOException e) {
      // closed under us: shown as closed
    }
    if (fd < 0) {
      s.append("[closed] ");
    }
    s.append("fd=").append(fd).append(", family=").append(family).append(", type=").append(type)
        .append(", proto=").append(proto);
    if (fd >= 0) {
      try {
        SocketAddress local = getsockname();
        if (!local.host().isEmpty() || local.family() != Net.AF_UNIX) {
          s.append(", laddr=").append(local);
        }
      } catch (IOException e) {
        // Python leaves laddr out when getsockname fails
      }
      try {
        SocketAddress remote = getpeername();
        if (!remote.host().isEmpty() || remote.family() != Net.AF_UNIX) {
          s.append(", raddr=").append(remote);
        }
      } catch (IOException e) {
        // not connected
      }
    }
    return s.append('>').toString();
  }
}
