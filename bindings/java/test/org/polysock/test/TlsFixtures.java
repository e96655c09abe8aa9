package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.polysock.Net;
import org.polysock.Socket;
import org.polysock.TlsContext;

/**
 * What the TLS suites share: certificates made by the openssl command in a temporary
 * directory when the class loads (a CA; a server certificate for localhost and
 * 127.0.0.1 signed by it, its key also encrypted with a password; a second CA that
 * signed nothing the tests trust), contexts, a connected pair of TLS sockets over
 * loopback, and bounded subprocesses. Every wait is bounded.
 */
final class TlsFixtures {
  static final Path DIR;
  static final Path CA;
  static final Path OTHER_CA;
  static final Path SERVER_CERT;
  static final Path SERVER_KEY;
  static final Path SERVER_KEY_ENCRYPTED;
  static final String PASSWORD = "polysock-secret";
  /** Seconds every socket of the suites waits at most. */
  static final double WAIT = 10.0;

  static final ExecutorService THREADS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tls-test");
    t.setDaemon(true);
    return t;
  });

  private static final String OPENSSL_CONFIG = String.join("\n",
      "[req]",
      "distinguished_name = dn",
      "prompt = no",
      "[dn]",
      "CN = unused",
      "[ca_ext]",
      "basicConstraints = critical,CA:TRUE",
      "keyUsage = critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier = hash",
      "[server_ext]",
      "basicConstraints = CA:FALSE",
      "keyUsage = critical,digitalSignature",
      "extendedKeyUsage = serverAuth,clientAuth",
      "subjectAltName = DNS:localhost,IP:127.0.0.1",
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "");

  static {
    try {
      DIR = Files.createTempDirectory("polysock-tls-");
      Runtime.getRuntime().addShutdownHook(new Thread(TlsFixtures::removeDir));
      Path config = DIR.resolve("openssl.cnf");
      Files.writeString(config, OPENSSL_CONFIG);
      CA = makeCa("ca", "polysock test CA", config);
      OTHER_CA = makeCa("other-ca", "polysock untrusted CA", config);
      SERVER_KEY = DIR.resolve("server.key");
      SERVER_CERT = DIR.resolve("server.pem");
      SERVER_KEY_ENCRYPTED = DIR.resolve("server-encrypted.key");
      // A multi-valued RDN (OU + CN) shows getpeercert's grouping of attributes.
      openssl("req", "-new", "-config", config.toString(), "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", SERVER_KEY.toString(), "-out",
          DIR.resolve("server.csr").toString(), "-multivalue-rdn", "-subj",
          "/O=polysock/OU=tests+CN=localhost");
      openssl("x509", "-req", "-in", DIR.resolve("server.csr").toString(), "-CA",
          CA.toString(), "-CAkey", DIR.resolve("ca.key").toString(), "-set_serial",
          "0x5A17C0FFEE", "-days", "3", "-extfile", config.toString(), "-extensions",
          "server_ext", "-out", SERVER_CERT.toString());
      openssl("pkey", "-in", SERVER_KEY.toString(), "-aes256", "-passout", "pass:" + PASSWORD,
          "-out", SERVER_KEY_ENCRYPTED.toString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot make the test certificates: " + e.getMessage(), e);
    }
  }

  private TlsFixtures() {}

  private static Path makeCa(String name, String commonName, Path config) throws IOException {
    Path cert = DIR.resolve(name + ".pem");
    openssl("req", "-x509", "-config", config.toString(), "-extensions", "ca_ext", "-newkey",
        "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
        DIR.resolve(name + ".key").toString(), "-out", cert.toString(), "-days", "3", "-subj",
        "/CN=" + commonName);
    return cert;
  }

  private static void openssl(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(Arrays.asList(args));
    Result r = run(command, 30);
    if (r.exitCode() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + r.output());
    }
  }

  private static void removeDir() {
    try (Stream<Path> files = Files.walk(DIR)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: nothing more to do
    }
  }

  // ---- contexts ----

  /** A server's context with the localhost certificate. */
  static TlsContext serverContext() throws IOException {
    TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_SERVER);
    ctx.loadCertChain(SERVER_CERT, SERVER_KEY);
    return ctx;
  }

  /** A client's context that trusts the test CA (check_hostname on, CERT_REQUIRED). */
  static TlsContext clientContext() throws IOException {
    TlsContext ctx = new TlsContext(TlsContext.Protocol.TLS_CLIENT);
    ctx.loadVerifyLocations(CA);
    return ctx;
  }

  // ---- a connected pair ----

  /** Two ends of one TLS connection over 127.0.0.1, both in timeout mode (WAIT). */
  record Pair(Socket client, Socket server) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try {
        client.close();
      } finally {
        server.close();
      }
    }
  }

  /** The failure of each end of a handshake that did not succeed (null: that end did). */
  record Failure(Exception client, Exception server) {}

  /** Connects a client (serverHostname checked) and a server, handshaking in two threads. */
  static Pair connect(TlsContext serverCtx, TlsContext clientCtx, String serverHostname)
      throws Exception {
    try (Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      Future<Socket> server = THREADS.submit(() -> {
        Socket conn = listener.accept().socket();
        conn.settimeout(WAIT);
        return serverCtx.wrapSocket(conn, true, null);
      });
      Socket client;
      try {
        client = clientCtx.wrapSocket(Net.createConnection("127.0.0.1", port, WAIT), false,
            serverHostname);
      } catch (Exception e) {
        try {
          server.get((long) WAIT, TimeUnit.SECONDS).close();
        } catch (ExecutionException ignored) {
          // the server's end failed too, as expected after the client's failed
        }
        throw e;
      }
      return new Pair(client, server.get((long) WAIT, TimeUnit.SECONDS));
    }
  }

  /** A handshake expected to fail: what each end threw. */
  static Failure failedHandshake(TlsContext serverCtx, TlsContext clientCtx,
      String serverHostname) throws Exception {
    try (Socket listener = Net.createServer("127.0.0.1", 0)) {
      listener.settimeout(WAIT);
      int port = listener.getsockname().port();
      Future<Socket> server = THREADS.submit(() -> {
        Socket conn = listener.accept().socket();
        conn.settimeout(WAIT);
        return serverCtx.wrapSocket(conn, true, null);
      });
      Exception clientError = null;
      Socket plain = Net.createConnection("127.0.0.1", port, WAIT);
      try (Socket client = clientCtx.wrapSocket(plain, false, serverHostname)) {
        client.recv(1); // TLS 1.3: the server learns of a refused certificate only now
      } catch (Exception e) {
        clientError = e;
      } finally {
        plain.close();
      }
      Exception serverError = null;
      try (Socket conn = server.get((long) WAIT, TimeUnit.SECONDS)) {
        conn.recv(1);
      } catch (ExecutionException e) {
        serverError = (Exception) e.getCause();
      } catch (Exception e) {
        serverError = e;
      }
      return new Failure(clientError, serverError);
    }
  }

  // ---- data ----

  /** n bytes of a pattern that no shifted copy of itself matches (a failed check shows). */
  static byte[] pattern(int n, long seed) {
    byte[] data = new byte[n];
    new java.util.Random(seed).nextBytes(data);
    return data;
  }

  /** Receives exactly n bytes (fails at an early end of stream). */
  static byte[] recvExactly(Socket s, int n) throws IOException {
    byte[] data = new byte[n];
    int got = 0;
    while (got < n) {
      int k = s.recvInto(data, got, n - got);
      assertTrue(k > 0, "end of stream after " + got + " of " + n + " bytes");
      got += k;
    }
    return data;
  }

  // ---- subprocesses ----

  /** A finished command: its exit code and its output (stdout and stderr together). */
  record Result(int exitCode, String output) {}

  /**
   * Runs command with no input, killed after timeoutSeconds. Its output goes through a
   * file, not a thread: this runs inside the class's static initializer, where another
   * thread running a lambda of this class would wait for the initializer to finish.
   */
  static Result run(List<String> command, long timeoutSeconds) throws IOException {
    Path log = Files.createTempFile(DIR, "run-", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new IOException(command.get(0) + " did not end within " + timeoutSeconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(log));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  /**
   * A running peer program: its output lines as they come (stdout and stderr together),
   * its stdin, and a bounded end. close() kills it if it is still running.
   */
  static final class Peer implements AutoCloseable {
    private final Process process;
    private final java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private final StringBuilder all = new StringBuilder();

    Peer(List<String> command) throws IOException {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      THREADS.submit(() -> {
        try (java.io.BufferedReader r = new java.io.BufferedReader(
            new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            synchronized (all) {
              all.append(line).append('\n');
            }
            lines.add(line);
          }
        }
        return null;
      });
    }

    /** The next output line that starts with prefix (others skipped), within WAIT seconds. */
    String lineStartingWith(String prefix) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + (long) (WAIT * 1e9);
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()),
            TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new IOException("no line starting with '" + prefix + "' within " + WAIT
              + " s; output so far:\n" + output());
        }
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    }

    java.io.OutputStream stdin() {
      return process.getOutputStream();
    }

    /** Waits (bounded) for the end: the exit code. */
    int waitFor() throws IOException, InterruptedException {
      if (!process.waitFor((long) WAIT * 2, TimeUnit.SECONDS)) {
        throw new IOException("the peer did not end; output:\n" + output());
      }
      return process.exitValue();
    }

    String output() {
      synchronized (all) {
        return all.toString();
      }
    }

    @Override
    public void close() throws IOException {
      process.destroyForcibly();
      try {
        process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Python 3's output for a program given on its command line (python3 -c). */
  static String python(String program, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("python3", "-c", program));
    command.addAll(Arrays.asList(args));
    Result r = run(command, 30);
    assertEquals(0, r.exitCode(), "python3 failed: " + r.output());
    return r.output().strip();
  }
}
