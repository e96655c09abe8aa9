package org.polysock.examples;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/**
 * Sends a file: its length, its bytes, its SHA-256, then waits for the receiver's
 * verdict. The length goes first because TCP has no message boundaries: without it
 * the receiver could not tell the data from the hash that follows.
 */
public final class FileSend {
  private FileSend() {}

  public static void main(String[] args) {
    Cli.main("file_send", "HOST PORT FILE", 3, 3, args, a -> {
      Path file = Path.of(a[2]);
      long size = Files.size(file);
      byte[] sha256 = digest(file);
      // A generous timeout: a 50 MiB transfer on a busy machine is slow, but bounded.
      try (Socket sock = Net.createConnection(a[0], Cli.port(a[1]), 60.0)) {
        sock.sendall(ByteBuffer.allocate(8).putLong(size).array()); // big-endian, as the wire wants
        // sendfile lets the kernel copy the file into the socket: no pass through the JVM.
        long sent = sock.sendfile(file);
        if (sent != size) {
          throw new PolysockException(0, "sent " + sent + " of " + size + " bytes");
        }
        sock.sendall(sha256);
        // Half-close: the receiver sees EOF after the hash, and can still answer.
        sock.shutdown(Net.SHUT_WR);
        String reply = readLine(sock.getInputStream());
        System.out.println(reply);
        return reply.startsWith("OK") ? 0 : 1;
      }
    });
  }

  static byte[] digest(Path file) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[65536];
      for (int n; (n = in.read(buffer)) > 0;) {
        sha.update(buffer, 0, n);
      }
    }
    return sha.digest();
  }

  private static String readLine(InputStream in) throws Exception {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c; (c = in.read()) >= 0 && c != '\n';) {
      line.write(c);
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
