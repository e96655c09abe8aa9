package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.polysock.Net;
import org.polysock.Socket;

/** InputStream/OutputStream views (Python's makefile) work with java.io. */
@Timeout(60)
class StreamsTest {
  @Test
  void linesThroughReaderAndWriter() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      PrintWriter out = new PrintWriter(
          new OutputStreamWriter(a.getOutputStream(), StandardCharsets.UTF_8), true);
      out.println("first line");
      out.println("zweite Zeile \u00fc");
      a.shutdown(Net.SHUT_WR);
      BufferedReader in = new BufferedReader(
          new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8));
      assertEquals("first line", in.readLine());
      assertEquals("zweite Zeile \u00fc", in.readLine());
      assertEquals(null, in.readLine(), "end of stream after SHUT_WR");
    }
  }

  @Test
  void dataStreamsAndSingleBytes() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      DataOutputStream out = new DataOutputStream(a.getOutputStream());
      out.writeInt(0x01020304);
      out.writeLong(-2L);
      out.write(0xff);
      out.flush();
      DataInputStream in = new DataInputStream(b.getInputStream());
      assertEquals(0x01020304, in.readInt());
      assertEquals(-2L, in.readLong());
      assertEquals(0xff, in.read());
      a.close();
      assertEquals(-1, in.read());
    }
  }

  @Test
  void aTimeoutSurfacesFromTheStream() throws Exception {
    Socket[] p = Net.socketpair();
    try (Socket a = p[0]; Socket b = p[1]) {
      b.settimeout(0.05);
      assertThrows(SocketTimeoutException.class, () -> b.getInputStream().read());
    }
  }
}
