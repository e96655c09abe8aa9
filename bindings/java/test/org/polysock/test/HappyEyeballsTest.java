package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.AddrInfo;
import org.polysock.ConnectionAttempt;
import org.polysock.ConnectionAttemptsException;
import org.polysock.ConnectionRefusedException;
import org.polysock.GaiException;
import org.polysock.Net;
import org.polysock.Socket;

/**
 * Issue 16, point 5: createConnection with Happy Eyeballs and all_errors. Refused
 * attempts go to ports bound without listen() (the kernel answers RST), kept bound so
 * that nobody else takes them; "localhost" is the only name resolved.
 */
@Timeout(60)
class HappyEyeballsTest {
  /** A port bound on host (no listen): connecting there is refused. */
  private static Socket refusing(int family, String host, int port) throws Exception {
    Socket s = new Socket(family, Net.SOCK_STREAM);
    s.bind(host, port);
    return s;
  }

  @Test
  void allErrorsGivesTheOneRefusedAttemptOfANumericAddress() throws Exception {
    try (Socket closed = refusing(Net.AF_INET, "127.0.0.1", 0)) {
      int port = closed.getsockname().port();
      ConnectionAttemptsException e = assertThrows(ConnectionAttemptsException.class,
          () -> Net.createConnection("127.0.0.1", port, 5.0, null, 0, 0.25, -1, true));
      // python3: create_connection(('127.0.0.1', port), all_errors=True) raises
      // ExceptionGroup('create_connection failed', [ConnectionRefusedError(111, ...)]).
      assertEquals("create_connection failed", e.getMessage());
      assertEquals(1, e.getAttempts().size());
      ConnectionAttempt attempt = e.getAttempts().get(0);
      assertEquals("127.0.0.1", attempt.address().host());
      assertEquals(port, attempt.address().port());
      ConnectionRefusedException refused =
          assertInstanceOf(ConnectionRefusedException.class, attempt.error());
      assertEquals(Net.ECONNREFUSED, refused.errno());
      assertEquals("[Errno 111] Connection refused", refused.getMessage());
      assertEquals(Net.ECONNREFUSED, e.errno());
      assertSame(refused, e.getCause());
      assertArrayEquals(new Throwable[] {refused}, e.getSuppressed());
    }
  }

  @Test
  void withoutAllErrorsTheLastFailureIsThrownAsSuch() throws Exception {
    try (Socket closed = refusing(Net.AF_INET, "127.0.0.1", 0)) {
      int port = closed.getsockname().port();
      ConnectionRefusedException e = assertThrows(ConnectionRefusedException.class,
          () -> Net.createConnection("127.0.0.1", port, 5.0, null, 0, 0.25, -1, false));
      assertEquals(Net.ECONNREFUSED, e.errno());
      assertThrows(ConnectionRefusedException.class,
          () -> Net.createConnection("127.0.0.1", port, 5.0, null, 0, null, 0, false));
    }
  }

