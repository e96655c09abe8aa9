package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polysock.test.TlsFixtures.clientContext;
import static org.polysock.test.TlsFixtures.connect;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.EntryNotFoundException;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;
import org.polysock.SslException;
import org.polysock.TlsContext;
import org.polysock.TlsVersion;
import org.polysock.VerifyMode;

/** Issue 17: TlsContext's settings and failures, compared with Python's ssl.SSLContext. */
@Timeout(60)
class TlsContextTest {
  @Test
  void availableWithPythonsOpensslVersion() throws Exception {
    assertTrue(TlsContext.available(), "CI builds polysock with TLS");
    assertEquals(TlsFixtures.python("import ssl; print(ssl.OPENSSL_VERSION)"),
        TlsContext.opensslVersion(), "the same OpenSSL as python3's ssl module");
  }

  @Test
  void defaultsAsPythons() throws Exception {
    try (TlsContext client = TlsContext.createDefault();
        TlsContext server = TlsContext.createDefault(TlsContext.Purpose.CLIENT_AUTH);
        TlsContext tlsClient = new TlsContext(TlsContext.Protocol.TLS_CLIENT);
        TlsContext tlsServer = new TlsContext(TlsContext.Protocol.TLS_SERVER)) {
      assertEquals(VerifyMode.CERT_REQUIRED, client.verifyMode());
      assertTrue(client.checkHostname());
      assertEquals(TlsVersion.TLSv1_2, client.minimumVersion(), "create_default_context");
      assertEquals(TlsVersion.MAXIMUM_SUPPORTED, client.maximumVersion());
      assertEquals(VerifyMode.CERT_NONE, server.verifyMode());
      assertFalse(server.checkHostname());
      assertEquals(VerifyMode.CERT_REQUIRED, tlsClient.verifyMode());
      assertTrue(tlsClient.checkHostname());
      assertEquals(VerifyMode.CERT_NONE, tlsServer.verifyMode());
      assertFalse(tlsServer.checkHostname());
      // The values are Python's.
      assertEquals(TlsFixtures.python("import ssl; print(int(ssl.TLSVersion.TLSv1_3), "
              + "int(ssl.TLSVersion.MINIMUM_SUPPORTED), int(ssl.CERT_REQUIRED))"),
          TlsVersion.TLSv1_3.value() + " " + TlsVersion.MINIMUM_SUPPORTED.value() + " "
              + VerifyMode.CERT_REQUIRED.value());
    }
  }

