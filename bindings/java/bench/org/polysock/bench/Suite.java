package org.polysock.bench;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.polysock.BlockingIOException;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.PolysockException;
import org.polysock.Socket;
import org.polysock.TlsContext;
import org.polysock.TlsVersion;
import org.polysock.VerifyMode;

/**
 * The Java suite program of issue 18 (the protocol of bench/run.sh): it measures ONE
 * (benchmark, implementation) case per invocation, once, after a warm-up on its own
 * connection, and prints "RESULT number" (plus "INFO ..." lines); the driver does the
 * rounds, medians and ratios.
 *
 * <p>Implementations: {@code polysock} (org.polysock.Socket with byte[] buffers, the call
 * pattern of java.net's streams), {@code polysock-direct} (the same with direct
 * ByteBuffers, the call pattern of NIO), {@code socket} (java.net.Socket / ServerSocket
 * streams; SSLSocket for tls-bulk) and {@code nio} (SocketChannel / ServerSocketChannel
 * in blocking mode with direct ByteBuffers; a Selector thread for echo-server, a
 * non-blocking read for eagain). {@code list} prints the cases.
 *
 * <p>Build (a Release build; the class lands in build/rel/bindings/java/bench-classes):
 *
 * <pre>
 *   cmake -S . -B build/rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOLYSOCK_WERROR=ON \
 *       -DPOLYSOCK_BUILD_JAVA=ON -DPOLYSOCK_BUILD_TESTS=OFF -DPOLYSOCK_BUILD_EXAMPLES=OFF
 *   cmake --build build/rel --target polysock_java_bench
 * </pre>
 *
 * <p>Run (the jar loads its native libraries by itself: no java.library.path):
 *
 * <pre>
 *   java -cp build/rel/bindings/java/polysock.jar:build/rel/bindings/java/bench-classes \
 *       org.polysock.bench.Suite list
 *   java -cp build/rel/bindings/java/polysock.jar:build/rel/bindings/java/bench-classes \
 *       org.polysock.bench.Suite bulk polysock bytes=1073741824 chunk=65536
 *   ... Suite rtt nio trips=20000 size=64
 *   ... Suite connect socket count=5000
 *   ... Suite eagain polysock calls=1000000
 *   ... Suite tls-bulk socket bytes=268435456 chunk=65536 cert=cert.pem key=key.pem p12=cert.p12
 *   ... Suite echo-server polysock      (prints "PORT n", serves until stdin's EOF)
 * </pre>
 *
 * Defaults are issue 18's; tls-bulk's files default to cert.pem, key.pem and cert.p12
 * (password "polysock") in the current directory. For echo-server at 10,000 connections
 * raise the descriptor limit first (ulimit -n 20000; the JVM lifts its soft limit to the
 * hard one by itself).
 *
 * <p>Fairness: each pair does the same calls with the same sizes (polysock's byte[] calls
 * beside java.net's streams, polysock-direct beside NIO's direct buffers). The echo
 * servers do per ready connection one read and one write of what came (a partial write
 * waits for EVENT_WRITE / OP_WRITE), accept until would-block, set TCP_NODELAY, and take
 * up to 1024 events per wait, the batch NIO's epoll Selector uses. polysock's eagain
 * uses Socket.tryRecvInto, which returns -1 for would-block (it says so in an INFO line);
 * NIO's read returns 0. Neither throws.
 *
 * <p>Warm-up: issue 18's (about 1/8 of the work, at least 2000 calls, its own
 * connection), repeated on a new connection until the JIT compiled for less than 2 ms
 * in each of the last two passes, 8 passes at most ("INFO warm-up passes n (JIT ms per
 * pass: ...)", then "INFO JIT after the warm-up: ms"). One pass was not enough for JSSE:
 * C2 compiled its AES-GCM record path
 * (GCMDecrypt.doFinal, GcmWriteCipher.encrypt) during the timed part, and tls-bulk
 * socket read 370 MiB/s at 256 MiB against 1020 MiB/s at 1 GiB.
 */
public final class Suite {
  private static final InetAddress LOOPBACK;

