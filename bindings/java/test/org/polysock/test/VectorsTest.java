package org.polysock.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.polysock.AddrInfo;
import org.polysock.GaiException;
import org.polysock.HostException;
import org.polysock.NameInfo;
import org.polysock.Net;
import org.polysock.PolysockException;
import org.polysock.PolysockTimeoutException;

/**
 * Every CPython conformance vector of tests/data/python_socket_vectors.json, through the
 * Java API: the same result, or the same exception kind, errno and message text.
 */
class VectorsTest {
  private static final List<Map<String, Object>> VECTORS = load();

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> load() {
    try {
      String file = System.getProperty("polysock.vectors");
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
      Map<String, Object> doc = (Map<String, Object>) Json.parse(text);
      return (List<Map<String, Object>>) doc.get("vectors");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the vectors", e);
    }
  }

  @Test
  void fileHas589VectorsOfWhichFourExceedLong() {
    assertEquals(589, VECTORS.size());
    long beyond = VECTORS.stream()
        .filter(v -> !((List<?>) v.get("args")).isEmpty()
            && ((List<?>) v.get("args")).get(0) instanceof BigInteger)
        .count();
    assertEquals(4, beyond, "vectors with an argument beyond a Java long (2**63)");
  }

  @TestFactory
  Stream<DynamicTest> everyVector() {
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < VECTORS.size(); i++) {
      Map<String, Object> v = VECTORS.get(i);
      tests.add(DynamicTest.dynamicTest(i + " " + v.get("fn") + v.get("args"), () -> check(v)));
    }
    return tests.stream();
  }

  /** What one call gave: a result in the vectors' JSON shape, or an exception. */
  private static Object run(String fn, List<Object> args) throws Exception {
    switch (fn) {
      case "htons":
        return (long) Net.htons(asLong(args.get(0))); // the JSON numbers are long
      case "ntohs":
        return (long) Net.ntohs(asLong(args.get(0)));
      case "htonl":
        return Net.htonl(asLong(args.get(0)));
      case "ntohl":
        return Net.ntohl(asLong(args.get(0)));
      case "inet_aton":
        return hex(Net.inetAton((String) args.get(0)));
      case "inet_ntoa":
        return Net.inetNtoa(unhex((String) args.get(0)));
      case "inet_pton":
        return hex(Net.inetPton(asInt(args.get(0)), (String) args.get(1)));
      case "inet_ntop":
        return Net.inetNtop(asInt(args.get(0)), unhex((String) args.get(1)));
      case "getservbyname":
        return (long) Net.getservbyname((String) args.get(0), (String) args.get(1));
      case "getservbyport":
        return Net.getservbyport(asInt(args.get(0)), (String) args.get(1));
      case "getprotobyname":
        return (long) Net.getprotobyname((String) args.get(0));
      case "getaddrinfo_numeric": {
        Object port = args.get(1);
        List<AddrInfo> infos = Net.getaddrinfo((String) args.get(0), String.valueOf(port),
            asInt(args.get(2)), asInt(args.get(3)), 0, Net.AI_NUMERICHOST);
        List<Object> result = new ArrayList<>();
        for (AddrInfo ai : infos) {
          result.add(List.of((long) ai.family(), (long) ai.type(), (long) ai.proto(),
              List.of(ai.address().host(), (long) ai.address().port())));
        }
        return result;
      }
      case "getnameinfo_numeric": {
        NameInfo ni = Net.getnameinfo((String) args.get(0), asInt(args.get(1)),
            Net.NI_NUMERICHOST | Net.NI_NUMERICSERV);
        return List.of(ni.host(), ni.service());
      }
      default:
        throw new AssertionError("no runner for vector function " + fn);
    }
  }

  @SuppressWarnings("unchecked")
  private static void check(Map<String, Object> v) throws Exception {
    String fn = (String) v.get("fn");
    List<Object> args = (List<Object>) v.get("args");
    boolean beyondLong = !args.isEmpty() && args.get(0) instanceof BigInteger;
    Object result;
    try {
      result = run(fn, args);
    } catch (Exception e) {
      if ((Boolean) v.get("ok")) {
        fail("expected " + v.get("result") + ", got " + e);
      }
      String category = (String) v.get("error");
      String message = (String) v.get("message");
      assertEquals(category, categoryOf(e), "exception kind of " + e);
      if (beyondLong && message.contains("Python int too large to convert to C long")) {
        // Python's 2**63 reaches Java as Long.MAX_VALUE: CPython's next check speaks.
        assertEquals(fn.endsWith("s") ? "signed integer is greater than maximum"
                                      : "int larger than 32 bits", e.getMessage());
        return;
      }
      assertEquals(message, e.getMessage());
      if (e instanceof PolysockException pe) {
        assertEquals(errnoInMessage(message), pe.errno(), "errno of " + message);
      }
      return;
    }
    assertTrue((Boolean) v.get("ok"), "expected " + v.get("error") + " " + v.get("message")
        + ", got the result " + result);
    assertEquals(v.get("result"), result);
  }

  private static String categoryOf(Exception e) {
    if (e instanceof GaiException) {
      return "GAI";
    }
    if (e instanceof HostException) {
      return "HOST";
    }
    if (e instanceof PolysockTimeoutException) {
      return "TIMEOUT";
    }
    if (e instanceof PolysockException) {
      return "OS";
    }
    if (e instanceof IllegalArgumentException) {
      return "VALUE";
    }
    return e.toString();
  }

  private static int errnoInMessage(String message) {
    Matcher m = Pattern.compile("^\\[Errno (-?\\d+)\\]").matcher(message);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  private static long asLong(Object o) {
    // Python ints beyond a long (2**63) reach Java clamped, as a C caller's would.
    return o instanceof BigInteger ? Long.MAX_VALUE : (Long) o;
  }

  private static int asInt(Object o) {
    return Math.toIntExact((Long) o);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] unhex(String s) {
    return HexFormat.of().parseHex(s);
  }
}
