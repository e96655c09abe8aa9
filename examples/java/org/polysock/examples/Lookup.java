package org.polysock.examples;

import java.util.HexFormat;
import org.polysock.AddrInfo;
import org.polysock.Net;
import org.polysock.PolysockException;

/**
 * The socket module's name, service and address functions, each printed as Python
 * prints its result. Only HOST (default localhost), 127.0.0.1 and ::1 are looked up.
 */
public final class Lookup {
  private Lookup() {}

  public static void main(String[] args) {
    Cli.main("lookup", "[HOST]   (default localhost)", 0, 1, args, a -> {
      String host = a.length > 0 ? a[0] : "localhost";
      HexFormat hex = HexFormat.of();
      System.out.println("gethostname() = '" + Net.gethostname() + "'");
      try {
        System.out.println("gethostbyname('" + host + "') = '" + Net.gethostbyname(host) + "'");
        System.out.println("gethostbyname_ex('" + host + "') = " + Net.gethostbynameEx(host));
      } catch (PolysockException e) {
        // The gethostbyname family knows IPv4 only, so e.g. ::1 fails as in Python.
        System.out.println("gethostbyname('" + host + "') failed (IPv4 only): " + e.getMessage());
      }
      System.out.println("gethostbyaddr('127.0.0.1') = " + Net.gethostbyaddr("127.0.0.1"));
      // getaddrinfo is the one to use in real code: it knows IPv4 and IPv6.
      for (AddrInfo info : Net.getaddrinfo(host, 80, 0, Net.SOCK_STREAM, 0, 0)) {
        System.out.println("getaddrinfo('" + host + "', 80, SOCK_STREAM) -> " + info);
      }
      System.out.println("getservbyname('http', 'tcp') = " + Net.getservbyname("http", "tcp"));
      System.out.println("getservbyport(80, 'tcp') = '" + Net.getservbyport(80, "tcp") + "'");
      System.out.println("getprotobyname('tcp') = " + Net.getprotobyname("tcp"));

      byte[] packed = Net.inetAton("127.0.0.1");
      System.out.println("inet_aton('127.0.0.1') = " + hex.formatHex(packed)
          + ", inet_ntoa back = '" + Net.inetNtoa(packed) + "'");
      for (String ip : new String[] {"::1", "2001:db8::1"}) {
        byte[] ip6 = Net.inetPton(Net.AF_INET6, ip);
        System.out.println("inet_pton(AF_INET6, '" + ip + "') = " + hex.formatHex(ip6)
            + ", inet_ntop back = '" + Net.inetNtop(Net.AF_INET6, ip6) + "'");
      }
      // inet_pton is also the way to check that a string is an IPv6 address.
      String bad = "1:2:3:4:5:6:7:8:9";
      try {
        Net.inetPton(Net.AF_INET6, bad);
        System.err.println("lookup: inet_pton accepted " + bad);
        return 1;
      } catch (PolysockException e) {
        System.out.println("inet_pton(AF_INET6, '" + bad + "') refused: " + e.getMessage());
      }
      // Network byte order is big-endian; these show the swap on this little-endian host.
      System.out.println("htons(1) = " + Net.htons(1) + ", ntohs(" + Net.htons(1) + ") = "
          + Net.ntohs(Net.htons(1)));
      System.out.println("htonl(1) = " + Net.htonl(1) + ", ntohl(" + Net.htonl(1) + ") = "
          + Net.ntohl(Net.htonl(1)));
      return 0;
    });
  }
}
