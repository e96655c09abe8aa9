package org.polysock.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import org.polysock.Net;

/**
 * The command-line rules every example shares, so that a test (or a person) can drive
 * the Java programs exactly like the C, C# and Go ones: --help exits 0, bad usage 2,
 * a failure 1 with Python's message (the binding's exception message) on stderr.
 */
final class Cli {
  /** A program's body: its exit status, or an exception that decides it. */
  interface Body {
    int run(String[] args) throws Exception;
  }

  /** Thrown for a malformed argument: reported with the usage, exit status 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private Cli() {}

  /** Runs body when args has min..max arguments, then exits with its status. */
  static void main(String name, String usage, int min, int max, String[] args, Body body) {
    String text = "usage: " + name + " " + usage;
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(text);
      System.exit(0);
    }
    int status;
    if (args.length < min || args.length > max) {
      System.err.println(text);
      status = 2;
    } else {
      try {
        status = body.run(args);
      } catch (UsageException e) {
        System.err.println(name + ": " + e.getMessage());
        System.err.println(text);
        status = 2;
      } catch (NoSuchFileException e) {
        // java.nio's message is the bare path; say what Python would.
        System.err.println(name + ": [Errno 2] No such file or directory: '" + e.getFile() + "'");
        status = 1;
      } catch (IOException e) {
        // PolysockException (and its timeout) carry Python's text, e.g.
        // "[Errno 111] Connection refused" or "timed out".
        System.err.println(name + ": " + e.getMessage());
        status = 1;
      } catch (Exception e) {
        System.err.println(name + ": " + e);
        status = 1;
      }
    }
    System.out.flush();
    System.exit(status);
  }

  static int port(String s) throws UsageException {
    int port = number(s, "port");
    if (port > 65535) {
      throw new UsageException("port must be 0-65535, not " + s);
    }
    return port;
  }

  static int number(String s, String what) throws UsageException {
    try {
      int n = Integer.parseInt(s);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below, as a negative number is
    }
    throw new UsageException(what + " must be a non-negative integer, not '" + s + "'");
  }

  /** AF_INET6 for a numeric IPv6 host such as ::1, AF_INET otherwise. */
  static int family(String host) {
    return host.contains(":") ? Net.AF_INET6 : Net.AF_INET;
  }

  /** The first line of every server, flushed at once: the caller waits for it. */
  static void listening(PrintStream out, org.polysock.SocketAddress address) {
    out.println("listening on " + address.host() + ":" + address.port());
    out.flush();
  }
}
