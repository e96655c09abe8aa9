package org.polysock.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.polysock.Net;
import org.polysock.Socket;

/**
 * polysock against java.net.Socket in the same JVM and run (issue 15, point 4): 64-byte
 * round trips over TCP loopback (TCP_NODELAY) in blocking mode and in timeout mode
 * (settimeout / setSoTimeout), and bulk transfers in 64 KiB byte[] writes (plus direct
 * ByteBuffers for polysock). Each round runs every pair, alternating which side goes
 * first; a pair's ratio is taken per round and the median of those is reported, with
 * the medians of the rates. Run it on demand (never from the tests):
 *
 * <pre>
 *   taskset -c 1 java -cp polysock.jar:bench-classes org.polysock.bench.JavaBench \
 *       [--trips N] [--bulk-mib M] [--rounds R] [--only NAME]
 *   java -cp ... org.polysock.bench.JavaBench --overhead
 * </pre>
 *
 * --overhead times the binding alone: recv_into of 0 bytes returns in the C ABI without
 * a system call, so its cost per call is the Java layer, JNI and the handle lookup.
 *
 * taskset puts both ends on one CPU, as bench/bench_roundtrip does for the C ABI, so
 * every message is a context switch and per-call cost is not hidden by a second CPU.
 */
public final class JavaBench {
  private static final int MESSAGE = 64;
  private static final int CHUNK = 64 * 1024;

  private interface Side {
    /** Runs the measured work once; the rate (trips/s or MiB/s). */
    double run() throws Exception;
  }

  private record Pair(String name, String unit, Side polysock, Side javaNet) {}

  private static int trips = 20_000;
  private static int bulkMib = 256;

