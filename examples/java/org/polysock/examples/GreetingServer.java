package org.polysock.examples;

import java.nio.charset.StandardCharsets;
import org.polysock.ConnectionException;
import org.polysock.Net;
import org.polysock.Socket;

/**
 * The classic first server: greet each client by its address, then hang up.
 * Clients are served one after another, which is fine for a greeting that is sent at
 * once; MultiClientServer shows how to serve many at the same time.
 */
public final class GreetingServer {
  private GreetingServer() {}

  public static void main(String[] args) {
    Cli.main("greeting_server", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)",
        2, 3, args, a -> {
          String host = a[0];
          int port = Cli.port(a[1]);
          int count = a.length > 2 ? Cli.number(a[2], "COUNT") : 1;
          // create_server sets SO_REUSEADDR, so a restart does not wait for TIME_WAIT.
          try (Socket server = Net.createServer(host, port, Cli.family(host))) {
            Cli.listening(System.out, server.getsockname());
            for (int served = 0; count == 0 || served < count; served++) {
              Socket.Accepted client = server.accept();
              String peer = client.address().host() + ":" + client.address().port();
              try (Socket conn = client.socket()) {
                conn.sendall(("Thank you for connecting, " + peer + "\n")
                    .getBytes(StandardCharsets.UTF_8));
                System.out.println("greeted " + peer);
              } catch (ConnectionException e) {
                // One client that hung up early is no reason to stop serving the others.
                System.err.println("greeting_server: " + peer + ": " + e.getMessage());
              }
            }
          }
          return 0;
        });
  }
}
