package org.polysock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What getpeercert() returns: Python's dict of the peer's certificate. subject and
 * issuer are Python's tuples of RDNs, each a list of (name, value) attributes (e.g.
 * {@code [[('commonName', 'localhost')]]}), subjectAltName the (type, value) pairs (e.g.
 * {@code ('DNS', 'localhost'), ('IP Address', '127.0.0.1')}).
 *
 * <p>As in Python, the fields are filled only when the certificate was verified
 * ({@link #validated()}): with CERT_NONE Python's getpeercert() is {@code {}}, and here
 * the lists are empty and the strings null. {@link #der()} (Python's
 * getpeercert(binary_form=True)) is always there. {@link #toString()} prints the dict as
 * Python does.
 */
public final class PeerCertificate {
  /** One attribute of an RDN: Python's (name, value), e.g. ('commonName', 'localhost'). */
  public record Attribute(String name, String value) {
    @Override
    public String toString() {
      return "(" + Bytes.repr(name) + ", " + Bytes.repr(value) + ")";
    }
  }

  /** One subjectAltName entry: Python's (type, value), e.g. ('IP Address', '127.0.0.1'). */
  public record AltName(String type, String value) {
    @Override
    public String toString() {
      return "(" + Bytes.repr(type) + ", " + Bytes.repr(value) + ")";
    }
  }

  private final boolean validated;
  private final int version;
  private final String serialNumber;
  private final String notBefore;
  private final String notAfter;
  private final List<List<Attribute>> subject;
  private final List<List<Attribute>> issuer;
  private final List<AltName> subjectAltName;
  private final byte[] der;

  /** Made by the JNI layer: the lists as RDN indexes and (name, value) pairs interleaved. */
  PeerCertificate(int validated, int version, String serialNumber, String notBefore,
      String notAfter, int[] subjectRdns, String[] subject, int[] issuerRdns, String[] issuer,
      String[] subjectAltName, byte[] der) {
    this.validated = validated != 0;
    this.der = der;
    if (!this.validated) { // Python's {}
      this.version = 0;
      this.serialNumber = null;
      this.notBefore = null;
      this.notAfter = null;
      this.subject = List.of();
      this.issuer = List.of();
      this.subjectAltName = List.of();
      return;
    }
    this.version = version;
    this.serialNumber = serialNumber;
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    this.subject = rdns(subjectRdns, subject);
    this.issuer = rdns(issuerRdns, issuer);
    List<AltName> names = new ArrayList<>();
    for (int i = 0; i + 1 < subjectAltName.length; i += 2) {
      names.add(new AltName(subjectAltName[i], subjectAltName[i + 1]));
    }
    this.subjectAltName = Collections.unmodifiableList(names);
  }

  /** Groups the attributes by RDN: entries of one RDN share its index and come in order. */
  private static List<List<Attribute>> rdns(int[] indexes, String[] pairs) {
    List<List<Attribute>> result = new ArrayList<>();
    List<Attribute> current = null;
    int last = Integer.MIN_VALUE;
    for (int i = 0; i < indexes.length; i++) {
      if (current == null || indexes[i] != last) {
        current = new ArrayList<>();
        result.add(current);
        last = indexes[i];
      }
      current.add(new Attribute(pairs[2 * i], pairs[2 * i + 1]));
    }
    result.replaceAll(Collections::unmodifiableList);
    return Collections.unmodifiableList(result);
  }

  /** True if the certificate was verified (Python's dict is empty otherwise). */
  public boolean validated() {
    return validated;
  }

  /** 'subject': the RDNs in order, each a list of attributes. */
  public List<List<Attribute>> subject() {
    return subject;
  }

  /** 'issuer', as subject. */
  public List<List<Attribute>> issuer() {
    return issuer;
  }

  /** 'subjectAltName': the (type, value) entries, empty if the certificate has none. */
  public List<AltName> subjectAltName() {
    return subjectAltName;
  }

  /** 'version', e.g. 3 (0 when not validated). */
  public int version() {
    return version;
  }

  /** 'serialNumber' in upper-case hex, e.g. "1A2B..."; null when not validated. */
  public String serialNumber() {
    return serialNumber;
  }

  /** 'notBefore', e.g. "Dec  2 03:15:37 2026 GMT"; null when not validated. */
  public String notBefore() {
    return notBefore;
  }

  /** 'notAfter', as notBefore. */
  public String notAfter() {
    return notAfter;
  }

  /** getpeercert(binary_form=True): the certificate's DER bytes (a copy). */
  public byte[] der() {
    return der.clone();
  }

  /** The values of every attribute called name in the subject, e.g. "commonName". */
  public List<String> subjectValues(String name) {
    List<String> values = new ArrayList<>();
    for (List<Attribute> rdn : subject) {
      for (Attribute a : rdn) {
        if (a.name().equals(name)) {
          values.add(a.value());
        }
      }
    }
    return values;
  }

  /** Python's repr of the dict, e.g. {'subject': ((('commonName', 'localhost'),),), ...}. */
  @Override
  public String toString() {
    if (!validated) {
      return "{}";
    }
    StringBuilder s = new StringBuilder("{'subject': ").append(tuple(subject))
        .append(", 'issuer': ").append(tuple(issuer))
        .append(", 'version': ").append(version)
        .append(", 'serialNumber': ").append(Bytes.repr(serialNumber))
        .append(", 'notBefore': ").append(Bytes.repr(notBefore))
        .append(", 'notAfter': ").append(Bytes.repr(notAfter));
    if (!subjectAltName.isEmpty()) {
      s.append(", 'subjectAltName': ").append(tuple(subjectAltName));
    }
    return s.append('}').toString();
  }

  /** Python's tuple repr: (a, b), with the trailing comma of one element, (a,). */
  private static String tuple(List<?> items) {
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        s.append(", ");
      }
      Object item = items.get(i);
      s.append(item instanceof List<?> list ? tuple(list) : item);
    }
    if (items.size() == 1) {
      s.append(',');
    }
    return s.append(')').toString();
  }
}