  public static void main(String[] args) throws Exception {
    int rounds = 5;
    String only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--trips" -> trips = Integer.parseInt(args[++i]);
        case "--bulk-mib" -> bulkMib = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--only" -> only = args[++i];
        case "--overhead" -> {
          overhead();
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Pair> pairs = List.of(
        new Pair("round trips, blocking", "trips/s",
            () -> polysockTrips(null), () -> javaNetTrips(0)),
        new Pair("round trips, timeout mode", "trips/s",
            () -> polysockTrips(5.0), () -> javaNetTrips(5000)),
        new Pair("bulk byte[] 64 KiB", "MiB/s", () -> polysockBulk(false), JavaBench::javaNetBulk),
        new Pair("bulk direct ByteBuffer 64 KiB", "MiB/s",
            () -> polysockBulk(true), JavaBench::javaNetBulk));
    if (only != null) {
      for (Pair p : pairs) {
        if (p.name().startsWith(only)) {
          System.out.printf("%s: polysock %.0f, java.net %.0f %s%n", p.name(), p.polysock().run(),
              p.javaNet().run(), p.unit());
        }
      }
      return;
    }
    // Warm-up: JIT both sides before anything is counted.
    int savedTrips = trips;
    int savedBulk = bulkMib;
    trips = Math.min(trips, 5000);
    bulkMib = Math.min(bulkMib, 64);
    for (Pair p : pairs) {
      p.polysock().run();
      p.javaNet().run();
    }
    trips = savedTrips;
    bulkMib = savedBulk;

    double[][] ps = new double[pairs.size()][rounds];
    double[][] jn = new double[pairs.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < pairs.size(); i++) {
        Pair p = pairs.get(i);
        if ((r + i) % 2 == 0) {
          ps[i][r] = p.polysock().run();
          jn[i][r] = p.javaNet().run();
        } else {
          jn[i][r] = p.javaNet().run();
          ps[i][r] = p.polysock().run();
        }
      }
      System.out.printf("round %d:", r + 1);
      for (int i = 0; i < pairs.size(); i++) {
        System.out.printf(" %.3f", ps[i][r] / jn[i][r]);
      }
      System.out.println();
    }
    System.out.printf("%n| comparison | polysock median | java.net median | ratio (median of per-round ratios) | per-round ratios |%n");
    System.out.println("| --- | --- | --- | --- | --- |");
    for (int i = 0; i < pairs.size(); i++) {
      double[] ratios = new double[rounds];
      StringBuilder each = new StringBuilder();
      for (int r = 0; r < rounds; r++) {
        ratios[r] = ps[i][r] / jn[i][r];
        each.append(r == 0 ? "" : ", ").append(String.format("%.2f", ratios[r]));
      }
      System.out.printf("| %s | %.0f %s | %.0f %s | %.3f | %s |%n", pairs.get(i).name(),
          median(ps[i]), pairs.get(i).unit(), median(jn[i]), pairs.get(i).unit(), median(ratios),
          each);
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static void overhead() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      byte[] array = new byte[64];
      ByteBuffer direct = ByteBuffer.allocateDirect(64);
      for (int round = 0; round < 5; round++) {
        int calls = 5_000_000;
        long sink = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          sink += a.recvInto(array, 0, 0, 0);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
          sink += a.recvInto(direct.limit(0));
        }
        long t2 = System.nanoTime();
        System.out.printf("round %d: recvInto(byte[], 0 bytes) %.1f ns/call, recvInto(direct, 0 bytes)"
            + " %.1f ns/call%s%n", round + 1, (t1 - t0) / (double) calls, (t2 - t1) / (double) calls,
            sink == 0 ? "" : " ?");
      }
    }
  }

  // ---- polysock ----

  private static Socket[] polysockPair(Double timeout) throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      Socket client = Net.createConnection("127.0.0.1", server.getsockname().port(), timeout);
      Socket conn = server.accept().socket();
      conn.settimeout(timeout);
      client.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
      conn.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
      return new Socket[] {client, conn};
    }
  }

  private static void recvExactly(Socket s, byte[] buf) throws Exception {
    int have = 0;
    while (have < buf.length) {
      int n = s.recvInto(buf, have, buf.length - have, 0);
      if (n == 0) {
        throw new IllegalStateException("peer closed");
      }
      have += n;
    }
  }

  private static double polysockTrips(Double timeout) throws Exception {
    Socket[] p = polysockPair(timeout);
    try (Socket client = p[0]; Socket conn = p[1]) {
      Thread echo = thread(() -> {
        byte[] buf = new byte[MESSAGE];
        for (int i = 0; i < trips; i++) {
          recvExactly(conn, buf);
          conn.sendall(buf, 0, MESSAGE, 0);
        }
      });
      byte[] out = new byte[MESSAGE];
      byte[] in = new byte[MESSAGE];
      long start = System.nanoTime();
      for (int i = 0; i < trips; i++) {
        client.sendall(out, 0, MESSAGE, 0);
        recvExactly(client, in);
      }
      long elapsed = System.nanoTime() - start;
      echo.join();
      return trips / (elapsed / 1e9);
    }
  }

  private static double polysockBulk(boolean direct) throws Exception {
    Socket[] p = polysockPair(null);
    long total = (long) bulkMib << 20;
    try (Socket client = p[0]; Socket conn = p[1]) {
      Thread sender = thread(() -> {
        if (direct) {
          ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
          for (long sent = 0; sent < total; sent += CHUNK) {
            chunk.clear();
            client.sendall(chunk);
          }
        } else {
          byte[] chunk = new byte[CHUNK];
          for (long sent = 0; sent < total; sent += CHUNK) {
            client.sendall(chunk, 0, CHUNK, 0);
          }
        }
        client.shutdown(Net.SHUT_WR);
      });
      long got = 0;
      long start = System.nanoTime();
      if (direct) {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        for (int n; (n = conn.recvInto(buf.clear())) > 0; ) {
          got += n;
        }
      } else {
        byte[] buf = new byte[CHUNK];
        for (int n; (n = conn.recvInto(buf, 0, CHUNK, 0)) > 0; ) {
          got += n;
        }
      }
      long elapsed = System.nanoTime() - start;
      sender.join();
      check(got == total, "bulk transfer lost bytes");
      return (got / 1048576.0) / (elapsed / 1e9);
    }
  }

  // ---- java.net ----

  private static java.net.Socket[] javaNetPair(int soTimeoutMs) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      java.net.Socket client = new java.net.Socket();
      client.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), server.getLocalPort()));
      java.net.Socket conn = server.accept();
      for (java.net.Socket s : new java.net.Socket[] {client, conn}) {
        s.setTcpNoDelay(true);
        s.setSoTimeout(soTimeoutMs);
      }
      return new java.net.Socket[] {client, conn};
    }
  }

  private static void readExactly(InputStream in, byte[] buf) throws Exception {
    int have = 0;
    while (have < buf.length) {
      int n = in.read(buf, have, buf.length - have);
      if (n < 0) {
        throw new IllegalStateException("peer closed");
      }
      have += n;
    }
  }

  private static double javaNetTrips(int soTimeoutMs) throws Exception {
    java.net.Socket[] p = javaNetPair(soTimeoutMs);
    try (java.net.Socket client = p[0]; java.net.Socket conn = p[1]) {
      InputStream connIn = conn.getInputStream();
      OutputStream connOut = conn.getOutputStream();
      Thread echo = thread(() -> {
        byte[] buf = new byte[MESSAGE];
        for (int i = 0; i < trips; i++) {
          readExactly(connIn, buf);
          connOut.write(buf, 0, MESSAGE);
        }
      });
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      byte[] msg = new byte[MESSAGE];
      byte[] back = new byte[MESSAGE];
      long start = System.nanoTime();
      for (int i = 0; i < trips; i++) {
        out.write(msg, 0, MESSAGE);
        readExactly(in, back);
      }
      long elapsed = System.nanoTime() - start;
      echo.join();
      return trips / (elapsed / 1e9);
    }
  }

  private static double javaNetBulk() throws Exception {
    java.net.Socket[] p = javaNetPair(0);
    long total = (long) bulkMib << 20;
    try (java.net.Socket client = p[0]; java.net.Socket conn = p[1]) {
      OutputStream out = client.getOutputStream();
      Thread sender = thread(() -> {
        byte[] chunk = new byte[CHUNK];
        for (long sent = 0; sent < total; sent += CHUNK) {
          out.write(chunk, 0, CHUNK);
        }
        client.shutdownOutput();
      });
      InputStream in = conn.getInputStream();
      byte[] buf = new byte[CHUNK];
      long got = 0;
      long start = System.nanoTime();
      for (int n; (n = in.read(buf, 0, CHUNK)) > 0; ) {
        got += n;
      }
      long elapsed = System.nanoTime() - start;
      sender.join();
      check(got == total, "bulk transfer lost bytes");
      return (got / 1048576.0) / (elapsed / 1e9);
    }
  }

  // ---- helpers ----

  private interface Body {
    void run() throws Exception;
  }

  private static Thread thread(Body body) {
    List<Throwable> failure = new ArrayList<>();
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failure.add(e);
        e.printStackTrace();
        System.exit(1);
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException(what);
    }
  }
}
