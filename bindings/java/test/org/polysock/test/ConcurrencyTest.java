package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/** Threads: close waking a blocked call, parallel traffic, and the Cleaner. */
@Timeout(120)
class ConcurrencyTest {
  private static int openDescriptors() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  @Test
  void closeFromAnotherThreadWakesABlockedRecvWithEbadf() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket b = p[1]) {
      Socket a = p[0];
      CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          a.recv(10);
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      Thread.sleep(200); // let the recv block
      a.close();
      Throwable t = outcome.get(10, TimeUnit.SECONDS);
      PolysockException e = assertInstanceOf(PolysockException.class, t);
      assertEquals(Net.EBADF, e.errno());
    }
  }

  @Test
  void fourThreadsEchoInParallel() throws Exception {
    final int threads = 4;
    final int rounds = 300;
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      int port = server.getsockname().port();
      ExecutorService pool = Executors.newFixedThreadPool(2 * threads);
      try {
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          work.add(pool.submit(() -> {
            try (Socket conn = server.accept().socket()) {
              byte[] buf = new byte[8192];
              int n;
              while ((n = conn.recvInto(buf)) > 0) {
                conn.sendall(buf, 0, n);
              }
            }
            return null;
          }));
        }
        for (int t = 0; t < threads; t++) {
          final int id = t;
          work.add(pool.submit(() -> {
            try (Socket c = Net.createConnection("127.0.0.1", port, 30.0)) {
              for (int r = 0; r < rounds; r++) {
                byte[] msg = ("thread " + id + " round " + r).getBytes();
                c.sendall(msg);
                assertArrayEquals(msg, TrafficTest.recvExactly(c, msg.length));
              }
              c.shutdown(Net.SHUT_WR);
              assertEquals(0, c.recv(1).length);
            }
            return null;
          }));
        }
        for (Future<?> f : work) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void forgottenSocketsAreClosedByTheCleaner() throws Exception {
    System.gc();
    int before = openDescriptors();
    assertTrue(before > 0, "/proc/self/fd is readable");
    for (int i = 0; i < 200; i++) {
      new Socket(); // never closed
    }
    assertTrue(openDescriptors() >= before + 200, "200 descriptors are open");
    int now = openDescriptors();
    for (int i = 0; i < 100 && now > before + 10; i++) {
      System.gc();
      Thread.sleep(50);
      now = openDescriptors();
    }
    assertTrue(now <= before + 10,
        "the Cleaner closed the forgotten sockets: " + before + " before, " + now + " now");
  }

  @Test
  void closeAndTheCleanerCloseOnlyOnce() throws Exception {
    // A closed socket's handle is never closed again by its Cleaner: a handle that
    // the C table gives out afterwards must stay usable after the old object is collected.
    for (int i = 0; i < 100; i++) {
      new Socket().close();
    }
    try (Socket survivor = new Socket()) {
      for (int i = 0; i < 10; i++) {
        System.gc();
        Thread.sleep(20);
      }
      survivor.bind("127.0.0.1", 0);
      assertTrue(survivor.getsockname().port() > 0);
    }
  }
}
