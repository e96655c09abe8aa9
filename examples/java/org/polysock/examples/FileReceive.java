package org.polysock.examples;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.polysock.Net;
import org.polysock.Socket;

/**
 * Receives one file from file_send and checks it: the size announced against the
 * bytes that came, the SHA-256 sent against the SHA-256 of what was written. The
 * reply tells the sender, so both sides know whether the copy is good.
 */
public final class FileReceive {
  private FileReceive() {}

  public static void main(String[] args) {
    Cli.main("file_receive", "HOST PORT OUTFILE   (PORT 0: any free port)", 3, 3, args, a -> {
      String host = a[0];
      try (Socket server = Net.createServer(host, Cli.port(a[1]), Cli.family(host))) {
        Cli.listening(System.out, server.getsockname());
        Socket.Accepted client = server.accept();
        try (Socket conn = client.socket()) {
          conn.settimeout(60.0); // a sender that stalls must not hold us forever
          String verdict = receive(conn, Path.of(a[2]));
          conn.sendall((verdict + "\n").getBytes(StandardCharsets.UTF_8));
          System.out.println(verdict);
          return verdict.startsWith("OK") ? 0 : 1;
        }
      }
    });
  }

  private static String receive(Socket conn, Path out) throws Exception {
    byte[] header = new byte[8];
    if (readFully(conn, header) < header.length) {
      return "FAIL connection closed before the length";
    }
    long size = ByteBuffer.wrap(header).getLong();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long got = 0;
    try (OutputStream file = Files.newOutputStream(out)) {
      byte[] buffer = new byte[65536];
      while (got < size) {
        // Never ask for more than the file has left: what follows is the hash.
        int n = conn.recvInto(buffer, 0, (int) Math.min(buffer.length, size - got));
        if (n == 0) {
          return "FAIL size: got " + got + " of " + size + " bytes";
        }
        file.write(buffer, 0, n);
        sha.update(buffer, 0, n);
        got += n;
      }
    }
    byte[] expected = new byte[32];
    if (readFully(conn, expected) < expected.length) {
      return "FAIL connection closed before the SHA-256";
    }
    byte[] actual = sha.digest();
    if (!Arrays.equals(actual, expected)) {
      return "FAIL sha256: received " + HexFormat.of().formatHex(actual) + ", sender said "
          + HexFormat.of().formatHex(expected);
    }
    return "OK " + got + " " + HexFormat.of().formatHex(actual);
  }

  /** recv until buffer is full or EOF: the number of bytes read. */
  private static int readFully(Socket conn, byte[] buffer) throws Exception {
    int got = 0;
    for (int n; got < buffer.length
        && (n = conn.recvInto(buffer, got, buffer.length - got)) > 0;) {
      got += n;
    }
    return got;
  }
}
