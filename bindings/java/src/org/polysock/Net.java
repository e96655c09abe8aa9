package org.polysock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The functions of Python's socket module, and (inherited from {@link Constants}) its
 * constants as the host defines them: {@code Net.AF_INET}, {@code Net.SOCK_STREAM}...
 * Failures throw as {@link Socket}'s methods do; list results are java.util.List.
 */
public final class Net extends Constants {
  private Net() {}

  // ---- library ----

  /** The native library's version, "MAJOR.MINOR.PATCH". */
  public static String version() {
    return PolysockNative.net_version();
  }

  /** The native library's ABI generation. */
  public static int abiVersion() {
    return PolysockNative.net_abi_version();
  }

  /** The name of a C ABI status code, e.g. "SOCK_ERR_TIMEOUT" for -2. */
  public static String statusName(int status) {
    return PolysockNative.sock_strerror(status);
  }

  /** Every constant of the native library by name (without the NET_ prefix). */
  public static Map<String, Long> constants() {
    return ConstantTable.ALL;
  }

  /** The host's value of a constant by name ("AF_INET" or "NET_AF_INET"). */
  public static long constant(String name) {
    long[] out = new long[1];
    try {
      PolysockNative.net_constant(name, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only IllegalArgumentException is documented
    }
    return out[0];
  }

  // ---- sockets ----

  /** socketpair(): two connected AF_UNIX stream sockets. */
  public static Socket[] socketpair() throws IOException {
    return socketpair(AF_UNIX, SOCK_STREAM, 0);
  }

  /** socketpair(family, type, proto). */
  public static Socket[] socketpair(int family, int type, int proto) throws IOException {
    long[] a = new long[1];
    long[] b = new long[1];
    PolysockNative.net_socketpair(family, type, proto, a, b);
    return new Socket[] {new Socket(a[0]), new Socket(b[0])};
  }

  /**
   * Python's socket.close(fd): closes a bare descriptor, e.g. the one {@link
   * Socket#detach()} gave up or one {@link #recvFds} received. ECONNRESET is ignored,
   * as in Python; other failures throw (a closed descriptor: EBADF).
   *
   * @param fd the descriptor to close
   * @throws IOException if close(2) fails
   */
  public static void close(int fd) throws IOException {
    PolysockNative.net_close(fd);
  }

  /** fromfd(fd): a socket on a duplicate of fd, family/type/proto read from it. */
  public static Socket fromfd(int fd) throws IOException {
    return fromfd(fd, -1, -1, -1);
  }

  /** fromfd(fd, family, type, proto): a negative value is read from the descriptor. */
  public static Socket fromfd(int fd, int family, int type, int proto) throws IOException {
    long[] out = new long[1];
    PolysockNative.net_fromfd(fd, family, type, proto, out);
    return new Socket(out[0]);
  }

  /** create_connection((host, port)) with the module default timeout. */
  public static Socket createConnection(String host, int port) throws IOException {
    return connection(host, port, Timeouts.DEFAULT, null, 0);
  }

  /** create_connection((host, port), timeout): null is None (blocking). */
  public static Socket createConnection(String host, int port, Double timeout)
      throws IOException {
    return connection(host, port, timeout(timeout), null, 0);
  }

  /**
   * create_connection((host, port), timeout): seconds, 0 non-blocking; a negative one
   * is IllegalArgumentException("Timeout value out of range").
   */
  public static Socket createConnection(String host, int port, double timeout)
      throws IOException {
    return connection(host, port, Timeouts.check(timeout), null, 0);
  }

  /** create_connection((host, port), timeout, (sourceHost, sourcePort)). */
  public static Socket createConnection(
      String host, int port, Double timeout, String sourceHost, int sourcePort)
      throws IOException {
    return connection(host, port, timeout(timeout), sourceHost, sourcePort);
  }

  /** create_connection((host, port), timeout, (sourceHost, sourcePort)). */
  public static Socket createConnection(
      String host, int port, double timeout, String sourceHost, int sourcePort)
      throws IOException {
    return connection(host, port, Timeouts.check(timeout), sourceHost, sourcePort);
  }

  /** create_connection(address) with an address record and the module default timeout. */
  public static Socket createConnection(SocketAddress address) throws IOException {
    return connection(Socket.hostOf(address), address.port(), Timeouts.DEFAULT, null, 0);
  }

  /** create_connection(address, timeout) with an address record: null is None. */
  public static Socket createConnection(SocketAddress address, Double timeout)
      throws IOException {
    return connection(Socket.hostOf(address), address.port(), timeout(timeout), null, 0);
  }

  /** create_connection(address, timeout) with an address record. */
  public static Socket createConnection(SocketAddress address, double timeout)
      throws IOException {
    return connection(Socket.hostOf(address), address.port(), Timeouts.check(timeout), null, 0);
  }

  /**
   * create_connection((host, port), timeout, source_address, all_errors=allErrors) with
   * Happy Eyeballs (RFC 8305), as asyncio's happy_eyeballs_delay and interleave: the
   * addresses are reordered so that families alternate (interleave addresses of the
   * first family before each one of the other), and each attempt starts
   * happyEyeballsDelay seconds after the last (or at once when the last fails); the
   * first to connect wins and the others are closed. With happyEyeballsDelay null and
   * interleave 0 (or negative) the attempts go one after another, as
   * createConnection(host, port, timeout, sourceHost, sourcePort).
   *
   * <p>When every attempt fails, allErrors false throws the last failure, as Python;
   * allErrors true throws {@link ConnectionAttemptsException}, whose {@link
   * ConnectionAttemptsException#getAttempts()} gives each attempt's address and
   * exception. A failure before any attempt (getaddrinfo) is thrown as such.
   *
   * @param host the host name or numeric address
   * @param port the port
   * @param timeout each attempt's timeout and the new socket's, null for None (blocking)
   * @param sourceHost the address to bind before connecting, or null for none
   * @param sourcePort the port to bind (0: any)
   * @param happyEyeballsDelay seconds between attempts (0.25 is RFC 8305's advice), or
   *     null for no Happy Eyeballs; negative is IllegalArgumentException
   * @param interleave the "First Address Family Count" (at least 1 with Happy
   *     Eyeballs); negative is Python's None: 1 with Happy Eyeballs, 0 without
   * @param allErrors Python's all_errors
   * @return the connected socket
   * @throws IOException the last failure, or ConnectionAttemptsException
   */
  public static Socket createConnection(String host, int port, Double timeout,
      String sourceHost, int sourcePort, Double happyEyeballsDelay, int interleave,
      boolean allErrors) throws IOException {
    double delay = Timeouts.NONE;
    if (happyEyeballsDelay != null) {
      if (happyEyeballsDelay.isNaN() || happyEyeballsDelay < 0) {
        throw new IllegalArgumentException("happy_eyeballs_delay must be a non-negative number");
      }
      delay = happyEyeballsDelay;
    }
    long[] out = new long[1];
    PolysockNative.polysock_java_create_connection_ex(host, port, timeout(timeout), sourceHost,
        sourcePort, delay, interleave, allErrors ? 1 : 0, out);
    return new Socket(out[0]);
  }

  /** A nullable timeout: null is None, a number is checked as Python checks it. */
  private static double timeout(Double seconds) {
    return seconds == null ? Timeouts.NONE : Timeouts.check(seconds);
  }

  private static Socket connection(
      String host, int port, double timeout, String sourceHost, int sourcePort)
      throws IOException {
    long[] out = new long[1];
    PolysockNative.net_create_connection(host, port, timeout, sourceHost, sourcePort, out);
    return new Socket(out[0]);
  }

  /** create_server((host, port)): an AF_INET listening socket with SO_REUSEADDR. */
  public static Socket createServer(String host, int port) throws IOException {
    return createServer(host, port, AF_INET, -1, false, false);
  }

  /** create_server((host, port), family=family): Python's default backlog. */
  public static Socket createServer(String host, int port, int family) throws IOException {
    return createServer(host, port, family, -1, false, false);
  }

  /** create_server((host, port), family=family, backlog=backlog). */
  public static Socket createServer(String host, int port, int family, int backlog)
      throws IOException {
    return createServer(host, port, family, backlog, false, false);
  }

  /**
   * create_server((host, port), family, backlog, reuse_port, dualstack_ipv6): a
   * negative backlog is Python's default (None).
   */
  public static Socket createServer(String host, int port, int family, int backlog,
      boolean reusePort, boolean dualstackIpv6) throws IOException {
    long[] out = new long[1];
    PolysockNative.net_create_server(
        host, port, family, backlog, reusePort ? 1 : 0, dualstackIpv6 ? 1 : 0, out);
    return new Socket(out[0]);
  }

  // ---- messages and descriptors ----

  /**
   * CMSG_LEN(length): the cmsg_len of an ancillary item with length bytes of data.
   *
   * @param length the data's length in bytes
   * @return the item's length, header included, without trailing padding
   * @throws IllegalArgumentException if length is negative or too large (Python's
   *     OverflowError "CMSG_LEN() argument out of range")
   */
  public static int cmsgLen(int length) {
    return cmsgSize(length, false);
  }

  /**
   * CMSG_SPACE(length): the ancillary buffer space an item of length bytes of data
   * takes, padding included: the ancbufsize to give recvmsg is the sum for the items
   * expected.
   *
   * @param length the data's length in bytes
   * @return the space the item takes
   * @throws IllegalArgumentException if length is negative or too large
   */
  public static int cmsgSpace(int length) {
    return cmsgSize(length, true);
  }

  private static int cmsgSize(int length, boolean space) {
    String name = space ? "CMSG_SPACE" : "CMSG_LEN";
    if (length < 0) {
      throw new IllegalArgumentException(name + "() argument out of range");
    }
    long[] out = new long[1];
    try {
      if (space) {
        PolysockNative.net_cmsg_space(length, out);
      } else {
        PolysockNative.net_cmsg_len(length, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only IllegalArgumentException is documented
    }
    if (out[0] > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + "() argument out of range");
    }
    return (int) out[0];
  }

  /**
   * socket.send_fds(sock, buffers, fds): sends the buffers and the descriptors fds
   * (one SCM_RIGHTS item) over an AF_UNIX socket. The descriptors stay open here.
   *
   * @param sock a connected AF_UNIX socket
   * @param buffers the bytes to send with them (at least one byte, as the kernel needs
   *     for stream sockets)
   * @param fds the descriptors to pass (1 to 253)
   * @return the number of bytes sent
   * @throws IOException as sendmsg
   */
  public static int sendFds(Socket sock, byte[][] buffers, int[] fds) throws IOException {
    return sock.sendFds(buffers, fds, 0, null);
  }

  /**
   * socket.send_fds(sock, buffers, fds, flags, address).
   *
   * @param sock an AF_UNIX socket
   * @param buffers the bytes to send with the descriptors
   * @param fds the descriptors to pass (1 to 253)
   * @param flags MSG_* flags
   * @param address the destination (an AF_UNIX datagram socket's), or null
   * @return the number of bytes sent
   * @throws IOException as sendmsg
   */
  public static int sendFds(Socket sock, byte[][] buffers, int[] fds, int flags,
      SocketAddress address) throws IOException {
    return sock.sendFds(buffers, fds, flags, address);
  }

  /**
   * socket.recv_fds(sock, bufsize, maxfds): up to bufsize bytes and up to maxfds
   * descriptors, which are close-on-exec and the caller's to close ({@link
   * #close(int)}) or adopt ({@link Socket#fromFileno(int)}).
   *
   * @param sock an AF_UNIX socket
   * @param bufsize the most bytes to receive
   * @param maxfds the most descriptors to receive; more is MSG_CTRUNC (the rest are
   *     closed by the kernel)
   * @return (data, fds, msg_flags, address)
   * @throws IOException as recvmsg
   */
  public static Socket.FdMessage recvFds(Socket sock, int bufsize, int maxfds)
      throws IOException {
    return sock.recvFds(bufsize, maxfds, 0);
  }

  /**
   * socket.recv_fds(sock, bufsize, maxfds, flags).
   *
   * @param sock an AF_UNIX socket
   * @param bufsize the most bytes to receive
   * @param maxfds the most descriptors to receive
   * @param flags MSG_* flags
   * @return (data, fds, msg_flags, address)
   * @throws IOException as recvmsg
   */
  public static Socket.FdMessage recvFds(Socket sock, int bufsize, int maxfds, int flags)
      throws IOException {
    return sock.recvFds(bufsize, maxfds, flags);
  }

  // ---- signals ----

  /**
   * Sets the process-wide interrupt hook, as CPython's PyErr_CheckSignals gives
   * signal handlers their turn. Every call that waits retries EINTR by itself (PEP
   * 475); with a hook, on EINTR the interrupted call runs hook.getAsBoolean() on its
   * own thread: true stops the call with {@link InterruptedCallException} (EINTR,
   * losing no data: a sendall's exception tells what went in bytesTransferred()),
   * false lets it go on waiting with the time left. An exception the hook throws stops
   * the call too, and is what the call throws. null restores the default (retry).
   *
   * <p>EINTR needs a signal with a handler: any handled signal interrupts a
   * timeout-mode call or a poller wait; a blocking-mode call sleeping in the kernel
   * only for a handler installed without SA_RESTART. Keep the hook short and do not
   * call polysock from it.
   *
   * @param hook the hook, or null
   * @throws IOException if the native library refuses it
   */
  public static void setInterruptHook(BooleanSupplier hook) throws IOException {
    PolysockNative.polysock_java_set_interrupt_hook(hook);
  }

  /** getdefaulttimeout(): seconds, or null (None) for blocking. */
  public static Double getdefaulttimeout() throws IOException {
    double[] out = new double[1];
    PolysockNative.net_getdefaulttimeout(out);
    return Timeouts.toJava(out[0]);
  }

  /** setdefaulttimeout(seconds): null is None. */
  public static void setdefaulttimeout(Double seconds) throws IOException {
    PolysockNative.net_setdefaulttimeout(timeout(seconds));
  }

  /** setdefaulttimeout(seconds): a negative value is IllegalArgumentException. */
  public static void setdefaulttimeout(double seconds) throws IOException {
    PolysockNative.net_setdefaulttimeout(Timeouts.check(seconds));
  }

  /** has_dualstack_ipv6(). */
  public static boolean hasDualstackIpv6() throws IOException {
    int[] out = new int[1];
    PolysockNative.net_has_dualstack_ipv6(out);
    return out[0] != 0;
  }

  // ---- names ----

  /** gethostname(). */
  public static String gethostname() throws IOException {
    String[] out = new String[1];
    PolysockNative.net_gethostname(out);
    return out[0];
  }

  /** gethostbyname(name): the IPv4 address as text. */
  public static String gethostbyname(String name) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_gethostbyname(name, out);
    return out[0];
  }

  /** gethostbyname_ex(name). */
  public static HostEntry gethostbynameEx(String name) throws IOException {
    long[] he = new long[1];
    PolysockNative.net_gethostbyname_ex(name, he);
    return hostEntry(he[0]);
  }

  /** gethostbyaddr(ip). */
  public static HostEntry gethostbyaddr(String ip) throws IOException {
    long[] he = new long[1];
    PolysockNative.net_gethostbyaddr(ip, he);
    return hostEntry(he[0]);
  }

  private static HostEntry hostEntry(long he) throws IOException {
    try {
      String[] text = new String[1];
      long[] count = new long[1];
      PolysockNative.net_hostent_name(he, text);
      String name = text[0];
      List<String> aliases = new ArrayList<>();
      PolysockNative.net_hostent_alias_count(he, count);
      for (long i = 0; i < count[0]; i++) {
        PolysockNative.net_hostent_alias(he, i, text);
        aliases.add(text[0]);
      }
      List<String> addresses = new ArrayList<>();
      PolysockNative.net_hostent_address_count(he, count);
      for (long i = 0; i < count[0]; i++) {
        PolysockNative.net_hostent_address(he, i, text);
        addresses.add(text[0]);
      }
      return new HostEntry(name, aliases, addresses);
    } finally {
      PolysockNative.net_hostent_free(he);
    }
  }

  /** getfqdn(): this host's fully qualified name. */
  public static String getfqdn() throws IOException {
    return getfqdn("");
  }

  /** getfqdn(name). */
  public static String getfqdn(String name) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_getfqdn(name, out);
    return out[0];
  }