  static {
    try {
      LOOPBACK = InetAddress.getByAddress(new byte[] {127, 0, 0, 1}); // numeric: no lookup
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The cases, in the order "list" prints them, with each benchmark's keys and defaults. */
  private static final List<String> CASES = List.of(
      "bulk polysock", "bulk polysock-direct", "bulk socket", "bulk nio",
      "rtt polysock", "rtt polysock-direct", "rtt socket", "rtt nio",
      "connect polysock", "connect socket", "connect nio",
      "eagain polysock", "eagain nio",
      "tls-bulk polysock", "tls-bulk socket",
      "echo-server polysock", "echo-server nio");

  private static Map<String, String> defaults(String bench) {
    Map<String, String> d = new LinkedHashMap<>();
    switch (bench) {
      case "bulk" -> {
        d.put("bytes", "1073741824");
        d.put("chunk", "65536");
      }
      case "rtt" -> {
        d.put("trips", "20000");
        d.put("size", "64");
      }
      case "connect" -> d.put("count", "5000");
      case "eagain" -> d.put("calls", "1000000");
      case "tls-bulk" -> {
        d.put("bytes", "268435456");
        d.put("chunk", "65536");
        d.put("cert", "cert.pem");
        d.put("key", "key.pem");
        d.put("p12", "cert.p12");
      }
      default -> { } // echo-server: no keys
    }
    return d;
  }

  /** The warm-up's share of n units of work: about 1/8, at least min, at most n. */
  private static long warm(long n, long min) {
    return Math.min(n, Math.max(n / 8, min));
  }

  /** At least this many calls in every warm-up (the JIT's tiers). */
  private static final long WARM_CALLS = 2000;
  /** Warm-up passes at most (each on its own connection). */
  private static final int WARM_PASSES_MAX = 8;
  /** Two passes in a row during which the JIT compiled for less than this many ms end the warm-up. */
  private static final long JIT_QUIET_MS = 2;

  /**
   * Runs the warm-up pass, and again (a new connection each time, at most
   * WARM_PASSES_MAX passes in all) until the JIT compiled for less than JIT_QUIET_MS
   * during each of the last two: C2 compiles in the background, once a method's counters
   * (which add up over the passes) pass its thresholds, so a hot path compiled late
   * would otherwise be timed half interpreted, and the compile itself would share the one
   * CPU of a pinned case (JSSE's AES-GCM record path needs more than 1/8 of tls-bulk's
   * default work; java.net's bulk and round trips compiled 100-170 ms after the single
   * quiet pass of 20 ms that ended the warm-up before). Prints "INFO warm-up passes n";
   * the run prints "INFO JIT after the warm-up" with what was compiled after it.
   */
  private static void warmUp(Body pass) throws Exception {
    CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
    int passes = 0;
    int quiet = 0; // passes in a row under JIT_QUIET_MS
    StringBuilder deltas = new StringBuilder();
    do {
      long before = timed ? jit.getTotalCompilationTime() : 0;
      pass.run();
      passes++;
      long compiled = timed ? jit.getTotalCompilationTime() - before : 0;
      quiet = compiled < JIT_QUIET_MS ? quiet + 1 : 0;
      deltas.append(passes == 1 ? "" : ",").append(compiled);
    } while (passes < WARM_PASSES_MAX && quiet < 2);
    System.out.println("INFO warm-up passes " + passes + " (JIT ms per pass: " + deltas + ")");
    jitAfterWarmUp = timed ? jit.getTotalCompilationTime() : -1;
  }

  /** The JIT's total compilation time (ms) at the end of the warm-up; -1: not measured. */
  private static long jitAfterWarmUp = -1;

  private Suite() {}

  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (Throwable e) {
      System.err.println("suite: " + e);
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static int run(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("list")) {
      CASES.forEach(System.out::println);
      return 0;
    }
    if (args.length < 2) {
      System.err.println("usage: Suite list | Suite <bench> <impl> [key=value ...]");
      return 2;
    }
    String bench = args[0];
    String impl = args[1];
    if (!CASES.contains(bench + " " + impl)) {
      System.err.println("suite: unknown case \"" + bench + " " + impl + "\" (see: Suite list)");
      return 2;
    }
    Map<String, String> keys = defaults(bench);
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      String k = eq < 0 ? args[i] : args[i].substring(0, eq);
      if (eq < 0 || !keys.containsKey(k)) {
        System.err.println("suite: unknown key \"" + args[i] + "\" for " + bench
            + " (keys: " + String.join(", ", keys.keySet()) + ")");
        return 2;
      }
      keys.put(k, args[i].substring(eq + 1));
    }
    double result = switch (bench) {
      case "bulk" -> bulk(impl, positive(keys, "bytes"), (int) positiveInt(keys, "chunk"));
      case "rtt" -> rtt(impl, positiveInt(keys, "trips"), (int) positiveInt(keys, "size"));
      case "connect" -> connect(impl, positiveInt(keys, "count"));
      case "eagain" -> eagain(impl, positive(keys, "calls"));
      case "tls-bulk" -> tlsBulk(impl, positive(keys, "bytes"), (int) positiveInt(keys, "chunk"),
          keys.get("cert"), keys.get("key"), keys.get("p12"));
      case "echo-server" -> {
        echoServer(impl);
        yield Double.NaN; // not reached: the server exits at stdin's EOF
      }
      default -> throw new IllegalStateException(bench);
    };
    if (jitAfterWarmUp >= 0) {
      long ms = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitAfterWarmUp;
      System.out.println("INFO JIT after the warm-up: " + ms + " ms");
    }
    System.out.printf(Locale.ROOT, "RESULT %.3f%n", result);
    return 0;
  }

  private static long positive(Map<String, String> keys, String k) {
    long v;
    try {
      v = Long.parseLong(keys.get(k));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + "=" + keys.get(k) + " is not an integer");
    }
    if (v <= 0) {
      throw new IllegalArgumentException(k + "=" + v + " must be positive");
    }
    return v;
  }

