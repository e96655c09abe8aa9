package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.polysock.test.TlsFixtures.WAIT;
import static org.polysock.test.TlsFixtures.clientContext;
import static org.polysock.test.TlsFixtures.pattern;
import static org.polysock.test.TlsFixtures.recvExactly;
import static org.polysock.test.TlsFixtures.serverContext;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Socket;
import org.polysock.TlsCipher;
import org.polysock.TlsContext;
import org.polysock.TlsVersion;

/**
 * Issue 17: the Java binding against TLS peers polysock did not write: python3's ssl
 * module and the openssl command's s_server and s_client, over 127.0.0.1.
 */
@Timeout(60)
class TlsInteropTest {
  /** A one-connection server on python3's ssl module (its steps are the test's protocol). */
  private static final String PYTHON_SERVER = String.join("\n",
      "import hashlib, socket, ssl, struct, sys",
      "def exactly(s, n):",
      "    data = b''",
      "    while len(data) < n:",
      "        part = s.recv(n - len(data))",
      "        if not part:",
      "            raise EOFError(len(data))",
      "        data += part",
      "    return data",
      "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)",
      "ctx.load_cert_chain(sys.argv[1], sys.argv[2])",
      "ctx.set_alpn_protocols(['h2', 'http/1.1'])",
      "listener = socket.create_server(('127.0.0.1', 0))",
      "listener.settimeout(20)",
      "print('PORT', listener.getsockname()[1], flush=True)",
      "conn, _ = listener.accept()",
      "conn.settimeout(20)",
      "tls = ctx.wrap_socket(conn, server_side=True)",
      "print('TLS', tls.version(), tls.cipher()[0], tls.cipher()[2],",
      "      tls.selected_alpn_protocol(), flush=True)",
      "n, m = struct.unpack('!QQ', exactly(tls, 16))",
      "digest = hashlib.sha256()",
      "while n:",
      "    part = tls.recv(min(n, 1 << 16))",
      "    if not part:",
      "        raise EOFError(n)",
      "    digest.update(part)",
      "    n -= len(part)",
      "tls.sendall(digest.digest())",
      "tls.sendall(bytes(range(256)) * (m // 256))",
      "plain = tls.unwrap()",
      "plain.sendall(b'plain from python')",
      "print('GOT', exactly(plain, 15).decode(), flush=True)",
      "plain.close()",
      "");

  @Test
  void javaClientAgainstPythonsSslServer() throws Exception {
    Path script = TlsFixtures.DIR.resolve("server.py");
    Files.writeString(script, PYTHON_SERVER);
    final int up = 4 << 20;
    final int down = 4 << 20;
    try (TlsFixtures.Peer python = new TlsFixtures.Peer(List.of("python3", script.toString(),
            TlsFixtures.SERVER_CERT.toString(), TlsFixtures.SERVER_KEY.toString()));
        TlsContext ctx = clientContext()) {
      int port = Integer.parseInt(python.lineStartingWith("PORT ").substring(5));
      ctx.setAlpnProtocols("http/1.1");
      try (Socket tls = ctx.wrapSocket(Net.createConnection("127.0.0.1", port, WAIT), false,
          "localhost")) {
        // What Python's end saw of the handshake is what Java's saw.
        TlsCipher cipher = tls.cipher();
        assertEquals("TLS " + tls.tlsVersion() + " " + cipher.name() + " " + cipher.secretBits()
            + " " + tls.selectedAlpnProtocol(), python.lineStartingWith("TLS "));
        assertEquals("http/1.1", tls.selectedAlpnProtocol());

        byte[] data = pattern(up, 7);
        tls.sendall(ByteBuffer.allocate(16).putLong(up).putLong(down).array());
        tls.sendall(data);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data),
            recvExactly(tls, 32), "Python's SHA-256 of what Java sent");
        byte[] got = recvExactly(tls, down);
        for (int i = 0; i < down; i++) {
          if (got[i] != (byte) i) {
            throw new AssertionError("byte " + i + " from Python is " + got[i]);
          }
        }
        // close_notify both ways, then plain TCP on the same connection.
        Socket plain = tls.unwrap();
        assertFalse(plain.isTls());
        assertEquals("plain from python",
            new String(recvExactly(plain, 17), StandardCharsets.US_ASCII));
        plain.sendall("plain from java".getBytes(StandardCharsets.US_ASCII));
        assertEquals("GOT plain from java", python.lineStartingWith("GOT "));
      }
      assertEquals(0, python.waitFor(), python.output());
    }
  }

  @Test
  void javaClientAgainstOpensslServerOverTls12() throws Exception {
    try (TlsFixtures.Peer server = new TlsFixtures.Peer(List.of("openssl", "s_server",
            "-accept", "127.0.0.1:0", "-naccept", "1", "-rev", "-cert",
            TlsFixtures.SERVER_CERT.toString(), "-key", TlsFixtures.SERVER_KEY.toString()));
        TlsContext ctx = clientContext()) {
      String accept = server.lineStartingWith("ACCEPT ");
      int port = Integer.parseInt(accept.substring(accept.lastIndexOf(':') + 1));
      ctx.setMaximumVersion(TlsVersion.TLSv1_2);
      try (Socket tls = ctx.wrapSocket(Net.createConnection("127.0.0.1", port, WAIT), false,
          "localhost")) {
        assertEquals("TLSv1.2", tls.tlsVersion());
        assertEquals("Protocol version: TLSv1.2", server.lineStartingWith("Protocol version:"));
        assertEquals("Ciphersuite: " + tls.cipher().name(),
            server.lineStartingWith("Ciphersuite:"));
        tls.sendall("hello polysock\n".getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(
            new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
        assertEquals("kcosylop olleh", in.readLine(), "s_server -rev reverses each line");
        assertEquals("localhost",
            tls.getpeercert().subjectValues("commonName").get(0));
      }
    }
  }

  @Test
  void opensslClientAgainstJavaServer() throws Exception {
    try (TlsContext ctx = serverContext()) {
      ctx.setAlpnProtocols("h2");
      opensslClientAgainst(ctx);
    }
  }

  private static void opensslClientAgainst(TlsContext ctx) throws Exception {
    try (Socket listener = ctx.wrapSocket(Net.createServer("127.0.0.1", 0), true, null)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      try (TlsFixtures.Peer client = new TlsFixtures.Peer(List.of("openssl", "s_client",
          "-connect", "127.0.0.1:" + port, "-servername", "localhost", "-CAfile",
          TlsFixtures.CA.toString(), "-verify_return_error", "-verify_hostname", "localhost",
          "-alpn", "h2", "-quiet"))) {
        try (Socket conn = listener.accept().socket()) {
          conn.settimeout(WAIT);
          assertEquals("h2", conn.selectedAlpnProtocol());
          assertEquals("TLSv1.3", conn.tlsVersion());
          OutputStream stdin = client.stdin();
          stdin.write("ping from s_client\n".getBytes(StandardCharsets.US_ASCII));
          stdin.flush();
          BufferedReader in = new BufferedReader(
              new InputStreamReader(conn.getInputStream(), StandardCharsets.US_ASCII));
          assertEquals("ping from s_client", in.readLine());
          conn.sendall("pong from polysock\n".getBytes(StandardCharsets.US_ASCII));
          assertEquals("pong from polysock", client.lineStartingWith("pong"));
        }
        client.waitFor(); // the server's close ends s_client
        assertTrue(client.output().contains("verify return:1"), client.output());
      }
    }
  }
}
