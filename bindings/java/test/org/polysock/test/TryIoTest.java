package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.polysock.BlockingIOException;
import org.polysock.ConnectionResetException;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;
import org.polysock.SslWantReadException;
import org.polysock.TlsContext;

/**
 * Socket.tryRecvInto and Socket.trySend: the non-throwing receive and send of a
 * non-blocking socket (-1 for would-block, the count otherwise, 0 at end of stream), which
 * throw every other failure exactly as recvInto and send do.
 */
@Timeout(60)
class TryIoTest {
  private static final double WAIT = 5.0;

  /** A connected TCP pair over 127.0.0.1: {client, accepted}, both in timeout mode (WAIT). */
  private static Socket[] tcpPair() throws IOException {
    try (Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      Socket c = Net.createConnection("127.0.0.1", listener.getsockname().port(), WAIT);
      Socket s = listener.accept().socket();
      s.settimeout(WAIT);
      return new Socket[] {c, s};
    }
  }

  /** Waits (bounded, timeout mode) until n bytes or the end of stream can be read from s. */
  private static void awaitReadable(Socket s, int n) throws IOException {
    Double mode = s.gettimeout();
    s.settimeout(WAIT);
    try {
      for (int i = 0; i < 1000; i++) {
        byte[] peek = s.recv(n, Net.MSG_PEEK);
        if (peek.length == n || peek.length == 0) {
          return;
        }
      }
      throw new AssertionError("the bytes did not arrive");
    } finally {
      s.settimeout(mode);
    }
  }

  /** What call threw: it must throw. */
  private static Throwable thrown(Executable call) {
    return assertThrows(Throwable.class, call);
  }

  /** Both calls threw the same failure: class, errno (for OSError) and message. */
  private static void assertSameFailure(Throwable expected, Throwable actual) {
    assertSame(expected.getClass(), actual.getClass(), actual.toString());
    assertEquals(expected.getMessage(), actual.getMessage());
    if (expected instanceof PolysockException e) {
      assertEquals(e.errno(), ((PolysockException) actual).errno());
    }
  }

  @Test
  void wouldBlockReturnsMinusOneAndReadsNothing() throws Exception {
    Socket[] p = tcpPair();
    try (Socket client = p[0]; Socket conn = p[1]) {
      client.setblocking(false);
      byte[] array = new byte[16];
      Arrays.fill(array, (byte) 0x55);
      byte[] before = array.clone();
      assertEquals(-1, client.tryRecvInto(array));
      assertEquals(-1, client.tryRecvInto(array, 3, 8));
      assertEquals(-1, client.tryRecvInto(array, 3, 8, 0));
      assertArrayEquals(before, array, "nothing written into the array");
      ByteBuffer[] buffers = {ByteBuffer.allocateDirect(64), ByteBuffer.allocate(64)};
      for (ByteBuffer buf : buffers) {
        buf.position(5).limit(40);
        assertEquals(-1, client.tryRecvInto(buf));
        assertEquals(-1, client.tryRecvInto(buf, 0));
        assertEquals(5, buf.position(), "position unchanged");
        assertEquals(40, buf.limit());
      }
      // The throwing call on the same socket is BlockingIOException EAGAIN: the case -1 replaces.
      BlockingIOException e =
          assertThrows(BlockingIOException.class, () -> client.recvInto(array));
      assertEquals(Net.EAGAIN, e.errno());
      // Many calls in a row stay -1 (nothing left over from an earlier failure).
      for (int i = 0; i < 1000; i++) {
        assertEquals(-1, client.tryRecvInto(array, 0, 8, 0));
      }
    }
  }

