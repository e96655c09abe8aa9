package org.polysock.examples;

import org.polysock.Net;
import org.polysock.Socket;

/** Connects to a greeting server and prints what it says, exactly. */
public final class GreetingClient {
  private GreetingClient() {}

  public static void main(String[] args) {
    Cli.main("greeting_client", "HOST PORT", 2, 2, args, a -> {
      // create_connection tries every address of HOST; the timeout bounds each wait.
      try (Socket sock = Net.createConnection(a[0], Cli.port(a[1]), 5.0)) {
        // TCP is a byte stream: the greeting may come in pieces, so read to EOF
        // (the server closes after greeting) instead of trusting one recv.
        byte[] buffer = new byte[4096];
        for (int n; (n = sock.recvInto(buffer)) > 0;) {
          System.out.write(buffer, 0, n);
        }
      }
      return 0;
    });
  }
}
