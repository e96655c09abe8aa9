package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.BlockingIOException;
import org.polysock.BrokenPipeException;
import org.polysock.ChildProcessException;
import org.polysock.ConnectionAbortedException;
import org.polysock.ConnectionException;
import org.polysock.ConnectionRefusedException;
import org.polysock.ConnectionResetException;
import org.polysock.EntryNotFoundException;
import org.polysock.FileExistsException;
import org.polysock.InterruptedCallException;
import org.polysock.IsADirectoryException;
import org.polysock.Net;
import org.polysock.NotADirectoryException;
import org.polysock.PermissionException;
import org.polysock.Poller;
import org.polysock.PolysockException;
import org.polysock.ProcessLookupException;
import org.polysock.Socket;
import org.polysock.TimedOutException;

/** Issue 15, point 2: OS errors arrive as the OSError subclass CPython picks for the errno. */
@Timeout(60)
class ErrorClassesTest {
  private static int closedPort() throws Exception {
    try (Socket s = new Socket()) {
      s.bind("127.0.0.1", 0);
      return s.getsockname().port();
    }
  }

  /** Thrown as cls, still a PolysockException and an IOException, with errno and Python's text. */
  private static <T extends PolysockException> T assertOsError(
      Class<T> cls, int errno, org.junit.jupiter.api.function.Executable call) {
    T e = assertThrows(cls, call);
    assertSame(cls, e.getClass(), "exactly the class Python's OSError(errno) is");
    assertInstanceOf(IOException.class, e);
    assertEquals(errno, e.errno());
    assertEquals("[Errno " + errno + "] ", e.getMessage().substring(0, e.getMessage().indexOf(']') + 2));
    return e;
  }

  @Test
  void refusedConnectIsConnectionRefused() throws Exception {
    int port = closedPort();
    try (Socket s = new Socket()) {
      ConnectionRefusedException e = assertOsError(
          ConnectionRefusedException.class, Net.ECONNREFUSED, () -> s.connect("127.0.0.1", port));
      assertInstanceOf(ConnectionException.class, e);
      assertEquals("[Errno 111] Connection refused", e.getMessage());
    }
    assertOsError(ConnectionRefusedException.class, Net.ECONNREFUSED,
        () -> Net.createConnection("127.0.0.1", port, 5));
  }

  @Test
  void wouldBlockAndInProgressAreBlockingIo() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      a.setblocking(false);
      assertOsError(BlockingIOException.class, Net.EAGAIN, () -> a.recv(10));
      assertOsError(BlockingIOException.class, Net.EAGAIN, () -> b.recv(10, Net.MSG_DONTWAIT));
    }
    try (Socket server = Net.createServer("127.0.0.1", 0); Socket c = new Socket()) {
      c.setblocking(false);
      int port = server.getsockname().port();
      int first = c.connectEx("127.0.0.1", port);
      if (first == Net.EINPROGRESS) {
        assertOsError(BlockingIOException.class, Net.EINPROGRESS, () -> {
          try (Socket d = new Socket()) {
            d.setblocking(false);
            d.connect("127.0.0.1", port);
          }
        });
      } else {
        assertEquals(0, first); // loopback connected at once
      }
    }
  }

  @Test
  void sendToAClosedPeerIsBrokenPipe() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]) {
      p[1].close();
      assertOsError(BrokenPipeException.class, Net.EPIPE, () -> a.send(new byte[] {1}));
    }
  }

  @Test
  void aResetConnectionIsConnectionReset() throws Exception {
    try (Socket server = Net.createServer("127.0.0.1", 0);
         Socket c = Net.createConnection("127.0.0.1", server.getsockname().port(), 5)) {
      Socket conn = server.accept().socket();
      // SO_LINGER {on, 0 s}: close sends a RST.
      byte[] linger = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(1).putInt(0).array();
      conn.setsockopt(Net.SOL_SOCKET, Net.SO_LINGER, linger);
      c.sendall(new byte[] {1}); // unread data makes the close a reset as well
      conn.close();
      c.settimeout(5.0);
      assertOsError(ConnectionResetException.class, Net.ECONNRESET, () -> c.recv(10));
    }
  }

  @Test
  void pathErrorsAreFileNotFoundNotADirectoryAndFileExists() throws Exception {
    try (Socket u = new Socket(Net.AF_UNIX, Net.SOCK_STREAM)) {
      assertOsError(EntryNotFoundException.class, Net.ENOENT,
          () -> u.connect("/nonexistent-polysock-dir/socket"));
      assertOsError(NotADirectoryException.class, 20, // ENOTDIR: not among the constants
          () -> u.connect("/etc/hostname/socket"));
    }
    Socket[] p = Net.socketpair();
    try (Poller poller = new Poller(); Socket a = p[0]; Socket b = p[1]) {
      poller.register(a, Poller.EVENT_READ);
      assertOsError(FileExistsException.class, 17, () -> poller.register(a, Poller.EVENT_READ));
      assertOsError(EntryNotFoundException.class, Net.ENOENT, () -> poller.unregister(b));
    }
  }

  @Test
  void closingABadDescriptorIsABadFileDescriptorOsError() throws Exception {
    Socket s = new Socket();
    int fd = s.detach();
    Net.close(fd);
    PolysockException e = assertOsError(PolysockException.class, Net.EBADF, () -> Net.close(fd));
    assertEquals("[Errno 9] Bad file descriptor", e.getMessage());
  }

  @Test
  void theHierarchyIsPythons() {
    // Python: ConnectionError(OSError) > BrokenPipe/ConnectionAborted/Refused/Reset; the
    // others derive from OSError directly.
    Map<Class<?>, Class<?>> parents = Map.ofEntries(
        Map.entry(ConnectionException.class, PolysockException.class),
        Map.entry(BrokenPipeException.class, ConnectionException.class),
        Map.entry(ConnectionAbortedException.class, ConnectionException.class),
        Map.entry(ConnectionRefusedException.class, ConnectionException.class),
        Map.entry(ConnectionResetException.class, ConnectionException.class),
        Map.entry(BlockingIOException.class, PolysockException.class),
        Map.entry(ChildProcessException.class, PolysockException.class),
        Map.entry(FileExistsException.class, PolysockException.class),
        Map.entry(EntryNotFoundException.class, PolysockException.class),
        Map.entry(InterruptedCallException.class, PolysockException.class),
        Map.entry(IsADirectoryException.class, PolysockException.class),
        Map.entry(NotADirectoryException.class, PolysockException.class),
        Map.entry(PermissionException.class, PolysockException.class),
        Map.entry(ProcessLookupException.class, PolysockException.class),
        Map.entry(TimedOutException.class, PolysockException.class));
    parents.forEach((cls, parent) -> assertSame(parent, cls.getSuperclass(), cls.getName()));
    TimedOutException t = new TimedOutException(Net.ETIMEDOUT, "[Errno 110] Connection timed out");
    assertEquals(Net.ETIMEDOUT, t.errno());
  }
}
