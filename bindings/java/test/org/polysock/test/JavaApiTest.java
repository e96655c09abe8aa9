package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.AddrInfo;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.PolysockException;
import org.polysock.Socket;
import org.polysock.SocketAddress;

/** Issue 15, point 3: the overloads and value semantics a Java user expects. */
@Timeout(60)
class JavaApiTest {
  @Test
  void primitiveTimeoutsCompileAndWork() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0);
         Socket c = Net.createConnection("127.0.0.1", server.getsockname().port(), 5)) {
      assertEquals(5.0, c.gettimeout());
      c.settimeout(1);
      assertEquals(1.0, c.gettimeout());
    }
    Double before = Net.getdefaulttimeout();
    try {
      Net.setdefaulttimeout(5);
      assertEquals(5.0, Net.getdefaulttimeout());
      try (Socket s = new Socket()) {
        assertEquals(5.0, s.gettimeout());
      }
    } finally {
      Net.setdefaulttimeout(before);
    }
    try (Poller poller = new Poller()) {
      assertEquals(List.of(), poller.select(0));
    }
  }

  @Test
  void getaddrinfoTakesAServiceName() throws Exception {
    List<AddrInfo> numeric = Net.getaddrinfo("127.0.0.1", "8080");
    assertFalse(numeric.isEmpty());
    assertTrue(numeric.stream().allMatch(a -> a.address().port() == 8080));
    int http = Net.getservbyname("http", "tcp");
    List<AddrInfo> named = Net.getaddrinfo("localhost", "http");
    assertFalse(named.isEmpty());
    assertTrue(named.stream().allMatch(a -> a.address().port() == http));
  }

  @Test
  void createServerTakesAFamilyWithoutABacklog() throws Exception {
    try (Socket s = Net.createServer("::1", 0, Net.AF_INET6)) {
      assertEquals(Net.AF_INET6, s.family());
      assertEquals(1, s.getsockopt(Net.SOL_SOCKET, Net.SO_ACCEPTCONN));
      try (Socket c = Net.createConnection(s.getsockname(), 5)) {
        assertEquals("::1", c.getpeername().host());
        assertEquals(5.0, c.gettimeout());
      }
      try (Socket c = Net.createConnection(s.getsockname(), (Double) null);
           Socket d = Net.createConnection(s.getsockname())) {
        assertNull(c.gettimeout());
        assertEquals(Net.getdefaulttimeout(), d.gettimeout());
      }
    }
    try (Socket s = Net.createServer("127.0.0.1", 0, Net.AF_INET, 3)) {
      assertEquals(1, s.getsockopt(Net.SOL_SOCKET, Net.SO_ACCEPTCONN));
    }
  }

  @Test
  void addressRecordsConnectBindAndReply() throws Exception {
    try (Socket a = new Socket(Net.AF_INET6, Net.SOCK_DGRAM);
         Socket b = new Socket(Net.AF_INET6, Net.SOCK_DGRAM)) {
      a.bind(new SocketAddress(Net.AF_INET6, "::1", 0, 0, 0));
      b.bind("::1", 0);
      b.sendto("ask".getBytes(), a.getsockname());
      Socket.Datagram d = a.recvfrom(16);
      assertEquals(b.getsockname(), d.address());
      a.sendto("reply".getBytes(), d.address()); // the reply keeps the whole address
      assertArrayEquals("reply".getBytes(), b.recv(16));
      a.sendto(ByteBuffer.wrap("nio".getBytes()), d.address());
      assertArrayEquals("nio".getBytes(), b.recv(16));
    }
    String name = "@polysock-api-" + ProcessHandle.current().pid();
    try (Socket server = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM);
         Socket client = new Socket(Net.AF_UNIX, Net.SOCK_DGRAM)) {
      server.bind(new SocketAddress(Net.AF_UNIX, name, 0, 0, 0));
      client.sendto("u".getBytes(), server.getsockname()); // no dummy port
      client.sendto("v".getBytes(), name);
      assertArrayEquals("u".getBytes(), server.recv(4));
      assertArrayEquals("v".getBytes(), server.recv(4));
    }
    try (Socket server = Net.createServer("127.0.0.1", 0); Socket c = new Socket()) {
      c.connect(server.getsockname());
      assertEquals(server.getsockname(), c.getpeername());
    }
  }

  @Test
  void pollerAttachmentsModifyAndEventAccessors() throws Exception {
    Socket[] p = Net.socketpair();
    try (Poller poller = new Poller(); Socket a = p[0]) {
      StringBuilder attachment = new StringBuilder("conn-1");
      poller.register(a, Poller.EVENT_WRITE, attachment);
      Poller.Event e = poller.select(5).get(0);
      assertSame(attachment, e.attachment());
      assertTrue(e.writable());
      assertFalse(e.error());
      assertFalse(e.hangup());
      poller.modify(a, Poller.EVENT_READ); // two arguments: the attachment is kept
      assertEquals(List.of(), poller.select(0));
      p[1].close(); // the peer is gone: a hang-up
      e = poller.select(5).get(0);
      assertSame(attachment, e.attachment());
      assertTrue(e.hangup());
      poller.modify(a, Poller.EVENT_READ, "other");
      assertEquals("other", poller.select(5).get(0).attachment());
    }
    int port;
    try (Socket s = new Socket()) {
      s.bind("127.0.0.1", 0);
      port = s.getsockname().port();
    }
    try (Poller poller = new Poller(); Socket c = new Socket()) {
      c.setblocking(false);
      int first = c.connectEx("127.0.0.1", port);
      if (first == Net.EINPROGRESS) {
        poller.register(c, Poller.EVENT_WRITE);
        assertTrue(poller.select(5).get(0).error(), "a refused connect is an error event");
      } else {
        assertEquals(Net.ECONNREFUSED, first);
      }
    }
  }

  @Test
  void shortByteOrderFunctionsAreInt() {
    int port = Net.htons(80);
    assertEquals(80 << 8, port);
    int back = Net.ntohs(port);
    assertEquals(80, back);
    assertEquals(0x01000000L, Net.htonl(1));
  }

  @Test
  void sendfileTakesAFileChannelOrAPath() throws Exception {
    Path file = Files.createTempFile("polysock-sendfile", ".bin");
    try {
      byte[] content = new byte[100_000];
      for (int i = 0; i < content.length; i++) {
        content[i] = (byte) (i * 7);
      }
      Files.write(file, content);
      Socket[] p = Net.socketpair();
      try (Socket a = p[0]; Socket b = p[1]) {
        byte[][] got = new byte[2][];
        Thread reader = new Thread(() -> {
          try {
            got[0] = TrafficTest.recvExactly(b, 1000);
            got[1] = TrafficTest.recvExactly(b, content.length);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        reader.start();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
          assertEquals(1000, a.sendfile(ch, 10, 1000));
          assertEquals(1010, ch.position(), "left at offset + sent, as Python seeks the file");
        }
        assertEquals(content.length, a.sendfile(file));
        reader.join(10_000);
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 10, 1010), got[0]);
        assertArrayEquals(content, got[1]);
      }
    } finally {
      Files.delete(file);
    }
  }

  /** A FileChannel that is not the JDK's (no descriptor to hand to sendfile(2)). */
  private static final class ForeignChannel extends FileChannel {
    private final FileChannel inner;

    ForeignChannel(FileChannel inner) {
      this.inner = inner;
    }

    @Override public int read(ByteBuffer dst) throws java.io.IOException { return inner.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws java.io.IOException {
      return inner.read(dsts, offset, length);
    }
    @Override public int write(ByteBuffer src) throws java.io.IOException { return inner.write(src); }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) throws java.io.IOException {
      return inner.write(srcs, offset, length);
    }
    @Override public long position() throws java.io.IOException { return inner.position(); }
    @Override public FileChannel position(long p) throws java.io.IOException {
      inner.position(p);
      return this;
    }
    @Override public long size() throws java.io.IOException { return inner.size(); }
    @Override public FileChannel truncate(long size) throws java.io.IOException {
      inner.truncate(size);
      return this;
    }
    @Override public void force(boolean metaData) throws java.io.IOException { inner.force(metaData); }
    @Override public long transferTo(long p, long n, java.nio.channels.WritableByteChannel t)
        throws java.io.IOException {
      return inner.transferTo(p, n, t);
    }
    @Override public long transferFrom(java.nio.channels.ReadableByteChannel s, long p, long n)
        throws java.io.IOException {
      return inner.transferFrom(s, p, n);
    }
    @Override public int read(ByteBuffer dst, long p) throws java.io.IOException { return inner.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws java.io.IOException { return inner.write(src, p); }
    @Override public java.nio.MappedByteBuffer map(MapMode mode, long p, long size)
        throws java.io.IOException {
      return inner.map(mode, p, size);
    }
    @Override public java.nio.channels.FileLock lock(long p, long size, boolean shared)
        throws java.io.IOException {
      return inner.lock(p, size, shared);
    }
    @Override public java.nio.channels.FileLock tryLock(long p, long size, boolean shared)
        throws java.io.IOException {
      return inner.tryLock(p, size, shared);
    }
    @Override protected void implCloseChannel() throws java.io.IOException { inner.close(); }
  }

  @Test
  void sendfileFromAnotherKindOfFileChannelCopies() throws Exception {
    Path file = Files.createTempFile("polysock-sendfile", ".bin");
    try {
      byte[] content = new byte[200_000]; // more than one 64 KiB piece
      for (int i = 0; i < content.length; i++) {
        content[i] = (byte) (i * 11);
      }
      Files.write(file, content);
      Socket[] p = Net.socketpair();
      try (Socket a = p[0]; Socket b = p[1];
           FileChannel ch = new ForeignChannel(FileChannel.open(file, StandardOpenOption.READ))) {
        byte[][] got = new byte[1][];
        Thread reader = new Thread(() -> {
          try {
            got[0] = TrafficTest.recvExactly(b, content.length - 5);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        reader.start();
        assertEquals(content.length - 5, a.sendfile(ch, 5, 0), "count 0: to the end");
        assertEquals(content.length, ch.position());
        reader.join(10_000);
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 5, content.length), got[0]);
      }
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void aDetachedDescriptorCanBeClosed() throws Exception {
    Socket s = new Socket();
    int fd = s.detach();
    assertTrue(fd >= 0);
    assertTrue(s.isClosed());
    Net.close(fd);
    PolysockException again = assertThrows(PolysockException.class, () -> Net.close(fd));
    assertEquals(Net.EBADF, again.errno());
  }

  @Test
  void toStringReadsLikePythonsRepr() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0);
         Socket c = Net.createConnection("127.0.0.1", server.getsockname().port(), 5.0)) {
      String expected = "<org.polysock.Socket fd=" + c.fileno() + ", family=" + Net.AF_INET
          + ", type=" + Net.SOCK_STREAM + ", proto=" + c.proto() + ", laddr=('127.0.0.1', "
          + c.getsockname().port() + "), raddr=('127.0.0.1', " + server.getsockname().port() + ")>";
      assertEquals(expected, c.toString());
      c.close();
      assertEquals("<org.polysock.Socket [closed] fd=-1, family=" + Net.AF_INET + ", type="
          + Net.SOCK_STREAM + ", proto=" + c.proto() + ">", c.toString());
    }
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      assertEquals("<org.polysock.Socket fd=" + a.fileno() + ", family=" + Net.AF_UNIX + ", type="
          + Net.SOCK_STREAM + ", proto=0>", a.toString(), "no laddr/raddr for unnamed AF_UNIX");
    }
  }

  @Test
  void resultRecordsPrintLikePythonTuples() throws Exception {
    AddrInfo info = Net.getaddrinfo("127.0.0.1", 80, Net.AF_INET, Net.SOCK_STREAM, 0, 0).get(0);
    assertEquals("(" + Net.AF_INET + ", " + Net.SOCK_STREAM + ", " + info.proto()
        + ", '', ('127.0.0.1', 80))", info.toString());
    assertEquals("('127.0.0.1', '80')",
        Net.getnameinfo("127.0.0.1", 80, Net.NI_NUMERICHOST | Net.NI_NUMERICSERV).toString());
    assertEquals("('::1', 5, 0, 0)", new SocketAddress(Net.AF_INET6, "::1", 5, 0, 0).toString());
    assertEquals("\"it's\"", new SocketAddress(Net.AF_UNIX, "it's", 0, 0, 0).toString());
    assertEquals("('h', [], ['127.0.0.1'])",
        new org.polysock.HostEntry("h", List.of(), List.of("127.0.0.1")).toString());
    assertEquals("(1, 'lo')", new org.polysock.NetInterface(1, "lo").toString());
    assertEquals("(3, None)", new Socket.Received(3, null).toString());
    try (Socket server = Net.createServer("127.0.0.1", 0);
         Socket c = Net.createConnection(server.getsockname(), 5.0)) {
      Socket.Accepted accepted = server.accept();
      try (Socket conn = accepted.socket()) {
        assertEquals("(" + conn + ", " + c.getsockname() + ")", accepted.toString());
      }
    }
  }

  @Test
  void datagramsAreValues() {
    SocketAddress from = new SocketAddress(Net.AF_INET, "127.0.0.1", 5000, 0, 0);
    Socket.Datagram a = new Socket.Datagram(new byte[] {'h', 'i', '\'', 0, (byte) 0xff}, from);
    Socket.Datagram b = new Socket.Datagram(new byte[] {'h', 'i', '\'', 0, (byte) 0xff},
        new SocketAddress(Net.AF_INET, "127.0.0.1", 5000, 0, 0));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, new Socket.Datagram(new byte[] {'h'}, from));
    assertEquals("(b\"hi'\\x00\\xff\", ('127.0.0.1', 5000))", a.toString());
    assertEquals("(b'a\\\\b\\n', None)", new Socket.Datagram(new byte[] {'a', '\\', 'b', '\n'}, null).toString());
    assertNull(new Socket.Datagram(new byte[0], null).address());
  }
}