  /** getaddrinfo(host, port): host null is None. */
  public static List<AddrInfo> getaddrinfo(String host, int port) throws IOException {
    return getaddrinfo(host, Integer.toString(port), 0, 0, 0, 0);
  }

  /** getaddrinfo(host, service): a port number or service name as text ("http"), or null. */
  public static List<AddrInfo> getaddrinfo(String host, String service) throws IOException {
    return getaddrinfo(host, service, 0, 0, 0, 0);
  }

  /** getaddrinfo(host, port, family, type, proto, flags) with a numeric port. */
  public static List<AddrInfo> getaddrinfo(
      String host, int port, int family, int type, int proto, int flags) throws IOException {
    return getaddrinfo(host, Integer.toString(port), family, type, proto, flags);
  }

  /**
   * getaddrinfo(host, port, family, type, proto, flags): port is a number or a service
   * name as text, or null (None); host null is None.
   */
  public static List<AddrInfo> getaddrinfo(
      String host, String port, int family, int type, int proto, int flags) throws IOException {
    long[] list = new long[1];
    PolysockNative.net_getaddrinfo(host, port, family, type, proto, flags, list);
    try {
      long[] count = new long[1];
      PolysockNative.net_addrinfo_count(list[0], count);
      List<AddrInfo> result = new ArrayList<>((int) count[0]);
      AddrInfo[] one = new AddrInfo[1];
      for (long i = 0; i < count[0]; i++) {
        PolysockNative.net_addrinfo_get(list[0], i, one);
        result.add(one[0]);
      }
      return List.copyOf(result);
    } finally {
      PolysockNative.net_addrinfo_free(list[0]);
    }
  }

