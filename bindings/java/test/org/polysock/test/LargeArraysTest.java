package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.BlockingIOException;
import org.polysock.ConnectionResetException;
import org.polysock.Net;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;

/**
 * byte[] receives and sendalls above the shim's copy size (16 KiB), which first try with
 * the array pinned and fall back to a copy and the call in the socket's mode for what the
 * try could not do (docs/benchmarks.md, "Java: large byte[] transfers without a copy"):
 * the same bytes, waits, timeouts and errors as the copying call, in every mode, while
 * the garbage collector runs.
 */
@Timeout(60)
class LargeArraysTest {
  private static final ExecutorService THREADS = Executors.newCachedThreadPool();

  @AfterAll
  static void stopThreads() {
    THREADS.shutdownNow();
  }

  private static byte[] pattern(int n, long seed) {
    byte[] data = new byte[n];
    new Random(seed).nextBytes(data);
    return data;
  }

  /** Sends data[from, to) in slices of slice bytes with sendall. */
  private static void sendSlices(Socket s, byte[] data, int from, int to, int slice)
      throws Exception {
    for (int at = from; at < to; at += slice) {
      s.sendall(data, at, Math.min(slice, to - at));
    }
  }

  /** Receives n bytes with recvInto of up to window bytes at offset 5 of a scratch array. */
  private static byte[] receive(Socket s, int n, int window) throws Exception {
    byte[] got = new byte[n];
    byte[] buf = new byte[window + 9];
    Arrays.fill(buf, (byte) 0x5a);
    int have = 0;
    while (have < n) {
      int k = s.recvInto(buf, 5, Math.min(window, n - have));
      assertTrue(k > 0, "early end of stream after " + have + " bytes");
      for (int i = 0; i < 5; i++) {
        assertEquals((byte) 0x5a, buf[i], "a byte before the region written");
      }
      for (int i = 5 + window; i < buf.length; i++) {
        assertEquals((byte) 0x5a, buf[i], "a byte after the region written");
      }
      System.arraycopy(buf, 5, got, have, k);
      have += k;
    }
    return got;
  }

  private static void transferUnderGc(Double timeout) throws Exception {
    final int size = 24 << 20;
    byte[] data = pattern(size + 7, 11);
    Socket[] p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    AtomicBoolean stop = new AtomicBoolean();
    try (Socket c = p[0]; Socket s = p[1]) {
      c.settimeout(timeout);
      s.settimeout(timeout);
      // Collections while arrays are pinned: a critical region must end before any wait.
      Future<?> garbage = THREADS.submit(() -> {
        long sink = 0;
        for (int i = 0; !stop.get(); i++) {
          sink += new byte[1 << 16].length;
          if (i % 2048 == 0) {
            System.gc();
          }
        }
        return sink;
      });
      Future<?> sender = THREADS.submit(() -> {
        sendSlices(c, data, 7, 7 + size / 2, 100_000); // sendall from an offset
        sendSlices(c, data, 7 + size / 2, 7 + size, 1 << 20);
        return null;
      });
      byte[] got = receive(s, size, 200_000);
      sender.get(30, TimeUnit.SECONDS);
      stop.set(true);
      garbage.get(30, TimeUnit.SECONDS);
      assertArrayEquals(Arrays.copyOfRange(data, 7, 7 + size), got);
    } finally {
      stop.set(true);
    }
  }

  @Test
  void bytesArriveIntactInBlockingModeWhileTheCollectorRuns() throws Exception {
    transferUnderGc(null);
  }

  @Test
  void bytesArriveIntactInTimeoutModeWhileTheCollectorRuns() throws Exception {
    transferUnderGc(10.0);
  }