  @Test
  void verifyModeAndCheckHostnameFollowPythonsRules() throws Exception {
    try (TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ctx.setVerifyMode(VerifyMode.CERT_NONE));
      assertEquals("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.",
          e.getMessage());
      ctx.setCheckHostname(false);
      ctx.setVerifyMode(VerifyMode.CERT_NONE);
      assertEquals(VerifyMode.CERT_NONE, ctx.verifyMode());
      ctx.setCheckHostname(true);
      assertEquals(VerifyMode.CERT_REQUIRED, ctx.verifyMode(), "check_hostname needs a verify");
      ctx.setVerifyMode(VerifyMode.CERT_OPTIONAL);
      assertEquals(VerifyMode.CERT_OPTIONAL, ctx.verifyMode());
      ctx.setMinimumVersion(TlsVersion.TLSv1_3);
      assertEquals(TlsVersion.TLSv1_3, ctx.minimumVersion());
    }
  }

  @Test
  void certificateFilesAndPasswords() throws Exception {
    try (TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_SERVER)) {
      EntryNotFoundException missing = assertThrows(EntryNotFoundException.class,
          () -> ctx.loadCertChain(TlsFixtures.DIR.resolve("missing.pem").toString()));
      assertEquals(Net.ENOENT, missing.errno());
      // Not PEM: Python's SSLError "[SSL] PEM lib".
      java.nio.file.Path junk = TlsFixtures.DIR.resolve("junk.pem");
      Files.writeString(junk, "not a certificate\n");
      SslException pem = assertThrows(SslException.class, () -> ctx.loadCertChain(junk));
      assertInstanceOf(PolysockException.class, pem, "SSLError is an OSError");
      assertEquals("[SSL] PEM lib", pem.getMessage(), "python3: [SSL] PEM lib (_ssl.c:N)");
      assertEquals("SSL", pem.library());
      assertEquals(null, pem.reason(), "Python's reason is None here");
      // The encrypted key: refused without its password (or with a wrong one), taken with it.
      assertThrows(SslException.class, () -> ctx.loadCertChain(TlsFixtures.SERVER_CERT,
          TlsFixtures.SERVER_KEY_ENCRYPTED, "wrong password"));
      ctx.loadCertChain(TlsFixtures.SERVER_CERT, TlsFixtures.SERVER_KEY_ENCRYPTED,
          TlsFixtures.PASSWORD);
      try (TlsContext client = clientContext();
          TlsFixtures.Pair p = connect(ctx, client, "localhost")) {
        assertEquals("TLSv1.3", p.client().tlsVersion(), "the decrypted key serves");
      }
    }
  }

  @Test
  void caDataAsPemTextOrDerBytes() throws Exception {
    String pem = Files.readString(TlsFixtures.CA);
    byte[] der = java.util.HexFormat.of().parseHex(TlsFixtures.python(
        "import ssl, sys; print(ssl.PEM_cert_to_DER_cert(open(sys.argv[1]).read()).hex())",
        TlsFixtures.CA.toString()));
    try (TlsContext server = TlsFixtures.serverContext();
        TlsContext fromPem = new TlsContext(TlsContext.Protocol.TLS_CLIENT);
        TlsContext fromDer = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      fromPem.loadVerifyData(pem);
      fromDer.loadVerifyData(der);
      for (TlsContext client : List.of(fromPem, fromDer)) {
        try (TlsFixtures.Pair p = connect(server, client, "localhost")) {
          assertTrue(p.client().getpeercert().validated());
        }
      }
    }
  }

  @Test
  void alpnNamesAreChecked() throws Exception {
    try (TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      assertEquals("ALPN protocols must be 1 to 255 in length",
          assertThrows(IllegalArgumentException.class, () -> ctx.setAlpnProtocols("h2", ""))
              .getMessage());
      assertEquals("ALPN protocols must be 1 to 255 in length",
          assertThrows(IllegalArgumentException.class,
              () -> ctx.setAlpnProtocols("x".repeat(256))).getMessage());
      assertThrows(IllegalArgumentException.class, () -> ctx.setAlpnProtocols("h2,http/1.1"));
      assertThrows(IllegalArgumentException.class, () -> ctx.setAlpnProtocols("caf\u00e9"));
      ctx.setAlpnProtocols("x".repeat(255), "h2");
      ctx.setAlpnProtocols(List.of()); // clears them
    }
  }

  @Test
  void ciphersAndBadArguments() throws Exception {
    try (TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT)) {
      ctx.setCiphers("ECDHE+AESGCM");
      SslException e = assertThrows(SslException.class, () -> ctx.setCiphers("NO-SUCH-CIPHER"));
      assertEquals("No cipher can be selected.", e.getMessage());
      assertThrows(NullPointerException.class, () -> ctx.wrapSocket(null, false, "localhost"));
      // check_hostname on and no server_hostname: Python's ValueError; the socket stays usable.
      try (Socket s = new Socket()) {
        assertThrows(IllegalArgumentException.class, () -> ctx.wrapSocket(s, false, null));
        assertFalse(s.isClosed(), "a refused wrap leaves the socket as it was");
        assertTrue(s.fileno() >= 0);
      }
    }
    TlsContext closed = new TlsContext(TlsContext.Protocol.TLS_SERVER);
    closed.close();
    closed.close(); // twice is fine
    PolysockException e = assertThrows(PolysockException.class, closed::verifyMode);
    assertEquals(Net.EBADF, e.errno(), "a closed context is a closed handle");
    try (Socket plain = new Socket()) {
      assertEquals("not an SSLSocket (never wrapped, or unwrapped)",
          assertThrows(IllegalArgumentException.class, plain::tlsVersion).getMessage());
      assertThrows(IllegalArgumentException.class, plain::getpeercert);
    }
  }
}
