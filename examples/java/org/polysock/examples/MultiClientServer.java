package org.polysock.examples;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.polysock.BlockingIOException;
import org.polysock.ConnectionException;
import org.polysock.Net;
import org.polysock.Poller;
import org.polysock.Socket;

/**
 * An echo server for many clients at once, from one thread. The classic version
 * blocks in recv() on its first client while everyone else waits; here every socket
 * is non-blocking and the poller (Python's selectors) says which one is ready, so no
 * client can hold up another.
 */
public final class MultiClientServer {
  private MultiClientServer() {}

  /** One connection: the partial line it is sending us, the echoes not yet sent back. */
  private static final class Client {
    final Socket sock;
    final String peer;
    final ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] out = new byte[0];
    int sent;

    Client(Socket sock, String peer) {
      this.sock = sock;
      this.peer = peer;
    }
  }

  public static void main(String[] args) {
    Cli.main("multi_client_server", "HOST PORT [CLIENTS]   (CLIENTS 0: serve forever)", 2, 3,
        args, a -> {
          String host = a[0];
          int clients = a.length > 2 ? Cli.number(a[2], "CLIENTS") : 0;
          try (Socket server = Net.createServer(host, Cli.port(a[1]), Cli.family(host));
               Poller poller = new Poller()) {
            // Non-blocking, so that a client that vanished between the poller's report
            // and accept() cannot stall everyone.
            server.setblocking(false);
            poller.register(server, Poller.EVENT_READ);
            Cli.listening(System.out, server.getsockname());
            int gone = 0;
            while (clients == 0 || gone < clients) {
              for (Poller.Event event : poller.select()) {
                if (event.attachment() == null) {
                  accept(server, poller);
                } else if (!serve((Client) event.attachment(), event, poller)) {
                  gone++;
                }
              }
            }
          }
          return 0;
        });
  }

  private static void accept(Socket server, Poller poller) throws Exception {
    Socket.Accepted accepted;
    try {
      accepted = server.accept();
    } catch (BlockingIOException e) {
      return; // someone else's connection attempt was already gone
    }
    Client client = new Client(accepted.socket(), accepted.address().host() + ":"
        + accepted.address().port());
    client.sock.setblocking(false);
    poller.register(client.sock, Poller.EVENT_READ, client);
    System.out.println(client.peer + " connected");
  }

  /** Reads and answers what is ready; false once the client has gone. */
  private static boolean serve(Client client, Poller.Event event, Poller poller)
      throws Exception {
    try {
      if (!event.writable() || event.readable() || event.error() || event.hangup()) {
        byte[] data = client.sock.recv(4096);
        if (data.length == 0) {
          return close(client, poller);
        }
        for (byte b : data) {
          if (b != '\n') {
            client.line.write(b);
            continue;
          }
          String line = client.line.toString(StandardCharsets.UTF_8);
          client.line.reset();
          System.out.println(client.peer + ": " + line);
          append(client, ("echo: " + line + "\n").getBytes(StandardCharsets.UTF_8));
        }
      }
      flush(client, poller);
      return true;
    } catch (BlockingIOException e) {
      return true; // a spurious wake-up: nothing to read after all
    } catch (ConnectionException e) {
      return close(client, poller); // reset by the peer: gone like an EOF
    }
  }

  private static void append(Client client, byte[] echo) {
    int left = client.out.length - client.sent;
    byte[] out = Arrays.copyOfRange(client.out, client.sent, client.sent + left + echo.length);
    System.arraycopy(echo, 0, out, left, echo.length);
    client.out = out;
    client.sent = 0;
  }

  /**
   * Sends what the socket takes now. While echoes are left over, the client is watched
   * for WRITE only: a client that does not read cannot make us buffer without limit.
   */
  private static void flush(Client client, Poller poller) throws Exception {
    while (client.sent < client.out.length) {
      int n = client.sock.trySend(client.out, client.sent, client.out.length - client.sent, 0);
      if (n == -1) {
        break; // the socket's buffer is full: the rest goes when it is writable again
      }
      client.sent += n;
    }
    boolean pending = client.sent < client.out.length;
    poller.modify(client.sock, pending ? Poller.EVENT_WRITE : Poller.EVENT_READ, client);
  }

  private static boolean close(Client client, Poller poller) throws Exception {
    poller.unregister(client.sock);
    client.sock.close();
    System.out.println(client.peer + " disconnected");
    return false;
  }
}
