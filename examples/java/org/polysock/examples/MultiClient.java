package org.polysock.examples;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.polysock.Net;
import org.polysock.Socket;

/**
 * A client of multi_client_server that takes its time: one line a second. Start a few
 * at once and watch the server answer them all, interleaved, none waiting for another.
 */
public final class MultiClient {
  private MultiClient() {}

  public static void main(String[] args) {
    Cli.main("multi_client", "HOST PORT NAME LINES   (POLYSOCK_EXAMPLE_INTERVAL: seconds between"
        + " lines, default 1)", 4, 4, args, a -> {
          String name = a[2];
          int lines = Cli.number(a[3], "LINES");
          String interval = System.getenv("POLYSOCK_EXAMPLE_INTERVAL");
          long pauseMillis = Math.round(1000 * (interval == null ? 1.0 : Double.parseDouble(interval)));
          boolean allEchoed = true;
          try (Socket sock = Net.createConnection(a[0], Cli.port(a[1]), 5.0)) {
            // The socket's InputStream under a BufferedReader: a reply line may arrive
            // in pieces, and readLine puts it back together.
            BufferedReader replies = new BufferedReader(
                new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
            for (int i = 1; i <= lines; i++) {
              if (i > 1) {
                Thread.sleep(pauseMillis);
              }
              String line = name + " line " + i;
              sock.sendall((line + "\n").getBytes(StandardCharsets.UTF_8));
              String reply = replies.readLine();
              System.out.println(reply == null ? "(connection closed)" : reply);
              if (!("echo: " + line).equals(reply)) {
                System.err.println("multi_client: expected 'echo: " + line + "'");
                allEchoed = false;
                break;
              }
            }
          }
          return allEchoed ? 0 : 1;
        });
  }
}
