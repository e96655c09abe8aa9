package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.polysock.PolysockException;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;

/**
 * Issue 16, point 5: createConnection with Happy Eyeballs and all_errors. Refused
 * attempts go to ports bound without listen() (the kernel answers RST), kept bound so
 * that nobody else takes them. No name is resolved: host null (Python's None) gives
 * getaddrinfo's loopback addresses, ::1 then 127.0.0.1, two families without a name
 * (this machine's localhost is IPv4 only). Results as python3 3.11 gives them.
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

  /** getaddrinfo(None, 0, 0, SOCK_STREAM): the loopback addresses of both families. */
  private static List<AddrInfo> loopbacks() throws Exception {
    List<AddrInfo> infos = Net.getaddrinfo(null, 0, 0, Net.SOCK_STREAM, 0, 0);
    Set<Integer> families = new HashSet<>();
    for (AddrInfo info : infos) {
      families.add(info.family());
    }
    assertEquals(Set.of(Net.AF_INET6, Net.AF_INET), families, "both loopbacks: " + infos);
    return infos;
  }

  @Test
  void everyLoopbackAddressIsTriedAndEachFailureIsListed() throws Exception {
    // Each address of getaddrinfo(None) with a refusing port of the same number.
    List<AddrInfo> infos = loopbacks();
    List<Socket> refusers = new ArrayList<>();
    try {
      Set<String> hosts = new HashSet<>();
      int port = 0;
      // The kernel picks the first family's port without looking at the other's,
      // where a test running at the same time may hold the number: pick again.
      for (int attempt = 0; attempt < 50 && refusers.isEmpty(); attempt++) {
        Socket first = refusing(infos.get(0).family(), infos.get(0).address().host(), 0);
        refusers.add(first);
        port = first.getsockname().port();
        hosts.clear();
        hosts.add(infos.get(0).address().host());
        try {
          for (AddrInfo info : infos) {
            if (hosts.add(info.address().host())) {
              refusers.add(refusing(info.family(), info.address().host(), port));
            }
          }
        } catch (PolysockException taken) {
          for (Socket s : refusers) {
            s.close();
          }
          refusers.clear();
        }
      }
      assertFalse(refusers.isEmpty(), "a port free on every loopback address");
      final int refusedPort = port;
      long start = System.nanoTime();
      ConnectionAttemptsException e = assertThrows(ConnectionAttemptsException.class,
          () -> Net.createConnection(null, refusedPort, 5.0, null, 0, 2.0, -1, true));
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
    List<AddrInfo> infos = loopbacks();
    // Listen on the last address (127.0.0.1); refuse on the others (::1).
    AddrInfo last = infos.get(infos.size() - 1);
    for (int attempt = 0; ; attempt++) {
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
        } catch (PolysockException taken) {
          // The number is taken in the other family (ports are picked per family).
          for (Socket s : refusers) {
            s.close();
          }
          if (attempt == 49) {
            throw taken;
          }
          continue;
        }
        fallBack(server, last, port, refusers);
        return;
      }
    }
  }

  /** Connects to port, refused on every address but last's, where server listens. */
  private static void fallBack(Socket server, AddrInfo last, int port, List<Socket> refusers)
      throws Exception {
    try {
      long start = System.nanoTime();
      try (Socket c = Net.createConnection(null, port, 5.0, null, 0, 2.0, 1, true);
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

  @Test
  void eachAttemptKeepsTheKindOfItsOwnFailure() throws Exception {
    // python3: create_connection((None, port), 5, ('127.0.0.1', 0), all_errors=True)
    // lists gaierror -9 for ::1 (an IPv4 source for an IPv6 socket) and the refusal of
    // 127.0.0.1.
    List<AddrInfo> infos = loopbacks();
    try (Socket closed = refusing(Net.AF_INET, "127.0.0.1", 0)) {
      int port = closed.getsockname().port();
      ConnectionAttemptsException e = assertThrows(ConnectionAttemptsException.class,
          () -> Net.createConnection(null, port, 5.0, "127.0.0.1", 0, 0.25, -1, true));
      assertEquals(infos.size(), e.getAttempts().size(), "one per address: " + e.getAttempts());
      int gai = 0;
      int refused = 0;
      for (ConnectionAttempt attempt : e.getAttempts()) {
        if (attempt.address().family() == Net.AF_INET6) {
          GaiException g = assertInstanceOf(GaiException.class, attempt.error());
          assertEquals(Net.EAI_ADDRFAMILY, g.errno());
          assertEquals("[Errno -9] Address family for hostname not supported", g.getMessage());
          gai++;
        } else {
          assertInstanceOf(ConnectionRefusedException.class, attempt.error());
          refused++;
        }
      }
      assertEquals(1, gai, "the ::1 attempt");
      assertEquals(1, refused, "the 127.0.0.1 attempt");
      assertEquals(e.getAttempts().size(), e.getSuppressed().length);
    }
  }

  /**
   * A listener on host that drops every SYN: with backlog 0 the kernel queues one
   * connection (the filler) and drops the SYNs of every later one. Closing it closes
   * both; a probe checks that a connect there really times out.
   */
  private static final class BlackHole implements AutoCloseable {
    final Socket listener;
    final Socket filler;
    final int port;

    BlackHole(int family, String host) throws Exception {
      listener = new Socket(family, Net.SOCK_STREAM);
      listener.bind(host, 0);
      listener.listen(0);
      port = listener.getsockname().port();
      filler = new Socket(family, Net.SOCK_STREAM);
      filler.settimeout(2.0);
      filler.connect(host, port);
      try (Socket probe = new Socket(family, Net.SOCK_STREAM)) {
        probe.settimeout(0.2);
        assertThrows(PolysockTimeoutException.class, () -> probe.connect(host, port),
            "the accept queue is full: a connect there is never answered");
      }
    }

    @Override
    public void close() throws Exception {
      filler.close();
      listener.close();
    }
  }

  /**
   * A ::1 black hole and a live 127.0.0.1 listener on the same port number. The kernel
   * picks the IPv6 port without looking at IPv4, where a socket of another test (a
   * connection's local port, say) may hold the number: pick again until both bind.
   */
  private static final class BlackHoleBesideListener implements AutoCloseable {
    private BlackHole v6;
    private Socket v4;

    BlackHoleBesideListener() throws Exception {
      for (int attempt = 0; v4 == null; attempt++) {
        BlackHole hole = new BlackHole(Net.AF_INET6, "::1");
        Socket s = new Socket(Net.AF_INET, Net.SOCK_STREAM);
        try {
          s.bind("127.0.0.1", hole.port);
          s.listen();
          v6 = hole;
          v4 = s;
        } catch (PolysockException taken) {
          s.close();
          hole.close();
          if (attempt == 49) {
            throw taken;
          }
        }
      }
    }

    int port() {
      return v6.port;
    }

    @Override
    public void close() throws Exception {
      v4.close();
      v6.close();
    }
  }

  @Test
  void aBlackHoledIpv6AttemptLosesToIpv4AfterTheDelay() throws Exception {
    loopbacks();
    try (BlackHoleBesideListener ports = new BlackHoleBesideListener()) {
      long start = System.nanoTime();
      try (Socket c = Net.createConnection(null, ports.port(), 5.0, null, 0, 0.3, -1, true)) {
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("127.0.0.1", c.getpeername().host(), "IPv4 wins");
        assertTrue(seconds >= 0.25, "the IPv4 attempt starts after the 0.3 s delay: " + seconds);
        assertTrue(seconds < 3.0, "well before the IPv6 attempt's 5 s timeout: " + seconds);
        assertEquals(5.0, c.gettimeout(), "the winner takes the timeout");
      }
    }
  }

  @Test
  void withoutHappyEyeballsTheBlackHoledAttemptTakesItsWholeTimeoutFirst() throws Exception {
    loopbacks();
    try (BlackHoleBesideListener ports = new BlackHoleBesideListener()) {
      long start = System.nanoTime();
      try (Socket c = Net.createConnection(null, ports.port(), 0.6, null, 0, null, 0, true)) {
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("127.0.0.1", c.getpeername().host());
        assertTrue(seconds >= 0.55, "::1 first, for its whole 0.6 s timeout: " + seconds);
      }
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