  private static long positiveInt(Map<String, String> keys, String k) {
    long v = positive(keys, k);
    if (v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(k + "=" + v + " is too large");
    }
    return v;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }

  /** n > 0, or the stream ended after got bytes: the message is built only then, off the loop. */
  private static void checkReceived(int n, long got) {
    if (n <= 0) {
      throw new IllegalStateException("end of stream after " + got + " bytes");
    }
  }

  private static double mibPerSecond(long bytes, long nanos) {
    return (bytes / 1048576.0) / (nanos / 1e9);
  }

  // ---- threads ----

  private interface Body {
    void run() throws Exception;
  }

  /** A thread whose failure ends the program (the other end would wait forever). */
  private static Thread start(String name, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        System.err.println("suite: " + name + " thread: " + e);
        e.printStackTrace();
        System.exit(1);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  // ---- connected pairs: {client, accepted}, each on a fresh listener ----

  private static Socket[] polysockPair(boolean nodelay) throws IOException {
    try (Socket listener = Net.createServer("127.0.0.1", 0, Net.AF_INET, 128)) {
      Socket client = new Socket(Net.AF_INET, Net.SOCK_STREAM);
      client.connect("127.0.0.1", listener.getsockname().port());
      Socket conn = listener.accept().socket();
      if (nodelay) {
        client.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
        conn.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
      }
      return new Socket[] {client, conn};
    }
  }

  private static java.net.Socket[] socketPair(boolean nodelay) throws IOException {
    try (ServerSocket listener = new ServerSocket(0, 128, LOOPBACK)) {
      java.net.Socket client = new java.net.Socket();
      client.connect(new InetSocketAddress(LOOPBACK, listener.getLocalPort()));
      java.net.Socket conn = listener.accept();
      client.setTcpNoDelay(nodelay);
      conn.setTcpNoDelay(nodelay);
      return new java.net.Socket[] {client, conn};
    }
  }

  private static SocketChannel[] nioPair(boolean nodelay) throws IOException {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(LOOPBACK, 0), 128);
      SocketChannel client = SocketChannel.open(listener.getLocalAddress());
      SocketChannel conn = listener.accept();
      client.setOption(java.net.StandardSocketOptions.TCP_NODELAY, nodelay);
      conn.setOption(java.net.StandardSocketOptions.TCP_NODELAY, nodelay);
      return new SocketChannel[] {client, conn};
    }
  }

  // ---- bulk: MiB/s from the first send until the receiver has every byte ----

  private static double bulk(String impl, long bytes, int chunk) throws Exception {
    warmUp(() -> bulkOnce(impl, warm(bytes, WARM_CALLS * chunk), chunk));
    return bulkOnce(impl, bytes, chunk);
  }

  private static double bulkOnce(String impl, long bytes, int chunk) throws Exception {
    long[] t0 = new long[1]; // written by the sender before its first send, read after join
    long got = 0;
    long end;
    switch (impl) {
      case "polysock" -> {
        Socket[] p = polysockPair(false);
        try (Socket client = p[0]; Socket conn = p[1]) {
          Thread sender = start("sender", () -> {
            byte[] buf = new byte[chunk];
            t0[0] = System.nanoTime();
            for (long left = bytes; left > 0; left -= chunk) {
              client.sendall(buf, 0, (int) Math.min(chunk, left), 0);
            }
          });
          byte[] buf = new byte[chunk];
          while (got < bytes) {
            int n = conn.recvInto(buf, 0, chunk, 0);
            checkReceived(n, got);
            got += n;
          }
          end = System.nanoTime();
          sender.join();
        }
      }
      case "polysock-direct" -> {
        Socket[] p = polysockPair(false);
        try (Socket client = p[0]; Socket conn = p[1]) {
          Thread sender = start("sender", () -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
            t0[0] = System.nanoTime();
            for (long left = bytes; left > 0; left -= chunk) {
              buf.clear().limit((int) Math.min(chunk, left));
              client.sendall(buf);
            }
          });
          ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
          while (got < bytes) {
            int n = conn.recvInto(buf.clear());
            checkReceived(n, got);
            got += n;
          }
          end = System.nanoTime();
          sender.join();
        }
      }
      case "socket" -> {
        java.net.Socket[] p = socketPair(false);
        try (java.net.Socket client = p[0]; java.net.Socket conn = p[1]) {
          OutputStream out = client.getOutputStream();
          InputStream in = conn.getInputStream();
          Thread sender = start("sender", () -> {
            byte[] buf = new byte[chunk];
            t0[0] = System.nanoTime();
            for (long left = bytes; left > 0; left -= chunk) {
              out.write(buf, 0, (int) Math.min(chunk, left));
            }
          });
          byte[] buf = new byte[chunk];
          while (got < bytes) {
            int n = in.read(buf, 0, chunk);
            checkReceived(n, got);
            got += n;
          }
          end = System.nanoTime();
          sender.join();
        }
      }
      case "nio" -> {
        SocketChannel[] p = nioPair(false);
        try (SocketChannel client = p[0]; SocketChannel conn = p[1]) {
          Thread sender = start("sender", () -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
            t0[0] = System.nanoTime();
            for (long left = bytes; left > 0; left -= chunk) {
              buf.clear().limit((int) Math.min(chunk, left));
              while (buf.hasRemaining()) {
                client.write(buf);
              }
            }
          });
          ByteBuffer buf = ByteBuffer.allocateDirect(chunk);
          while (got < bytes) {
            int n = conn.read(buf.clear());
            checkReceived(n, got);
            got += n;
          }
          end = System.nanoTime();
          sender.join();
        }
      }
      default -> throw new IllegalStateException(impl);
    }
    check(got == bytes, "received " + got + " bytes of " + bytes);
    return mibPerSecond(bytes, end - t0[0]);
  }

  // ---- rtt: microseconds per round trip of size bytes, TCP_NODELAY, an echo thread ----

  private static double rtt(String impl, long trips, int size) throws Exception {
    warmUp(() -> rttOnce(impl, warm(trips, 3 * WARM_CALLS), size));
    return rttOnce(impl, trips, size);
  }

  private static void recvExactly(Socket s, byte[] buf) throws IOException {
    for (int have = 0; have < buf.length; ) {
      int n = s.recvInto(buf, have, buf.length - have, 0);
      check(n > 0, "peer closed");
      have += n;
    }
  }

  private static void recvExactly(Socket s, ByteBuffer buf) throws IOException {
    buf.clear();
    while (buf.hasRemaining()) {
      check(s.recvInto(buf) > 0, "peer closed");
    }
  }

  private static void readExactly(InputStream in, byte[] buf) throws IOException {
    for (int have = 0; have < buf.length; ) {
      int n = in.read(buf, have, buf.length - have);
      check(n > 0, "peer closed");
      have += n;
    }
  }

  private static void readExactly(SocketChannel ch, ByteBuffer buf) throws IOException {
    buf.clear();
    while (buf.hasRemaining()) {
      check(ch.read(buf) > 0, "peer closed");
    }
  }

  private static void writeAll(SocketChannel ch, ByteBuffer buf) throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static double rttOnce(String impl, long trips, int size) throws Exception {
    long start;
    long end;
    switch (impl) {
      case "polysock" -> {
        Socket[] p = polysockPair(true);
        try (Socket client = p[0]; Socket conn = p[1]) {
          Thread echo = start("echo", () -> {
            byte[] buf = new byte[size];
            for (long i = 0; i < trips; i++) {
              recvExactly(conn, buf);
              conn.sendall(buf, 0, size, 0);
            }
          });
          byte[] out = new byte[size];
          byte[] in = new byte[size];
          start = System.nanoTime();
          for (long i = 0; i < trips; i++) {
            client.sendall(out, 0, size, 0);
            recvExactly(client, in);
          }
          end = System.nanoTime();
          echo.join();
        }
      }
      case "polysock-direct" -> {
        Socket[] p = polysockPair(true);
        try (Socket client = p[0]; Socket conn = p[1]) {
          Thread echo = start("echo", () -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            for (long i = 0; i < trips; i++) {
              recvExactly(conn, buf);
              conn.sendall(buf.flip());
            }
          });
          ByteBuffer out = ByteBuffer.allocateDirect(size);
          ByteBuffer in = ByteBuffer.allocateDirect(size);
          start = System.nanoTime();
          for (long i = 0; i < trips; i++) {
            client.sendall(out.clear());
            recvExactly(client, in);
          }
          end = System.nanoTime();
          echo.join();
        }
      }
      case "socket" -> {
        java.net.Socket[] p = socketPair(true);
        try (java.net.Socket client = p[0]; java.net.Socket conn = p[1]) {
          InputStream connIn = conn.getInputStream();
          OutputStream connOut = conn.getOutputStream();
          Thread echo = start("echo", () -> {
            byte[] buf = new byte[size];
            for (long i = 0; i < trips; i++) {
              readExactly(connIn, buf);
              connOut.write(buf, 0, size);
            }
          });
          InputStream in = client.getInputStream();
          OutputStream out = client.getOutputStream();
          byte[] msg = new byte[size];
          byte[] back = new byte[size];
          start = System.nanoTime();
          for (long i = 0; i < trips; i++) {
            out.write(msg, 0, size);
            readExactly(in, back);
          }
          end = System.nanoTime();
          echo.join();
        }
      }
      case "nio" -> {
        SocketChannel[] p = nioPair(true);
        try (SocketChannel client = p[0]; SocketChannel conn = p[1]) {
          Thread echo = start("echo", () -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            for (long i = 0; i < trips; i++) {
              readExactly(conn, buf);
              writeAll(conn, buf);
            }
          });
          ByteBuffer out = ByteBuffer.allocateDirect(size);
          ByteBuffer in = ByteBuffer.allocateDirect(size);
          start = System.nanoTime();
          for (long i = 0; i < trips; i++) {
            writeAll(client, out.clear().position(size));
            readExactly(client, in);
          }
          end = System.nanoTime();
          echo.join();
        }
      }
      default -> throw new IllegalStateException(impl);
    }
    return (end - start) / 1e3 / trips;
  }

  // ---- connect: connections per second (socket, connect, accept, close, close) ----

  private static double connect(String impl, long count) throws Exception {
    warmUp(() -> connectOnce(impl, warm(count, WARM_CALLS))); // own listener, as every run
    return connectOnce(impl, count);
  }

  private static double connectOnce(String impl, long count) throws Exception {
    long start;
    long end;
    switch (impl) {
      case "polysock" -> {
        try (Socket listener = Net.createServer("127.0.0.1", 0, Net.AF_INET, 128)) {
          int port = listener.getsockname().port();
          start = System.nanoTime();
          for (long i = 0; i < count; i++) {
            Socket client = new Socket(Net.AF_INET, Net.SOCK_STREAM);
            client.connect("127.0.0.1", port);
            Socket conn = listener.accept().socket();
            client.close();
            conn.close();
          }
          end = System.nanoTime();
        }
      }
      case "socket" -> {
        try (ServerSocket listener = new ServerSocket(0, 128, LOOPBACK)) {
          InetSocketAddress address = new InetSocketAddress(LOOPBACK, listener.getLocalPort());
          start = System.nanoTime();
          for (long i = 0; i < count; i++) {
            java.net.Socket client = new java.net.Socket();
            client.connect(address);
            java.net.Socket conn = listener.accept();
            client.close();
            conn.close();
          }
          end = System.nanoTime();
        }
      }
      case "nio" -> {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
          listener.bind(new InetSocketAddress(LOOPBACK, 0), 128);
          java.net.SocketAddress address = listener.getLocalAddress();
          start = System.nanoTime();
          for (long i = 0; i < count; i++) {
            SocketChannel client = SocketChannel.open();
            client.connect(address);
            SocketChannel conn = listener.accept();
            client.close();
            conn.close();
          }
          end = System.nanoTime();
        }
      }
      default -> throw new IllegalStateException(impl);
    }
    return count / ((end - start) / 1e9);
  }

  // ---- eagain: nanoseconds per non-blocking recv of 64 bytes that finds no data ----

  private static double eagain(String impl, long calls) throws Exception {
    if (impl.equals("polysock")) {
      System.out.println("INFO polysock: each call is tryRecvInto(direct ByteBuffer) on a"
          + " setblocking(false) socket, the non-throwing receive returning -1 for would-block"
          + " (no exception, as NIO's read returning 0)");
    }
    warmUp(() -> eagainOnce(impl, warm(calls, WARM_CALLS)));
    return eagainOnce(impl, calls);
  }

  private static double eagainOnce(String impl, long calls) throws Exception {
    long wouldBlock = 0;
    long start;
    long end;
    switch (impl) {
      case "polysock" -> {
        Socket[] p = polysockPair(false);
        try (Socket client = p[0]; Socket conn = p[1]) {
          client.setblocking(false);
          ByteBuffer buf = ByteBuffer.allocateDirect(64);
          start = System.nanoTime();
          for (long i = 0; i < calls; i++) {
            int n = client.tryRecvInto(buf.clear());
            if (n != -1) {
              throw new IllegalStateException(
                  "tryRecvInto returned " + n + ", not -1 (would block)");
            }
            wouldBlock++;
          }
          end = System.nanoTime();
        }
      }
      case "nio" -> {
        SocketChannel[] p = nioPair(false);
        try (SocketChannel client = p[0]; SocketChannel conn = p[1]) {
          client.configureBlocking(false);
          ByteBuffer buf = ByteBuffer.allocateDirect(64);
          start = System.nanoTime();
          for (long i = 0; i < calls; i++) {
            int n = client.read(buf.clear());
            if (n != 0) {
              throw new IllegalStateException("read returned " + n + ", not 0 (would block)");
            }
            wouldBlock++;
          }
          end = System.nanoTime();
        }
      }
      default -> throw new IllegalStateException(impl);
    }
    check(wouldBlock == calls, wouldBlock + " of " + calls + " calls reported would-block");
    return (double) (end - start) / calls;
  }

  // ---- tls-bulk: MiB/s client -> server over TLS 1.3, handshake excluded ----

  private static double tlsBulk(String impl, long bytes, int chunk, String cert, String key,
      String p12) throws Exception {
    Tls tls = impl.equals("polysock") ? new PolysockTls(cert, key) : new JsseTls(cert, p12);
    try {
      warmUp(() -> tlsBulkOnce(tls, warm(bytes, WARM_CALLS * chunk), chunk, false));
      return tlsBulkOnce(tls, bytes, chunk, true);
    } finally {
      tls.close();
    }
  }

  /** One implementation's TLS: a listener, a verified client, the bytes' way through. */
  private interface Tls extends AutoCloseable {
    /** Listens on 127.0.0.1, port 0; returns the port. */
    int listen() throws Exception;

    /** Accepts one connection and completes its handshake (server side). */
    void accept() throws Exception;

    /** Connects to 127.0.0.1:port, handshakes, verifies "localhost" (client side). */
    void connect(int port) throws Exception;

    String cipher() throws Exception;

    String version() throws Exception;

    /** The client's sender loop: bytes in chunk writes; t0[0] set before the first. */
    void send(long bytes, int chunk, long[] t0) throws Exception;

    /** The server's receive loop into a chunk buffer until bytes have come. */
    long receive(long bytes, int chunk) throws Exception;

    /** Closes the connection and the listener of this run. */
    void closeRun() throws Exception;

    @Override
    void close() throws Exception;
  }

  private static double tlsBulkOnce(Tls tls, long bytes, int chunk, boolean report)
      throws Exception {
    int port = tls.listen();
    CountDownLatch serverReady = new CountDownLatch(1);
    CountDownLatch received = new CountDownLatch(1);
    long[] t0 = new long[1];
    Thread client = start("tls client", () -> {
      tls.connect(port);
      serverReady.await();
      tls.send(bytes, chunk, t0);
      received.await(); // close only after the server has everything
    });
    tls.accept();
    serverReady.countDown();
    long got = tls.receive(bytes, chunk);
    long end = System.nanoTime();
    received.countDown();
    client.join();
    check(got == bytes, "received " + got + " bytes of " + bytes);
    if (report) {
      check(tls.version().equals("TLSv1.3"), "negotiated " + tls.version());
      System.out.println("INFO cipher " + tls.cipher());
    }
    tls.closeRun();
    return mibPerSecond(bytes, end - t0[0]);
  }

  private static final class PolysockTls implements Tls {
    private final TlsContext server;
    private final TlsContext client;
    private Socket listener;
    private Socket serverConn;
    private Socket clientConn;

    PolysockTls(String cert, String key) throws IOException {
      server = new TlsContext(TlsContext.Protocol.TLS_SERVER);
      server.loadCertChain(cert, key);
      server.setMinimumVersion(TlsVersion.TLSv1_3);
      client = new TlsContext(TlsContext.Protocol.TLS_CLIENT);
      client.setVerifyMode(VerifyMode.CERT_REQUIRED);
      client.setCheckHostname(true);
      client.loadVerifyLocations(cert);
      client.setMinimumVersion(TlsVersion.TLSv1_3);
    }

    @Override
    public int listen() throws IOException {
      listener = Net.createServer("127.0.0.1", 0, Net.AF_INET, 128);
      return listener.getsockname().port();
    }

    @Override
    public void accept() throws IOException {
      serverConn = server.wrapSocket(listener.accept().socket(), true, null);
    }

    @Override
    public void connect(int port) throws IOException {
      Socket s = new Socket(Net.AF_INET, Net.SOCK_STREAM);
      s.connect("127.0.0.1", port);
      clientConn = client.wrapSocket(s, false, "localhost");
    }

    @Override
    public String cipher() throws IOException {
      return serverConn.cipher().name();
    }

    @Override
    public String version() throws IOException {
      return serverConn.tlsVersion();
    }

    @Override
    public void send(long bytes, int chunk, long[] t0) throws IOException {
      byte[] buf = new byte[chunk];
      t0[0] = System.nanoTime();
      for (long left = bytes; left > 0; left -= chunk) {
        clientConn.sendall(buf, 0, (int) Math.min(chunk, left), 0);
      }
    }

    @Override
    public long receive(long bytes, int chunk) throws IOException {
      byte[] buf = new byte[chunk];
      long got = 0;
      while (got < bytes) {
        int n = serverConn.recvInto(buf, 0, chunk, 0);
        checkReceived(n, got);
        got += n;
      }
      return got;
    }

    @Override
    public void closeRun() throws IOException {
      clientConn.close();
      serverConn.close();
      listener.close();
    }

    @Override
    public void close() throws IOException {
      server.close();
      client.close();
    }
  }

  private static final class JsseTls implements Tls {
    private static final String[] TLS13 = {"TLSv1.3"};
    private final SSLContext server;
    private final SSLContext client;
    private SSLServerSocket listener;
    private SSLSocket serverConn;
    private SSLSocket clientConn;

    JsseTls(String cert, String p12) throws Exception {
      char[] password = "polysock".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      try (InputStream in = new FileInputStream(p12)) {
        keys.load(in, password);
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      server = SSLContext.getInstance("TLSv1.3");
      server.init(kmf.getKeyManagers(), null, null);

      Certificate ca;
      try (InputStream in = new FileInputStream(cert)) {
        ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      client = SSLContext.getInstance("TLSv1.3");
      client.init(null, tmf.getTrustManagers(), null);
    }

    @Override
    public int listen() throws IOException {
      listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 128,
          LOOPBACK);
      listener.setEnabledProtocols(TLS13);
      return listener.getLocalPort();
    }

    @Override
    public void accept() throws IOException {
      serverConn = (SSLSocket) listener.accept();
      serverConn.startHandshake();
    }

    @Override
    public void connect(int port) throws IOException {
      java.net.Socket s = new java.net.Socket();
      s.connect(new InetSocketAddress(LOOPBACK, port));
      // "localhost" is the SNI name and the name checked, never looked up.
      SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(s, "localhost", port,
          true);
      SSLParameters params = tls.getSSLParameters();
      params.setProtocols(TLS13);
      params.setEndpointIdentificationAlgorithm("HTTPS"); // verify the name, as Python's
      tls.setSSLParameters(params);
      tls.startHandshake();
      clientConn = tls;
    }

    @Override
    public String cipher() {
      return serverConn.getSession().getCipherSuite();
    }

    @Override
    public String version() {
      return serverConn.getSession().getProtocol();
    }

    @Override
    public void send(long bytes, int chunk, long[] t0) throws IOException {
      OutputStream out = clientConn.getOutputStream();
      byte[] buf = new byte[chunk];
      t0[0] = System.nanoTime();
      for (long left = bytes; left > 0; left -= chunk) {
        out.write(buf, 0, (int) Math.min(chunk, left));
      }
    }

    @Override
    public long receive(long bytes, int chunk) throws IOException {
      InputStream in = serverConn.getInputStream();
      byte[] buf = new byte[chunk];
      long got = 0;
      while (got < bytes) {
        int n = in.read(buf, 0, chunk);
        checkReceived(n, got);
        got += n;
      }
      return got;
    }

    @Override
    public void closeRun() throws IOException {
      clientConn.close();
      serverConn.close();
      listener.close();
    }

    @Override
    public void close() {}
  }

  // ---- echo-server: one thread on an event loop; exits 0 at stdin's EOF ----

  private static final int ECHO_BACKLOG = 4096;
  /** Events per wait: what NIO's epoll Selector asks for (EPollSelectorImpl). */
  private static final int ECHO_BATCH = 1024;
  private static final int ECHO_BUFFER = 4096;

  private static void echoServer(String impl) throws Exception {
    Thread stdin = new Thread(() -> {
      try {
        byte[] buf = new byte[512];
        while (System.in.read(buf) >= 0) {
          // the driver only closes it
        }
        System.exit(0);
      } catch (Throwable e) {
        System.err.println("suite: stdin: " + e);
        System.exit(1);
      }
    }, "stdin");
    stdin.setDaemon(true);
    switch (impl) {
      case "polysock" -> polysockEchoServer(stdin);
      case "nio" -> nioEchoServer(stdin);
      default -> throw new IllegalStateException(impl);
    }
  }

  /** A connection's bytes that a send could not take yet (null: none). */
  private static final class Pending {
    ByteBuffer rest;
  }

  private static void polysockEchoServer(Thread stdin) throws IOException {
    Socket listener = Net.createServer("127.0.0.1", 0, Net.AF_INET, ECHO_BACKLOG);
    listener.setblocking(false);
    Poller poller = new Poller();
    poller.register(listener, Poller.EVENT_READ, null);
    System.out.println("PORT " + listener.getsockname().port());
    System.out.flush();
    stdin.start();
    ByteBuffer buf = ByteBuffer.allocateDirect(ECHO_BUFFER);
    while (true) {
      for (Poller.Event ev : poller.select(null, ECHO_BATCH)) {
        Socket s = ev.socket();
        if (ev.attachment() == null) {
          while (true) { // accept all that wait
            Socket conn;
            try {
              conn = listener.accept().socket();
            } catch (BlockingIOException e) {
              break;
            }
            conn.setblocking(false);
            conn.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
            poller.register(conn, Poller.EVENT_READ, new Pending());
          }
          continue;
        }
        Pending pending = (Pending) ev.attachment();
        try {
          if (pending.rest != null) { // waiting to write the rest
            s.send(pending.rest);
            if (!pending.rest.hasRemaining()) {
              pending.rest = null;
              poller.modify(s, Poller.EVENT_READ);
            }
            continue;
          }
          int n = s.recvInto(buf.clear());
          if (n == 0) {
            s.close(); // end of stream; also leaves the poller
            continue;
          }
          buf.flip();
          try {
            s.send(buf);
          } catch (BlockingIOException e) {
            // nothing went: all of it waits below
          }
          if (buf.hasRemaining()) {
            pending.rest = ByteBuffer.allocateDirect(buf.remaining()).put(buf).flip();
            poller.modify(s, Poller.EVENT_WRITE);
          }
        } catch (BlockingIOException e) {
          // a spurious wake-up: level-triggered, it comes again
        } catch (PolysockException e) {
          s.close(); // reset by the peer, or another failure of this connection
        }
      }
    }
  }

  private static void nioEchoServer(Thread stdin) throws IOException {
    ServerSocketChannel listener = ServerSocketChannel.open();
    listener.bind(new InetSocketAddress(LOOPBACK, 0), ECHO_BACKLOG);
    listener.configureBlocking(false);
    Selector selector = Selector.open();
    listener.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("PORT " + ((InetSocketAddress) listener.getLocalAddress()).getPort());
    System.out.flush();
    stdin.start();
    ByteBuffer buf = ByteBuffer.allocateDirect(ECHO_BUFFER);
    while (true) {
      selector.select();
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey key = it.next();
        it.remove();
        if (key.channel() == listener) {
          for (SocketChannel conn; (conn = listener.accept()) != null; ) { // accept all
            conn.configureBlocking(false);
            conn.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            conn.register(selector, SelectionKey.OP_READ, new Pending());
          }
          continue;
        }
        SocketChannel ch = (SocketChannel) key.channel();
        Pending pending = (Pending) key.attachment();
        try {
          if (pending.rest != null) { // waiting to write the rest
            ch.write(pending.rest);
            if (!pending.rest.hasRemaining()) {
              pending.rest = null;
              key.interestOps(SelectionKey.OP_READ);
            }
            continue;
          }
          int n = ch.read(buf.clear());
          if (n < 0) {
            ch.close(); // end of stream; also cancels the key
            continue;
          }
          if (n == 0) {
            continue;
          }
          buf.flip();
          ch.write(buf);
          if (buf.hasRemaining()) {
            pending.rest = ByteBuffer.allocateDirect(buf.remaining()).put(buf).flip();
            key.interestOps(SelectionKey.OP_WRITE);
          }
        } catch (IOException e) {
          ch.close(); // reset by the peer, or another failure of this connection
        }
      }
    }
  }
}
