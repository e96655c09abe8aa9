package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polysock.test.TlsFixtures.clientContext;
import static org.polysock.test.TlsFixtures.pattern;
import static org.polysock.test.TlsFixtures.serverContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.PeerCertificate;
import org.polysock.PolysockException;
import org.polysock.SslCertVerificationException;
import org.polysock.SslException;
import org.polysock.SslWantReadException;
import org.polysock.TlsContext;
import org.polysock.TlsObject;

/** Issue 17: Python's SSLObject over memory (TlsObject), two of them talking in memory. */
@Timeout(60)
class TlsObjectTest {
  /** Moves what a has to send into b; true if anything moved. */
  private static boolean pass(TlsObject a, TlsObject b) throws IOException {
    byte[] bytes = a.drain();
    if (bytes.length > 0) {
      b.feed(bytes);
    }
    return bytes.length > 0;
  }

  /** One handshake step of an end: true once done. */
  private static boolean step(TlsObject end) throws IOException {
    try {
      end.doHandshake();
      return true;
    } catch (SslWantReadException e) {
      return false; // feed it the peer's bytes first
    }
  }

  /** Runs both handshakes to the end, moving the bytes between them. */
  private static void handshake(TlsObject client, TlsObject server) throws IOException {
    boolean clientDone = false;
    boolean serverDone = false;
    for (int round = 0; round < 20 && !(clientDone && serverDone); round++) {
      clientDone = step(client);
      pass(client, server);
      serverDone = step(server);
      pass(server, client);
    }
    assertTrue(clientDone && serverDone, "both handshakes finished within 20 rounds");
  }

  @Test
  void twoObjectsHandshakeAndTalkInMemory() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      sctx.setAlpnProtocols("h2");
      cctx.setAlpnProtocols("h2");
      try (TlsObject client = cctx.wrapBio(false, "localhost");
          TlsObject server = sctx.wrapBio(true, null)) {
        assertFalse(client.serverSide());
        assertTrue(server.serverSide());
        assertEquals("localhost", client.serverHostname());
        assertNull(client.version(), "None before the handshake");
        assertNull(client.cipher());
        assertThrows(IllegalArgumentException.class, client::getpeercert,
            "getpeercert before the handshake is Python's ValueError");
        SslWantReadException first = assertThrows(SslWantReadException.class, client::doHandshake);
        assertEquals("The operation did not complete (read)", first.getMessage());
        assertTrue(client.outgoingPending() > 0, "the ClientHello waits to be drained");
        handshake(client, server);
        assertEquals("TLSv1.3", client.version());
        assertEquals("TLSv1.3", server.version());
        assertEquals(client.cipher(), server.cipher());
        assertEquals("h2", client.selectedAlpnProtocol());
        PeerCertificate cert = client.getpeercert();
        assertTrue(cert.validated());
        assertEquals("localhost", cert.subjectValues("commonName").get(0));
        assertArrayEquals(cert.der(), client.getpeercertDer());
        assertNull(server.getpeercert(), "the client sent none");

        // 1 MiB each way, in records, through the two buffers.
        byte[] up = pattern(1 << 20, 5);
        assertEquals(up.length, client.write(up));
        pass(client, server);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[70000];
        for (int i = 0; i < 1000 && got.size() < up.length; i++) {
          int n = server.readInto(buf, 0, buf.length);
          got.write(buf, 0, n);
        }
        assertArrayEquals(up, got.toByteArray());
        assertThrows(SslWantReadException.class, () -> server.read(10), "nothing more fed");
        server.write("pong".getBytes(), 1, 3);
        pass(server, client);
        assertEquals(0, client.pending(), "nothing decrypted before read");
        assertEquals("ong", new String(client.read(2)) + new String(client.read(1)));

        // close_notify both ways: unwrap wants the peer's until it is fed.
        assertThrows(SslWantReadException.class, client::unwrap);
        pass(client, server);
        assertEquals(0, server.read(10).length, "close_notify reads as the end");
        server.unwrap();
        pass(server, client);
        client.unwrap();
      }
    }
  }

  @Test
  void aWrongHostnameFailsInMemoryToo() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsObject client = cctx.wrapBio(false, "wrong.example");
        TlsObject server = sctx.wrapBio(true, null)) {
      SslException failure = clientFailure(client, server);
      SslCertVerificationException e = assertInstanceOf(SslCertVerificationException.class,
          failure);
      assertEquals(62, e.verifyCode());
    }
  }

  /** Runs a client object against a server object until the client fails; its failure. */
  private static SslException clientFailure(TlsObject client, TlsObject server)
      throws IOException {
    for (int round = 0; round < 20; round++) {
      try {
        step(client);
      } catch (SslException e) {
        return e;
      }
      pass(client, server);
      try {
        step(server);
      } catch (SslException e) {
        // the server hears of it by the client's alert
      }
      pass(server, client);
    }
    throw new AssertionError("the client's handshake did not fail");
  }

  @Test
  void errorDetailsStayWithTheCallThatFailed() throws Exception {
    // Threads failing at once in different ways: each exception carries its own call's
    // verify code and text (read in the same native call), never another thread's.
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsContext untrusting = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      untrusting.loadVerifyLocations(TlsFixtures.OTHER_CA);
      java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        final boolean hostname = t % 2 == 0;
        runs.add(TlsFixtures.THREADS.submit(() -> {
          for (int i = 0; i < 25; i++) {
            try (TlsObject client = hostname ? cctx.wrapBio(false, "wrong.example")
                    : untrusting.wrapBio(false, "localhost");
                TlsObject server = sctx.wrapBio(true, null)) {
              SslCertVerificationException e = assertInstanceOf(
                  SslCertVerificationException.class, clientFailure(client, server));
              assertEquals(hostname ? 62 : 20, e.verifyCode());
              assertEquals(hostname
                  ? "Hostname mismatch, certificate is not valid for 'wrong.example'."
                  : "unable to get local issuer certificate", e.verifyMessage());
            }
          }
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> run : runs) {
        run.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void feedEofEndsTheHandshakeWithAnError() throws Exception {
    try (TlsContext cctx = clientContext(); TlsObject client = cctx.wrapBio(false, "localhost")) {
      assertThrows(SslWantReadException.class, client::doHandshake);
      client.feedEof();
      SslException e = assertThrows(SslException.class, client::doHandshake);
      assertFalse(e instanceof SslWantReadException, "an ended stream wants nothing: " + e);
    }
  }

  @Test
  void badArgumentsAndClosedObjects() throws Exception {
    try (TlsContext cctx = clientContext()) {
      TlsObject client = cctx.wrapBio(false, "localhost");
      assertThrows(IndexOutOfBoundsException.class, () -> client.feed(new byte[4], 3, 2));
      assertThrows(IndexOutOfBoundsException.class, () -> client.drainInto(new byte[4], -1, 2));
      assertThrows(IllegalArgumentException.class, () -> client.read(-1));
      client.close();
      client.close(); // twice is fine
      assertEquals(Net.EBADF, assertThrows(PolysockException.class, client::doHandshake).errno(),
          "a closed object is a closed handle");
      assertEquals(Net.EBADF,
          assertThrows(PolysockException.class, () -> client.feed(new byte[1])).errno());
    }
  }
}
