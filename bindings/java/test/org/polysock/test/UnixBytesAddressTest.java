package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/**
 * Issue 16, point 2: AF_UNIX addresses as bytes (Python's bytes paths): abstract names
 * with NUL bytes inside, file paths that begin with '@'. Names are unique per run, so
 * that concurrent test runs on the machine never meet.
 */
@Timeout(60)
class UnixBytesAddressTest {
  private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

  private static String unique() {
    return ProcessHandle.current().pid() + "-" + System.nanoTime();
  }

  /** "\0polysock\0java\0<unique>\0": an abstract name with NULs inside and at the end. */
  private static byte[] abstractName() {
    ByteArrayOutputStream name = new ByteArrayOutputStream();
    name.write(0);
    name.writeBytes("polysock".getBytes(StandardCharsets.US_ASCII));
    name.write(0);
    name.writeBytes(("java" + unique()).getBytes(StandardCharsets.US_ASCII));
    name.write(0);
    return name.toByteArray();
  }

  @Test
  void anAbstractNameWithNulBytesBindsWholeAndComesBackWhole() throws Exception {
    byte[] name = abstractName();
    try (Socket server = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
      server.bind(name);
      assertArrayEquals(name, server.getsocknameBytes(), "getsockname gives every byte back");
      server.listen();
      try (Socket client = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
        client.settimeout(5.0);
        client.connect(name);
        assertArrayEquals(name, client.getpeernameBytes());
        try (Socket conn = server.accept().socket()) {
          client.sendall(PING);
          assertArrayEquals(PING, TrafficTest.recvExactly(conn, PING.length));
          assertArrayEquals(name, conn.getsocknameBytes());
          assertEquals(0, conn.getpeernameBytes().length, "the unbound client has no name");
        }
      }
    }
  }

  @Test
  void aFilePathThatBeginsWithAtIsAFileNotAnAbstractName() throws Exception {
    // A path that begins with '@' is relative: the file lands in the working directory
    // (the JVM's user.dir), and is removed again.
    String name = "@polysock-java-" + unique();
    Path file = Path.of(System.getProperty("user.dir"), name);
    byte[] path = name.getBytes(StandardCharsets.US_ASCII);
    try (Socket server = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM)) {
      server.bind(path);
      assertTrue(Files.exists(file), "a file was made, not an abstract name");
      assertArrayEquals(path, server.getsocknameBytes());
      try (Socket client = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM)) {
        client.connect(path);
        assertArrayEquals(path, client.getpeernameBytes());
        client.send(PING);
        assertArrayEquals(PING, server.recv(16));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void anEmptyPathAutobindsToAKernelChosenAbstractName() throws Exception {
    try (Socket s = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM)) {
      s.bind(new byte[0]);
      byte[] name = s.getsocknameBytes();
      // As CPython on Linux: b'\x00' and five hex digits, e.g. b'\x0013576'.
      assertEquals(6, name.length);
      assertEquals(0, name[0]);
    }
  }

  @Test
  void badBytesAddressesAreCpythonsErrors() throws Exception {
    try (Socket s = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
      byte[] tooLong = new byte[108];
      java.util.Arrays.fill(tooLong, (byte) 'x');
      PolysockException e = assertThrows(PolysockException.class, () -> s.bind(tooLong));
      assertEquals("AF_UNIX path too long", e.getMessage());
      assertThrows(NullPointerException.class, () -> s.bind((byte[]) null));
      assertEquals(0, s.getsocknameBytes().length, "unbound: no name");
      PolysockException notConnected = assertThrows(PolysockException.class, s::getpeernameBytes);
      assertEquals(Net.ENOTCONN, notConnected.errno());
    }
    try (Socket inet = new Socket()) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> inet.bind(new byte[] {'x'}));
      assertEquals("bind(): AF_INET address must be tuple, not bytes", e.getMessage());
    }
    Socket closed = new Socket(Net.AF_UNIX, Net.SOCK_STREAM);
    closed.close();
    PolysockException e = assertThrows(PolysockException.class, () -> closed.bind(abstractName()));
    assertEquals(Net.EBADF, e.errno());
  }
}
