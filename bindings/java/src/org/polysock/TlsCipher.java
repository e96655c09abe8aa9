package org.polysock;

/**
 * What cipher() returns: Python's (name, protocol, secret_bits) tuple, e.g. {@code
 * ('TLS_AES_256_GCM_SHA384', 'TLSv1.3', 256)}.
 *
 * @param name the cipher suite's OpenSSL name
 * @param protocol the protocol version that defines it, e.g. "TLSv1.3"
 * @param secretBits the secret key's bits
 */
public record TlsCipher(String name, String protocol, int secretBits) {
  @Override
  public String toString() {
    return "(" + Bytes.repr(name) + ", " + Bytes.repr(protocol) + ", " + secretBits + ")";
  }
}
