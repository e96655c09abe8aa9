package org.polysock;

/** Python's repr of bytes and str, for the toString of result records. */
final class Bytes {
  private Bytes() {}

  /** b'...' as Python writes it: ' unless the bytes hold ' and no ". */
  static String repr(byte[] data) {
    boolean single = false;
    boolean dbl = false;
    for (byte b : data) {
      single |= b == '\'';
      dbl |= b == '"';
    }
    char quote = single && !dbl ? '"' : '\'';
    StringBuilder s = new StringBuilder(data.length + 3).append('b').append(quote);
    for (byte b : data) {
      int c = b & 0xff;
      if (c == quote || c == '\\') {
        s.append('\\').append((char) c);
      } else if (c == '\t') {
        s.append("\\t");
      } else if (c == '\n') {
        s.append("\\n");
      } else if (c == '\r') {
        s.append("\\r");
      } else if (c < 0x20 || c >= 0x7f) {
        s.append("\\x").append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else {
        s.append((char) c);
      }
    }
    return s.append(quote).toString();
  }

  /** 'text' as Python's repr writes a str: ' unless the text holds ' and no ". */
  static String repr(String text) {
    char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder s = new StringBuilder(text.length() + 2).append(quote);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == quote || c == '\\') {
        s.append('\\').append(c);
      } else if (c == '\t') {
        s.append("\\t");
      } else if (c == '\n') {
        s.append("\\n");
      } else if (c == '\r') {
        s.append("\\r");
      } else if (c < 0x20 || c == 0x7f) {
        s.append("\\x").append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      } else {
        s.append(c);
      }
    }
    return s.append(quote).toString();
  }
}
