package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.BlockingIOException;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/**
 * Issue 16, point 3: Python's socket(fileno=fd), which adopts a descriptor without a
 * dup, and socket.close(fd). Results as python3 3.11 gives them on this machine.
 */
@Timeout(60)
class DescriptorsTest {
  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

  @Test
  void fromFilenoAdoptsTheDescriptorItselfAndReadsItsKind() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0);
        Socket client = Net.createConnection("127.0.0.1", server.getsockname().port());
        Socket conn = server.accept().socket()) {
      int fd = client.detach();
      try (Socket adopted = Socket.fromFileno(fd)) {
        assertEquals(fd, adopted.fileno(), "no dup: the same descriptor");
        assertEquals(Net.AF_INET, adopted.family());
        assertEquals(Net.SOCK_STREAM, adopted.type());
        assertEquals(6, adopted.proto(), "read with SO_PROTOCOL, as CPython (IPPROTO_TCP)");
        assertEquals(conn.getsockname().port(), adopted.getpeername().port());
        adopted.sendall(PING);
        assertArrayEquals(PING, TrafficTest.recvExactly(conn, PING.length));
        assertEquals(Net.getdefaulttimeout(), adopted.gettimeout(), "the module default timeout");
      }
      // Closing the adopted socket closed fd itself.
      PolysockException e = assertThrows(PolysockException.class, () -> Net.close(fd));
      assertEquals(Net.EBADF, e.errno());
    }
  }

  @Test
  void theFourArgumentConstructorTakesWhatItIsToldAndReadsTheRest() throws Exception {
    Socket[] p = Net.socketpair(Net.AF_UNIX, Net.SOCK_DGRAM, 0);
    try (Socket b = p[1]) {
      int fd = p[0].detach();
      try (Socket a = new Socket(Net.AF_UNIX, -1, -1, fd)) {
        assertEquals(Net.AF_UNIX, a.family());
        assertEquals(Net.SOCK_DGRAM, a.type(), "a negative type is read from the descriptor");
        a.send(PING);
        assertArrayEquals(PING, b.recv(16));
      }
    }
  }

  @Test
  void aNonBlockingDescriptorStaysNonBlockingUnderTheDefaultTimeout() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket b = p[1]) {
      p[0].setblocking(false);
      int fd = p[0].detach();
      try (Socket a = Socket.fromFileno(fd)) {
        // CPython's quirk (contract item 43): the timeout is the default (None), yet
        // the descriptor's O_NONBLOCK is not cleared, so a recv without data does not
        // wait: BlockingIOError.
        assertNull(a.gettimeout());
        assertTrue(a.getblocking());
        BlockingIOException e = assertThrows(BlockingIOException.class, () -> a.recv(1));
        assertEquals(Net.EAGAIN, e.errno());
      }
    }
  }

  @Test
  void badDescriptorsAreRefusedAndStayTheCallers() throws Exception {
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> Socket.fromFileno(-1));
    assertEquals("negative file descriptor", negative.getMessage());

    // A descriptor that is not a socket.
    int devNull = NativeTestSupport.openDevNull();
    assertTrue(devNull >= 0, "open /dev/null");
    try {
      PolysockException notSocket =
          assertThrows(PolysockException.class, () -> Socket.fromFileno(devNull));
      assertEquals(Net.ENOTSOCK, notSocket.errno());
      assertEquals(1, NativeTestSupport.closeOnExec(devNull), "still open, untouched");
    } finally {
      assertEquals(0, NativeTestSupport.closeFd(devNull), "still the caller's to close");
    }

    Socket s = new Socket();
    int fd = s.detach();
    Net.close(fd);
    PolysockException closed = assertThrows(PolysockException.class, () -> Socket.fromFileno(fd));
    assertEquals(Net.EBADF, closed.errno());
  }

  @Test
  void netCloseClosesADetachedDescriptorOnce() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket b = p[1]) {
      int fd = p[0].detach();
      assertTrue(fd >= 0);
      Net.close(fd);
      // The peer sees the end of the stream: the descriptor really is closed.
      assertEquals(0, b.recv(16).length);
      PolysockException again = assertThrows(PolysockException.class, () -> Net.close(fd));
      assertEquals(Net.EBADF, again.errno());
      assertEquals("[Errno 9] Bad file descriptor", again.getMessage());
    }
  }
}
