package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polysock.test.TlsFixtures.THREADS;
import static org.polysock.test.TlsFixtures.WAIT;
import static org.polysock.test.TlsFixtures.clientContext;
import static org.polysock.test.TlsFixtures.connect;
import static org.polysock.test.TlsFixtures.failedHandshake;
import static org.polysock.test.TlsFixtures.pattern;
import static org.polysock.test.TlsFixtures.recvExactly;
import static org.polysock.test.TlsFixtures.serverContext;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.PolysockTimeoutException;
import org.polysock.SslCertVerificationException;
import org.polysock.SslEofException;
import org.polysock.SslException;
import org.polysock.SslWantReadException;
import org.polysock.Socket;
import org.polysock.TlsCipher;
import org.polysock.TlsContext;
import org.polysock.TlsVersion;

/** Issue 17, point 5: polysock TLS sockets talking to each other over loopback. */
@Timeout(60)
class TlsSocketTest {
  @Test
  void sixteenMebibytesEachWayArriveIntact() throws Exception {
    final int size = 16 << 20;
    byte[] up = pattern(size, 1);
    byte[] down = pattern(size, 2);
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      // The client sends byte[] while the server sends from a direct buffer, both at once.
      Future<?> clientSends = THREADS.submit(() -> {
        p.client().sendall(up);
        return null;
      });
      Future<?> serverSends = THREADS.submit(() -> {
        ByteBuffer direct = ByteBuffer.allocateDirect(size).put(down).flip();
        p.server().sendall(direct);
        assertEquals(size, direct.position(), "sendall consumed the whole buffer");
        return null;
      });
      Future<byte[]> serverGot = THREADS.submit(() -> recvExactly(p.server(), size));
      ByteBuffer clientGot = ByteBuffer.allocateDirect(size);
      while (clientGot.hasRemaining()) {
        assertTrue(p.client().recvInto(clientGot) > 0, "early end of stream");
      }
      clientSends.get(30, TimeUnit.SECONDS);
      serverSends.get(30, TimeUnit.SECONDS);
      assertArrayEquals(up, serverGot.get(30, TimeUnit.SECONDS), "client to server");
      byte[] got = new byte[size];
      clientGot.flip().get(got);
      assertArrayEquals(down, got, "server to client");
    }
  }

  @Test
  void handshakeResultsOnBothEnds() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      assertTrue(p.client().isTls());
      assertTrue(p.server().isTls());
      assertFalse(p.client().serverSide());
      assertTrue(p.server().serverSide());
      assertEquals("TLSv1.3", p.client().tlsVersion(), "TLS 1.3 is the default maximum");
      TlsCipher cipher = p.client().cipher();
      assertNotNull(cipher);
      assertEquals("TLSv1.3", cipher.protocol());
      assertTrue(cipher.name().startsWith("TLS_"), cipher.name());
      assertTrue(cipher.secretBits() >= 128, cipher.toString());
      assertEquals(cipher, p.server().cipher(), "both ends agree on the cipher");
      assertNull(p.client().selectedAlpnProtocol(), "no ALPN asked for: None");
      assertNull(p.server().getpeercert(), "the client sent no certificate: None");
      assertEquals(0, p.client().tlsPending());
    }
  }

  @Test
  void theSocketGivenToWrapSocketIsDetached() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      Future<Socket> server = THREADS.submit(() -> {
        Socket conn = listener.accept().socket();
        conn.settimeout(WAIT);
        return sctx.wrapSocket(conn, true, null);
      });
      Socket plain = Net.createConnection("127.0.0.1", port, WAIT);
      int fd = plain.fileno();
      try (Socket tls = cctx.wrapSocket(plain, false, "localhost");
          Socket conn = server.get(30, TimeUnit.SECONDS)) {
        assertTrue(plain.isClosed(), "Python's wrap_socket detaches the socket it is given");
        assertEquals(-1, plain.fileno());
        PolysockException e = assertThrows(PolysockException.class, () -> plain.recv(1));
        assertEquals(Net.EBADF, e.errno());
        plain.close(); // harmless, and must not close the descriptor the TLS socket uses
        assertEquals(fd, tls.fileno(), "the TLS socket took over the descriptor");
        tls.sendall("still open".getBytes(StandardCharsets.US_ASCII));
        assertEquals("still open", new String(recvExactly(conn, 10), StandardCharsets.US_ASCII));
      }
    }
  }

  @Test
  void wrongHostnameIsRefusedWithPythonsText() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      TlsFixtures.Failure f = failedHandshake(sctx, cctx, "wrong.example");
      SslCertVerificationException e = assertInstanceOf(SslCertVerificationException.class,
          f.client());
      assertEquals("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname "
          + "mismatch, certificate is not valid for 'wrong.example'.", e.getMessage());
      assertEquals(62, e.verifyCode());
      assertEquals("Hostname mismatch, certificate is not valid for 'wrong.example'.",
          e.verifyMessage());
      assertEquals("SSL", e.library());
      assertEquals("CERTIFICATE_VERIFY_FAILED", e.reason());
      assertEquals(1, e.errno(), "SSLError.errno is ssl.SSL_ERROR_SSL");
      assertInstanceOf(SslException.class, f.server(), "the server hears of it: " + f.server());
    }
  }

  @Test
  void untrustedCaIsRefusedWithPythonsText() throws Exception {
    try (TlsContext sctx = serverContext();
        TlsContext cctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      cctx.loadVerifyLocations(TlsFixtures.OTHER_CA);
      TlsFixtures.Failure f = failedHandshake(sctx, cctx, "localhost");
      SslCertVerificationException e = assertInstanceOf(SslCertVerificationException.class,
          f.client());
      assertEquals("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get "
          + "local issuer certificate", e.getMessage());
      assertEquals(20, e.verifyCode());
      assertEquals("unable to get local issuer certificate", e.verifyMessage());
      assertInstanceOf(SslException.class, f.server(), "the server hears of it: " + f.server());
    }
  }

  @Test
  void tls12AndTls13ForcedByTheVersionBounds() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      cctx.setMaximumVersion(TlsVersion.TLSv1_2);
      assertEquals(TlsVersion.TLSv1_2, cctx.maximumVersion());
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        assertEquals("TLSv1.2", p.client().tlsVersion());
        assertEquals("TLSv1.2", p.server().tlsVersion());
        assertEquals("TLSv1.2", p.client().cipher().protocol());
        p.client().sendall(new byte[] {42});
        assertEquals(42, p.server().recv(1)[0]);
      }
      cctx.setMaximumVersion(TlsVersion.MAXIMUM_SUPPORTED);
      sctx.setMinimumVersion(TlsVersion.TLSv1_3);
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        assertEquals("TLSv1.3", p.client().tlsVersion());
        assertEquals("TLSv1.3", p.server().tlsVersion());
      }
      // A server that wants 1.3 and a client that stops at 1.2 share no version.
      cctx.setMaximumVersion(TlsVersion.TLSv1_2);
      TlsFixtures.Failure f = failedHandshake(sctx, cctx, "localhost");
      assertInstanceOf(SslException.class, f.client(), String.valueOf(f.client()));
      assertInstanceOf(SslException.class, f.server(), String.valueOf(f.server()));
    }
  }

  @Test
  void alpnIsAgreed() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      sctx.setAlpnProtocols("h2", "http/1.1");
      cctx.setAlpnProtocols(java.util.List.of("spdy/1", "http/1.1"));
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        assertEquals("http/1.1", p.client().selectedAlpnProtocol());
        assertEquals("http/1.1", p.server().selectedAlpnProtocol());
      }
    }
  }

  @Test
  void getpeercertReadsAsPythonsDict() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      org.polysock.PeerCertificate cert = p.client().getpeercert();
      assertNotNull(cert);
      assertTrue(cert.validated());
      assertEquals(3, cert.version());
      assertEquals("5A17C0FFEE", cert.serialNumber());
      assertEquals(java.util.List.of("localhost"), cert.subjectValues("commonName"));
      assertEquals(2, cert.subject().size(), "O, then OU+CN as one multi-valued RDN");
      assertEquals(2, cert.subject().get(1).size());
      assertEquals(java.util.List.of(
          new org.polysock.PeerCertificate.AltName("DNS", "localhost"),
          new org.polysock.PeerCertificate.AltName("IP Address", "127.0.0.1")),
          cert.subjectAltName());
      // The whole dict as python3's ssl module decodes the same certificate.
      String python = TlsFixtures.python(
          "import ssl, sys; print(ssl._ssl._test_decode_cert(sys.argv[1]))",
          TlsFixtures.SERVER_CERT.toString());
      assertEquals(python, cert.toString());
      // binary_form: the DER of the PEM file, as python3 converts it.
      String der = TlsFixtures.python("import ssl, sys; "
          + "print(ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read()).hex())",
          TlsFixtures.SERVER_CERT.toString());
      assertEquals(der, java.util.HexFormat.of().formatHex(p.client().getpeercertDer()));
    }
  }

  @Test
  void withCertNoneTheCertificateIsEmptyButItsBytesRemain() throws Exception {
    try (TlsContext sctx = serverContext();
        TlsContext cctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      cctx.setCheckHostname(false);
      cctx.setVerifyMode(org.polysock.VerifyMode.CERT_NONE);
      try (TlsFixtures.Pair p = connect(sctx, cctx, null)) {
        org.polysock.PeerCertificate cert = p.client().getpeercert();
        assertFalse(cert.validated());
        assertEquals("{}", cert.toString(), "Python's getpeercert() is {} when not verified");
        assertTrue(cert.subject().isEmpty());
        assertTrue(p.client().getpeercertDer().length > 100, "binary_form still works");
      }
    }
  }

  @Test
  void unwrapGoesBackToPlainBytesBothWays() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      p.client().sendall("over tls".getBytes(StandardCharsets.US_ASCII));
      assertEquals("over tls", new String(recvExactly(p.server(), 8), StandardCharsets.US_ASCII));
      // Each end waits for the other's close_notify: both at once.
      Future<Socket> server = THREADS.submit(() -> p.server().unwrap());
      Socket client = p.client().unwrap();
      assertEquals(p.server(), server.get(30, TimeUnit.SECONDS), "the same socket, now plain");
      assertEquals(p.client(), client);
      assertFalse(client.isTls());
      assertFalse(p.server().isTls());
      client.sendall("plain up".getBytes(StandardCharsets.US_ASCII));
      p.server().sendall("plain down".getBytes(StandardCharsets.US_ASCII));
      assertEquals("plain up", new String(recvExactly(p.server(), 8), StandardCharsets.US_ASCII));
      assertEquals("plain down", new String(recvExactly(client, 10), StandardCharsets.US_ASCII));
      // Plain TCP really: the server's bytes are readable without any TLS record around them.
      assertThrows(IllegalArgumentException.class, client::doHandshake);
    }
  }

  @Test
  void wrappedBeforeConnectHandshakesInConnect() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      Future<Socket> server = THREADS.submit(() -> {
        Socket conn = listener.accept().socket();
        conn.settimeout(WAIT);
        return sctx.wrapSocket(conn, true, null);
      });
      Socket unconnected = new Socket();
      unconnected.settimeout(WAIT);
      try (Socket tls = cctx.wrapSocket(unconnected, false, "localhost")) {
        assertTrue(tls.isTls());
        assertNull(tls.tlsVersion(), "no handshake before connect");
        assertEquals("handshake not done yet",
            assertThrows(IllegalArgumentException.class, tls::getpeercert).getMessage());
        tls.connect("127.0.0.1", port);
        assertEquals("TLSv1.3", tls.tlsVersion(), "connect handshook");
        tls.sendall("hi".getBytes(StandardCharsets.US_ASCII));
        try (Socket conn = server.get(30, TimeUnit.SECONDS)) {
          assertEquals("hi", new String(recvExactly(conn, 2), StandardCharsets.US_ASCII));
        }
      }
    }
  }

  @Test
  void aWrappedListenerAcceptsTlsConnections() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        Socket listener = sctx.wrapSocket(Net.createServer("127.0.0.1", 0), true, null)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      Future<Socket> client = THREADS.submit(() ->
          cctx.wrapSocket(Net.createConnection("127.0.0.1", port, WAIT), false, "localhost"));
      Socket.Accepted accepted = listener.accept();
      try (Socket conn = accepted.socket(); Socket c = client.get(30, TimeUnit.SECONDS)) {
        conn.settimeout(WAIT);
        assertTrue(conn.isTls());
        assertTrue(conn.serverSide());
        assertEquals("TLSv1.3", conn.tlsVersion(), "accept handshook");
        assertEquals(c.getsockname(), accepted.address());
        c.sendall("through accept".getBytes(StandardCharsets.US_ASCII));
        assertEquals("through accept",
            new String(recvExactly(conn, 14), StandardCharsets.US_ASCII));
      }
    }
  }

  @Test
  void timeoutsKeepTheTimeoutExceptionWithPythonsText() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      p.client().settimeout(0.1);
      PolysockTimeoutException e = assertThrows(PolysockTimeoutException.class,
          () -> p.client().recv(10));
      assertEquals("The read operation timed out", e.getMessage());
    }
  }

  @Test
  void aHandshakeThatTimesOutClosesTheSocketGiven() throws Exception {
    try (TlsContext cctx = clientContext(); Socket listener = Net.createServer("127.0.0.1", 0)) {
      Socket plain = Net.createConnection("127.0.0.1", listener.getsockname().port(), 0.2);
      try (Socket silent = listener.accept().socket()) { // accepted, never answering
        PolysockTimeoutException e = assertThrows(PolysockTimeoutException.class,
            () -> cctx.wrapSocket(plain, false, "localhost"));
        assertEquals("The handshake operation timed out", e.getMessage());
        assertTrue(plain.isClosed(), "a failed handshake closes the socket, as Python's");
        PolysockException closed = assertThrows(PolysockException.class, plain::getsockname);
        assertEquals(Net.EBADF, closed.errno());
        silent.settimeout(WAIT);
        assertEquals(22, silent.recv(1)[0], "a TLS handshake record (the ClientHello) came");
      }
    }
  }

  @Test
  void closeFromAnotherThreadWakesABlockedRecv() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      Future<byte[]> blocked = THREADS.submit(() -> p.client().recv(10));
      Thread.sleep(200); // let it block in recv
      p.client().close();
      java.util.concurrent.ExecutionException e = assertThrows(
          java.util.concurrent.ExecutionException.class, () -> blocked.get(30, TimeUnit.SECONDS));
      PolysockException closed = assertInstanceOf(PolysockException.class, e.getCause());
      assertEquals(Net.EBADF, closed.errno(), "as for a plain socket: EBADF");
    }
  }

  @Test
  void mutualTlsGivesTheServerTheClientsCertificate() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      sctx.setVerifyMode(org.polysock.VerifyMode.CERT_REQUIRED);
      sctx.loadVerifyLocations(TlsFixtures.CA);
      cctx.loadCertChain(TlsFixtures.SERVER_CERT, TlsFixtures.SERVER_KEY); // serverAuth+clientAuth
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        org.polysock.PeerCertificate cert = p.server().getpeercert();
        assertTrue(cert.validated());
        assertEquals("5A17C0FFEE", cert.serialNumber());
        assertEquals(p.client().getpeercert().toString(), cert.toString());
      }
    }
  }

  @Test
  void sendfileGoesThroughTls() throws Exception {
    java.nio.file.Path file = TlsFixtures.DIR.resolve("sendfile.bin");
    byte[] data = pattern(1 << 20, 9);
    java.nio.file.Files.write(file, data);
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      Future<byte[]> got = THREADS.submit(() -> recvExactly(p.server(), data.length));
      assertEquals(data.length, p.client().sendfile(file));
      assertArrayEquals(data, got.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void closeNotifyAndRaggedEofsEndTheStream() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext()) {
      // close_notify: recv gives 0 bytes, as Python's.
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        Future<Socket> server = THREADS.submit(() -> p.server().unwrap());
        assertEquals(0, p.client().recv(10).length);
        p.client().unwrap();
        server.get(30, TimeUnit.SECONDS);
      }
      // EOF without close_notify: 0 bytes by default (suppress_ragged_eofs=True) ...
      try (TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
        p.server().shutdown(Net.SHUT_RDWR);
        assertEquals(0, p.client().recv(10).length);
      }
      // ... SslEofException with suppress_ragged_eofs=False.
      try (Socket listener = Net.createServer("127.0.0.1", 0)) {
        listener.settimeout(WAIT);
        int port = listener.getsockname().port();
        Future<Socket> server = THREADS.submit(() -> {
          Socket conn = listener.accept().socket();
          conn.settimeout(WAIT);
          return sctx.wrapSocket(conn, true, null);
        });
        try (Socket c = cctx.wrapSocket(Net.createConnection("127.0.0.1", port, WAIT), false,
                "localhost", true, false);
            Socket conn = server.get(30, TimeUnit.SECONDS)) {
          conn.shutdown(Net.SHUT_RDWR);
          SslEofException e = assertThrows(SslEofException.class, () -> c.recv(10));
          assertEquals("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of "
              + "protocol", e.getMessage());
          assertEquals(8, e.errno(), "ssl.SSL_ERROR_EOF");
        }
      }
    }
  }

  @Test
  void streamViewsWorkOverTls() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      PrintWriter out = new PrintWriter(new OutputStreamWriter(p.client().getOutputStream(),
          StandardCharsets.UTF_8), true);
      out.println("first line");
      out.println("zweite Zeile \u00fc");
      DataOutputStream data = new DataOutputStream(p.client().getOutputStream());
      data.writeLong(-2L);
      data.flush();
      BufferedReader in = new BufferedReader(
          new InputStreamReader(p.server().getInputStream(), StandardCharsets.UTF_8), 1);
      assertEquals("first line", in.readLine());
      assertEquals("zweite Zeile \u00fc", in.readLine());
      assertEquals(-2L, new DataInputStream(p.server().getInputStream()).readLong());
      Future<Socket> server = THREADS.submit(() -> p.server().unwrap());
      assertEquals(-1, p.client().getInputStream().read(), "close_notify is end of stream");
      p.client().unwrap();
      server.get(30, TimeUnit.SECONDS);
    }
  }

  /** What a user writes: default contexts, a name, try-with-resources, streams. */
  @Test
  void aRequestAndResponseAsAUserWritesThem() throws Exception {
    try (TlsContext serverCtx = TlsContext.createDefault(TlsContext.Purpose.CLIENT_AUTH)) {
      serverCtx.loadCertChain(TlsFixtures.SERVER_CERT.toString(),
          TlsFixtures.SERVER_KEY.toString());
      try (Socket listener = serverCtx.wrapSocket(Net.createServer("127.0.0.1", 0), true,
          null)) {
        listener.settimeout(WAIT);
        int port = listener.getsockname().port();
        Future<?> served = THREADS.submit(() -> {
          try (Socket conn = listener.accept().socket()) {
            conn.settimeout(WAIT);
            BufferedReader request = new BufferedReader(
                new InputStreamReader(conn.getInputStream(), StandardCharsets.US_ASCII));
            String first = request.readLine();
            while (!request.readLine().isEmpty()) {
              // the rest of the headers
            }
            conn.sendall(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nyou asked for "
                + first.split(" ")[1] + "\n").getBytes(StandardCharsets.US_ASCII));
            conn.unwrap(); // close_notify: the client reads to the end
          }
          return null;
        });

        TlsContext ctx = TlsContext.createDefault();
        ctx.loadVerifyLocations(TlsFixtures.CA.toString()); // our CA, beside the system's
        try (ctx; Socket sock = Net.createConnection("localhost", port, 5.0);
            Socket tls = ctx.wrapSocket(sock, false, "localhost")) {
          tls.getOutputStream().write(
              "GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
          String response = new String(tls.getInputStream().readAllBytes(),
              StandardCharsets.US_ASCII);
          assertEquals("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
              + "you asked for /index.html\n", response);
          tls.unwrap();
        }
        served.get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void whatTlsSocketsRefuse() throws Exception {
    try (TlsContext sctx = serverContext(); TlsContext cctx = clientContext();
        TlsFixtures.Pair p = connect(sctx, cctx, "localhost")) {
      IllegalArgumentException flags = assertThrows(IllegalArgumentException.class,
          () -> p.client().recv(10, Net.MSG_PEEK));
      assertEquals("non-zero flags not allowed in calls to recv() on SSLSocket",
          flags.getMessage());
      assertThrows(IllegalArgumentException.class, () -> p.client().dup());
      assertThrows(IllegalArgumentException.class,
          () -> p.client().sendmsg(new byte[][] {{1}}));
      assertThrows(IllegalArgumentException.class,
          () -> p.client().sendto(new byte[] {1}, "127.0.0.1", 9));
      // MSG_DONTWAIT: one non-blocking attempt on a socket in timeout mode.
      SslWantReadException want = assertThrows(SslWantReadException.class,
          () -> p.client().recv(10, Net.MSG_DONTWAIT));
      assertEquals("The operation did not complete (read)", want.getMessage());
      assertEquals(Double.valueOf(WAIT), p.client().gettimeout(), "the mode stays");
      try (Socket plain = new Socket()) {
        assertFalse(plain.isTls());
        assertThrows(IllegalArgumentException.class, plain::doHandshake);
      }
    }
  }
}
