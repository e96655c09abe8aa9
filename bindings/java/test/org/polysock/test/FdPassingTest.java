package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/**
 * Issue 16, point 1: socket.send_fds / recv_fds (SCM_RIGHTS over AF_UNIX), the
 * received descriptors close-on-exec, adopted with Socket.fromFileno.
 */
@Timeout(60)
class FdPassingTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aPassedSocketWorksOnTheOtherSide() throws Exception {
    Socket[] channel = Net.socketpair();
    Socket[] payload = Net.socketpair();
    try (Socket a = channel[0]; Socket b = channel[1]; Socket x = payload[0];
        Socket y = payload[1]) {
      assertEquals(2, Net.sendFds(a, new byte[][] {ascii("f"), ascii("d")}, new int[] {x.fileno()}));
      Socket.FdMessage m = Net.recvFds(b, 16, 4);
      assertArrayEquals(ascii("fd"), m.data());
      assertEquals(1, m.fds().length);
      assertEquals(0, m.msgFlags());
      assertNull(m.address());
      int fd = m.fds()[0];
      assertNotEquals(x.fileno(), fd, "a new descriptor for the same socket");
      assertEquals(1, NativeTestSupport.closeOnExec(fd), "close-on-exec, as CPython's");
      try (Socket passed = Socket.fromFileno(fd)) {
        assertEquals(Net.AF_UNIX, passed.family());
        assertEquals(Net.SOCK_STREAM, passed.type());
        passed.sendall(ascii("through the copy"));
        assertArrayEquals(ascii("through the copy"), TrafficTest.recvExactly(y, 16));
      }
      x.sendall(ascii("original"));
      assertArrayEquals(ascii("original"), TrafficTest.recvExactly(y, 8),
          "the sender's descriptor stays open");
    }
  }

  @Test
  void moreDescriptorsThanMaxfdsIsMsgCtrunc() throws Exception {
    Socket[] channel = Net.socketpair();
    Socket[] payload = Net.socketpair();
    try (Socket a = channel[0]; Socket b = channel[1]; Socket x = payload[0];
        Socket y = payload[1]) {
      Net.sendFds(a, new byte[][] {ascii("xx")}, new int[] {x.fileno(), y.fileno()}, 0, null);
      // python3: recv_fds(b, 10, 1) == (b'xx', [fd], MSG_CTRUNC, None)
      Socket.FdMessage m = Net.recvFds(b, 10, 1);
      assertArrayEquals(ascii("xx"), m.data());
      assertEquals(1, m.fds().length);
      assertEquals(Net.MSG_CTRUNC, m.msgFlags() & Net.MSG_CTRUNC);
      Net.close(m.fds()[0]);
    }
  }

  @Test
  void descriptorsOverADatagramPairWithAnAddress() throws Exception {
    Socket[] channel = Net.socketpair(Net.AF_UNIX, Net.SOCK_DGRAM, 0);
    Socket[] payload = Net.socketpair();
    try (Socket a = channel[0]; Socket b = channel[1]; Socket x = payload[0];
        Socket y = payload[1]) {
      Net.sendFds(a, new byte[][] {ascii("dg")}, new int[] {y.fileno()}, 0, null);
      Socket.FdMessage m = Net.recvFds(b, 16, 1, 0);
      assertArrayEquals(ascii("dg"), m.data());
      assertEquals(1, m.fds().length);
      try (Socket passed = Socket.fromFileno(m.fds()[0])) {
        x.sendall(ascii("to y"));
        assertArrayEquals(ascii("to y"), TrafficTest.recvExactly(passed, 4));
      }
    }
  }

  @Test
  void badArgumentsAreArgumentErrors() throws Exception {
    Socket[] channel = Net.socketpair();
    try (Socket a = channel[0]; Socket b = channel[1]) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Net.recvFds(b, 16, -1));
      assertEquals("CMSG_LEN() argument out of range", e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> Net.recvFds(b, -1, 1));
      assertEquals("negative buffer size in recvmsg()", e.getMessage());
      assertThrows(NullPointerException.class,
          () -> Net.sendFds(a, new byte[][] {ascii("x")}, null));
      PolysockException bad = assertThrows(PolysockException.class,
          () -> Net.sendFds(a, new byte[][] {ascii("x")}, new int[] {-1}));
      assertEquals(Net.EBADF, bad.errno(), "a bad descriptor is the kernel's EBADF");
      b.settimeout(0.05);
      assertThrows(org.polysock.PolysockTimeoutException.class, () -> Net.recvFds(b, 1, 1));
      assertTrue(b.gettimeout() > 0);
    }
  }
}
