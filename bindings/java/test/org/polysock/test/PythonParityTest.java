package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.Socket;

/** Issue 15, point 1: behaviours that follow CPython's, each checked against python3 3.11. */
@Timeout(60)
class PythonParityTest {
  private static final String OUT_OF_RANGE = "Timeout value out of range";

  private static void assertOutOfRange(org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(OUT_OF_RANGE, e.getMessage());
  }

  @Test
  void everyNegativeTimeoutIsOutOfRangeAndChangesNothing() throws Exception {
    try (Socket s = new Socket()) {
      s.settimeout(2.5);
      // -1.0 and -2.0 are the C ABI's None and "default": a user's -1.0 must not be None.
      for (double t : new double[] {-1.0, -2.0, -0.5, -9.2e9}) {
        assertOutOfRange(() -> s.settimeout(t));
        assertOutOfRange(() -> s.settimeout(Double.valueOf(t)));
        assertEquals(2.5, s.gettimeout(), "the timeout is unchanged after " + t);
      }
      IllegalArgumentException overflow = assertThrows(
          IllegalArgumentException.class, () -> s.settimeout(Double.NEGATIVE_INFINITY));
      assertEquals("timestamp out of range for platform time_t", overflow.getMessage());
      IllegalArgumentException nan =
          assertThrows(IllegalArgumentException.class, () -> s.settimeout(Double.NaN));
      assertEquals("Invalid value NaN (not a number)", nan.getMessage());
      s.settimeout(-0.0); // not negative for Python either: non-blocking
      assertFalse(s.getblocking());
    }
    Double before = Net.getdefaulttimeout();
    try {
      assertOutOfRange(() -> Net.setdefaulttimeout(-1.0));
      assertOutOfRange(() -> Net.setdefaulttimeout(Double.valueOf(-2.0)));
      assertEquals(before, Net.getdefaulttimeout());
    } finally {
      Net.setdefaulttimeout(before);
    }
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      int port = server.getsockname().port();
      assertOutOfRange(() -> Net.createConnection("127.0.0.1", port, -1.0));
      assertOutOfRange(() -> Net.createConnection("127.0.0.1", port, Double.valueOf(-1.0)));
      assertOutOfRange(() -> Net.createConnection("127.0.0.1", port, -2.0, "127.0.0.1", 0));
    }
  }

  @Test
  void selectWithANegativeTimeoutOnlyLooks() throws Exception {
    try (Poller poller = new Poller()) {
      Socket[] p = Net.socketpair();
      try (Socket a = p[0]; Socket b = p[1]) {
        poller.register(a, Poller.EVENT_READ);
        // Run where a wait without limit cannot hang the suite.
        CompletableFuture<List<Poller.Event>> primitive =
            CompletableFuture.supplyAsync(() -> select(poller, -1.0, false));
        assertEquals(List.of(), primitive.get(5, TimeUnit.SECONDS));
        CompletableFuture<List<Poller.Event>> boxed =
            CompletableFuture.supplyAsync(() -> select(poller, -5.0, true));
        assertEquals(List.of(), boxed.get(5, TimeUnit.SECONDS));
        b.sendall(new byte[] {1});
        assertEquals(1, poller.select(-1.0).size(), "a negative timeout still looks");
      }
      if (poller.select(0.0).isEmpty()) {
        poller.close(); // wakes a select still waiting, if the check above failed
      }
    }
  }

  private static List<Poller.Event> select(Poller poller, double t, boolean boxed) {
    try {
      return boxed ? poller.select(Double.valueOf(t)) : poller.select(t);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @Test
  void recvfromWithoutASenderAddressIsNull() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.sendall(new byte[] {'x'});
      Socket.Datagram d = b.recvfrom(10);
      assertArrayEquals(new byte[] {'x'}, d.data());
      assertNull(d.address(), "a stream socket has no sender: Python's None");
      assertEquals("(b'x', None)", d.toString());
      a.sendall(new byte[] {'y'});
      assertNull(b.recvfromInto(new byte[4]).address());
    }
    String name = "@polysock-parity-" + ProcessHandle.current().pid();
    try (Socket server = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM);
         Socket unbound = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM);
         Socket bound = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM)) {
      server.bind(name);
      unbound.sendto(new byte[] {'y'}, name);
      assertNull(server.recvfrom(10).address(), "an unbound AF_UNIX sender: Python's None");
      bound.bind(name + "-client");
      bound.sendto(new byte[] {'z'}, name);
      assertEquals(name + "-client", server.recvfrom(10).address().host());
    }
  }

  @Test
  void attributesStayReadableAfterClose() throws Exception {
    Socket s = new Socket(Net.AF_INET6, Net.SOCK_DGRAM, 0);
    int proto = s.proto();
    s.close();
    assertEquals(Net.AF_INET6, s.family());
    assertEquals(Net.SOCK_DGRAM, s.type());
    assertEquals(proto, s.proto());
  }

  @Test
  void getsockoptWithBuflenZeroIsTheInteger() throws Exception {
    try (Socket s = new Socket(Net.AF_INET, Net.SOCK_DGRAM)) {
      byte[] raw = s.getsockopt(Net.SOL_SOCKET, Net.SO_TYPE, 0);
      assertEquals(Net.SOCK_DGRAM, ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).getInt());
      s.setsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF, 8192);
      assertEquals(s.getsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF),
          ByteBuffer.wrap(s.getsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF, 0))
              .order(ByteOrder.nativeOrder()).getInt());
      assertNotEquals(0, s.getsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF));
      assertTrue(s.getsockopt(Net.SOL_SOCKET, Net.SO_TYPE, 0).length == Integer.BYTES);
    }
  }
}