  @Test
  void dataReturnsTheBytesAndEndOfStreamZero() throws Exception {
    Socket[] p = tcpPair();
    try (Socket client = p[0]; Socket conn = p[1]) {
      client.setblocking(false);
      conn.sendall("hello world".getBytes());
      awaitReadable(client, 11);
      byte[] array = new byte[16];
      assertEquals(5, client.tryRecvInto(array, 2, 5, 0));
      assertEquals("hello", new String(array, 2, 5));
      assertEquals(0, array[0]);
      assertEquals(0, array[7], "nothing past the bytes received");
      ByteBuffer direct = ByteBuffer.allocateDirect(32);
      direct.position(4);
      assertEquals(6, client.tryRecvInto(direct));
      assertEquals(10, direct.position());
      byte[] got = new byte[6];
      direct.flip().position(4);
      direct.get(got);
      assertEquals(" world", new String(got));
      assertEquals(-1, client.tryRecvInto(array), "all read: would block again");

      conn.sendall("abc".getBytes());
      awaitReadable(client, 3);
      ByteBuffer heap = ByteBuffer.allocate(8);
      assertEquals(3, client.tryRecvInto(heap, 0));
      assertEquals(3, heap.position());
      assertEquals("abc", new String(heap.array(), 0, 3));

      conn.shutdown(Net.SHUT_WR);
      awaitReadable(client, 1);
      assertEquals(0, client.tryRecvInto(array), "end of stream is 0, as recvInto");
      assertEquals(0, client.tryRecvInto(ByteBuffer.allocateDirect(8)));
      assertEquals(0, client.recvInto(array));
    }
  }

  @Test
  void aClosedSocketThrowsWhatRecvIntoThrows() throws Exception {
    Socket[] p = tcpPair();
    Socket client = p[0];
    try (Socket conn = p[1]) {
      client.setblocking(false);
      client.close();
      byte[] array = new byte[8];
      ByteBuffer direct = ByteBuffer.allocateDirect(8);
      Throwable expected = thrown(() -> client.recvInto(array, 0, 8, 0));
      assertInstanceOf(PolysockException.class, expected);
      assertEquals(Net.EBADF, ((PolysockException) expected).errno());
      assertSameFailure(expected, thrown(() -> client.tryRecvInto(array, 0, 8, 0)));
      assertSameFailure(
          thrown(() -> client.recvInto(direct)), thrown(() -> client.tryRecvInto(direct)));
      assertSameFailure(thrown(() -> client.send(array, 0, 8, 0)),
          thrown(() -> client.trySend(array, 0, 8, 0)));
      assertSameFailure(thrown(() -> client.send(direct)), thrown(() -> client.trySend(direct)));
    }
  }

  @Test
  void otherErrorsThrowWhatRecvIntoThrows() throws Exception {
    // ENOTCONN: a TCP socket that never connected, non-blocking.
    try (Socket s = new Socket()) {
      s.setblocking(false);
      byte[] array = new byte[8];
      Throwable expected = thrown(() -> s.recvInto(array, 0, 8, 0));
      assertEquals(Net.ENOTCONN, ((PolysockException) expected).errno());
      assertSameFailure(expected, thrown(() -> s.tryRecvInto(array, 0, 8, 0)));
      assertSameFailure(thrown(() -> s.send(array)), thrown(() -> s.trySend(array)));
      // Bad arguments, checked before any call.
      assertSameFailure(thrown(() -> s.recvInto(array, 4, 5, 0)),
          thrown(() -> s.tryRecvInto(array, 4, 5, 0)));
      assertSameFailure(thrown(() -> s.recvInto(null, 0, 0, 0)),
          thrown(() -> s.tryRecvInto(null, 0, 0, 0)));
      assertSameFailure(thrown(() -> s.recvInto(ByteBuffer.allocate(4).asReadOnlyBuffer())),
          thrown(() -> s.tryRecvInto(ByteBuffer.allocate(4).asReadOnlyBuffer())));
      assertSameFailure(thrown(() -> s.send(array, -1, 2, 0)),
          thrown(() -> s.trySend(array, -1, 2, 0)));
    }
    // ECONNRESET, one pair per call (the kernel reports a reset once).
    Throwable[] resets = new Throwable[2];
    for (int i = 0; i < 2; i++) {
      Socket[] p = tcpPair();
      try (Socket client = p[0]; Socket conn = p[1]) {
        byte[] linger =
            ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array();
        conn.setsockopt(Net.SOL_SOCKET, Net.SO_LINGER, linger);
        client.sendall(new byte[] {1}); // unread data: the close is a reset
        conn.close();
        byte[] array = new byte[8];
        resets[i] = i == 0 ? thrown(() -> client.recvInto(array, 0, 8, 0))
                           : thrown(() -> client.tryRecvInto(array, 0, 8, 0));
      }
    }
    assertInstanceOf(ConnectionResetException.class, resets[0]);
    assertSameFailure(resets[0], resets[1]);
  }

