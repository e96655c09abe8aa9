// A user of the polysock jar and nothing else: connects to an echo server and checks
// the bytes that come back. With an argument, the server is that program (the C
// example examples/c/echo_server, which prints "echo server on HOST:PORT"); without
// one, a polysock echo server runs in this process.
//   java -cp polysock-<version>.jar:. EchoCheck [path/to/echo_server]
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.polysock.Net;
import org.polysock.Socket;

public final class EchoCheck {
  private EchoCheck() {}

  public static void main(String[] args) throws Exception {
    byte[] message = "polysock Java consumer: ping \u00e9\u00e8".getBytes(StandardCharsets.UTF_8);
    if (args.length > 0) {
      Process server = new ProcessBuilder(args[0], "0").redirectErrorStream(true).start();
      try {
        BufferedReader out = new BufferedReader(
            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        Matcher m = Pattern.compile("echo server on (.+):(\\d+)").matcher(line == null ? "" : line);
        if (!m.find()) {
          throw new AssertionError("unexpected server output: " + line);
        }
        check(m.group(1), Integer.parseInt(m.group(2)), message);
      } finally {
        server.destroy();
        server.waitFor();
      }
    } else {
      try (Socket listener = Net.createServer("127.0.0.1", 0)) {
        Thread t = new Thread(() -> {
          try (Socket conn = listener.accept().socket()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = conn.recvInto(buf)) > 0) {
              conn.sendall(buf, 0, n);
            }
          } catch (Exception e) {
            e.printStackTrace();
          }
        });
        t.start();
        check("127.0.0.1", listener.getsockname().port(), message);
        t.join(10_000);
      }
    }
    System.out.println("EchoCheck: ok");
  }

  private static void check(String host, int port, byte[] message) throws Exception {
    try (Socket client = Net.createConnection(host, port, 10.0)) {
      client.sendall(message);
      byte[] got = new byte[message.length];
      int have = 0;
      while (have < got.length) {
        int n = client.recvInto(got, have, got.length - have);
        if (n == 0) {
          throw new AssertionError("server closed after " + have + " bytes");
        }
        have += n;
      }
      if (!Arrays.equals(message, got)) {
        throw new AssertionError("echo differs: " + new String(got, StandardCharsets.UTF_8));
      }
      System.out.println("echo from " + host + ":" + port + " ok (" + got.length + " bytes)");
    }
  }
}