  /** getnameinfo((host, port), flags): host must be numeric. */
  public static NameInfo getnameinfo(String host, int port, int flags) throws IOException {
    String[] h = new String[1];
    String[] s = new String[1];
    PolysockNative.net_getnameinfo(host, port, flags, h, s);
    return new NameInfo(h[0], s[0]);
  }

  /** getnameinfo(sockaddr, flags) with a full address (AF_INET6: flowinfo, scope_id). */
  public static NameInfo getnameinfo(SocketAddress address, int flags) throws IOException {
    String[] h = new String[1];
    String[] s = new String[1];
    PolysockNative.polysock_java_getnameinfo_address(address.family(), address.host(),
        address.port(), address.flowinfo(), address.scopeId(), flags, h, s);
    return new NameInfo(h[0], s[0]);
  }

  /** getservbyname(name). */
  public static int getservbyname(String name) throws IOException {
    return getservbyname(name, null);
  }

  /** getservbyname(name, proto): proto null is any. */
  public static int getservbyname(String name, String proto) throws IOException {
    int[] out = new int[1];
    PolysockNative.net_getservbyname(name, proto, out);
    return out[0];
  }

  /** getservbyport(port). */
  public static String getservbyport(int port) throws IOException {
    return getservbyport(port, null);
  }