  @Test
  void timeoutModeWaitsAndThrowsTheTimeoutAsRecvInto() throws Exception {
    Socket[] p = tcpPair();
    try (Socket client = p[0]; Socket conn = p[1]) {
      client.settimeout(0.05);
      byte[] array = new byte[8];
      long start = System.nanoTime();
      Throwable e = thrown(() -> client.tryRecvInto(array, 0, 8, 0));
      long waited = System.nanoTime() - start;
      assertInstanceOf(PolysockTimeoutException.class, e);
      assertEquals("timed out", e.getMessage());
      assertTrue(waited >= 40_000_000L, "waited for the timeout: " + waited + " ns");
      assertSameFailure(thrown(() -> client.recvInto(array, 0, 8, 0)), e);
      // MSG_DONTWAIT does not change timeout mode (Python polls first: "timed out")...
      assertSameFailure(e, thrown(() -> client.tryRecvInto(array, 0, 8, Net.MSG_DONTWAIT)));
      // ... but makes one call of a blocking socket non-blocking (Python's BlockingIOError).
      client.settimeout((Double) null);
      assertEquals(-1, client.tryRecvInto(array, 0, 8, Net.MSG_DONTWAIT));
      assertEquals(-1, client.tryRecvInto(ByteBuffer.allocateDirect(8), Net.MSG_DONTWAIT));
      // Data there: timeout mode returns it at once.
      client.settimeout(WAIT);
      conn.sendall("xy".getBytes());
      assertEquals(2, client.tryRecvInto(array, 0, 8, 0));
      assertEquals("xy", new String(array, 0, 2));
    }
  }

  @Test
  void trySendReturnsMinusOneWhenTheSendBufferIsFull() throws Exception {
    Socket[] p = tcpPair();
    try (Socket client = p[0]; Socket conn = p[1]) {
      // Small fixed kernel buffers: a peer that reads nothing fills them soon.
      client.setsockopt(Net.SOL_SOCKET, Net.SO_SNDBUF, 65536);
      conn.setsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF, 65536);
      client.setblocking(false);
      byte[] chunk = new byte[65536];
      long sent = 0;
      int last = 0;
      for (int i = 0; i < 10000 && last != -1; i++) {
        last = client.trySend(chunk, 0, chunk.length, 0);
        if (last > 0) {
          sent += last;
        }
      }
      assertEquals(-1, last, "a full connection makes trySend return -1");
      assertTrue(sent > 0);
      ByteBuffer direct = ByteBuffer.allocateDirect(1024);
      direct.position(7);
      assertEquals(-1, client.trySend(direct));
      assertEquals(7, direct.position(), "position unchanged");
      ByteBuffer heap = ByteBuffer.allocate(1024);
      assertEquals(-1, client.trySend(heap, 0));
      assertEquals(0, heap.position());
      BlockingIOException e =
          assertThrows(BlockingIOException.class, () -> client.send(chunk, 0, 1024, 0));
      assertEquals(Net.EAGAIN, e.errno());

      // Drain the peer: everything sent arrives, and trySend goes on sending.
      byte[] buf = new byte[65536];
      long got = 0;
      for (int i = 0; i < 100000 && got < sent; i++) {
        got += conn.recvInto(buf);
      }
      assertEquals(sent, got);
      int n = client.trySend(direct);
      assertTrue(n > 0, "room again: " + n);
      assertEquals(7 + n, direct.position());
    }
  }

  @Test
  void tlsWouldBlockStaysTheWantException() throws Exception {
    try (TlsContext sctx = TlsFixtures.serverContext();
        TlsContext cctx = TlsFixtures.clientContext();
        TlsFixtures.Pair pair = TlsFixtures.connect(sctx, cctx, "localhost")) {
      pair.server().setblocking(false);
      byte[] array = new byte[8];
      SslWantReadException e = assertThrows(SslWantReadException.class,
          () -> pair.server().tryRecvInto(array, 0, 8, 0));
      assertSameFailure(thrown(() -> pair.server().recvInto(array, 0, 8, 0)), e);
      pair.client().sendall("tls".getBytes());
      pair.server().settimeout(WAIT);
      assertEquals(3, pair.server().tryRecvInto(array, 0, 8, 0));
      assertEquals("tls", new String(array, 0, 3));
    }
  }
}
