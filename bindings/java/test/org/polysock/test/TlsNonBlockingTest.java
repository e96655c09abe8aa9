package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polysock.test.TlsFixtures.WAIT;
import static org.polysock.test.TlsFixtures.clientContext;
import static org.polysock.test.TlsFixtures.pattern;
import static org.polysock.test.TlsFixtures.serverContext;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.Socket;
import org.polysock.SslException;
import org.polysock.SslWantReadException;
import org.polysock.SslWantWriteException;
import org.polysock.TlsContext;

/**
 * Issue 17: non-blocking TLS sockets driven by a Poller, one thread serving both ends.
 * Would-block is SslWantReadException / SslWantWriteException, and the event to wait for
 * is the one the exception names.
 */
@Timeout(60)
class TlsNonBlockingTest {
  /** A connected pair of plain sockets, both non-blocking, wrapped without handshake. */
  private static Socket[] wrappedPair(TlsContext sctx, TlsContext cctx) throws Exception {
    try (Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      Socket c = Net.createConnection("127.0.0.1", listener.getsockname().port(), WAIT);
      Socket s = listener.accept().socket();
      // Small kernel buffers, fixed (no autotuning): a peer that reads nothing fills them soon.
      c.setsockopt(Net.SOL_SOCKET, Net.SO_SNDBUF, 65536);
      s.setsockopt(Net.SOL_SOCKET, Net.SO_RCVBUF, 65536);
      c.setblocking(false);
      s.setblocking(false);
      // As Python: a non-blocking socket needs do_handshake_on_connect=False.
      return new Socket[] {cctx.wrapSocket(c, false, "localhost", false, true),
          sctx.wrapSocket(s, true, null, false, true)};
    }
  }

  /** What one call wants: the poller event named by its SslWant* exception. */
  private static int eventOf(SslException e) {
    if (e instanceof SslWantReadException) {
      return Poller.EVENT_READ;
    }
    assertInstanceOf(SslWantWriteException.class, e, "only the two want kinds: " + e);
    return Poller.EVENT_WRITE;
  }