  /** getservbyport(port, proto): proto null is any. */
  public static String getservbyport(int port, String proto) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_getservbyport(port, proto, out);
    return out[0];
  }

  /** getprotobyname(name). */
  public static int getprotobyname(String name) throws IOException {
    int[] out = new int[1];
    PolysockNative.net_getprotobyname(name, out);
    return out[0];
  }

  // ---- byte order and addresses ----

  private interface ByteOrder {
    void apply(long x, long[] out) throws IOException;
  }

  private static long byteOrder(ByteOrder fn, long x) {
    long[] out = new long[1];
    try {
      fn.apply(x, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // only IllegalArgumentException is documented
    }
    return out[0];
  }

  /** htons(x): 0..65535, else IllegalArgumentException (Python's OverflowError). */
  public static int htons(long x) {
    return (int) byteOrder(PolysockNative::net_htons, x);
  }

  /** ntohs(x): 0..65535. */
  public static int ntohs(long x) {
    return (int) byteOrder(PolysockNative::net_ntohs, x);
  }

  /** htonl(x): 0..2**32-1. */
  public static long htonl(long x) {
    return byteOrder(PolysockNative::net_htonl, x);
  }

  /** ntohl(x). */
  public static long ntohl(long x) {
    return byteOrder(PolysockNative::net_ntohl, x);
  }

  /** inet_aton(s): 4 packed bytes. */
  public static byte[] inetAton(String s) throws IOException {
    byte[] out = new byte[4];
    PolysockNative.net_inet_aton(s, out);
    return out;
  }

  /** inet_ntoa(packed): dotted text of 4 bytes. */
  public static String inetNtoa(byte[] packed) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_inet_ntoa(packed, out);
    return out[0];
  }

  /** inet_pton(af, s): 4 or 16 packed bytes. */
  public static byte[] inetPton(int af, String s) throws IOException {
    byte[][] out = {new byte[16]};
    PolysockNative.net_inet_pton(af, s, out);
    return out[0];
  }

  /** inet_ntop(af, packed). */
  public static String inetNtop(int af, byte[] packed) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_inet_ntop(af, packed, out);
    return out[0];
  }

  // ---- interfaces ----

  /** if_nameindex(): every network interface. */
  public static List<NetInterface> ifNameindex() throws IOException {
    long[] list = new long[1];
    PolysockNative.net_if_nameindex(list);
    try {
      long[] count = new long[1];
      PolysockNative.net_if_nameindex_count(list[0], count);
      List<NetInterface> result = new ArrayList<>();
      NetInterface[] one = new NetInterface[1];
      for (long i = 0; i < count[0]; i++) {
        PolysockNative.net_if_nameindex_get(list[0], i, one);
        result.add(one[0]);
      }
      return List.copyOf(result);
    } finally {
      PolysockNative.net_if_nameindex_free(list[0]);
    }
  }

  /** if_nametoindex(name). */
  public static long ifNametoindex(String name) throws IOException {
    long[] out = new long[1];
    PolysockNative.net_if_nametoindex(name, out);
    return out[0];
  }

  /** if_indextoname(index). */
  public static String ifIndextoname(long index) throws IOException {
    String[] out = new String[1];
    PolysockNative.net_if_indextoname(index, out);
    return out[0];
  }
}