  @Test
  void aLiveListenerWins() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      int port = server.getsockname().port();
      try (Socket c = Net.createConnection("127.0.0.1", port, 5.0, null, 0, 0.25, 1, true);
          Socket conn = server.accept().socket()) {
        assertEquals(port, c.getpeername().port());
        assertEquals(5.0, c.gettimeout(), "the new socket keeps the timeout");
        c.sendall("hi".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("hi".getBytes(StandardCharsets.US_ASCII), TrafficTest.recvExactly(conn, 2));
      }
    }
  }

  @Test
  void everyAddressOfLocalhostIsTriedAndEachFailureIsListed() throws Exception {
    // The addresses localhost has here (::1 and 127.0.0.1 where both are configured),
    // each with a refusing port of the same number.
    List<AddrInfo> infos = Net.getaddrinfo("localhost", 0, 0, Net.SOCK_STREAM, 0, 0);
    List<Socket> refusers = new ArrayList<>();
    try {
      Socket first = refusing(infos.get(0).family(), infos.get(0).address().host(), 0);
      refusers.add(first);
      int port = first.getsockname().port();
      Set<String> hosts = new HashSet<>();
      hosts.add(infos.get(0).address().host());
      for (AddrInfo info : infos) {
        if (hosts.add(info.address().host())) {
          refusers.add(refusing(info.family(), info.address().host(), port));
        }
      }
      long start = System.nanoTime();
      ConnectionAttemptsException e = assertThrows(ConnectionAttemptsException.class,
          () -> Net.createConnection("localhost", port, 5.0, null, 0, 2.0, -1, true));
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(hosts.size(), e.getAttempts().size(), "one attempt per address: " + e.getAttempts());
      Set<String> tried = new HashSet<>();
      for (ConnectionAttempt attempt : e.getAttempts()) {
        assertInstanceOf(ConnectionRefusedException.class, attempt.error());
        assertEquals(port, attempt.address().port());
        tried.add(attempt.address().host());
      }
      assertEquals(hosts, tried);
      // A refused attempt starts the next at once, not after the 2 s delay.
      assertTrue(seconds < 1.5, "refusals do not wait for the delay: " + seconds + " s");
    } finally {
      for (Socket s : refusers) {
        s.close();
      }
    }
  }

  @Test
  void aRefusedFamilyFallsBackToTheOtherAtOnce() throws Exception {
    List<AddrInfo> infos = Net.getaddrinfo("localhost", 0, 0, Net.SOCK_STREAM, 0, 0);
    // Listen on the last address localhost gives; refuse on the others.
    AddrInfo last = infos.get(infos.size() - 1);
    try (Socket server = new Socket(last.family(), Net.SOCK_STREAM)) {
      server.bind(last.address().host(), 0);
      server.listen();
      int port = server.getsockname().port();
      List<Socket> refusers = new ArrayList<>();
      try {
        for (AddrInfo info : infos) {
          if (!info.address().host().equals(last.address().host())) {
            refusers.add(refusing(info.family(), info.address().host(), port));
          }
        }
        long start = System.nanoTime();
        try (Socket c = Net.createConnection("localhost", port, 5.0, null, 0, 2.0, 1, true);
            Socket conn = server.accept().socket()) {
          double seconds = (System.nanoTime() - start) / 1e9;
          assertEquals(last.address().host(), c.getpeername().host());
          assertEquals(c.getsockname().port(), conn.getpeername().port());
          assertTrue(seconds < 1.5, "no wait for the delay after a refusal: " + seconds + " s");
        }
      } finally {
        for (Socket s : refusers) {
          s.close();
        }
      }
    }
  }

  @Test
  void eachAttemptKeepsTheKindOfItsOwnFailure() throws Exception {
    // An IPv4 source address: CPython's ::1 attempt fails to bind it with gaierror -9
    // ("Address family for hostname not supported"), the 127.0.0.1 attempt is refused.
    List<AddrInfo> infos = Net.getaddrinfo("localhost", 0, 0, Net.SOCK_STREAM, 0, 0);
    try (Socket closed = refusing(Net.AF_INET, "127.0.0.1", 0)) {
      int port = closed.getsockname().port();
      ConnectionAttemptsException e = assertThrows(ConnectionAttemptsException.class,
          () -> Net.createConnection("localhost", port, 5.0, "127.0.0.1", 0, 0.25, -1, true));
      assertEquals(infos.size(), e.getAttempts().size(), "one per address: " + e.getAttempts());
      for (ConnectionAttempt attempt : e.getAttempts()) {
        if (attempt.address().family() == Net.AF_INET6) {
          GaiException gai = assertInstanceOf(GaiException.class, attempt.error());
          assertEquals(Net.EAI_ADDRFAMILY, gai.errno());
        } else {
          assertInstanceOf(ConnectionRefusedException.class, attempt.error());
        }
      }
      assertEquals(e.getAttempts().size(), e.getSuppressed().length);
    }
  }

  @Test
  void badOptionsAreArgumentErrors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Net.createConnection("127.0.0.1", 1, 5.0, null, 0, -0.5, -1, true));
    assertTrue(e.getMessage().contains("happy_eyeballs_delay"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Net.createConnection("127.0.0.1", 1, 5.0, null, 0, Double.NaN, -1, true));
    IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
        () -> Net.createConnection("127.0.0.1", 1, -1.0, null, 0, 0.25, -1, true));
    assertEquals("Timeout value out of range", timeout.getMessage());
  }
}