  @Test
  void handshakeDrivenByThePoller() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        Poller poller = new Poller()) {
      Socket[] ends = wrappedPair(sctx, cctx);
      try (Socket client = ends[0]; Socket server = ends[1]) {
        Map<Socket, Boolean> done = new HashMap<>(Map.of(client, false, server, false));
        int wantRead = 0;
        poller.register(client, Poller.EVENT_READ);
        poller.register(server, Poller.EVENT_READ);
        for (int round = 0; round < 100 && done.containsValue(false); round++) {
          for (Socket end : List.of(client, server)) {
            if (done.get(end)) {
              continue;
            }
            try {
              end.doHandshake();
              done.put(end, true);
              poller.unregister(end);
            } catch (SslWantReadException | SslWantWriteException e) {
              wantRead += e instanceof SslWantReadException ? 1 : 0;
              assertEquals(e instanceof SslWantReadException
                  ? "The operation did not complete (read)"
                  : "The operation did not complete (write)", e.getMessage());
              poller.modify(end, eventOf(e));
            }
          }
          if (done.containsValue(false)) {
            assertFalse(poller.select(WAIT).isEmpty(), "the poller saw the peer's bytes");
          }
        }
        assertFalse(done.containsValue(false), "both ends finished the handshake");
        assertTrue(wantRead >= 2, "each end waited for the other at least once");
        assertEquals("TLSv1.3", client.tlsVersion());
        assertEquals("TLSv1.3", server.tlsVersion());

        // No data yet: a non-blocking recv wants to read, it does not block.
        SslWantReadException e = assertThrows(SslWantReadException.class, () -> server.recv(5));
        assertEquals(2, e.errno(), "ssl.SSL_ERROR_WANT_READ");
        client.send("hello".getBytes());
        poller.register(server, Poller.EVENT_READ);
        assertEquals(1, poller.select(WAIT).size());
        assertEquals("hello", new String(server.recv(5)));
      }
    }
  }

  @Test
  void aFullConnectionWantsWriteAndTheSameBytesAreRetried() throws Exception {
    final int size = 8 << 20;
    byte[] data = pattern(size, 3);
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        Poller poller = new Poller()) {
      Socket[] ends = wrappedPair(sctx, cctx);
      try (Socket client = ends[0]; Socket server = ends[1]) {
        // Send until the kernel's buffers are full and the peer reads nothing.
        int sent = 0;
        boolean wantedWrite = false;
        for (int i = 0; i < 10000 && !wantedWrite && sent < size; i++) {
          try {
            sent += client.send(data, sent, Math.min(65536, size - sent), 0);
          } catch (SslWantReadException handshaking) {
            drive(poller, server, client); // the handshake is not done yet: finish it
          } catch (SslWantWriteException full) {
            wantedWrite = true;
          }
        }
        assertTrue(wantedWrite, "a full connection makes send want to write");
        // Now both directions through one poller: retry the send, read what comes.
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        poller.register(client, Poller.EVENT_WRITE);
        poller.register(server, Poller.EVENT_READ);
        for (int round = 0; round < 100000 && got.size() < size; round++) {
          List<Poller.Event> events = poller.select(WAIT);
          assertFalse(events.isEmpty(), "progress within " + WAIT + " s");
          for (Poller.Event ev : events) {
            if (ev.socket() == client && sent < size) {
              try {
                sent += client.send(data, sent, Math.min(65536, size - sent), 0);
              } catch (SslWantWriteException | SslWantReadException again) {
                poller.modify(client, eventOf(again));
                continue;
              }
              poller.modify(client, Poller.EVENT_WRITE);
              if (sent == size) {
                poller.unregister(client);
              }
            } else if (ev.socket() == server) {
              try {
                int n;
                while ((n = server.recvInto(buf)) > 0) { // drain what OpenSSL holds too
                  got.write(buf, 0, n);
                }
              } catch (SslWantReadException | SslWantWriteException later) {
                poller.modify(server, eventOf(later));
              }
            }
          }
        }
        assertEquals(size, sent);
        assertArrayEquals(data, got.toByteArray(), "every byte once, in order");
      }
    }
  }

  @Test
  void thePollerReportsBytesThatOpensslHolds() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = TlsFixtures.connect(sctx, cctx, "localhost");
        Poller poller = new Poller()) {
      p.server().sendall(pattern(1000, 4)); // one record
      assertEquals(10, p.client().recv(10).length);
      // The other 990 bytes are decrypted inside OpenSSL; the descriptor has nothing.
      assertEquals(990, p.client().tlsPending());
      poller.register(p.client(), Poller.EVENT_READ);
      List<Poller.Event> events = poller.select(0);
      assertEquals(1, events.size(), "readable while OpenSSL holds bytes (SSL_has_pending)");
      assertTrue(events.get(0).readable());
      p.client().setblocking(false);
      assertEquals(990, p.client().recv(4096).length);
      assertTrue(poller.select(0).isEmpty(), "nothing left: not readable");
    }
  }

  /** Finishes the handshake of both ends (non-blocking) through the poller. */
  private static void drive(Poller poller, Socket server, Socket client) throws Exception {
    for (int round = 0; round < 100; round++) {
      boolean pending = false;
      for (Socket end : List.of(server, client)) {
        try {
          end.doHandshake();
        } catch (SslWantReadException | SslWantWriteException e) {
          pending = true;
        }
      }
      if (!pending) {
        return;
      }
      poller.register(server, Poller.EVENT_READ);
      poller.register(client, Poller.EVENT_READ);
      poller.select(0.05);
      poller.unregister(server);
      poller.unregister(client);
    }
    throw new AssertionError("the handshake did not finish");
  }
}
