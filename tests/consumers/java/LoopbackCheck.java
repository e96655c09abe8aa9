// The Java consumer of an installed polysock: compiled and run against the installed
// jar alone (javac/java -cp <prefix>/share/java/polysock.jar), no LD_LIBRARY_PATH.
// Sends bytes to itself over 127.0.0.1 and checks they came back intact: exit 0.
import java.util.Arrays;
import org.polysock.ConnectionRefusedException;
import org.polysock.Net;
import org.polysock.Socket;

public final class LoopbackCheck {
  public static void main(String[] args) throws Exception {
    byte[] sent = new byte[100_000];
    for (int i = 0; i < sent.length; i++) {
      sent[i] = (byte) (i * 13 + 1);
    }
    byte[] got = new byte[sent.length];
    int port;
    try (Socket server = Net.createServer("127.0.0.1", 0)) {
      port = server.getsockname().port();
      try (Socket client = Net.createConnection("127.0.0.1", port, 10);
           Socket conn = server.accept().socket()) {
        conn.settimeout(10);
        Thread writer = new Thread(() -> {
          try {
            client.sendall(sent);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        writer.start();
        int have = 0;
        while (have < got.length) {
          int n = conn.recvInto(got, have, got.length - have);
          if (n == 0) {
            break;
          }
          have += n;
        }
        writer.join(10_000);
      }
    }
    // The error classes come from the installed jar too: the listener is gone now.
    try (Socket s = new Socket()) {
      s.connect("127.0.0.1", port);
      System.err.println("connect to a closed port succeeded");
      System.exit(1);
    } catch (ConnectionRefusedException expected) {
      // as Python's ConnectionRefusedError
    }
    if (!Arrays.equals(sent, got)) {
      System.err.println("the bytes came back damaged");
      System.exit(1);
    }
    System.out.println("java loopback ok: polysock " + Net.version() + ", "
        + sent.length + " bytes");
  }
}
