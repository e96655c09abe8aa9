package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.GaiException;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;

/** Every kind of failure arrives as the Java exception Python's would map to. */
@Timeout(60)
class ErrorsTest {
  /** A loopback port with nobody listening (bound, never listened, then closed). */
  private static int closedPort() throws Exception {
    try (Socket s = new Socket()) {
      s.bind("127.0.0.1", 0);
      return s.getsockname().port();
    }
  }

  @Test
  void refusedConnectCarriesErrnoAndPythonsMessage() throws Exception {
    int port = closedPort();
    try (Socket s = new Socket()) {
      PolysockException e = assertThrows(PolysockException.class, () -> s.connect("127.0.0.1", port));
      assertEquals(Net.ECONNREFUSED, e.errno());
      assertEquals("[Errno 111] Connection refused", e.getMessage());
      assertInstanceOf(IOException.class, e);
    }
    try (Socket s = new Socket()) {
      assertEquals(Net.ECONNREFUSED, s.connectEx("127.0.0.1", port));
    }
  }

  @Test
  void resolverFailureIsGaiExceptionWithTheEaiCode() {
    GaiException e = assertThrows(GaiException.class, () -> Net.getaddrinfo("0.1.1.~1", 80));
    assertEquals(Net.EAI_NONAME, e.eaiCode());
    assertEquals(Net.EAI_NONAME, e.errno());
    assertEquals("[Errno -2] Name or service not known", e.getMessage());
    assertThrows(GaiException.class, () -> Net.createConnection("0.1.1.~1", 80));
  }

  @Test
  void timeoutIsASocketTimeoutException() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.settimeout(0.05);
      long start = System.nanoTime();
      SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> a.recv(10));
      assertInstanceOf(PolysockTimeoutException.class, e);
      assertEquals("timed out", e.getMessage());
      assertTrue(System.nanoTime() - start >= 40_000_000L, "waited for the deadline");
    }
  }

  @Test
  void nonBlockingRecvWithNothingIsEagain() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.setblocking(false);
      PolysockException e = assertThrows(PolysockException.class, () -> a.recv(10));
      assertEquals(Net.EAGAIN, e.errno());
    }
  }

  @Test
  void badArgumentsAreIllegalArgumentException() throws Exception {
    try (Socket s = new Socket()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> s.settimeout(-5.0));
      assertEquals("Timeout value out of range", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> s.bind("127.0.0.1", 70000));
      assertThrows(IndexOutOfBoundsException.class, () -> s.recvInto(new byte[4], 2, 3));
      assertThrows(IllegalArgumentException.class, () -> s.recv(-1));
    }
    assertThrows(IllegalArgumentException.class, () -> Net.htons(65536));
    assertThrows(IllegalArgumentException.class, () -> Net.constant("NO_SUCH_CONSTANT"));
    // As in Python, an unknown family is the OS's EAFNOSUPPORT, not a bad argument.
    PolysockException family = assertThrows(
        PolysockException.class, () -> new Socket(12345, Net.SOCK_STREAM, 0).close());
    assertEquals(Net.EAFNOSUPPORT, family.errno());
  }

  @Test
  void osErrorsWithoutErrnoKeepPythonsText() {
    PolysockException e = assertThrows(PolysockException.class, () -> Net.inetAton("1.2.3.x"));
    assertEquals(0, e.errno());
    assertEquals("illegal IP address string passed to inet_aton", e.getMessage());
  }

  @Test
  void aClosedSocketFailsWithEbadf() throws Exception {
    Socket s = new Socket();
    s.close();
    s.close(); // a second close is fine, as in Python
    assertEquals(-1, s.fileno());
    PolysockException e = assertThrows(PolysockException.class, () -> s.bind("127.0.0.1", 0));
    assertEquals(Net.EBADF, e.errno());
    assertEquals("[Errno 9] Bad file descriptor", e.getMessage());
  }
}
