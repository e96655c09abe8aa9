package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.PolysockException;
import org.polysock.Socket;

/** The selectors-like poller. */
@Timeout(60)
class PollerTest {
  @Test
  void reportsReadableSocketsWithTheirUserData() throws Exception {
    Socket[] p = Net.socketpair();
    try (Poller poller = new Poller(); Socket a = p[0]; Socket b = p[1]) {
      poller.register(a, Poller.EVENT_READ, 42);
      assertEquals(List.of(), poller.select(0.0), "nothing is ready yet");
      b.sendall(new byte[] {1});
      List<Poller.Event> events = poller.select(5.0);
      assertEquals(1, events.size());
      assertSame(a, events.get(0).socket());
      assertTrue(events.get(0).readable());
      assertEquals(42, events.get(0).attachment());

      poller.modify(a, Poller.EVENT_WRITE, 7);
      Poller.Event e = poller.select(5.0).get(0);
      assertTrue(e.writable());
      assertEquals(7, e.attachment());

      PolysockException twice =
          assertThrows(PolysockException.class, () -> poller.register(a, Poller.EVENT_READ));
      assertEquals(17, twice.errno(), "EEXIST"); // not among the library's constants
      poller.unregister(a);
      PolysockException gone = assertThrows(PolysockException.class, () -> poller.unregister(a));
      assertEquals(Net.ENOENT, gone.errno());
      assertThrows(IllegalArgumentException.class, () -> poller.register(a, 0));
    }
  }

  @Test
  void filenoPollsReadableExactlyWhenARegisteredSocketIsReady() throws Exception {
    Socket[] p = Net.socketpair();
    try (Poller poller = new Poller(); Socket a = p[0]; Socket b = p[1]) {
      poller.register(a, Poller.EVENT_READ);
      int fd = poller.fileno();
      assertTrue(fd >= 0);
      assertEquals(fd, poller.fileno(), "the same descriptor every time");
      assertFalse(NativeTestSupport.pollReadable(fd, 0), "nothing ready: not readable");
      assertEquals(List.of(), poller.select(0.0));

      b.sendall(new byte[] {1, 2, 3});
      assertTrue(NativeTestSupport.pollReadable(fd, 5000), "readable once a socket is ready");
      // Level-triggered: it stays readable while select would report the socket...
      assertTrue(NativeTestSupport.pollReadable(fd, 0));
      assertEquals(1, poller.select(0.0).size(), "select agrees");
      assertTrue(NativeTestSupport.pollReadable(fd, 0), "select did not consume readiness");
      // ...and stops once the data is gone.
      assertEquals(3, a.recv(16).length);
      assertFalse(NativeTestSupport.pollReadable(fd, 0), "not readable once drained");
      assertEquals(List.of(), poller.select(0.0), "select agrees");
    }
    Poller closed = new Poller();
    closed.close();
    PolysockException e = assertThrows(PolysockException.class, closed::fileno);
    assertEquals(Net.EBADF, e.errno());
  }

  @Test
  void selectTimesOutWithAnEmptyList() throws Exception {
    try (Poller poller = new Poller()) {
      long start = System.nanoTime();
      assertEquals(List.of(), poller.select(0.05));
      assertTrue(System.nanoTime() - start >= 40_000_000L);
    }
  }

  @Test
  void closingThePollerWakesASelectingThread() throws Exception {
    Poller poller = new Poller();
    CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
      try {
        poller.select();
        return null;
      } catch (Throwable t) {
        return t;
      }
    });
    Thread.sleep(200);
    poller.close();
    PolysockException e =
        assertInstanceOf(PolysockException.class, outcome.get(10, TimeUnit.SECONDS));
    assertEquals(Net.EBADF, e.errno());
  }

  @Test
  void servesAListenerAndItsClientsFromOneThread() throws Exception {
    try (Poller poller = new Poller(); Socket server = Net.createServer("127.0.0.1", 0)) {
      server.setblocking(false);
      poller.register(server, Poller.EVENT_READ);
      Socket[] clients = new Socket[3];
      for (int i = 0; i < clients.length; i++) {
        clients[i] = Net.createConnection("127.0.0.1", server.getsockname().port());
        clients[i].sendall(new byte[] {(byte) i});
      }
      int echoed = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (echoed < clients.length && System.nanoTime() < deadline) {
        for (Poller.Event e : poller.select(1.0)) {
          if (e.socket() == server) {
            Socket conn = server.accept().socket();
            poller.register(conn, Poller.EVENT_READ);
          } else {
            byte[] got = e.socket().recv(16);
            if (got.length == 0) {
              poller.unregister(e.socket());
              e.socket().close();
            } else {
              e.socket().sendall(got);
            }
          }
        }
        for (int i = 0; i < clients.length; i++) {
          if (clients[i] != null) {
            clients[i].setblocking(false);
            try {
              byte[] back = clients[i].recv(16);
              assertEquals(i, back[0]);
              clients[i].close();
              clients[i] = null;
              echoed++;
            } catch (PolysockException notYet) {
              assertEquals(Net.EAGAIN, notYet.errno());
            }
          }
        }
      }
      assertEquals(clients.length, echoed);
    }
  }
}
