package org.polysock.examples;

import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.Socket;

/**
 * Why servers set SO_REUSEADDR. The side that closes a TCP connection first keeps it
 * in TIME_WAIT for a minute or two, and while it does, the port cannot be bound again
 * without the option: a server restarted at once fails with errno 98. Linux lets the
 * restart through only if the old socket had the option too (Python's shows the same),
 * so the first server here sets it, as every server should.
 */
public final class ReuseAddress {
  private ReuseAddress() {}

  public static void main(String[] args) {
    Cli.main("reuse_address", "HOST PORT   (PORT 0: a free port)", 2, 2, args, a -> {
      String host = a[0];
      int family = Cli.family(host);
      int port;
      try (Socket first = new Socket(family, Net.SOCK_STREAM)) {
        first.setsockopt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
        first.bind(host, Cli.port(a[1]));
        first.listen();
        port = first.getsockname().port(); // the real one, if PORT was 0
        System.out.println("listening on " + host + ":" + port);
        try (Socket client = Net.createConnection(host, port, 5.0)) {
          // The server closes first, so the server's side goes to TIME_WAIT; the client
          // sees EOF and closes too.
          first.accept().socket().close();
          client.recv(1);
        }
      }
      System.out.println("connection closed by the server first: its side is in TIME_WAIT");

      try (Socket again = new Socket(family, Net.SOCK_STREAM)) {
        again.bind(host, port);
        System.err.println("reuse_address: bound again without SO_REUSEADDR; expected errno 98");
        return 1;
      } catch (PolysockException e) {
        System.out.println("without SO_REUSEADDR: " + e.getMessage());
        if (e.errno() != 98) {
          return 1;
        }
      }

      try (Socket again = new Socket(family, Net.SOCK_STREAM)) {
        // Set before bind(): the option is checked when the address is taken.
        again.setsockopt(Net.SOL_SOCKET, Net.SO_REUSEADDR, 1);
        again.bind(host, port);
        again.listen();
        System.out.println("with SO_REUSEADDR: listening again on " + host + ":" + port);
      }
      return 0;
    });
  }
}
