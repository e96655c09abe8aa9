package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.InterruptedCallException;
import org.polysock.Net;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;

/**
 * Issue 16, point 4: Net.setInterruptHook. A signal (SIGWINCH, which the JVM leaves
 * alone, with a do-nothing handler of the test's own) is sent to exactly the thread
 * waiting in a timeout-mode call, whose poll() then returns EINTR.
 */
@Timeout(60)
class InterruptHookTest {
  private static final int SIGNAL = NativeTestSupport.sigwinch();
  private static final byte[] AFTER = "sent afterwards".getBytes(StandardCharsets.US_ASCII);

  @BeforeAll
  static void handleTheSignal() {
    assertEquals(0, NativeTestSupport.installHandler(SIGNAL), "sigaction");
  }

  @AfterEach
  void clearTheHook() throws Exception {
    Net.setInterruptHook(null);
  }

  /** A call running on a thread of its own, whose kernel thread id is known. */
  private static final class Victim<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    final Thread thread;
    volatile int tid;

    Victim(Callable<T> call) throws InterruptedException {
      CountDownLatch started = new CountDownLatch(1);
      thread = new Thread(() -> {
        tid = NativeTestSupport.gettid();
        started.countDown();
        try {
          result.complete(call.call());
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      }, "interrupt-victim");
      thread.start();
      assertTrue(started.await(10, TimeUnit.SECONDS), "the victim thread started");
    }

    void signal() {
      NativeTestSupport.tgkill(tid, SIGNAL); // ESRCH once the thread has ended: fine
    }

    /** Signals the thread every 20 ms until the call ends (at most 10 s). */
    void signalUntilDone() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!result.isDone() && System.nanoTime() < deadline) {
        signal();
        Thread.sleep(20);
      }
      assertTrue(result.isDone(), "the signalled call ended");
    }

    /** Signals the thread every 20 ms until until.get() says so (at most 10 s). */
    void signalUntil(java.util.function.BooleanSupplier until) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!until.getAsBoolean() && System.nanoTime() < deadline) {
        signal();
        Thread.sleep(20);
      }
      assertTrue(until.getAsBoolean(), "the condition came true while signalling");
    }

    Throwable failure() throws Exception {
      try {
        result.get(10, TimeUnit.SECONDS);
        return null;
      } catch (ExecutionException e) {
        return e.getCause();
      }
    }
  }

  private static byte[] recvExactly(Socket s, int n) throws Exception {
    return TrafficTest.recvExactly(s, n);
  }

  @Test
  void aHookThatSaysStopEndsTheWaitWithInterruptedError() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    Net.setInterruptHook(() -> {
      calls.incrementAndGet();
      ranOn.set(Thread.currentThread());
      return true;
    });
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.settimeout(30.0);
      Victim<byte[]> victim = new Victim<>(() -> a.recv(64));
      victim.signalUntilDone();
      InterruptedCallException e = assertInstanceOf(InterruptedCallException.class, victim.failure());
      assertEquals(Net.EINTR, e.errno());
      assertEquals("[Errno 4] Interrupted system call", e.getMessage());
      assertEquals(0, e.bytesTransferred(), "a recv moves no data before it stops");
      assertTrue(calls.get() >= 1, "the hook ran");
      assertSame(victim.thread, ranOn.get(), "the hook runs on the interrupted thread");
      // Nothing was consumed: what comes afterwards arrives whole.
      b.sendall(AFTER);
      assertArrayEquals(AFTER, recvExactly(a, AFTER.length));
    }
  }

  @Test
  void aHookThatSaysGoOnLetsTheCallWaitWithTheTimeLeft() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Net.setInterruptHook(() -> {
      calls.incrementAndGet();
      return false;
    });
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.settimeout(30.0);
      Victim<byte[]> victim = new Victim<>(() -> a.recv(64));
      victim.signalUntil(() -> calls.get() >= 3);
      assertFalse(victim.result.isDone(), "the call goes on waiting after the hook said no");
      b.sendall(AFTER);
      assertArrayEquals(AFTER, victim.result.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void withTheHookClearedSignalsAreRetriedAsBefore() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Net.setInterruptHook(() -> {
      calls.incrementAndGet();
      return true;
    });
    Net.setInterruptHook(null);
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.settimeout(30.0);
      Victim<byte[]> victim = new Victim<>(() -> a.recv(64));
      for (int i = 0; i < 15; i++) {
        victim.signal();
        Thread.sleep(20);
      }
      assertFalse(victim.result.isDone(), "without a hook the call retries EINTR (PEP 475)");
      b.sendall(AFTER);
      assertArrayEquals(AFTER, victim.result.get(10, TimeUnit.SECONDS));
      assertEquals(0, calls.get(), "a cleared hook is never called");
    }
  }

  @Test
  void anExceptionTheHookThrowsIsWhatTheCallThrows() throws Exception {
    Net.setInterruptHook(() -> {
      throw new IllegalStateException("raised by the hook");
    });
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.settimeout(30.0);
      Victim<byte[]> victim = new Victim<>(() -> a.recv(64));
      victim.signalUntilDone();
      IllegalStateException e = assertInstanceOf(IllegalStateException.class, victim.failure());
      assertEquals("raised by the hook", e.getMessage());
      Net.setInterruptHook(null);
      b.sendall(AFTER);
      assertArrayEquals(AFTER, recvExactly(a, AFTER.length));
    }
  }

  @Test
  void anInterruptedSendallTellsWhatWentAndThePeerGetsExactlyThat() throws Exception {
    Net.setInterruptHook(() -> true);
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      byte[] big = new byte[16 << 20]; // far more than the socket buffers hold
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 7 + (i >> 13));
      }
      a.settimeout(30.0);
      Victim<Void> victim = new Victim<>(() -> {
        a.sendall(big);
        return null;
      });
      victim.signalUntilDone();
      InterruptedCallException e = assertInstanceOf(InterruptedCallException.class, victim.failure());
      long sent = e.bytesTransferred();
      assertTrue(sent > 0 && sent < big.length, "part of the data went: " + sent);
      Net.setInterruptHook(null);
      // The peer has exactly the bytes that went, and nothing after them.
      byte[] got = recvExactly(b, (int) sent);
      assertArrayEquals(Arrays.copyOf(big, (int) sent), got);
      b.settimeout(0.2);
      assertInstanceOf(PolysockTimeoutException.class, assertThrowsAny(() -> b.recv(1)));
    }
  }

  @Test
  void aPollerSelectStopsTooAndTheReadyEventIsStillThere() throws Exception {
    Net.setInterruptHook(() -> true);
    Socket[] p = Net.socketpair();
    try (org.polysock.Poller poller = new org.polysock.Poller(); Socket a = p[0];
        Socket b = p[1]) {
      poller.register(a, org.polysock.Poller.EVENT_READ);
      Victim<Integer> victim = new Victim<>(() -> poller.select(30.0).size());
      victim.signalUntilDone();
      InterruptedCallException e = assertInstanceOf(InterruptedCallException.class, victim.failure());
      assertEquals(Net.EINTR, e.errno());
      Net.setInterruptHook(null);
      b.sendall(AFTER);
      assertEquals(1, poller.select(5.0).size(), "the poller works on after the interruption");
    }
  }

  private static Throwable assertThrowsAny(org.junit.jupiter.api.function.Executable call) {
    try {
      call.execute();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected an exception");
  }
}
