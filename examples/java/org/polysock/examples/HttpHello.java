package org.polysock.examples;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.polysock.ConnectionException;
import org.polysock.Net;
import org.polysock.PolysockTimeoutException;
import org.polysock.Socket;

/**
 * HTTP is just text over TCP: read the request head up to its blank line, write a
 * status line, headers, a blank line and the body. Try it with curl.
 */
public final class HttpHello {
  private HttpHello() {}

  private static final int MAX_HEAD = 65536;

  public static void main(String[] args) {
    Cli.main("http_hello", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)", 2, 3,
        args, a -> {
          String host = a[0];
          int count = a.length > 2 ? Cli.number(a[2], "COUNT") : 0;
          byte[] body = "hello from polysock java\n".getBytes(StandardCharsets.UTF_8);
          // Content-Length counts bytes, and Connection: close tells the client that the
          // end of the stream is the end of the answer.
          byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
              + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
          try (Socket server = Net.createServer(host, Cli.port(a[1]), Cli.family(host))) {
            Cli.listening(System.out, server.getsockname());
            for (int served = 0; count == 0 || served < count; served++) {
              Socket.Accepted client = server.accept();
              try (Socket conn = client.socket()) {
                conn.settimeout(5.0); // a client that never finishes its request is dropped
                String request = readHead(conn);
                conn.sendall(head);
                conn.sendall(body);
                String first = request.lines().findFirst().orElse("");
                System.out.println(client.address().host() + ":" + client.address().port()
                    + " \"" + first + "\" 200");
              } catch (ConnectionException | PolysockTimeoutException e) {
                // A client that hung up or stalled is dropped; the others are still served.
                System.err.println("http_hello: " + client.address().host() + ":"
                    + client.address().port() + ": " + e.getMessage());
              }
            }
          }
          return 0;
        });
  }

  /** The request up to its blank line (or EOF, or MAX_HEAD bytes). */
  private static String readHead(Socket conn) throws Exception {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (head.size() < MAX_HEAD && !head.toString(StandardCharsets.ISO_8859_1).contains(
        "\r\n\r\n")) {
      byte[] data = conn.recv(4096);
      if (data.length == 0) {
        break;
      }
      head.write(data, 0, data.length);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
