package org.polysock.examples;

import org.polysock.Net;
import org.polysock.Socket;

/**
 * A UDP echo server. No connection, no accept: each datagram arrives with its
 * sender's address, and the answer is sent back to that address.
 */
public final class UdpEcho {
  private UdpEcho() {}

  public static void main(String[] args) {
    Cli.main("udp_echo", "HOST PORT [COUNT]   (PORT 0: any free port; COUNT 0: forever)", 2, 3,
        args, a -> {
          String host = a[0];
          int count = a.length > 2 ? Cli.number(a[2], "COUNT") : 0;
          try (Socket sock = new Socket(Cli.family(host), Net.SOCK_DGRAM)) {
            sock.bind(host, Cli.port(a[1]));
            Cli.listening(System.out, sock.getsockname());
            for (int echoed = 0; count == 0 || echoed < count; echoed++) {
              // 65535: the largest datagram there is, so none is cut short.
              Socket.Datagram datagram = sock.recvfrom(65535);
              sock.sendto(datagram.data(), datagram.address());
              System.out.println("echoed " + datagram.data().length + " bytes to "
                  + datagram.address().host() + ":" + datagram.address().port());
            }
          }
          return 0;
        });
  }
}