  @Test
  void aLargeReceiveWaitsForDataThatComesLater() throws Exception {
    Socket[] p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      byte[] buf = new byte[1 << 16];
      // Full buffers first (a stream in full flow: the next receive is tried pinned),
      // then messages that come only after the receive has begun to wait.
      c.sendall(pattern(3 << 16, 3));
      assertArrayEquals(pattern(3 << 16, 3), receive(s, 3 << 16, 1 << 16));
      for (Double timeout : new Double[] {null, 5.0}) {
        s.settimeout(timeout);
        for (int round = 0; round < 3; round++) {
          final byte tag = (byte) (round + 1);
          Future<?> late = THREADS.submit(() -> {
            Thread.sleep(100);
            c.sendall(new byte[] {tag, tag, tag});
            return null;
          });
          long t0 = System.nanoTime();
          assertEquals(3, s.recvInto(buf, 0, buf.length, 0));
          assertTrue(System.nanoTime() - t0 >= 50_000_000L, "returned before the data was sent");
          assertEquals(tag, buf[2]);
          late.get(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  @Test
  void aLargeReceiveTimesOutAndMsgWaitallWaitsForAll() throws Exception {
    Socket[] p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      byte[] buf = new byte[1 << 16];
      s.settimeout(0.2);
      long t0 = System.nanoTime();
      assertThrows(PolysockTimeoutException.class, () -> s.recvInto(buf, 0, buf.length, 0));
      assertTrue(System.nanoTime() - t0 >= 150_000_000L, "timed out early");
      s.settimeout(null); // MSG_WAITALL waits for all in blocking mode (as CPython's)
      byte[] data = pattern(1 << 16, 4);
      c.sendall(data, 0, 30_000);
      Future<?> rest = THREADS.submit(() -> {
        Thread.sleep(100);
        c.sendall(data, 30_000, data.length - 30_000);
        return null;
      });
      assertEquals(buf.length, s.recvInto(buf, 0, buf.length, Net.MSG_WAITALL));
      assertArrayEquals(data, buf);
      rest.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLargeSendallToAPeerThatDoesNotReadFailsAsInItsMode() throws Exception {
    byte[] big = pattern(32 << 20, 5);
    Socket[] p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      c.setblocking(false);
      BlockingIOException e = assertThrows(BlockingIOException.class, () -> c.sendall(big));
      assertEquals(Net.EAGAIN, e.errno());
    }
    p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      c.settimeout(0.3);
      long t0 = System.nanoTime();
      assertThrows(PolysockTimeoutException.class, () -> c.sendall(big));
      assertTrue(System.nanoTime() - t0 >= 250_000_000L, "timed out early");
    }
    // Blocking: waits for the reader, then every byte has gone, in order.
    p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      Future<byte[]> reader = THREADS.submit(() -> {
        Thread.sleep(200);
        return receive(s, big.length, 1 << 16);
      });
      c.sendall(big);
      assertArrayEquals(big, reader.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void aLargeReceiveReportsAResetAndTheEndOfStream() throws Exception {
    byte[] buf = new byte[1 << 16];
    try (Socket server = Net.createServer("127.0.0.1", 0);
        Socket c = Net.createConnection("127.0.0.1", server.getsockname().port(), 5)) {
      Socket conn = server.accept().socket();
      byte[] linger =
          ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array();
      conn.setsockopt(Net.SOL_SOCKET, Net.SO_LINGER, linger);
      c.sendall(new byte[] {1}); // unread: the close is a reset
      conn.close();
      Thread.sleep(50);
      ConnectionResetException e =
          assertThrows(ConnectionResetException.class, () -> c.recvInto(buf, 0, buf.length, 0));
      assertEquals(Net.ECONNRESET, e.errno());
    }
    Socket[] p = TrafficTest.tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      c.sendall(pattern(1 << 16, 6));
      c.close();
      assertArrayEquals(pattern(1 << 16, 6), receive(s, 1 << 16, 1 << 16));
      assertEquals(0, s.recvInto(buf, 0, buf.length, 0), "end of stream");
      assertEquals(0, s.recvInto(buf, 0, buf.length, 0), "end of stream, again");
    }
  }
}
