package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Socket;
import org.polysock.SocketAddress;

/** Real traffic over loopback: TCP and UDP on 127.0.0.1 and ::1, AF_UNIX paths and abstract names. */
@Timeout(60)
class TrafficTest {
  /** A connected (client, server-side) pair over a listener on host. */
  static Socket[] tcpPair(int family, String host) throws Exception {
    try (Socket listener = new Socket(family, Net.SOCK_STREAM)) {
      listener.bind(host, 0);
      listener.listen();
      Socket client = new Socket(family, Net.SOCK_STREAM);
      client.connect(host, listener.getsockname().port());
      Socket.Accepted accepted = listener.accept();
      assertEquals(client.getsockname().port(), accepted.address().port());
      return new Socket[] {client, accepted.socket()};
    }
  }

  static byte[] recvExactly(Socket s, int n) throws Exception {
    byte[] got = new byte[n];
    int have = 0;
    while (have < n) {
      int k = s.recvInto(got, have, n - have);
      assertNotEquals(0, k, "peer closed early");
      have += k;
    }
    return got;
  }

  @Test
  void tcpOverIpv4CarriesBytesBothWays() throws Exception {
    Socket[] p = tcpPair(Net.AF_INET, "127.0.0.1");
    try (Socket c = p[0]; Socket s = p[1]) {
      c.sendall("ping".getBytes(StandardCharsets.US_ASCII));
      assertEquals("ping", new String(recvExactly(s, 4), StandardCharsets.US_ASCII));
      s.sendall("pong".getBytes(StandardCharsets.US_ASCII));
      assertArrayEquals("pong".getBytes(StandardCharsets.US_ASCII), recvExactly(c, 4));
      assertEquals("127.0.0.1", c.getpeername().host());
      assertEquals(Net.AF_INET, c.family());
      assertEquals(Net.SOCK_STREAM, c.type());
      c.shutdown(Net.SHUT_WR);
      assertEquals(0, s.recv(10).length, "recv after the peer's SHUT_WR is end of stream");
    }
  }

  @Test
  void tcpOverIpv6HasFourFieldAddresses() throws Exception {
    Socket[] p = tcpPair(Net.AF_INET6, "::1");
    try (Socket c = p[0]; Socket s = p[1]) {
      SocketAddress peer = s.getpeername();
      assertEquals(Net.AF_INET6, peer.family());
      assertEquals("::1", peer.host());
      assertEquals(0, peer.scopeId());
      byte[] big = new byte[1 << 20];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) (i * 31);
      }
      Thread sender = new Thread(() -> {
        try {
          c.sendall(big);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      sender.start();
      assertArrayEquals(big, recvExactly(s, big.length), "1 MiB through sendall/recvInto");
      sender.join();
    }
  }

  @Test
  void byteArrayOffsetsAreRespected() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      byte[] data = "xxHELLOyy".getBytes(StandardCharsets.US_ASCII);
      assertEquals(5, a.send(data, 2, 5, 0));
      byte[] into = new byte[10];
      Arrays.fill(into, (byte) '.');
      assertEquals(5, b.recvInto(into, 3, 7));
      assertEquals("...HELLO..", new String(into, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void directByteBuffersMoveLikeNio() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      ByteBuffer out = ByteBuffer.allocateDirect(32);
      out.put("__direct__".getBytes(StandardCharsets.US_ASCII)).flip();
      out.position(2).limit(8);
      a.sendall(out);
      assertEquals(8, out.position(), "sendall advances position to limit");
      ByteBuffer in = ByteBuffer.allocateDirect(32);
      in.position(4).limit(10);
      assertEquals(6, b.recvInto(in));
      assertEquals(10, in.position());
      byte[] got = new byte[6];
      in.flip().position(4);
      in.get(got);
      assertEquals("direct", new String(got, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void heapAndReadOnlyBuffersWorkToo() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      ByteBuffer ro = ByteBuffer.wrap("abcdef".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
      ro.position(1);
      assertEquals(5, a.send(ro));
      assertEquals(6, ro.position());
      ByteBuffer slice = ByteBuffer.allocate(16).position(3).slice();
      assertEquals(5, b.recvInto(slice));
      assertEquals("bcdef", new String(slice.array(), 3, 5, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void udpOverIpv4AndIpv6ReportsTheSender() throws Exception {
    for (String host : new String[] {"127.0.0.1", "::1"}) {
      int family = host.contains(":") ? Net.AF_INET6 : Net.AF_INET;
      try (Socket rx = new Socket(family, Net.SOCK_DGRAM);
          Socket tx = new Socket(family, Net.SOCK_DGRAM)) {
        rx.bind(host, 0);
        tx.bind(host, 0);
        assertEquals(3, tx.sendto("abc".getBytes(StandardCharsets.US_ASCII), host,
            rx.getsockname().port()));
        Socket.Datagram d = rx.recvfrom(100);
        assertEquals("abc", new String(d.data(), StandardCharsets.US_ASCII));
        assertEquals(tx.getsockname().port(), d.address().port());
        assertEquals(host, d.address().host());

        ByteBuffer buf = ByteBuffer.allocateDirect(8);
        buf.put((byte) 7).flip();
        tx.sendto(buf, host, rx.getsockname().port());
        ByteBuffer into = ByteBuffer.allocateDirect(8);
        Socket.Received r = rx.recvfromInto(into);
        assertEquals(1, r.nbytes());
        assertEquals(7, into.get(0));
        assertEquals(tx.getsockname(), r.address());
      }
    }
  }

  @Test
  void unixStreamOverAPathAndAnAbstractName() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "polysock-java-");
    String path = dir.resolve("s.sock").toString();
    String abstractName = "@polysock-java-" + ProcessHandle.current().pid();
    try {
      for (String name : new String[] {path, abstractName}) {
        try (Socket listener = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
          listener.bind(name);
          listener.listen(4);
          assertEquals(name, listener.getsockname().host());
          try (Socket c = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
            c.connect(name);
            try (Socket s = listener.accept().socket()) {
              c.sendall(name.getBytes(StandardCharsets.UTF_8));
              assertEquals(name, new String(recvExactly(s, name.length()), StandardCharsets.UTF_8));
              assertEquals(name, c.getpeername().host());
            }
          }
        }
      }
    } finally {
      Files.deleteIfExists(Path.of(path));
      Files.delete(dir);
    }
  }

  @Test
  void unixDatagramsKeepTheirBoundaries() throws Exception {
    Socket[] p = Net.socketpair(Net.AF_UNIX, Net.SOCK_DGRAM, 0);
    try (Socket a = p[0]; Socket b = p[1]) {
      a.send("one".getBytes(StandardCharsets.US_ASCII));
      a.send("three".getBytes(StandardCharsets.US_ASCII));
      assertEquals("one", new String(b.recv(64), StandardCharsets.US_ASCII));
      assertEquals("three", new String(b.recv(64), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void createConnectionAndCreateServerOnLocalhost() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      assertEquals(1, server.getsockopt(Net.SOL_SOCKET, Net.SO_REUSEADDR) != 0 ? 1 : 0);
      try (Socket c = Net.createConnection("localhost", server.getsockname().port(), 5.0);
          Socket s = server.accept().socket()) {
        assertEquals(5.0, c.gettimeout());
        c.sendall(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, recvExactly(s, 3));
      }
    }
  }

  @Test
  void dupDetachAndFromfdShareTheConnection() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      try (Socket d = a.dup()) {
        assertNotEquals(a.fileno(), d.fileno());
        d.sendall(new byte[] {42});
        assertArrayEquals(new byte[] {42}, b.recv(1));
      }
      try (Socket f = Net.fromfd(b.fileno())) {
        assertEquals(Net.AF_UNIX, f.family());
        a.sendall(new byte[] {9});
        assertArrayEquals(new byte[] {9}, f.recv(1));
      }
      int fd = b.detach();
      assertTrue(fd >= 0);
      assertEquals(-1, b.fileno(), "a detached socket has no descriptor");
      // fromfd duplicates: the detached descriptor itself stays open (as in Python,
      // where detach() hands it to the caller), one descriptor for this test's JVM.
      try (Socket again = Net.fromfd(fd)) {
        a.sendall(new byte[] {5});
        assertArrayEquals(new byte[] {5}, again.recv(1));
      }
    }
  }

  @Test
  void sendfileSendsAFile() throws Exception {
    Path file = Files.createTempFile(Path.of("/tmp"), "polysock-java-", ".bin");
    try {
      Files.write(file, "0123456789".getBytes(StandardCharsets.US_ASCII));
      Socket[] p = tcpPair(Net.AF_INET, "127.0.0.1");
      try (Socket c = p[0]; Socket s = p[1]; FileInputStream in = new FileInputStream(file.toFile())) {
        assertEquals(6, c.sendfile(in.getFD(), 2, 6));
        assertEquals("234567", new String(recvExactly(s, 6), StandardCharsets.US_ASCII));
      }
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void optionsAsIntegersAndBytes() throws Exception {
    try (Socket s = new Socket()) {
      s.setsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY, 1);
      assertNotEquals(0, s.getsockopt(Net.IPPROTO_TCP, Net.TCP_NODELAY));
      byte[] raw = s.getsockopt(Net.SOL_SOCKET, Net.SO_TYPE, 4);
      assertEquals(4, raw.length);
      assertEquals(Net.SOCK_STREAM, raw[0] & 0xff, "SO_TYPE, little-endian int");
      s.setsockopt(Net.SOL_SOCKET, Net.SO_KEEPALIVE, new byte[] {1, 0, 0, 0});
      assertEquals(1, s.getsockopt(Net.SOL_SOCKET, Net.SO_KEEPALIVE));
      assertTrue(s.getblocking());
      s.setblocking(false);
      assertFalse(s.getblocking());
      assertEquals(0.0, s.gettimeout());
      s.settimeout((Double) null);
      assertEquals(null, s.gettimeout());
    }
  }

  @Test
  void moduleFunctionsWithoutTheNetwork() throws Exception {
    assertEquals("127.0.0.1", Net.gethostbyname("127.1"));
    assertTrue(Net.gethostbynameEx("localhost").addresses().contains("127.0.0.1"));
    assertEquals(80, Net.getservbyname("http", "tcp"));
    assertEquals("http", Net.getservbyport(80));
    assertEquals(6, Net.getprotobyname("tcp"));
    assertFalse(Net.gethostname().isEmpty());
    assertEquals(1, Net.ifNametoindex("lo"));
    assertEquals("lo", Net.ifIndextoname(1));
    assertTrue(Net.ifNameindex().stream().anyMatch(i -> i.name().equals("lo")));
    assertEquals("::1", Net.getnameinfo(
        new SocketAddress(Net.AF_INET6, "::1", 80, 0, 0), Net.NI_NUMERICHOST).host());
    assertEquals(null, Net.getdefaulttimeout());
    Net.hasDualstackIpv6();
    assertEquals(1, Net.abiVersion());
    assertTrue(Net.version().startsWith("1."));
    assertEquals("SOCK_ERR_TIMEOUT", Net.statusName(-2));
  }
}
